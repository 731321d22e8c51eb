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
        Namespace = ns is null ? null : StringPool.Share(ns);
        Name = name;
        Key = KeyOf(ns, name);
        Uid = uid;
        ResourceVersion = resourceVersion;
        Json = json;
        Labels = CompactMap.From(labels, this);
        Fields = CompactMap.From(fields, this);
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

/// <summary>
/// A small read-only string map kept as one array in the order it was built (the order the dictionary it copies
/// enumerates), with ordinal keys: a stored object's labels and selectable fields take a fraction of a Dictionary's
/// memory, and repeated strings (label keys and values, field values such as a phase or a node name) are shared.
/// </summary>
internal sealed class CompactMap : IReadOnlyDictionary<string, string>
{
    private static readonly CompactMap Empty = new([]);
    private readonly KeyValuePair<string, string>[] _entries;

    private CompactMap(KeyValuePair<string, string>[] entries) => _entries = entries;

    /// <summary>
    /// A compact copy of <paramref name="source"/> when it is an ordinal string map (what the store is given); any other
    /// map is kept as it is, so its own comparer still applies. Values equal to the object's name or namespace share them.
    /// </summary>
    public static IReadOnlyDictionary<string, string> From(IReadOnlyDictionary<string, string> source, StoredObject owner)
    {
        if (source is CompactMap) return source;
        if (source is not Dictionary<string, string> dictionary
            || !(ReferenceEquals(dictionary.Comparer, StringComparer.Ordinal) || ReferenceEquals(dictionary.Comparer, EqualityComparer<string>.Default)))
            return source;
        if (dictionary.Count == 0) return Empty;
        var entries = new KeyValuePair<string, string>[dictionary.Count];
        var i = 0;
        foreach (var (key, value) in dictionary)
        {
            var shared = value == owner.Name ? owner.Name : value == owner.Namespace ? owner.Namespace! : StringPool.Share(value);
            entries[i++] = new(StringPool.Share(key), shared);
        }
        return new CompactMap(entries);
    }

    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The given key '{key}' was not present in the dictionary.");
    public IEnumerable<string> Keys => _entries.Select(e => e.Key);
    public IEnumerable<string> Values => _entries.Select(e => e.Value);
    public int Count => _entries.Length;
    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.Ordinal))
            {
                value = entry.Value;
                return true;
            }
        }
        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_entries).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A bounded, lossy intern table: equal strings seen again share one instance while they stay in their slot. A slot
/// holds the last string hashed to it, so the table never grows and never keeps more than its size alive.
/// </summary>
internal static class StringPool
{
    private const int Size = 8192;
    private const int MaxLength = 128;
    private static readonly string?[] Slots = new string?[Size];

    public static string Share(string value)
    {
        if (value.Length == 0) return "";
        if (value.Length > MaxLength) return value;
        var slot = (string.GetHashCode(value, StringComparison.Ordinal) & int.MaxValue) % Size;
        var existing = Volatile.Read(ref Slots[slot]);
        if (existing is not null && string.Equals(existing, value, StringComparison.Ordinal)) return existing;
        Volatile.Write(ref Slots[slot], value);
        return value;
    }
}
