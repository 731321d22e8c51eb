using System.Text.Json.Nodes;
using Vigil.Cluster.Serialization;

namespace Vigil.Cluster.Api;

/// <summary>Creates or updates every object of a multi-document manifest, in order (<c>--load</c>, scenarios, the demo).</summary>
public static class ManifestApplier
{
    public static IReadOnlyList<JsonObject> Apply(ResourceOperations operations, string yaml)
    {
        var results = new List<JsonObject>();
        foreach (var doc in YamlJson.ParseDocuments(yaml))
        {
            if (doc is not JsonObject obj) throw ApiException.BadRequest("a manifest document must be an object");
            if (Meta.Str(obj, "kind") is "List" && obj["items"] is JsonArray items)
            {
                foreach (var item in items.OfType<JsonObject>()) results.Add(ApplyOne(operations, (JsonObject)item.DeepClone()));
                continue;
            }
            results.Add(ApplyOne(operations, obj));
        }
        return results;
    }

    private static JsonObject ApplyOne(ResourceOperations operations, JsonObject obj)
    {
        var apiVersion = Meta.Str(obj, "apiVersion") ?? throw ApiException.BadRequest("a manifest object has no apiVersion");
        var kind = Meta.Str(obj, "kind") ?? throw ApiException.BadRequest("a manifest object has no kind");
        var type = operations.Registry.FindByKind(apiVersion, kind)
            ?? throw ApiException.BadRequest($"no matches for kind \"{kind}\" in version \"{apiVersion}\"");
        var ns = type.Namespaced ? Meta.Namespace(obj) ?? "default" : null;
        var name = Meta.Name(obj);
        if (name is not null && operations.TryGetStored(type, ns, name) is not null)
        {
            var patch = (JsonObject)obj.DeepClone();
            return operations.Patch(type, ns, name, type.IsCustom ? PatchType.Merge : PatchType.StrategicMerge, patch, new WriteOptions { FieldManager = "vigil-apply" });
        }
        return operations.Create(type, ns, obj, new WriteOptions { FieldManager = "vigil-apply" });
    }
}
