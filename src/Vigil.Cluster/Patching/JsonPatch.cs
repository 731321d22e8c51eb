using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

using Vigil.Cluster.Serialization;

namespace Vigil.Cluster.Patching;

/// <summary>JSON patch (RFC 6902): add, remove, replace, move, copy, test.</summary>
/// <remarks>
/// Behaviour follows what kube-apiserver does with <c>application/json-patch+json</c> (it uses evanphx/json-patch v4):
/// <list type="bullet">
/// <item>A body that does not decode as a list of operations is a <b>400 BadRequest</b> whose message is the Go decoder's
/// (e.g. <c>json: cannot unmarshal object into Go value of type jsonpatch.Patch</c>).</item>
/// <item>More than 10000 operations is a <b>413 RequestEntityTooLarge</b>.</item>
/// <item>An operation that cannot be applied (unknown op, missing path, index out of range, failed test) is answered by
/// kube-apiserver with <c>errors.NewGenericServerResponse(422, ...)</c>, i.e. a <b>422 Invalid</b> whose message is the fixed
/// text "the server rejected our request due to an error in our request" (the library's own error is not sent to the client;
/// kubectl prints "The request is invalid"). We reproduce that exactly and keep the library-style detail
/// (e.g. <c>add operation does not apply: doc is missing path: "/spec/x/y": missing value</c>) in
/// <see cref="Exception.Data"/> under <see cref="DetailKey"/> for logs and tests.</item>
/// <item>Quirks of v4 kept on purpose: negative array indices count from the end, <c>replace</c> of a missing object key
/// adds it, an operation without <c>value</c> uses <c>null</c>, a JSON <c>null</c> member counts as missing when traversing
/// or testing.</item>
/// <item>Deliberate deviation: a pointer that does not start with '/' is rejected (v4 silently ignores its first token).</item>
/// </list>
/// The target is never modified: operations run on a deep copy, so a patch that fails halfway leaves the caller's object intact.
/// </remarks>
public static class JsonPatch
{
    /// <summary>The key of <see cref="Exception.Data"/> holding the json-patch library's description of a failed operation.</summary>
    public const string DetailKey = "detail";

    /// <summary>kube-apiserver's limit (<c>maxJSONPatchOperations</c>).</summary>
    public const int MaxOperations = 10000;

    private const string MissingValue = "missing value";
    private const string InvalidIndex = "invalid index referenced";

    /// <summary>Applies the operations to a copy-safe target; throws an ApiException naming the failing operation.</summary>
    public static JsonNode Apply(JsonNode target, JsonNode patch)
    {
        ArgumentNullException.ThrowIfNull(target);
        var operations = Decode(patch);
        if (operations.Count > MaxOperations)
        {
            throw new ApiException(413, "RequestEntityTooLarge",
                $"Request entity too large: The allowed maximum operations in a JSON patch is {MaxOperations}, got {operations.Count}");
        }

        JsonNode doc = target.DeepClone();
        foreach (var op in operations)
        {
            var error = ApplyOne(ref doc, op);
            if (error is not null)
            {
                var ex = new ApiException(422, "Invalid", "the server rejected our request due to an error in our request");
                ex.Data[DetailKey] = error;
                throw ex;
            }
        }
        return doc;
    }

    private static List<JsonObject?> Decode(JsonNode? patch)
    {
        // Go: json.Unmarshal(body, &Patch{}) where Patch is []Operation and Operation is map[string]*json.RawMessage.
        if (patch is null) return [];
        if (patch is not JsonArray array)
            throw ApiException.BadRequest($"json: cannot unmarshal {GoJsonKind(patch)} into Go value of type jsonpatch.Patch");
        var ops = new List<JsonObject?>(array.Count);
        foreach (var element in array)
        {
            if (element is null) ops.Add(null);
            else if (element is JsonObject o) ops.Add(o);
            else throw ApiException.BadRequest($"json: cannot unmarshal {GoJsonKind(element)} into Go value of type jsonpatch.Operation");
        }
        return ops;
    }

    /// <summary>The word Go's decoder uses for a JSON value in "cannot unmarshal X into ...".</summary>
    internal static string GoJsonKind(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "bool",
            _ => "null",
        },
    };

    private static string OpKind(JsonObject? op) =>
        op is not null && op.TryGetPropertyValue("op", out var v) && v is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : "unknown";

    /// <summary>Reads a string member ("path" or "from"); the error is the library's wording when it is absent or not a string.</summary>
    private static (string? Value, string? Error) ReadString(JsonObject op, string name)
    {
        if (!op.TryGetPropertyValue(name, out var node) || node is null)
        {
            return (null, name == "path"
                ? $"operation missing path field: {MissingValue}"
                : $"operation, missing from field: {MissingValue}");
        }
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String) return (v.GetValue<string>(), null);
        return (null, $"json: cannot unmarshal {GoJsonKind(node)} into Go value of type string");
    }

    private static JsonNode? OpValue(JsonObject op) => op.TryGetPropertyValue("value", out var v) ? v?.DeepClone() : null;

    /// <summary>Applies one operation to <paramref name="doc"/>; returns an error description or null.</summary>
    private static string? ApplyOne(ref JsonNode doc, JsonObject? op)
    {
        var kind = OpKind(op);
        if (op is null) return $"Unexpected kind: {kind}";
        switch (kind)
        {
            case "add":
            {
                var (path, _) = ReadString(op, "path");
                if (path is null) return $"add operation failed to decode path: {MissingValue}";
                var (container, key) = FindContainer(doc, path);
                if (container is null) return $"add operation does not apply: doc is missing path: \"{path}\": {MissingValue}";
                var addErr = Add(container, key, OpValue(op));
                return addErr is null ? null : $"error in add for path: '{path}': {addErr}";
            }
            case "remove":
            {
                var (path, _) = ReadString(op, "path");
                if (path is null) return $"remove operation failed to decode path: {MissingValue}";
                var (container, key) = FindContainer(doc, path);
                if (container is null) return $"remove operation does not apply: doc is missing path: \"{path}\": {MissingValue}";
                var removeErr = Remove(container, key);
                return removeErr is null ? null : $"error in remove for path: '{path}': {removeErr}";
            }
            case "replace":
            {
                var (path, err) = ReadString(op, "path");
                if (path is null) return $"replace operation failed to decode path: {err}";
                if (path.Length == 0)
                {
                    var value = OpValue(op);
                    if (value is not (JsonObject or JsonArray)) return "replace operation value must be object or array";
                    doc = value;
                    return null;
                }
                var (container, key) = FindContainer(doc, path);
                if (container is null) return $"replace operation does not apply: doc is missing path: {path}: {MissingValue}";
                var (_, getErr) = Get(container, key);
                if (getErr is not null) return $"replace operation does not apply: doc is missing key: {path}: {MissingValue}";
                Set(container, key, OpValue(op));
                return null;
            }
            case "move":
            {
                var (from, fromErr) = ReadString(op, "from");
                if (from is null) return $"move operation failed to decode from: {fromErr}";
                var (source, sourceKey) = FindContainer(doc, from);
                if (source is null) return $"move operation does not apply: doc is missing from path: {from}: {MissingValue}";
                var (value, getErr) = Get(source, sourceKey);
                if (getErr is not null) return $"error in move for path: '{sourceKey}': {getErr}";
                var removeErr = Remove(source, sourceKey);
                if (removeErr is not null) return $"error in move for path: '{sourceKey}': {removeErr}";
                var (path, pathErr) = ReadString(op, "path");
                if (path is null) return $"move operation failed to decode path: {pathErr}";
                var (container, key) = FindContainer(doc, path);
                if (container is null) return $"move operation does not apply: doc is missing destination path: {path}: {MissingValue}";
                var addErr = Add(container, key, value);
                return addErr is null ? null : $"error in move for path: '{path}': {addErr}";
            }
            case "test":
            {
                var (path, err) = ReadString(op, "path");
                if (path is null) return $"test operation failed to decode path: {err}";
                var hasValue = op.TryGetPropertyValue("value", out var expected);
                if (path.Length == 0)
                    return JsonNode.DeepEquals(doc, expected) ? null : $"testing value {path} failed: test failed";
                var (container, key) = FindContainer(doc, path);
                if (container is null) return $"test operation does not apply: is missing path: {path}: {MissingValue}";
                var (actual, getErr) = Get(container, key);
                if (getErr is not null) return $"error in test for path: '{path}': {getErr}";
                if (actual is null) return !hasValue || expected is null ? null : $"testing value {path} failed: test failed";
                if (!hasValue) return $"testing value {path} failed: test failed";
                return JsonNode.DeepEquals(actual, expected) ? null : $"testing value {path} failed: test failed";
            }
            case "copy":
            {
                var (from, fromErr) = ReadString(op, "from");
                if (from is null) return $"copy operation failed to decode from: {fromErr}";
                var (source, sourceKey) = FindContainer(doc, from);
                if (source is null) return $"copy operation does not apply: doc is missing from path: {from}: {MissingValue}";
                var (value, getErr) = Get(source, sourceKey);
                if (getErr is not null) return $"error in copy for from: '{from}': {getErr}";
                var (path, _) = ReadString(op, "path");
                if (path is null) return $"copy operation failed to decode path: {MissingValue}";
                var (container, key) = FindContainer(doc, path);
                if (container is null) return $"copy operation does not apply: doc is missing destination path: {path}: {MissingValue}";
                var addErr = Add(container, key, value?.DeepClone());
                return addErr is null ? null : $"error while adding value during copy: {addErr}";
            }
            default:
                return $"Unexpected kind: {kind}";
        }
    }

    /// <summary>RFC 6901 reference token decoding: <c>~1</c> is '/', then <c>~0</c> is '~'.</summary>
    private static string DecodeToken(string token) => token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    /// <summary>
    /// Resolves every token but the last; returns the container (object or array) and the decoded last token, or a null
    /// container when the path is malformed (no leading '/') or an intermediate node is missing, null or not a container.
    /// </summary>
    private static (JsonNode? Container, string Key) FindContainer(JsonNode doc, string path)
    {
        // evanphx v4 ignores whatever precedes the first '/', so "spec/replicas" would address "/replicas" at the root;
        // RFC 6901 says such a pointer is malformed, and we reject it like any unresolvable path.
        if (!path.StartsWith('/')) return (null, "");
        var parts = path.Split('/');
        JsonNode current = doc;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var (next, err) = Get(current, DecodeToken(parts[i]));
            if (err is not null || next is not (JsonObject or JsonArray)) return (null, "");
            current = next;
        }
        return (current, DecodeToken(parts[^1]));
    }

    /// <summary>Go's strconv.Atoi: optional sign, decimal digits, fits in 64 bits.</summary>
    private static (long Index, string? Error) Atoi(string key)
    {
        var digits = key.StartsWith('+') || key.StartsWith('-') ? key[1..] : key;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
            return (0, $"strconv.Atoi: parsing {GoQuote(key)}: invalid syntax");
        if (!long.TryParse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            return (0, $"strconv.Atoi: parsing {GoQuote(key)}: value out of range");
        return (n, null);
    }

    private static string GoQuote(string s) => Vigil.Cluster.Serialization.GoFormat.Quote(s);

    private static string InvalidIndexError(long idx) => $"Unable to access invalid index: {idx}: {InvalidIndex}";

    private static (JsonNode? Value, string? Error) Get(JsonNode container, string key)
    {
        if (container is JsonObject obj) return (obj.TryGetPropertyValue(key, out var v) ? v : null, null);
        var array = (JsonArray)container;
        var (idx, err) = Atoi(key);
        if (err is not null) return (null, err);
        if (idx < 0)
        {
            if (idx < -array.Count) return (null, InvalidIndexError(idx));
            idx += array.Count;
        }
        if (idx >= array.Count) return (null, InvalidIndexError(idx));
        return (array[(int)idx], null);
    }

    /// <summary>Replace an existing member or element (the caller has checked that <paramref name="key"/> resolves).</summary>
    private static void Set(JsonNode container, string key, JsonNode? value)
    {
        if (container is JsonObject obj)
        {
            obj[key] = value;
            return;
        }
        var array = (JsonArray)container;
        var idx = Atoi(key).Index;
        if (idx < 0) idx += array.Count;
        array[(int)idx] = value;
    }

    private static string? Add(JsonNode container, string key, JsonNode? value)
    {
        Detach(value);
        if (container is JsonObject obj)
        {
            obj[key] = value;
            return null;
        }
        var array = (JsonArray)container;
        if (key == "-")
        {
            array.Add(value);
            return null;
        }
        var (idx, err) = Atoi(key);
        if (err is not null) return $"value was not a proper array index: '{key}': {err}";
        var size = array.Count + 1;
        if (idx >= size) return InvalidIndexError(idx);
        if (idx < 0)
        {
            if (idx < -size) return InvalidIndexError(idx);
            idx += size;
        }
        array.Insert((int)idx, value);
        return null;
    }

    private static string? Remove(JsonNode container, string key)
    {
        if (container is JsonObject obj)
        {
            return obj.Remove(key) ? null : $"Unable to remove nonexistent key: {key}: {MissingValue}";
        }
        var array = (JsonArray)container;
        var (idx, err) = Atoi(key);
        if (err is not null) return err;
        if (idx >= array.Count) return InvalidIndexError(idx);
        if (idx < 0)
        {
            if (idx < -array.Count) return InvalidIndexError(idx);
            idx += array.Count;
        }
        array.RemoveAt((int)idx);
        return null;
    }

    /// <summary>Detaches <paramref name="value"/> from its parent so that it can be attached elsewhere.</summary>
    private static void Detach(JsonNode? value)
    {
        switch (value?.Parent)
        {
            case JsonObject o:
                o.Remove(o.First(p => ReferenceEquals(p.Value, value)).Key);
                break;
            case JsonArray a:
                a.Remove(value);
                break;
        }
    }
}
