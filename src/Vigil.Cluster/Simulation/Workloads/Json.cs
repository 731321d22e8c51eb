using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>Small readers and writers for the JSON objects the workload controllers handle.</summary>
public static class Json
{
    public static long Long(JsonNode? node, long fallback = 0) => LongOrNull(node) ?? fallback;

    public static long? LongOrNull(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<double>(out var d) => (long)d,
        JsonValue v when v.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };

    public static bool Bool(JsonNode? node, bool fallback = false) =>
        node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : fallback;

    public static string? Str(JsonNode? parent, string key) => Meta.Str(parent, key);

    public static string Name(JsonObject obj) => Meta.Name(obj) ?? "";
    public static string Namespace(JsonObject obj) => Meta.Namespace(obj) ?? "";
    public static string Uid(JsonObject obj) => Meta.Str(obj["metadata"], "uid") ?? "";
    public static long Generation(JsonObject obj) => Long(obj["metadata"]?["generation"], 1);
    public static bool IsDeleting(JsonObject obj) => Meta.IsDeleting(obj);
    public static DateTimeOffset Created(JsonObject obj) => Meta.ParseTime(Meta.Str(obj["metadata"], "creationTimestamp")) ?? DateTimeOffset.MinValue;

    public static DateTimeOffset? Time(JsonNode? parent, string key) => Meta.ParseTime(Meta.Str(parent, key));

    public static Dictionary<string, string> Annotations(JsonObject obj) => Meta.StringMap(obj["metadata"]?["annotations"]);

    public static string? Annotation(JsonObject obj, string key) => Meta.Str(obj["metadata"]?["annotations"], key);

    /// <summary>The ownerReference with <c>controller: true</c>, if any.</summary>
    public static JsonObject? ControllerRef(JsonObject obj)
    {
        if (obj["metadata"]?["ownerReferences"] is not JsonArray refs) return null;
        foreach (var r in refs)
            if (r is JsonObject o && Bool(o["controller"])) return o;
        return null;
    }

    public static string? ControllerUid(JsonObject obj) => Meta.Str(ControllerRef(obj), "uid");

    public static bool IsControlledBy(JsonObject obj, JsonObject owner) => ControllerUid(obj) == Uid(owner);

    /// <summary>An ownerReference marking <paramref name="owner"/> as the controller, as controllers set it.</summary>
    public static JsonObject ControllerRefTo(JsonObject owner) => new()
    {
        ["apiVersion"] = Meta.Str(owner, "apiVersion"),
        ["kind"] = Meta.Str(owner, "kind"),
        ["name"] = Name(owner),
        ["uid"] = Uid(owner),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    /// <summary>An ObjectReference (CronJob active list, Endpoints targetRef).</summary>
    public static JsonObject ObjectReference(JsonObject obj, bool withVersion = true)
    {
        var r = new JsonObject
        {
            ["kind"] = Meta.Str(obj, "kind"),
            ["namespace"] = Namespace(obj),
            ["name"] = Name(obj),
            ["uid"] = Uid(obj),
            ["apiVersion"] = Meta.Str(obj, "apiVersion"),
        };
        if (withVersion && Meta.ResourceVersion(obj) is { } rv) r["resourceVersion"] = rv;
        return r;
    }

    public static JsonObject Obj(JsonObject parent, string key) => Defaulting.Obj(parent, key);

    public static JsonObject Status(JsonObject obj) => Defaulting.Obj(obj, "status");

    /// <summary>Sets a counter; <paramref name="omitZero"/> leaves zero out, as Go's <c>omitempty</c> does.</summary>
    public static void SetCount(JsonObject parent, string key, long value, bool omitZero = true)
    {
        if (value == 0 && omitZero) parent.Remove(key);
        else parent[key] = value;
    }

    public static void SetOrRemove(JsonObject parent, string key, JsonNode? value)
    {
        if (value is null) parent.Remove(key);
        else parent[key] = value;
    }

    public static T Clone<T>(T node) where T : JsonNode => (T)node.DeepClone();

    /// <summary>
    /// An int-or-string (<c>3</c> or <c>"25%"</c>) scaled against <paramref name="total"/>, as
    /// <c>intstr.GetScaledValueFromIntOrPercent</c> does.
    /// </summary>
    public static int Scaled(JsonNode? value, int total, bool roundUp, int fallback = 0)
    {
        switch (value)
        {
            case JsonValue v when v.TryGetValue<int>(out var i):
                return i;
            case JsonValue v when v.TryGetValue<string>(out var s):
                if (s.EndsWith('%') && int.TryParse(s[..^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var percent))
                {
                    var scaled = (decimal)percent * total / 100m;
                    return (int)(roundUp ? Math.Ceiling(scaled) : Math.Floor(scaled));
                }
                return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : fallback;
            default:
                return fallback;
        }
    }

    /// <summary>True when the int-or-string is a percentage.</summary>
    public static bool IsPercent(JsonNode? value) => value is JsonValue v && v.TryGetValue<string>(out var s) && s.EndsWith('%');

    /// <summary>JSON with object keys sorted, for hashing and comparing.</summary>
    public static string Canonical(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject o:
                sb.Append('{');
                var first = true;
                foreach (var (k, v) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first) sb.Append(',');
                    first = false;
                    sb.Append(JsonSerializer.Serialize(k)).Append(':');
                    Write(sb, v);
                }
                sb.Append('}');
                break;
            case JsonArray a:
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    Write(sb, a[i]);
                }
                sb.Append(']');
                break;
            default:
                sb.Append(node.ToJsonString());
                break;
        }
    }

    /// <summary>
    /// A copy without nulls, empty strings, empty objects and empty lists: the form a Go client writes back after reading
    /// an object into its structs, so templates compare equal however they travelled.
    /// </summary>
    public static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                var result = new JsonObject();
                foreach (var (k, v) in o)
                {
                    var n = Normalize(v);
                    if (n is not null) result[k] = n;
                }
                return result.Count == 0 ? null : result;
            case JsonArray a:
                var list = new JsonArray();
                foreach (var item in a) list.Add(Normalize(item) ?? new JsonObject());
                return list.Count == 0 ? null : list;
            case JsonValue v when v.TryGetValue<string>(out var s) && s.Length == 0:
                return null;
            case null:
                return null;
            default:
                return node.DeepClone();
        }
    }
}
