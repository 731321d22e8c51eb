using System.Text.Json.Nodes;

namespace Vigil.Cluster.Patching;

/// <summary>JSON patch (RFC 6902): add, remove, replace, move, copy, test.</summary>
public static class JsonPatch
{
    /// <summary>Applies the operations to a copy-safe target; throws an ApiException naming the failing operation.</summary>
    public static JsonNode Apply(JsonNode target, JsonNode patch) => throw new NotImplementedException();
}
