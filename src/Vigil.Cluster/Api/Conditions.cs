using System.Text.Json.Nodes;

namespace Vigil.Cluster.Api;

/// <summary>Status conditions (<c>status.conditions[]</c>), with lastTransitionTime moved only when the status changes.</summary>
public static class Conditions
{
    public static JsonObject? Get(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == type);

    /// <summary>Sets a condition; returns true when anything changed.</summary>
    public static bool Set(JsonObject obj, string type, string status, string? reason, string? message, DateTimeOffset now, bool probeTimes = false)
    {
        var statusObj = Defaulting.Obj(obj, "status");
        if (statusObj["conditions"] is not JsonArray conditions)
        {
            conditions = [];
            statusObj["conditions"] = conditions;
        }
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == type);
        if (existing is not null && Meta.Str(existing, "status") == status && Meta.Str(existing, "reason") == reason && Meta.Str(existing, "message") == message)
            return false;
        var condition = existing ?? new JsonObject { ["type"] = type };
        if (existing is null || Meta.Str(existing, "status") != status) condition["lastTransitionTime"] = Meta.Time(now);
        condition["status"] = status;
        if (probeTimes) condition["lastProbeTime"] = null;
        if (reason is not null) condition["reason"] = reason; else condition.Remove("reason");
        if (message is not null) condition["message"] = message; else condition.Remove("message");
        if (existing is null) conditions.Add(condition);
        return true;
    }
}
