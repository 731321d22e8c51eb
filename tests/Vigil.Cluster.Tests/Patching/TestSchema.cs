using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Tests.Patching;

/// <summary>A test-only <see cref="ISchemaNode"/> with a small fluent builder.</summary>
internal sealed class TestSchema : ISchemaNode
{
    private readonly Dictionary<string, ISchemaNode> properties = new(StringComparer.Ordinal);

    public SchemaNodeKind Kind { get; private init; }
    public ISchemaNode? Items { get; private init; }
    public string? PatchMergeKey { get; private init; }
    public PatchStrategy PatchStrategy { get; private init; }
    public ListType ListType { get; private init; }
    public IReadOnlyList<string> ListMapKeys { get; private init; } = [];
    public bool PreserveUnknownFields { get; private init; }

    public ISchemaNode? Property(string name) => properties.GetValueOrDefault(name);

    public static TestSchema Str() => new() { Kind = SchemaNodeKind.String };
    public static TestSchema Int() => new() { Kind = SchemaNodeKind.Integer };
    public static TestSchema Bool() => new() { Kind = SchemaNodeKind.Boolean };
    public static TestSchema Any() => new() { Kind = SchemaNodeKind.Any, PreserveUnknownFields = true };

    public static TestSchema Obj(params (string Name, ISchemaNode Schema)[] fields)
    {
        var node = new TestSchema { Kind = SchemaNodeKind.Object };
        foreach (var (name, schema) in fields) node.properties[name] = schema;
        return node;
    }

    /// <summary>An object whose field is replaced wholesale by a strategic merge patch (<c>patchStrategy: replace</c>).</summary>
    public static TestSchema ReplacedObj(params (string Name, ISchemaNode Schema)[] fields)
    {
        var node = new TestSchema { Kind = SchemaNodeKind.Object, PatchStrategy = PatchStrategy.Replace };
        foreach (var (name, schema) in fields) node.properties[name] = schema;
        return node;
    }

    public static TestSchema MapOf(ISchemaNode values) => new() { Kind = SchemaNodeKind.Map, Items = values };

    /// <summary>A list without merge strategy: replaced by strategic merge patch, atomic for server-side apply.</summary>
    public static TestSchema Atomic(ISchemaNode items) => new() { Kind = SchemaNodeKind.Array, Items = items, ListType = ListType.Atomic };

    /// <summary>patchStrategy=merge, patchMergeKey=key, listType=map, listMapKeys=keys (default: the merge key).</summary>
    public static TestSchema MergeList(string key, ISchemaNode items, PatchStrategy extra = PatchStrategy.None, params string[] mapKeys) => new()
    {
        Kind = SchemaNodeKind.Array,
        Items = items,
        PatchMergeKey = key,
        PatchStrategy = PatchStrategy.Merge | extra,
        ListType = ListType.Map,
        ListMapKeys = mapKeys.Length > 0 ? mapKeys : [key],
    };

    /// <summary>A merge list described only by strategic-merge metadata (listType left at its default).</summary>
    public static TestSchema LegacyMergeList(string key, ISchemaNode items) => new()
    {
        Kind = SchemaNodeKind.Array, Items = items, PatchMergeKey = key, PatchStrategy = PatchStrategy.Merge,
    };

    /// <summary>A list of scalars with patchStrategy=merge and listType=set (e.g. finalizers).</summary>
    public static TestSchema MergeSet(ISchemaNode items) => new()
    {
        Kind = SchemaNodeKind.Array, Items = items, PatchStrategy = PatchStrategy.Merge, ListType = ListType.Set,
    };
}

/// <summary>Pod and Deployment subsets, with the patch metadata of the real types.</summary>
internal static class KubeSchemas
{
    public static TestSchema ObjectMeta() => TestSchema.Obj(
        ("name", TestSchema.Str()),
        ("generateName", TestSchema.Str()),
        ("namespace", TestSchema.Str()),
        ("uid", TestSchema.Str()),
        ("resourceVersion", TestSchema.Str()),
        ("generation", TestSchema.Int()),
        ("creationTimestamp", TestSchema.Str()),
        ("labels", TestSchema.MapOf(TestSchema.Str())),
        ("annotations", TestSchema.MapOf(TestSchema.Str())),
        ("finalizers", TestSchema.MergeSet(TestSchema.Str())),
        ("ownerReferences", TestSchema.MergeList("uid", TestSchema.Obj(
            ("apiVersion", TestSchema.Str()), ("kind", TestSchema.Str()), ("name", TestSchema.Str()), ("uid", TestSchema.Str()),
            ("controller", TestSchema.Bool())))),
        ("managedFields", TestSchema.Atomic(TestSchema.Any())));

    public static TestSchema Container() => TestSchema.Obj(
        ("name", TestSchema.Str()),
        ("image", TestSchema.Str()),
        ("imagePullPolicy", TestSchema.Str()),
        ("command", TestSchema.Atomic(TestSchema.Str())),
        ("args", TestSchema.Atomic(TestSchema.Str())),
        ("env", TestSchema.MergeList("name", TestSchema.Obj(
            ("name", TestSchema.Str()), ("value", TestSchema.Str()),
            ("valueFrom", TestSchema.Obj(("fieldRef", TestSchema.Obj(("fieldPath", TestSchema.Str())))))))),
        ("ports", TestSchema.MergeList("containerPort", TestSchema.Obj(
            ("containerPort", TestSchema.Int()), ("protocol", TestSchema.Str()), ("name", TestSchema.Str())))),
        ("resources", TestSchema.Obj(
            ("limits", TestSchema.MapOf(TestSchema.Str())), ("requests", TestSchema.MapOf(TestSchema.Str())))),
        ("volumeMounts", TestSchema.MergeList("mountPath", TestSchema.Obj(
            ("name", TestSchema.Str()), ("mountPath", TestSchema.Str()), ("readOnly", TestSchema.Bool())))));

    public static TestSchema PodSpec() => TestSchema.Obj(
        ("containers", TestSchema.MergeList("name", Container())),
        ("initContainers", TestSchema.MergeList("name", Container())),
        ("volumes", TestSchema.MergeList("name", TestSchema.Obj(
            ("name", TestSchema.Str()),
            ("configMap", TestSchema.Obj(("name", TestSchema.Str()))),
            ("secret", TestSchema.Obj(("secretName", TestSchema.Str()))),
            ("emptyDir", TestSchema.Obj(("medium", TestSchema.Str())))), PatchStrategy.RetainKeys)),
        ("tolerations", TestSchema.Atomic(TestSchema.Obj(
            ("key", TestSchema.Str()), ("operator", TestSchema.Str()), ("value", TestSchema.Str()), ("effect", TestSchema.Str())))),
        ("nodeSelector", TestSchema.MapOf(TestSchema.Str())),
        ("affinity", TestSchema.ReplacedObj(("nodeAffinity", TestSchema.Any()))),
        ("restartPolicy", TestSchema.Str()),
        ("serviceAccountName", TestSchema.Str()),
        ("terminationGracePeriodSeconds", TestSchema.Int()));

    public static TestSchema Conditions() => TestSchema.MergeList("type", TestSchema.Obj(
        ("type", TestSchema.Str()), ("status", TestSchema.Str()), ("reason", TestSchema.Str()), ("message", TestSchema.Str())));

    public static TestSchema Pod() => TestSchema.Obj(
        ("apiVersion", TestSchema.Str()),
        ("kind", TestSchema.Str()),
        ("metadata", ObjectMeta()),
        ("spec", PodSpec()),
        ("status", TestSchema.Obj(("phase", TestSchema.Str()), ("podIP", TestSchema.Str()), ("conditions", Conditions()))));

    public static TestSchema Deployment() => TestSchema.Obj(
        ("apiVersion", TestSchema.Str()),
        ("kind", TestSchema.Str()),
        ("metadata", ObjectMeta()),
        ("spec", TestSchema.Obj(
            ("replicas", TestSchema.Int()),
            ("minReadySeconds", TestSchema.Int()),
            ("paused", TestSchema.Bool()),
            ("selector", TestSchema.Obj(("matchLabels", TestSchema.MapOf(TestSchema.Str())))),
            ("strategy", TestSchema.Obj(
                ("type", TestSchema.Str()),
                ("rollingUpdate", TestSchema.Obj(("maxSurge", TestSchema.Any()), ("maxUnavailable", TestSchema.Any()))))),
            ("template", TestSchema.Obj(("metadata", ObjectMeta()), ("spec", PodSpec()))))),
        ("status", TestSchema.Obj(
            ("replicas", TestSchema.Int()), ("readyReplicas", TestSchema.Int()), ("observedGeneration", TestSchema.Int()),
            ("conditions", Conditions()))));
}
