using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Selectors;

/// <summary>The fields each resource can be selected by (every resource: metadata.name, metadata.namespace; more per kind).</summary>
public static class SelectableFields
{
    public static IReadOnlyDictionary<string, string> For(ResourceType type, JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["metadata.name"] = meta?["name"]?.GetValue<string>() ?? "",
        };
        if (type.Namespaced) fields["metadata.namespace"] = meta?["namespace"]?.GetValue<string>() ?? "";
        return fields;
    }

    public static bool IsSupported(ResourceType type, string field) => field is "metadata.name" or "metadata.namespace";
}
