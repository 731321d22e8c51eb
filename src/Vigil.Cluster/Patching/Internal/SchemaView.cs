using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Patching.Internal;

/// <summary>How server-side apply treats a list.</summary>
internal enum ListShapeKind
{
    /// <summary>Owned and replaced as a whole.</summary>
    Atomic,
    /// <summary>Elements are scalars identified by their value (<c>v:</c> path elements).</summary>
    Set,
    /// <summary>Elements are objects identified by key fields (<c>k:</c> path elements).</summary>
    Map,
}

internal readonly record struct ListShape(ListShapeKind Kind, IReadOnlyList<string> Keys)
{
    public static readonly ListShape Atomic = new(ListShapeKind.Atomic, []);
    public static readonly ListShape Set = new(ListShapeKind.Set, []);
}

/// <summary>Navigation helpers over an optional <see cref="ISchemaNode"/> (null means "nothing known": deduce from the value).</summary>
internal static class SchemaView
{
    /// <summary>The schema of member <paramref name="key"/> of an object or map node.</summary>
    public static ISchemaNode? Child(ISchemaNode? parent, string key)
    {
        if (parent is null) return null;
        if (parent.Kind == SchemaNodeKind.Map) return parent.Items;
        return parent.Property(key);
    }

    /// <summary>True when <paramref name="key"/> is a declared field of a structured object (not a free map key).</summary>
    public static bool IsStructField(ISchemaNode? parent, string key) =>
        parent is { Kind: SchemaNodeKind.Object } && parent.Property(key) is not null;

    /// <summary>Strategic merge patch: the list merges element-wise instead of being replaced.</summary>
    public static bool IsMergeList(ISchemaNode? list) => list is not null && (list.PatchStrategy & PatchStrategy.Merge) != 0;

    /// <summary>Strategic merge patch: an object field that is replaced rather than merged.</summary>
    public static bool IsReplaceStrategy(ISchemaNode? node) =>
        node is not null && (node.PatchStrategy & PatchStrategy.Replace) != 0 && (node.PatchStrategy & PatchStrategy.Merge) == 0;

    /// <summary>
    /// Server-side apply: <c>x-kubernetes-list-type</c> decides; a list left at the default (atomic) that has a strategic
    /// merge strategy is treated like the OpenAPI of built-in types declares it (merge key: map keyed by it; no key: set).
    /// </summary>
    public static ListShape ListShapeOf(ISchemaNode? list)
    {
        if (list is null) return ListShape.Atomic;
        switch (list.ListType)
        {
            case ListType.Map when list.ListMapKeys.Count > 0:
                return new ListShape(ListShapeKind.Map, list.ListMapKeys);
            case ListType.Map when !string.IsNullOrEmpty(list.PatchMergeKey):
                return new ListShape(ListShapeKind.Map, [list.PatchMergeKey]);
            case ListType.Set:
                return ListShape.Set;
        }
        if ((list.PatchStrategy & PatchStrategy.Merge) != 0)
        {
            return string.IsNullOrEmpty(list.PatchMergeKey) ? ListShape.Set : new ListShape(ListShapeKind.Map, [list.PatchMergeKey]);
        }
        return ListShape.Atomic;
    }
}

/// <summary>A plain schema node, used for the parts of every object the patch engines know without being told (ObjectMeta).</summary>
internal sealed class SimpleSchemaNode : ISchemaNode
{
    public SchemaNodeKind Kind { get; init; }
    public Dictionary<string, ISchemaNode> Properties { get; init; } = new(StringComparer.Ordinal);
    public ISchemaNode? Items { get; init; }
    public string? PatchMergeKey { get; init; }
    public PatchStrategy PatchStrategy { get; init; }
    public ListType ListType { get; init; }
    public IReadOnlyList<string> ListMapKeys { get; init; } = [];
    public bool PreserveUnknownFields { get; init; }
    public ISchemaNode? Property(string name) => Properties.GetValueOrDefault(name);

    private static readonly SimpleSchemaNode StringNode = new() { Kind = SchemaNodeKind.String };

    /// <summary>metav1.ObjectMeta as server-side apply sees it (labels/annotations maps, finalizers set, ownerReferences keyed by uid).</summary>
    public static readonly SimpleSchemaNode ObjectMeta = new()
    {
        Kind = SchemaNodeKind.Object,
        PreserveUnknownFields = true,
        Properties = new(StringComparer.Ordinal)
        {
            ["name"] = StringNode,
            ["generateName"] = StringNode,
            ["namespace"] = StringNode,
            ["uid"] = StringNode,
            ["resourceVersion"] = StringNode,
            ["creationTimestamp"] = StringNode,
            ["deletionTimestamp"] = StringNode,
            ["deletionGracePeriodSeconds"] = new SimpleSchemaNode { Kind = SchemaNodeKind.Integer },
            ["generation"] = new SimpleSchemaNode { Kind = SchemaNodeKind.Integer },
            ["labels"] = new SimpleSchemaNode { Kind = SchemaNodeKind.Map, Items = StringNode },
            ["annotations"] = new SimpleSchemaNode { Kind = SchemaNodeKind.Map, Items = StringNode },
            ["finalizers"] = new SimpleSchemaNode
            {
                Kind = SchemaNodeKind.Array, Items = StringNode, ListType = ListType.Set, PatchStrategy = PatchStrategy.Merge,
            },
            ["ownerReferences"] = new SimpleSchemaNode
            {
                Kind = SchemaNodeKind.Array,
                ListType = ListType.Map,
                ListMapKeys = ["uid"],
                PatchMergeKey = "uid",
                PatchStrategy = PatchStrategy.Merge,
                Items = new SimpleSchemaNode
                {
                    Kind = SchemaNodeKind.Object,
                    Properties = new(StringComparer.Ordinal)
                    {
                        ["apiVersion"] = StringNode,
                        ["kind"] = StringNode,
                        ["name"] = StringNode,
                        ["uid"] = StringNode,
                        ["controller"] = new SimpleSchemaNode { Kind = SchemaNodeKind.Boolean },
                        ["blockOwnerDeletion"] = new SimpleSchemaNode { Kind = SchemaNodeKind.Boolean },
                    },
                },
            },
            ["managedFields"] = new SimpleSchemaNode { Kind = SchemaNodeKind.Array, ListType = ListType.Atomic },
        },
    };
}
