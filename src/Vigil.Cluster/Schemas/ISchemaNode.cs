namespace Vigil.Cluster.Schemas;

/// <summary>What shape a schema node has.</summary>
public enum SchemaNodeKind
{
    /// <summary>No structural information (or <c>x-kubernetes-int-or-string</c>, <c>x-kubernetes-preserve-unknown-fields</c> leaves).</summary>
    Any,
    Object,
    /// <summary>An object whose keys are free (<c>additionalProperties</c>), e.g. labels or ConfigMap data.</summary>
    Map,
    Array,
    String,
    Integer,
    Number,
    Boolean,
}

/// <summary>How a list merges in a strategic merge patch (<c>x-kubernetes-patch-strategy</c>).</summary>
[Flags]
public enum PatchStrategy
{
    None = 0,
    Merge = 1,
    Replace = 2,
    RetainKeys = 4,
}

/// <summary>How a list is owned in server-side apply (<c>x-kubernetes-list-type</c>).</summary>
public enum ListType
{
    Atomic,
    Set,
    Map,
}

/// <summary>
/// Structural knowledge about one node of an object's schema: what patching, pruning, server-side apply,
/// strict field validation and OpenAPI publication need. Built-in kinds and custom resources both provide it.
/// </summary>
public interface ISchemaNode
{
    SchemaNodeKind Kind { get; }

    /// <summary>The schema of a named property of an object node, or null when the object has no such property.</summary>
    ISchemaNode? Property(string name);

    /// <summary>The element schema of an array, or the value schema of a map.</summary>
    ISchemaNode? Items { get; }

    /// <summary>The key a strategic merge patch merges list elements by (<c>x-kubernetes-patch-merge-key</c>).</summary>
    string? PatchMergeKey { get; }

    PatchStrategy PatchStrategy { get; }

    ListType ListType { get; }

    /// <summary>The keys of a <see cref="ListType.Map"/> list (<c>x-kubernetes-list-map-keys</c>).</summary>
    IReadOnlyList<string> ListMapKeys { get; }

    /// <summary>True where unknown fields are kept rather than pruned or rejected.</summary>
    bool PreserveUnknownFields { get; }
}
