using System.Globalization;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Api;

/// <summary>Small accessors for object metadata and timestamps in the forms Kubernetes writes them.</summary>
public static class Meta
{
    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta) return meta;
        meta = new JsonObject();
        obj["metadata"] = meta;
        return meta;
    }

    public static string? Str(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static string? Name(JsonObject obj) => Str(obj["metadata"], "name");
    public static string? Namespace(JsonObject obj) => Str(obj["metadata"], "namespace");
    public static string? ResourceVersion(JsonObject obj) => Str(obj["metadata"], "resourceVersion");

    public static Dictionary<string, string> StringMap(JsonNode? node)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject o)
            foreach (var (k, v) in o)
                if (v is JsonValue value && value.TryGetValue<string>(out var s)) map[k] = s;
        return map;
    }

    public static Dictionary<string, string> Labels(JsonObject obj) => StringMap(obj["metadata"]?["labels"]);

    public static List<string> Finalizers(JsonObject obj)
    {
        var list = new List<string>();
        if (obj["metadata"]?["finalizers"] is JsonArray arr)
            foreach (var f in arr)
                if (f is JsonValue v && v.TryGetValue<string>(out var s)) list.Add(s);
        return list;
    }

    public static void SetFinalizers(JsonObject obj, IEnumerable<string> finalizers)
    {
        var arr = new JsonArray();
        foreach (var f in finalizers) arr.Add(f);
        if (arr.Count == 0) Metadata(obj).Remove("finalizers");
        else Metadata(obj)["finalizers"] = arr;
    }

    /// <summary>RFC 3339 with whole seconds in UTC, as metav1.Time is written.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>RFC 3339 with exactly six fraction digits, as metav1.MicroTime is written.</summary>
    public static string MicroTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTime(string? s) =>
        s is not null && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    public static bool IsDeleting(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;
}
