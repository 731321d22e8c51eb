using System.Text.Json.Nodes;

namespace Vigil.Cluster.Registry;

/// <summary>
/// events.k8s.io/v1 Events are a second view of the core/v1 Events store, as in a real cluster:
/// an event written through either API is read through both.
/// </summary>
internal sealed class EventsV1View : IObjectView
{
    public string StorageKey => "events";

    public JsonObject ToView(JsonObject stored)
    {
        var v = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "events.k8s.io/v1",
            ["metadata"] = stored["metadata"]?.DeepClone(),
        };
        var creation = stored["metadata"]?["creationTimestamp"]?.GetValue<string>();
        var eventTime = Str(stored, "eventTime") ?? ToMicro(Str(stored, "firstTimestamp") ?? Str(stored, "lastTimestamp") ?? creation);
        // eventTime is required by events.k8s.io/v1; clients (the Python client among them) reject an event without it.
        v["eventTime"] = eventTime ?? "1970-01-01T00:00:00.000000Z";
        Copy(stored, "involvedObject", v, "regarding");
        Copy(stored, "related", v, "related");
        Copy(stored, "message", v, "note");
        Copy(stored, "reason", v, "reason");
        Copy(stored, "type", v, "type");
        Copy(stored, "action", v, "action");
        v["reportingController"] = Str(stored, "reportingComponent") ?? stored["source"]?["component"]?.DeepClone() ?? "";
        v["reportingInstance"] = Str(stored, "reportingInstance") ?? stored["source"]?["host"]?.DeepClone() ?? "";
        Copy(stored, "series", v, "series");
        Copy(stored, "source", v, "deprecatedSource");
        Copy(stored, "firstTimestamp", v, "deprecatedFirstTimestamp");
        Copy(stored, "lastTimestamp", v, "deprecatedLastTimestamp");
        if (stored["count"] is { } count) v["deprecatedCount"] = count.DeepClone();
        return v;
    }

    public JsonObject FromView(JsonObject viewed)
    {
        var c = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "v1",
            ["metadata"] = viewed["metadata"]?.DeepClone(),
        };
        Copy(viewed, "regarding", c, "involvedObject");
        Copy(viewed, "related", c, "related");
        Copy(viewed, "note", c, "message");
        Copy(viewed, "reason", c, "reason");
        Copy(viewed, "type", c, "type");
        Copy(viewed, "action", c, "action");
        Copy(viewed, "eventTime", c, "eventTime");
        Copy(viewed, "reportingController", c, "reportingComponent");
        Copy(viewed, "reportingInstance", c, "reportingInstance");
        Copy(viewed, "series", c, "series");
        Copy(viewed, "deprecatedSource", c, "source");
        Copy(viewed, "deprecatedFirstTimestamp", c, "firstTimestamp");
        Copy(viewed, "deprecatedLastTimestamp", c, "lastTimestamp");
        Copy(viewed, "deprecatedCount", c, "count");
        return c;
    }

    private static string? Str(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static void Copy(JsonObject from, string fromKey, JsonObject to, string toKey)
    {
        if (from[fromKey] is { } node) to[toKey] = node.DeepClone();
    }

    /// <summary>An RFC 3339 timestamp in the MicroTime form (exactly six fraction digits).</summary>
    private static string? ToMicro(string? time) =>
        time is not null && DateTimeOffset.TryParse(time, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : null;
}
