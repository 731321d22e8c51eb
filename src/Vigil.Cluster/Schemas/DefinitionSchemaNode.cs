using System.Collections.Frozen;
using System.Text.Json;

namespace Vigil.Cluster.Schemas;

/// <summary>
/// A node of a built-in schema: one OpenAPI v2 schema object of the embedded definitions, with <c>$ref</c>s
/// resolved lazily (so recursive types such as JSONSchemaProps are fine). Immutable once built; the lazy parts
/// are initialised thread-safely.
/// </summary>
internal sealed class DefinitionSchemaNode : ISchemaNode
{
    private readonly JsonElement _schema;
    private readonly string? _definitionName;
    private readonly Lazy<ISchemaNode?> _target;
    private readonly Lazy<FrozenDictionary<string, ISchemaNode>> _properties;
    private readonly Lazy<ISchemaNode?> _items;
    private readonly Lazy<SchemaNodeKind> _kind;

    public DefinitionSchemaNode(JsonElement schema, string? definitionName = null)
    {
        _schema = schema;
        _definitionName = definitionName;
        _target = new(ResolveTarget, LazyThreadSafetyMode.ExecutionAndPublication);
        _properties = new(BuildProperties, LazyThreadSafetyMode.ExecutionAndPublication);
        _items = new(BuildItems, LazyThreadSafetyMode.ExecutionAndPublication);
        _kind = new(ComputeKind, LazyThreadSafetyMode.ExecutionAndPublication);

        PatchMergeKey = String("x-kubernetes-patch-merge-key");
        PatchStrategy = ParsePatchStrategy(String("x-kubernetes-patch-strategy"));
        var listType = String("x-kubernetes-list-type");
        ListType = listType switch { "set" => ListType.Set, "map" => ListType.Map, _ => ListType.Atomic };
        ListMapKeys = _schema.TryGetProperty("x-kubernetes-list-map-keys", out var keys) && keys.ValueKind == JsonValueKind.Array
            ? [.. keys.EnumerateArray().Select(k => k.GetString() ?? "")]
            : [];
    }

    /// <summary>The definition this node is the root of, when it is one.</summary>
    public string? DefinitionName => _definitionName;

    public SchemaNodeKind Kind => _kind.Value;

    public ISchemaNode? Property(string name)
    {
        if (_target.Value is { } target) return target.Property(name);
        return _properties.Value.TryGetValue(name, out var node) ? node : null;
    }

    public ISchemaNode? Items => _target.Value is { } target ? target.Items : _items.Value;

    public string? PatchMergeKey { get; }

    public PatchStrategy PatchStrategy { get; }

    public ListType ListType { get; }

    public IReadOnlyList<string> ListMapKeys { get; }

    public bool PreserveUnknownFields =>
        Bool("x-kubernetes-preserve-unknown-fields")
        || (_definitionName is not null && BuiltInSchemas.IsFreeForm(_definitionName))
        || (_target.Value?.PreserveUnknownFields ?? false)
        || (_target.Value is null && Kind == SchemaNodeKind.Any);

    /// <summary>Names of the declared properties (after following a <c>$ref</c>).</summary>
    public IEnumerable<string> PropertyNames =>
        _target.Value is DefinitionSchemaNode target ? target.PropertyNames : _properties.Value.Keys;

    private ISchemaNode? ResolveTarget()
    {
        if (_schema.TryGetProperty("$ref", out var r) && r.GetString() is { } reference && BuiltInSchemas.RefName(reference) is { } name)
            return BuiltInSchemas.Node(name);
        // OpenAPI v3 style wrapper: allOf: [{$ref}]
        if (_schema.TryGetProperty("allOf", out var allOf) && allOf.ValueKind == JsonValueKind.Array && allOf.GetArrayLength() == 1
            && allOf[0].TryGetProperty("$ref", out var r3) && r3.GetString() is { } reference3 && BuiltInSchemas.RefName(reference3) is { } name3)
            return BuiltInSchemas.Node(name3);
        return null;
    }

    private SchemaNodeKind ComputeKind()
    {
        if (_target.Value is { } target) return target.Kind;
        if (_definitionName is not null && (BuiltInSchemas.IsFreeForm(_definitionName) || BuiltInSchemas.IsIntOrStringLike(_definitionName)))
            return SchemaNodeKind.Any;
        if (Bool("x-kubernetes-int-or-string")) return SchemaNodeKind.Any;
        return String("type") switch
        {
            "object" when _schema.TryGetProperty("properties", out _) => SchemaNodeKind.Object,
            "object" when _schema.TryGetProperty("additionalProperties", out var ap) && ap.ValueKind is JsonValueKind.Object or JsonValueKind.True => SchemaNodeKind.Map,
            "object" when Bool("x-kubernetes-preserve-unknown-fields") => SchemaNodeKind.Any,
            "object" => SchemaNodeKind.Object,
            "array" => SchemaNodeKind.Array,
            "string" => SchemaNodeKind.String,
            "integer" => SchemaNodeKind.Integer,
            "number" => SchemaNodeKind.Number,
            "boolean" => SchemaNodeKind.Boolean,
            _ => SchemaNodeKind.Any,
        };
    }

    private FrozenDictionary<string, ISchemaNode> BuildProperties()
    {
        if (!_schema.TryGetProperty("properties", out var props) || props.ValueKind != JsonValueKind.Object)
            return FrozenDictionary<string, ISchemaNode>.Empty;
        var result = new Dictionary<string, ISchemaNode>(StringComparer.Ordinal);
        foreach (var p in props.EnumerateObject())
            result[p.Name] = new DefinitionSchemaNode(p.Value);
        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private ISchemaNode? BuildItems()
    {
        if (_schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object)
            return new DefinitionSchemaNode(items);
        if (_schema.TryGetProperty("additionalProperties", out var ap))
        {
            if (ap.ValueKind == JsonValueKind.Object) return new DefinitionSchemaNode(ap);
            if (ap.ValueKind == JsonValueKind.True) return AnySchemaNode.Preserving;
        }
        return null;
    }

    private string? String(string name) =>
        _schema.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private bool Bool(string name) => _schema.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    internal static PatchStrategy ParsePatchStrategy(string? value)
    {
        if (string.IsNullOrEmpty(value)) return PatchStrategy.None;
        var result = PatchStrategy.None;
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            result |= part switch
            {
                "merge" => PatchStrategy.Merge,
                "replace" => PatchStrategy.Replace,
                "retainKeys" => PatchStrategy.RetainKeys,
                _ => PatchStrategy.None,
            };
        }
        return result;
    }

    public override string ToString() => _definitionName ?? (String("$ref") ?? String("type") ?? "schema");
}

/// <summary>A node with no structure: anything goes, nothing is pruned or rejected below it.</summary>
internal sealed class AnySchemaNode : ISchemaNode
{
    public static readonly AnySchemaNode Preserving = new();

    private AnySchemaNode()
    {
    }

    public SchemaNodeKind Kind => SchemaNodeKind.Any;
    public ISchemaNode? Property(string name) => null;
    public ISchemaNode? Items => null;
    public string? PatchMergeKey => null;
    public PatchStrategy PatchStrategy => PatchStrategy.None;
    public ListType ListType => ListType.Atomic;
    public IReadOnlyList<string> ListMapKeys => [];
    public bool PreserveUnknownFields => true;
}
