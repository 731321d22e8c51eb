using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Simulation;

/// <summary>
/// Writes core/v1 Events the way client-go's recorder does: the name is <c>&lt;object&gt;.&lt;hex nanoseconds&gt;</c>,
/// and a repeat of the same event (object, type, reason, message, source) within ten minutes bumps <c>count</c> and
/// <c>lastTimestamp</c> of the existing Event instead of creating another.
/// </summary>
public sealed class EventRecorder(ResourceOperations ops, string component, string? host = null)
{
    private static readonly TimeSpan AggregationWindow = TimeSpan.FromMinutes(10);
    private readonly ResourceType _events = ops.Registry.Find("", "v1", "events")!;
    private readonly ConcurrentDictionary<string, (string Name, DateTimeOffset Last)> _recent = new(StringComparer.Ordinal);

    public string Component { get; } = component;

    /// <summary>Records an event about <paramref name="obj"/>; never throws (an event that cannot be written is dropped, as client-go does).</summary>
    public void Record(JsonObject obj, string type, string reason, string message, string? fieldPath = null, string? hostOverride = null)
    {
        var meta = obj["metadata"] as JsonObject;
        var kind = Meta.Str(obj, "kind") ?? "";
        var apiVersion = Meta.Str(obj, "apiVersion") ?? "v1";
        var name = Meta.Str(meta, "name") ?? "";
        var ns = Meta.Str(meta, "namespace") ?? "default";
        var uid = Meta.Str(meta, "uid") ?? "";
        var source = hostOverride ?? host;
        var key = string.Join('\u0001', ns, kind, name, uid, fieldPath, type, reason, message, Component, source);
        var now = ops.Time.GetUtcNow();
        try
        {
            if (_recent.TryGetValue(key, out var seen) && now - seen.Last < AggregationWindow)
            {
                var updated = ops.Mutate(_events, ns, seen.Name, ev =>
                {
                    var count = ev["count"] is JsonValue c && c.TryGetValue<long>(out var n) ? n : 1;
                    ev["count"] = count + 1;
                    ev["lastTimestamp"] = Meta.Time(now);
                    return true;
                }, fieldManager: Component);
                if (updated is not null)
                {
                    _recent[key] = (seen.Name, now);
                    return;
                }
            }
            var eventName = $"{name}.{(now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100:x}";
            var involved = new JsonObject { ["kind"] = kind, ["namespace"] = ns, ["name"] = name, ["uid"] = uid, ["apiVersion"] = apiVersion };
            if (Meta.Str(meta, "resourceVersion") is { } rv) involved["resourceVersion"] = rv;
            if (fieldPath is not null) involved["fieldPath"] = fieldPath;
            var sourceObj = new JsonObject { ["component"] = Component };
            if (source is not null) sourceObj["host"] = source;
            var ev = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["name"] = eventName, ["namespace"] = ns },
                ["involvedObject"] = involved,
                ["reason"] = reason,
                ["message"] = message,
                ["type"] = type,
                ["source"] = sourceObj,
                ["firstTimestamp"] = Meta.Time(now),
                ["lastTimestamp"] = Meta.Time(now),
                ["count"] = 1,
                ["reportingComponent"] = Component,
                ["reportingInstance"] = source ?? "",
            };
            ops.Create(_events, ns, ev, new WriteOptions { FieldManager = Component });
            _recent[key] = (eventName, now);
            if (_recent.Count > 50_000) Prune(now);
        }
        catch (ApiException)
        {
        }
    }

    public void Normal(JsonObject obj, string reason, string message, string? fieldPath = null) => Record(obj, "Normal", reason, message, fieldPath);

    public void Warning(JsonObject obj, string reason, string message, string? fieldPath = null) => Record(obj, "Warning", reason, message, fieldPath);

    private void Prune(DateTimeOffset now)
    {
        foreach (var (k, v) in _recent)
            if (now - v.Last > AggregationWindow) _recent.TryRemove(k, out _);
    }

    /// <summary>A name-safe formatting of numbers for event messages.</summary>
    public static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}
