using System.Text.Json.Nodes;

namespace Vigil.Cluster.Storage;

/// <summary>
/// One stored object: its serialized JSON (the form every reader gets, shared and never mutated) and the facts
/// the server needs without parsing it again: key, resourceVersion, labels and selectable fields.
/// </summary>
public sealed class StoredObject
{
    internal StoredObject(string key) => Key = key;

    public StoredObject(string? ns, string name, string uid, long resourceVersion, byte[] json,
        IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> fields)
    {
        Namespace = ns;
        Name = name;
        Key = KeyOf(ns, name);
        Uid = uid;
        ResourceVersion = resourceVersion;
        Json = json;
        Labels = labels;
        Fields = fields;
    }

    /// <summary><c>namespace/name</c> for namespaced objects, <c>name</c> otherwise: the store's sort order.</summary>
    public string Key { get; }
    public string? Namespace { get; }
    public string Name { get; } = "";
    public string Uid { get; } = "";
    public long ResourceVersion { get; }
    public byte[] Json { get; } = [];
    public IReadOnlyDictionary<string, string> Labels { get; } = Empty;
    public IReadOnlyDictionary<string, string> Fields { get; } = Empty;

    /// <summary>A fresh, mutable copy of the object.</summary>
    public JsonObject ToNode() => (JsonObject)JsonNode.Parse(Json)!;

    public static string KeyOf(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : string.Concat(ns, "/", name);

    private static readonly Dictionary<string, string> Empty = [];
}

/// <summary>Orders stored objects by key (ordinal), as etcd orders keys.</summary>
internal sealed class StoredObjectKeyComparer : IComparer<StoredObject>
{
    public static readonly StoredObjectKeyComparer Instance = new();
    public int Compare(StoredObject? x, StoredObject? y) => string.CompareOrdinal(x?.Key, y?.Key);
}
