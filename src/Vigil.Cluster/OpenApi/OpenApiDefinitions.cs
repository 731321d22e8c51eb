using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.OpenApi;

/// <summary>
/// The schema side of the OpenAPI documents: definition names of served kinds (built-in and custom), the closure
/// of definitions a set of kinds references, and conversion of the embedded v2-style definitions to either
/// document flavour (<c>#/definitions/</c> for v2, <c>#/components/schemas/</c> for v3).
/// </summary>
internal static class OpenApiDefinitions
{
    public const string V2RefPrefix = "#/definitions/";
    public const string V3RefPrefix = "#/components/schemas/";
    public const string ObjectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
    public const string ListMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
    public const string Status = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
    public const string DeleteOptions = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
    public const string Patch = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
    public const string WatchEvent = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent";
    public const string Scale = "io.k8s.api.autoscaling.v1.Scale";
    public const string Eviction = "io.k8s.api.policy.v1.Eviction";
    public const string Binding = "io.k8s.api.core.v1.Binding";

    private static readonly ConcurrentDictionary<string, string[]> s_refs = new(StringComparer.Ordinal);

    /// <summary>The definition name of a served kind: the built-in one, or reversed group + version + kind for CRDs.</summary>
    public static string KindName(ResourceType r) =>
        (!r.IsCustom ? SchemaCatalog.BuiltInDefinitionName(r.Group, r.Version, r.Kind) : null) ?? CustomName(r.Group, r.Version, r.Kind);

    public static string ListName(ResourceType r) =>
        (!r.IsCustom ? SchemaCatalog.BuiltInDefinitionName(r.Group, r.Version, r.ListKind) : null) ?? CustomName(r.Group, r.Version, r.ListKind);

    /// <summary><c>io.vigil.v1alpha1.Detector</c> for group vigil.io, version v1alpha1, kind Detector.</summary>
    public static string CustomName(string group, string version, string kind)
    {
        var parts = group.Split('.', StringSplitOptions.RemoveEmptyEntries);
        Array.Reverse(parts);
        return parts.Length == 0 ? $"{version}.{kind}" : $"{string.Join('.', parts)}.{version}.{kind}";
    }

    public static bool IsBuiltIn(string name) => BuiltInSchemas.Definitions.ContainsKey(name);

    /// <summary>Built-in definitions directly referenced by one definition.</summary>
    private static string[] DirectRefs(string name) => s_refs.GetOrAdd(name, n =>
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (BuiltInSchemas.Definitions.TryGetValue(n, out var element)) CollectRefs(element, found);
        return [.. found];
    });

    private static void CollectRefs(JsonElement element, HashSet<string> found)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    if (p.Name == "$ref" && p.Value.ValueKind == JsonValueKind.String && BuiltInSchemas.RefName(p.Value.GetString()!) is { } name)
                        found.Add(name);
                    else
                        CollectRefs(p.Value, found);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) CollectRefs(item, found);
                break;
        }
    }

    /// <summary>The given built-in definitions and every built-in definition they reference, transitively.</summary>
    public static SortedSet<string> Closure(IEnumerable<string> roots)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(roots.Where(IsBuiltIn));
        while (queue.Count > 0)
        {
            var name = queue.Dequeue();
            if (!result.Add(name)) continue;
            foreach (var r in DirectRefs(name))
                if (!result.Contains(r)) queue.Enqueue(r);
        }
        return result;
    }

    /// <summary>A built-in definition, converted for a v2 or v3 document.</summary>
    public static JsonObject BuiltInDefinition(string name, bool v3)
    {
        var element = BuiltInSchemas.Definitions[name];
        var node = (JsonObject)Convert(element, v3 ? V3RefPrefix : V2RefPrefix)!;
        if (v3)
        {
            // kube-openapi publishes the two int-or-string-like types as a oneOf in OpenAPI v3.
            if (name == BuiltInSchemas.IntOrStringName)
            {
                node.Remove("type");
                node["oneOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" });
            }
            else if (name == BuiltInSchemas.QuantityName)
            {
                node.Remove("type");
                node["oneOf"] = new JsonArray(new JsonObject { ["type"] = "string" }, new JsonObject { ["type"] = "number" });
            }
        }
        return node;
    }

    private static JsonNode? Convert(JsonElement element, string refPrefix)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var p in element.EnumerateObject())
                {
                    if (p.Name == "$ref" && p.Value.ValueKind == JsonValueKind.String && BuiltInSchemas.RefName(p.Value.GetString()!) is { } name)
                        obj["$ref"] = refPrefix + name;
                    else
                        obj[p.Name] = Convert(p.Value, refPrefix);
                }
                return obj;
            case JsonValueKind.Array:
                var arr = new JsonArray();
                foreach (var item in element.EnumerateArray()) arr.Add(Convert(item, refPrefix));
                return arr;
            default:
                return JsonValue.Create(element.Clone());
        }
    }

    private static string StandardDescription(string property) =>
        BuiltInSchemas.Definitions.TryGetValue("io.k8s.api.core.v1.ConfigMap", out var cm)
        && cm.TryGetProperty("properties", out var props) && props.TryGetProperty(property, out var p)
        && p.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";

    /// <summary>The published schema of a custom resource kind: its openAPIV3Schema plus apiVersion, kind and metadata.</summary>
    public static JsonObject CustomKindDefinition(ResourceType r, bool v3)
    {
        var schema = r.CustomSchema?.DeepClone() as JsonObject
            ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        if (!v3) StripForV2(schema);
        schema["type"] = "object";
        var refPrefix = v3 ? V3RefPrefix : V2RefPrefix;
        var properties = schema["properties"] as JsonObject ?? new JsonObject();
        schema.Remove("properties");
        var ordered = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["description"] = StandardDescription("apiVersion"), ["type"] = "string" },
            ["kind"] = new JsonObject { ["description"] = StandardDescription("kind"), ["type"] = "string" },
            ["metadata"] = new JsonObject { ["$ref"] = refPrefix + ObjectMeta, ["description"] = StandardDescription("metadata") },
        };
        foreach (var (key, value) in properties.ToArray())
        {
            if (key is "apiVersion" or "kind" or "metadata") continue;
            properties.Remove(key);
            ordered[key] = value;
        }
        schema["properties"] = ordered;
        schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(r.Group, r.Version, r.Kind));
        return schema;
    }

    public static JsonObject CustomListDefinition(ResourceType r, bool v3)
    {
        var refPrefix = v3 ? V3RefPrefix : V2RefPrefix;
        return new JsonObject
        {
            ["description"] = $"{r.ListKind} is a list of {r.Kind}",
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["description"] = StandardDescription("apiVersion"), ["type"] = "string" },
                ["items"] = new JsonObject
                {
                    ["description"] = $"List of {r.Plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md",
                    ["type"] = "array",
                    ["items"] = new JsonObject { ["$ref"] = refPrefix + KindName(r) },
                },
                ["kind"] = new JsonObject { ["description"] = StandardDescription("kind"), ["type"] = "string" },
                ["metadata"] = new JsonObject { ["$ref"] = refPrefix + ListMeta, ["description"] = "ListMeta describes metadata that synthetic resources must have, including lists and various status objects. A resource may have only one of {ObjectMeta, ListMeta}." },
            },
            ["required"] = new JsonArray("items"),
            ["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(r.Group, r.Version, r.ListKind)),
        };
    }

    public static JsonObject Gvk(string group, string version, string kind) =>
        new() { ["group"] = group, ["kind"] = kind, ["version"] = version };

    /// <summary>OpenAPI v2 has no nullable, oneOf, anyOf or not; the real server drops them from CRD schemas in /openapi/v2.</summary>
    private static void StripForV2(JsonObject schema)
    {
        schema.Remove("nullable");
        schema.Remove("oneOf");
        schema.Remove("anyOf");
        schema.Remove("allOf");
        schema.Remove("not");
        if (schema["properties"] is JsonObject properties)
            foreach (var (_, child) in properties)
                if (child is JsonObject childSchema) StripForV2(childSchema);
        if (schema["items"] is JsonObject items) StripForV2(items);
        if (schema["additionalProperties"] is JsonObject additional) StripForV2(additional);
    }
}
