using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Patching.Internal;
using Vigil.Cluster.Schemas;

using Vigil.Cluster.Serialization;

namespace Vigil.Cluster.Patching;

/// <summary>Strategic merge patch for built-in kinds: lists merge by their patch merge key; <c>$patch</c> and friends are honoured.</summary>
/// <remarks>
/// Semantics follow k8s.io/apimachinery <c>strategicpatch.StrategicMergeMapPatch</c> as kube-apiserver runs it:
/// <list type="bullet">
/// <item>Maps merge recursively; <c>null</c> deletes a key; a field whose schema says <c>patchStrategy: replace</c> is replaced.</item>
/// <item>Lists with <c>patchStrategy: merge</c> and a merge key merge element-wise by that key; lists of scalars with merge
/// strategy are a de-duplicated union; every other list is replaced.</item>
/// <item>Element order is apimachinery's: the relative order of the patch wins for patched elements, server-only elements keep
/// their live order and are interleaved by their live position, and elements new to the list come before the remaining
/// server-only elements (kubectl sends <c>$setElementOrder</c> whenever the order matters, which then decides it).</item>
/// <item>Directives: <c>$patch: replace|delete|merge</c> on maps and in lists, <c>$retainKeys</c>,
/// <c>$setElementOrder/&lt;field&gt;</c>, <c>$deleteFromPrimitiveList/&lt;field&gt;</c>. Directives never reach the result,
/// including inside values that are added wholesale (apimachinery copies those verbatim and relies on typed decoding to drop them).</item>
/// <item>Malformed directives are 400 BadRequest, with apimachinery's messages (<c>invalid patch format of retainKeys</c>,
/// <c>invalid patch format of setElementOrder list</c>, <c>invalid patch format of primitive list</c>, <c>unknown patch type: ...</c>,
/// <c>map: ... does not contain declared merge key: name</c>, <c>The order in patch list: ... doesn't match $setElementOrder list: ...</c>).
/// The real server turns the last three into 500s (plain Go errors); a client error is the more useful answer here.</item>
/// <item><c>$patch: merge</c> is accepted as the explicit default (the real server rejects it with a 500).</item>
/// <item>With no schema (kinds without patch metadata) every list is replaced, as in a JSON merge patch, and directives are
/// still honoured or stripped.</item>
/// </list>
/// Neither argument is modified.
/// </remarks>
public static class StrategicMergePatch
{
    private const string DirectiveMarker = "$patch";
    private const string ReplaceDirective = "replace";
    private const string DeleteDirective = "delete";
    private const string MergeDirective = "merge";
    private const string RetainKeysDirective = "$retainKeys";
    private const string SetElementOrderPrefix = "$setElementOrder";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";

    internal const string BadRetainKeys = "invalid patch format of retainKeys";
    internal const string BadSetElementOrder = "invalid patch format of setElementOrder list";
    internal const string BadPrimitiveList = "invalid patch format of primitive list";

    public static JsonNode Apply(JsonNode target, JsonNode patch, ISchemaNode? schema)
    {
        // A JSON "null" body decodes to an empty patch in Go.
        if (patch is null) return target?.DeepClone() ?? new JsonObject();
        if (patch is not JsonObject patchObject)
        {
            throw ApiException.BadRequest(
                $"json: cannot unmarshal {JsonPatch.GoJsonKind(patch)} into Go value of type map[string]interface {{}}");
        }
        var original = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        return MergeMap(original, patchObject, schema);
    }

    /// <summary>Merges <paramref name="patch"/> into <paramref name="original"/> (which is owned and may be changed in place).</summary>
    private static JsonObject MergeMap(JsonObject original, JsonObject patch, ISchemaNode? schema)
    {
        if (patch.TryGetPropertyValue(DirectiveMarker, out var directive))
        {
            switch (DirectiveString(directive))
            {
                case ReplaceDirective:
                    return MergeMapCore(new JsonObject(), patch, schema);
                case DeleteDirective:
                    return new JsonObject();
                case MergeDirective:
                    break;
                default:
                    throw ApiException.BadRequest($"unknown patch type: {GoFormat.Value(directive)} in map: {GoFormat.Value(patch)}");
            }
        }
        return MergeMapCore(original, patch, schema);
    }

    private static JsonObject MergeMapCore(JsonObject original, JsonObject patch, ISchemaNode? schema)
    {
        ApplyRetainKeys(original, patch);
        var ordered = ApplySetElementOrder(original, patch, schema);

        foreach (var (key, value) in patch)
        {
            if (key == DirectiveMarker || key == RetainKeysDirective || ordered.Contains(key) ||
                key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal) ||
                key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (value is null)
            {
                original.Remove(key);
                continue;
            }

            var childSchema = SchemaView.Child(schema, key);
            original.TryGetPropertyValue(key, out var existing);
            JsonNode? merged = (existing, value) switch
            {
                (JsonObject existingObject, JsonObject patchObject) when !SchemaView.IsReplaceStrategy(childSchema) =>
                    MergeMap(existingObject, patchObject, childSchema),
                (JsonArray existingArray, JsonArray patchArray) when SchemaView.IsMergeList(childSchema) =>
                    MergeList(existingArray, patchArray, childSchema!),
                _ => Fresh(value, childSchema),
            };
            SetMember(original, key, merged);
        }

        foreach (var (key, value) in patch)
        {
            if (!key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal)) continue;
            var field = ExtractKey(key, DeleteFromPrimitiveListPrefix) ?? throw ApiException.BadRequest(BadPrimitiveList);
            if (value is not JsonArray toDelete) throw ApiException.BadRequest(BadPrimitiveList);
            if (original.TryGetPropertyValue(field, out var current) && current is JsonArray list)
            {
                for (var i = list.Count - 1; i >= 0; i--)
                {
                    if (toDelete.Any(d => JsonNode.DeepEquals(d, list[i]))) list.RemoveAt(i);
                }
            }
        }
        return original;
    }

    /// <summary><c>$retainKeys</c>: clear keys of the original missing from the list; every key the patch sets must be listed.</summary>
    private static void ApplyRetainKeys(JsonObject original, JsonObject patch)
    {
        if (!patch.TryGetPropertyValue(RetainKeysDirective, out var retain)) return;
        if (retain is not JsonArray retainList) throw ApiException.BadRequest(BadRetainKeys);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in retainList)
        {
            if (item is JsonValue v && v.GetValueKind() == JsonValueKind.String) keep.Add(v.GetValue<string>());
        }
        foreach (var (key, value) in patch)
        {
            if (value is null || key == RetainKeysDirective || key == DirectiveMarker ||
                key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal) ||
                key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (!keep.Contains(key)) throw ApiException.BadRequest(BadRetainKeys);
        }
        foreach (var key in original.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
        {
            original.Remove(key);
        }
    }

    /// <summary>
    /// <c>$setElementOrder/&lt;field&gt;</c>: merges the field's patch list (if any) and then orders the result: elements named
    /// in the directive in its order, the others (server-only) interleaved by their live position. Returns the fields handled.
    /// </summary>
    private static HashSet<string> ApplySetElementOrder(JsonObject original, JsonObject patch, ISchemaNode? schema)
    {
        var handled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (!key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal)) continue;
            var field = ExtractKey(key, SetElementOrderPrefix) ?? throw ApiException.BadRequest(BadSetElementOrder);
            if (value is not JsonArray order) throw ApiException.BadRequest(BadSetElementOrder);

            var listSchema = SchemaView.Child(schema, field);
            if (!SchemaView.IsMergeList(listSchema)) continue; // nothing to order: the list (if any) is replaced
            var mergeKey = listSchema!.PatchMergeKey ?? "";

            var inPatch = patch.TryGetPropertyValue(field, out var patchValue);
            if (inPatch && patchValue is null) continue; // the field is deleted by the main pass
            if (inPatch && patchValue is not JsonArray) throw ApiException.BadRequest(ErrBadArgType("[]interface {}", patchValue));
            var patchList = patchValue as JsonArray;
            var originalList = original.TryGetPropertyValue(field, out var originalValue) ? originalValue as JsonArray : null;

            ValidateOrder(patchList, order, mergeKey);
            var serverOrder = originalList is null ? [] : originalList.Select(item => KeyOf(item, mergeKey)).ToList();

            JsonArray merged;
            if (originalList is not null && patchList is null) merged = originalList;
            else if (originalList is null && patchList is not null) merged = MergeList(new JsonArray(), patchList, listSchema);
            else if (originalList is not null && patchList is not null) merged = MergeList(originalList, patchList, listSchema);
            else continue;

            var items = Detach(merged);
            var orderKeys = order.Select(o => OrderKey(o, mergeKey)).ToList();
            var named = new List<JsonNode?>();
            var serverOnly = new List<JsonNode?>();
            foreach (var item in items)
            {
                if (mergeKey.Length > 0 && item is JsonObject o && !o.ContainsKey(mergeKey))
                    throw ApiException.BadRequest(ErrNoMergeKey(o, mergeKey));
                (IndexOf(orderKeys, KeyOf(item, mergeKey)) >= 0 ? named : serverOnly).Add(item);
            }
            named = [.. named.OrderBy(item => IndexOf(orderKeys, KeyOf(item, mergeKey)))];
            serverOnly = [.. serverOnly.OrderBy(item => IndexOrEnd(serverOrder, KeyOf(item, mergeKey)))];
            SetMember(original, field, new JsonArray([.. MergeSorted(serverOnly, named, serverOrder, mergeKey)]));
            handled.Add(field);
        }
        return handled;
    }

    /// <summary>The patch list's elements (deletions and directive elements aside) must appear in the directive's relative order.</summary>
    private static void ValidateOrder(JsonArray? patchList, JsonArray order, string mergeKey)
    {
        if (patchList is null || patchList.Count == 0 || order.Count == 0) return;
        var candidates = patchList.Where(e => !(e is JsonObject o && o.ContainsKey(DirectiveMarker))).ToList();
        int p = 0, s = 0;
        while (p < candidates.Count && s < order.Count)
        {
            if (KeyEquals(candidates[p], order[s], mergeKey)) p++;
            s++;
        }
        if (p < candidates.Count)
        {
            throw ApiException.BadRequest(
                $"The order in patch list:\n{GoFormat.Value(patchList)}\n doesn't match {SetElementOrderPrefix} list:\n{GoFormat.Value(order)}\n");
        }
    }

    private static bool KeyEquals(JsonNode? patchItem, JsonNode? orderItem, string mergeKey)
    {
        if (mergeKey.Length == 0) return JsonNode.DeepEquals(patchItem, orderItem);
        if (patchItem is not JsonObject left) throw ApiException.BadRequest(ErrBadArgType("map[string]interface {}", patchItem));
        if (orderItem is not JsonObject right) throw ApiException.BadRequest(ErrBadArgType("map[string]interface {}", orderItem));
        if (!left.TryGetPropertyValue(mergeKey, out var l)) throw ApiException.BadRequest(ErrNoMergeKey(left, mergeKey));
        if (!right.TryGetPropertyValue(mergeKey, out var r)) throw ApiException.BadRequest(ErrNoMergeKey(right, mergeKey));
        return JsonNode.DeepEquals(l, r);
    }

    /// <summary>Merges a patch list into a list whose schema has the merge strategy; returns a new array.</summary>
    private static JsonArray MergeList(JsonArray original, JsonArray patch, ISchemaNode listSchema)
    {
        var itemSchema = listSchema.Items;
        var mergeKey = listSchema.PatchMergeKey ?? "";
        var items = Detach(original);

        if (mergeKey.Length == 0)
        {
            // A list of scalars: de-duplicated union, ordered like apimachinery does.
            var values = new List<JsonNode?>();
            var replace = false;
            foreach (var element in patch)
            {
                if (element is JsonObject o && o.TryGetPropertyValue(DirectiveMarker, out var d))
                {
                    if (DirectiveString(d) == ReplaceDirective) replace = true;
                    continue;
                }
                values.Add(element?.DeepClone());
            }
            if (replace) return new JsonArray([.. values]);
            var merged = new List<JsonNode?>();
            foreach (var item in items.Concat(values))
            {
                if (!merged.Any(m => JsonNode.DeepEquals(m, item))) merged.Add(item);
            }
            var serverOrder = items.ToList();
            var inPatch = merged.Where(m => values.Any(v => JsonNode.DeepEquals(v, m)))
                .OrderBy(m => values.FindIndex(v => JsonNode.DeepEquals(v, m))).ToList();
            var serverOnly = merged.Where(m => !values.Any(v => JsonNode.DeepEquals(v, m))).ToList();
            return new JsonArray([.. MergeSorted(serverOnly, inPatch, serverOrder, "")]);
        }

        var regular = new List<JsonObject>();
        var replaceAll = false;
        foreach (var element in patch)
        {
            if (element is not JsonObject item) throw ApiException.BadRequest(ErrBadArgType("map[string]interface {}", element));
            if (!item.TryGetPropertyValue(DirectiveMarker, out var d))
            {
                regular.Add(item);
                continue;
            }
            switch (DirectiveString(d))
            {
                case DeleteDirective:
                    if (!item.TryGetPropertyValue(mergeKey, out var doomed)) throw ApiException.BadRequest(ErrNoMergeKey(item, mergeKey));
                    items.RemoveAll(i => i is JsonObject o && o.TryGetPropertyValue(mergeKey, out var k) && JsonNode.DeepEquals(k, doomed));
                    break;
                case ReplaceDirective:
                    replaceAll = true;
                    break;
                case MergeDirective:
                    regular.Add(item);
                    break;
                default:
                    throw ApiException.BadRequest($"unknown patch type: {GoFormat.Value(d)} in map: {GoFormat.Value(item)}");
            }
        }
        if (replaceAll) return new JsonArray([.. regular.Select(r => (JsonNode?)Fresh(r, itemSchema))]);

        var originalKeys = items.Select(i => KeyOf(i, mergeKey)).ToList();
        var patchKeys = new List<JsonNode?>();
        foreach (var item in regular)
        {
            if (!item.TryGetPropertyValue(mergeKey, out var key)) throw ApiException.BadRequest(ErrNoMergeKey(item, mergeKey));
            patchKeys.Add(key);
            var index = items.FindIndex(i => i is JsonObject o && o.TryGetPropertyValue(mergeKey, out var k) && JsonNode.DeepEquals(k, key));
            if (index >= 0) items[index] = MergeMap((JsonObject)items[index]!, item, itemSchema);
            else items.Add(Fresh(item, itemSchema));
        }
        var patched = items.Where(i => IndexOf(patchKeys, KeyOf(i, mergeKey)) >= 0)
            .OrderBy(i => IndexOf(patchKeys, KeyOf(i, mergeKey))).ToList();
        var untouched = items.Where(i => IndexOf(patchKeys, KeyOf(i, mergeKey)) < 0).ToList();
        return new JsonArray([.. MergeSorted(untouched, patched, originalKeys, mergeKey)]);
    }

    /// <summary>
    /// apimachinery's mergeSortedSlice: interleaves server-only items (left) with patch items (right). A server-only item goes
    /// first only when both it and the next patch item exist in the live list and it comes earlier there.
    /// </summary>
    private static List<JsonNode?> MergeSorted(List<JsonNode?> left, List<JsonNode?> right, List<JsonNode?> serverOrder, string mergeKey)
    {
        var result = new List<JsonNode?>(left.Count + right.Count);
        int i = 0, j = 0;
        while (i < left.Count || j < right.Count)
        {
            if (i >= left.Count) result.Add(right[j++]);
            else if (j >= right.Count) result.Add(left[i++]);
            else
            {
                var li = IndexOf(serverOrder, KeyOf(left[i], mergeKey));
                var ri = IndexOf(serverOrder, KeyOf(right[j], mergeKey));
                result.Add(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
            }
        }
        return result;
    }

    /// <summary>A value added where nothing was: directives are resolved against an empty original, nulls dropped.</summary>
    private static JsonNode? Fresh(JsonNode? value, ISchemaNode? schema)
    {
        switch (value)
        {
            case JsonObject o:
                return MergeMap(new JsonObject(), o, schema);
            case JsonArray a:
                var itemSchema = schema?.Items;
                var result = new JsonArray();
                foreach (var element in a)
                {
                    if (element is JsonObject e && e.TryGetPropertyValue(DirectiveMarker, out var d) &&
                        DirectiveString(d) is DeleteDirective or ReplaceDirective)
                    {
                        continue;
                    }
                    result.Add(Fresh(element, itemSchema));
                }
                return result;
            default:
                return value?.DeepClone();
        }
    }

    private static string? DirectiveString(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>"$prefix/field" gives "field"; anything else (no slash, another prefix) is malformed.</summary>
    private static string? ExtractKey(string key, string prefix)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !key.AsSpan(0, slash).SequenceEqual(prefix)) return null;
        return key[(slash + 1)..];
    }

    private static JsonNode? KeyOf(JsonNode? item, string mergeKey) =>
        mergeKey.Length == 0 ? item : item is JsonObject o && o.TryGetPropertyValue(mergeKey, out var k) ? k : null;

    private static JsonNode? OrderKey(JsonNode? orderItem, string mergeKey)
    {
        if (mergeKey.Length == 0) return orderItem;
        if (orderItem is not JsonObject o) throw ApiException.BadRequest(ErrBadArgType("map[string]interface {}", orderItem));
        if (!o.TryGetPropertyValue(mergeKey, out var k)) throw ApiException.BadRequest(ErrNoMergeKey(o, mergeKey));
        return k;
    }

    private static int IndexOf(List<JsonNode?> keys, JsonNode? key)
    {
        if (key is null) return -1;
        return keys.FindIndex(k => k is not null && JsonNode.DeepEquals(k, key));
    }

    private static int IndexOrEnd(List<JsonNode?> keys, JsonNode? key)
    {
        var i = IndexOf(keys, key);
        return i < 0 ? int.MaxValue : i;
    }

    /// <summary>Takes the elements out of an array so they can be placed in a new one.</summary>
    private static List<JsonNode?> Detach(JsonArray array)
    {
        var items = array.ToList();
        array.Clear();
        return items;
    }

    private static void SetMember(JsonObject target, string key, JsonNode? value)
    {
        if (target.TryGetPropertyValue(key, out var current) && ReferenceEquals(current, value)) return;
        target[key] = value;
    }

    private static string ErrNoMergeKey(JsonObject map, string key) => $"map: {GoFormat.Value(map)} does not contain declared merge key: {key}";

    private static string ErrBadArgType(string expected, JsonNode? actual) => $"expected a {expected}, but received a {GoTypeName(actual)}";

    private static string GoTypeName(JsonNode? node) => node switch
    {
        null => "<nil>",
        JsonObject => "map[string]interface {}",
        JsonArray => "[]interface {}",
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => node.ToJsonString().All(c => char.IsAsciiDigit(c) || c == '-') ? "int64" : "float64",
            JsonValueKind.True or JsonValueKind.False => "bool",
            _ => "<nil>",
        },
    };
}
