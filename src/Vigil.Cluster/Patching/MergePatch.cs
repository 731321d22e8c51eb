using System.Text.Json.Nodes;

namespace Vigil.Cluster.Patching;

/// <summary>JSON merge patch (RFC 7386): objects merge recursively, null deletes, anything else replaces.</summary>
public static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null) result.Remove(key);
            else result[key] = Apply(result[key]?.DeepClone(), value);
        }
        return result;
    }
}
