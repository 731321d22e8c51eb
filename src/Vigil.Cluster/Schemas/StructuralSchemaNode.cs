using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Schemas;

/// <summary>
/// A node of a CRD's structural schema (apiextensions "structural schema"): <c>type</c>, <c>properties</c>,
/// <c>items</c>, <c>additionalProperties</c> and the <c>x-kubernetes-*</c> extensions. Value validations
/// (<c>allOf</c>, <c>anyOf</c>, <c>oneOf</c>, <c>not</c>, patterns...) carry no structure and are ignored, as
/// they are by the real pruning algorithm. Built eagerly and immutable, so safe to share between threads.
/// </summary>
internal sealed class StructuralSchemaNode : ISchemaNode
{
    private static readonly StructuralSchemaNode StringNode = new(SchemaNodeKind.String);

    private readonly FrozenDictionary<string, ISchemaNode> _properties;

    private StructuralSchemaNode(SchemaNodeKind kind)
    {
        Kind = kind;
        _properties = FrozenDictionary<string, ISchemaNode>.Empty;
        ListMapKeys = [];
    }

    private StructuralSchemaNode(JsonObject schema, bool isResourceRoot, int depth)
    {
        if (depth > 256) throw new InvalidOperationException("schema nesting is too deep");
        IsResourceRoot = isResourceRoot;
        IsEmbeddedResource = Bool(schema, "x-kubernetes-embedded-resource");
        PreserveUnknownFields = Bool(schema, "x-kubernetes-preserve-unknown-fields");
        IntOrString = Bool(schema, "x-kubernetes-int-or-string");

        var props = new Dictionary<string, ISchemaNode>(StringComparer.Ordinal);
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, value) in properties)
                if (value is JsonObject child)
                    props[name] = new StructuralSchemaNode(child, false, depth + 1);
        }
        _properties = props.ToFrozenDictionary(StringComparer.Ordinal);

        var type = String(schema, "type");
        ISchemaNode? items = null;
        if (schema["items"] is JsonObject itemSchema)
            items = new StructuralSchemaNode(itemSchema, false, depth + 1);
        else if (schema["items"] is JsonArray { Count: > 0 } tuple && tuple[0] is JsonObject first)
            items = new StructuralSchemaNode(first, false, depth + 1);
        var additional = schema["additionalProperties"];
        var isMap = false;
        if (items is null && props.Count == 0)
        {
            if (additional is JsonObject additionalSchema)
            {
                items = new StructuralSchemaNode(additionalSchema, false, depth + 1);
                isMap = true;
            }
            else if (additional is JsonValue v && v.GetValueKind() == JsonValueKind.True)
            {
                items = AnySchemaNode.Preserving;
                isMap = true;
            }
        }
        Items = items;

        Kind = IntOrString ? SchemaNodeKind.Any : type switch
        {
            "object" when isMap => SchemaNodeKind.Map,
            "object" => SchemaNodeKind.Object,
            "array" => SchemaNodeKind.Array,
            "string" => SchemaNodeKind.String,
            "integer" => SchemaNodeKind.Integer,
            "number" => SchemaNodeKind.Number,
            "boolean" => SchemaNodeKind.Boolean,
            _ when IsEmbeddedResource || isResourceRoot || props.Count > 0 => SchemaNodeKind.Object,
            _ when isMap => SchemaNodeKind.Map,
            _ => SchemaNodeKind.Any,
        };

        var listType = String(schema, "x-kubernetes-list-type");
        ListType = listType switch { "set" => ListType.Set, "map" => ListType.Map, _ => ListType.Atomic };
        ListMapKeys = schema["x-kubernetes-list-map-keys"] is JsonArray keys
            ? [.. keys.Select(k => k is JsonValue kv && kv.TryGetValue<string>(out var s) ? s : "")]
            : [];
        MapType = String(schema, "x-kubernetes-map-type");
    }

    /// <summary>Builds the structural schema of a CRD version's <c>openAPIV3Schema</c> (the resource root).</summary>
    public static StructuralSchemaNode FromCrd(JsonObject openApiV3Schema) => new(openApiV3Schema, true, 0);

    public SchemaNodeKind Kind { get; }

    /// <summary>The root of a custom resource: apiVersion, kind and metadata are always known.</summary>
    public bool IsResourceRoot { get; }

    /// <summary><c>x-kubernetes-embedded-resource</c>: an embedded object with its own apiVersion, kind and metadata.</summary>
    public bool IsEmbeddedResource { get; }

    public bool IntOrString { get; }

    public string? MapType { get; }

    public ISchemaNode? Property(string name)
    {
        if (IsResourceRoot || IsEmbeddedResource)
        {
            switch (name)
            {
                case "metadata":
                    // Metadata of a resource is always ObjectMeta, whatever the schema says about it.
                    return BuiltInSchemas.ObjectMeta;
                case "apiVersion" or "kind":
                    return _properties.TryGetValue(name, out var declared) ? declared : StringNode;
            }
        }
        return _properties.TryGetValue(name, out var node) ? node : null;
    }

    public IEnumerable<string> PropertyNames => _properties.Keys;

    public ISchemaNode? Items { get; }

    /// <summary>Custom resources do not support strategic merge patch: no merge keys.</summary>
    public string? PatchMergeKey => null;

    public PatchStrategy PatchStrategy => PatchStrategy.None;

    public ListType ListType { get; }

    public IReadOnlyList<string> ListMapKeys { get; }

    public bool PreserveUnknownFields { get; }

    private static bool Bool(JsonObject schema, string name) =>
        schema[name] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static string? String(JsonObject schema, string name) =>
        schema[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
