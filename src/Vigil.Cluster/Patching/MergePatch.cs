using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

using Vigil.Cluster.Serialization;

namespace Vigil.Cluster.Patching;

/// <summary>JSON merge patch (RFC 7386): objects merge recursively, null deletes, anything else replaces.</summary>
public static class MergePatch
{
    /// <summary>
    /// RFC 7386 MergePatch(target, patch). Neither argument is modified; the result shares no nodes with them.
    /// A patch that is not an object replaces the target (a null patch gives null).
    /// </summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        MergeInto(result, patchObject);
        return result;
    }

    /// <summary>
    /// A merge patch as kube-apiserver applies it to a stored object (<c>application/merge-patch+json</c>):
    /// a null, string, number or boolean body is a 400 "Invalid JSON Patch" (evanphx/json-patch's ErrBadJSONPatch), and a
    /// body that would turn the object into an array is the 422 the apiserver answers when the result no longer decodes.
    /// </summary>
    public static JsonObject ApplyToObject(JsonObject target, JsonNode? patch)
    {
        ArgumentNullException.ThrowIfNull(target);
        switch (patch)
        {
            case JsonObject:
                return (JsonObject)Apply(target, patch)!;
            case JsonArray array:
                var pruned = Vigil.Cluster.Serialization.GoFormat.Json(PruneNulls(array));
                throw ApiException.Invalid("", "", [new StatusCause("FieldValueInvalid",
                    $"Invalid value: {Vigil.Cluster.Serialization.GoFormat.Quote(pruned)}: json: cannot unmarshal array into Go value of type map[string]interface {{}}",
                    "patch")]);
            default:
                throw ApiException.BadRequest("Invalid JSON Patch");
        }
    }

    private static void MergeInto(JsonObject result, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonObject valueObject)
            {
                if (result.TryGetPropertyValue(key, out var existing) && existing is JsonObject existingObject)
                {
                    MergeInto(existingObject, valueObject);
                }
                else
                {
                    var fresh = new JsonObject();
                    MergeInto(fresh, valueObject);
                    result[key] = fresh;
                }
            }
            else
            {
                result[key] = value.DeepClone();
            }
        }
    }

    private static JsonNode PruneNulls(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (k, v) in o)
                    if (v is not null) copy[k] = PruneNulls(v);
                return copy;
            case JsonArray a:
                var list = new JsonArray();
                foreach (var v in a)
                    list.Add(v is null ? null : PruneNulls(v));
                return list;
            default:
                return node.DeepClone();
        }
    }
}
