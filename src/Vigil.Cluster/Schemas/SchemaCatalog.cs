using System.Text;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Schemas;

/// <summary>Schemas of built-in kinds, and structural schemas built from CRD <c>openAPIV3Schema</c>s.</summary>
public static class SchemaCatalog
{
    /// <summary>The <see cref="StatusCause.Reason"/> of the causes <see cref="UnknownFields"/> returns.</summary>
    public const string UnknownFieldReason = "FieldValueUnknown";

    /// <summary>The structural schema of a built-in kind, or null when none is known.</summary>
    public static ISchemaNode? BuiltIn(string group, string version, string kind) =>
        BuiltInSchemas.DefinitionName(group, version, kind) is { } name ? BuiltInSchemas.Node(name) : null;

    /// <summary>The OpenAPI definition name of a built-in kind (<c>io.k8s.api.core.v1.Pod</c>), or null.</summary>
    public static string? BuiltInDefinitionName(string group, string version, string kind) =>
        BuiltInSchemas.DefinitionName(group, version, kind);

    /// <summary>The schema of ObjectMeta, which every resource's <c>metadata</c> follows.</summary>
    public static ISchemaNode ObjectMeta => BuiltInSchemas.ObjectMeta;

    /// <summary>A structural schema from a CRD version's openAPIV3Schema.</summary>
    public static ISchemaNode FromOpenApiV3(JsonObject schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return StructuralSchemaNode.FromCrd(schema);
    }

    /// <summary>
    /// Unknown fields of <paramref name="obj"/> as strict field validation reports them (empty when none): one cause
    /// per field, whose <see cref="StatusCause.Message"/> is the real server's text (<c>unknown field "spec.foo"</c>,
    /// <c>unknown field "spec.template.spec.containers[0].foo"</c>) and whose <see cref="StatusCause.Field"/> is the path
    /// (<c>spec.foo</c>). Built-in kinds report them in document order, as the Go JSON decoder meets them; custom
    /// resources in sorted order, as the pruning pass collects them. Metadata is checked against ObjectMeta.
    /// With <c>fieldValidation=Strict</c> the server answers <see cref="StrictDecodingError"/>; with <c>Warn</c>
    /// it sends each message as a warning.
    /// </summary>
    public static IReadOnlyList<StatusCause> UnknownFields(JsonObject obj, ISchemaNode schema)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(schema);
        var paths = new List<string>();
        var path = new StringBuilder();
        Walk(obj, schema, path, paths, prune: false);
        if (schema is StructuralSchemaNode) paths.Sort(StringComparer.Ordinal);
        return [.. paths.Select(p => new StatusCause(UnknownFieldReason, $"unknown field \"{p}\"", p))];
    }

    /// <summary>
    /// The error a real server answers a <c>fieldValidation=Strict</c> write with (400 BadRequest):
    /// <c>Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo", ...</c>.
    /// </summary>
    public static ApiException StrictDecodingError(string kind, string version, IReadOnlyList<StatusCause> causes)
    {
        ArgumentNullException.ThrowIfNull(causes);
        var list = string.Join(", ", causes.Select(c => c.Message));
        return ApiException.BadRequest($"{kind} in version \"{version}\" cannot be handled as a {kind}: strict decoding error: {list}");
    }

    /// <summary>
    /// Unknown fields as server-side apply's typed conversion (structured-merge-diff) reports them, one message per
    /// field: <c>.spec.foo: field not declared in schema</c>, with list elements named by their keys
    /// (<c>.spec.containers[name="web"].foo</c>), set members by value (<c>[="x"]</c>) and atomic list items by index.
    /// Like structured-merge-diff, keys are visited in sorted order and a map stops at its first unknown field.
    /// </summary>
    public static IReadOnlyList<string> ApplyUnknownFields(JsonObject obj, ISchemaNode schema)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(schema);
        var errors = new List<string>();
        ApplyWalk(obj, schema, new StringBuilder(), errors, isRoot: true);
        return errors;
    }

    /// <summary>
    /// The error of a server-side apply whose patch has unknown fields (400 BadRequest):
    /// <c>failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema</c>.
    /// </summary>
    public static ApiException ApplyUnknownFieldsError(string apiVersion, string kind, string? ns, string name, IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(apiVersion);
        ArgumentNullException.ThrowIfNull(errors);
        var gv = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion : "/" + apiVersion;
        var target = string.IsNullOrEmpty(ns) ? $"/{name}" : $"{ns}/{name}";
        var detail = errors.Count == 1 ? errors[0] : "errors:\n  " + string.Join("\n  ", errors);
        return ApiException.BadRequest($"failed to create typed patch object ({target}; {gv}, Kind={kind}): {detail}");
    }

    private static void ApplyWalk(JsonNode? value, ISchemaNode schema, StringBuilder path, List<string> errors, bool isRoot = false)
    {
        switch (schema.Kind)
        {
            case SchemaNodeKind.Object when value is JsonObject obj:
                foreach (var key in obj.Select(kv => kv.Key).Order(StringComparer.Ordinal).ToArray())
                {
                    var property = schema.Property(key);
                    if (property is null && isRoot && key == "metadata") property = BuiltInSchemas.ObjectMeta;
                    if (property is null && isRoot && key is "apiVersion" or "kind") continue;
                    var length = path.Length;
                    path.Append('.').Append(key);
                    if (property is null)
                    {
                        if (schema.PreserveUnknownFields)
                        {
                            path.Length = length;
                            continue;
                        }
                        errors.Add($"{path}: field not declared in schema");
                        path.Length = length;
                        return;
                    }
                    ApplyWalk(obj[key], property, path, errors);
                    path.Length = length;
                }
                break;
            case SchemaNodeKind.Map when value is JsonObject map && schema.Items is { } valueSchema:
                foreach (var key in map.Select(kv => kv.Key).Order(StringComparer.Ordinal).ToArray())
                {
                    var length = path.Length;
                    path.Append('.').Append(key);
                    ApplyWalk(map[key], valueSchema, path, errors);
                    path.Length = length;
                }
                break;
            case SchemaNodeKind.Array when value is JsonArray array && schema.Items is { } itemSchema:
                for (var i = 0; i < array.Count; i++)
                {
                    var length = path.Length;
                    path.Append(ListElement(schema, array[i], i));
                    ApplyWalk(array[i], itemSchema, path, errors);
                    path.Length = length;
                }
                break;
        }
    }

    private static string ListElement(ISchemaNode list, JsonNode? item, int index)
    {
        if (list.ListType == ListType.Map && list.ListMapKeys.Count > 0 && item is JsonObject element)
        {
            var parts = list.ListMapKeys.Where(k => element[k] is not null).Select(k => $"{k}={element[k]!.ToJsonString()}").ToArray();
            if (parts.Length > 0) return "[" + string.Join(",", parts) + "]";
        }
        if (list.ListType == ListType.Set && item is JsonValue)
            return "[=" + item.ToJsonString() + "]";
        return "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";
    }

    /// <summary>Removes fields the schema does not declare (custom resources without x-kubernetes-preserve-unknown-fields).</summary>
    public static void Prune(JsonObject obj, ISchemaNode schema) => PruneFields(obj, schema);

    /// <summary>
    /// Removes fields the schema does not declare and returns their paths (sorted). apiVersion and kind are always
    /// kept; metadata is kept, minus fields ObjectMeta does not have. Nothing is removed below
    /// <c>x-kubernetes-preserve-unknown-fields</c> or free-form (untyped) nodes.
    /// </summary>
    public static IReadOnlyList<string> PruneFields(JsonObject obj, ISchemaNode schema)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(schema);
        var paths = new List<string>();
        Walk(obj, schema, new StringBuilder(), paths, prune: true);
        paths.Sort(StringComparer.Ordinal);
        return paths;
    }

    private static void Walk(JsonNode? value, ISchemaNode schema, StringBuilder path, List<string> unknown, bool prune)
    {
        switch (schema.Kind)
        {
            case SchemaNodeKind.Object when value is JsonObject obj:
                WalkObject(obj, schema, path, unknown, prune);
                break;
            case SchemaNodeKind.Map when value is JsonObject map && schema.Items is { } valueSchema:
                foreach (var (key, child) in map.ToArray())
                {
                    var length = path.Length;
                    AppendKey(path, key);
                    Walk(child, valueSchema, path, unknown, prune);
                    path.Length = length;
                }
                break;
            case SchemaNodeKind.Array when value is JsonArray array && schema.Items is { } itemSchema:
                for (var i = 0; i < array.Count; i++)
                {
                    var length = path.Length;
                    path.Append('[').Append(i).Append(']');
                    Walk(array[i], itemSchema, path, unknown, prune);
                    path.Length = length;
                }
                break;
        }
    }

    private static void WalkObject(JsonObject obj, ISchemaNode schema, StringBuilder path, List<string> unknown, bool prune)
    {
        var isRoot = path.Length == 0;
        List<string>? remove = null;
        foreach (var (key, child) in obj)
        {
            var property = schema.Property(key);
            if (property is null && isRoot && key is "apiVersion" or "kind")
                continue;
            if (property is null && isRoot && key == "metadata")
                property = BuiltInSchemas.ObjectMeta;
            var length = path.Length;
            AppendKey(path, key);
            if (property is null)
            {
                if (!schema.PreserveUnknownFields)
                {
                    unknown.Add(path.ToString());
                    if (prune) (remove ??= []).Add(key);
                }
            }
            else
            {
                Walk(child, property, path, unknown, prune);
            }
            path.Length = length;
        }
        if (remove is not null)
            foreach (var key in remove)
                obj.Remove(key);
    }

    private static void AppendKey(StringBuilder path, string key)
    {
        if (path.Length > 0) path.Append('.');
        path.Append(key);
    }
}
