using System.Text.Json.Nodes;

namespace Vigil.Operator.Extensions;

/// <summary>
/// The <c>Valid</c> and <c>Ready</c> conditions every Vigil resource reports. A condition keeps its
/// lastTransitionTime while its status does not change, as Kubernetes conventions ask.
/// </summary>
internal static class ResourceConditions
{
    public static JsonArray Merge(JsonArray? existing, DateTimeOffset now, long generation, params (string Type, bool Status, string Reason, string Message)[] conditions)
    {
        var result = new JsonArray();
        foreach (var (type, status, reason, message) in conditions)
        {
            var statusText = status ? "True" : "False";
            var previous = existing?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
            var since = previous is not null && previous["status"]?.GetValue<string>() == statusText && previous["lastTransitionTime"] is { } t
                ? t.DeepClone()
                : JsonValue.Create(new Kubernetes.Models.Time(now).ToString());
            result.Add(new JsonObject
            {
                ["type"] = type,
                ["status"] = statusText,
                ["reason"] = reason,
                ["message"] = message,
                ["lastTransitionTime"] = since,
                ["observedGeneration"] = generation,
            });
        }
        return result;
    }
}
