using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Informers;

/// <summary>Computes the index values of an object for one named index.</summary>
public delegate IEnumerable<string> IndexFunc<in T>(T obj);

/// <summary>A read view of an informer's cache.</summary>
/// <remarks>Covariant: a cache of pods reads as a cache of <c>KubernetesObject</c>.</remarks>
public interface IReadOnlyIndexer<out T>
    where T : class, IKubernetesObject
{
    int Count { get; }

    bool ContainsKey(string key);

    T? GetByKey(string key);

    T? Get(string? @namespace, string name);

    IReadOnlyList<T> List();

    IReadOnlyList<string> ListKeys();

    /// <summary>Objects whose <paramref name="indexName"/> index includes <paramref name="value"/>.</summary>
    IReadOnlyList<T> ByIndex(string indexName, string value);

    IReadOnlyList<string> IndexKeys(string indexName, string value);
}

/// <summary>
/// The thread-safe cache behind an informer: objects by <c>namespace/name</c> plus named secondary indexes
/// (client-go's threadSafeMap and Indexer). The <see cref="NamespaceIndex"/> is always present.
/// <para>
/// With a <see cref="CompactObjectCodec{T}"/> it holds each object as a compact document instead, and every read
/// decodes a fresh copy. Documents are decoded and released only under the cache's lock, which is what makes their
/// shared strings safe to free (see <see cref="Serialization.CompactJson"/>).
/// </para>
/// </summary>
public sealed class Indexer<T> : IReadOnlyIndexer<T>
    where T : class, IKubernetesObject
{
    public const string NamespaceIndex = "namespace";

    private readonly Lock _gate = new();
    // Objects, or their compact documents when there is a codec.
    private readonly Dictionary<string, object> _items = new(StringComparer.Ordinal);
    private readonly CompactObjectCodec<T>? _codec;
    private readonly Dictionary<string, IndexFunc<T>> _indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _indices = new(StringComparer.Ordinal);

    public Indexer(CompactObjectCodec<T>? codec = null)
    {
        _codec = codec;
        AddIndexer(NamespaceIndex, obj => [obj.Metadata.Namespace ?? string.Empty]);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds an index; existing objects are indexed right away.</summary>
    public void AddIndexer(string name, IndexFunc<T> indexFunc)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(indexFunc);
        lock (_gate)
        {
            if (!_indexers.TryAdd(name, indexFunc))
            {
                throw new InvalidOperationException($"Index '{name}' already exists.");
            }

            _indices[name] = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var (key, stored) in _items)
            {
                AddToIndex(name, indexFunc, key, Load(stored));
            }
        }
    }

    /// <summary>Adds or replaces; returns the previous object, if any.</summary>
    public T? Upsert(T obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var key = ObjectKeys.For(obj);
        var stored = Store(obj);
        lock (_gate)
        {
            var old = _items.TryGetValue(key, out var previous) ? Load(previous) : null;
            _items[key] = stored;
            UpdateIndices(key, old, obj);
            if (previous is not null) Drop(previous);
            return old;
        }
    }

    /// <summary>Removes by key; returns the removed object, if any.</summary>
    public T? Remove(string key)
    {
        lock (_gate)
        {
            if (!_items.Remove(key, out var stored))
            {
                return null;
            }

            var old = Load(stored);
            UpdateIndices(key, old, null);
            Drop(stored);
            return old;
        }
    }

    /// <summary>Replaces the whole content atomically.</summary>
    public void Replace(IEnumerable<T> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var replacements = objects.Select(obj => (Key: ObjectKeys.For(obj), Object: obj, Stored: Store(obj))).ToList();
        lock (_gate)
        {
            ClearLocked();

            foreach (var (key, obj, stored) in replacements)
            {
                if (_items.Remove(key, out var duplicate))
                {
                    Drop(duplicate);
                }

                _items[key] = stored;
                UpdateIndices(key, null, obj);
            }
        }
    }

    /// <summary>
    /// Empties a compact cache and gives back its documents' shared strings: for an informer that stopped for good (a
    /// namespace handed over), whose strings would otherwise stay referenced for the life of the process.
    /// </summary>
    public void ReleaseAll()
    {
        lock (_gate)
        {
            ClearLocked();
        }
    }

    public bool ContainsKey(string key)
    {
        lock (_gate)
        {
            return _items.ContainsKey(key);
        }
    }

    public T? GetByKey(string key)
    {
        lock (_gate)
        {
            return _items.TryGetValue(key, out var stored) ? Load(stored) : null;
        }
    }

    public T? Get(string? @namespace, string name) => GetByKey(ObjectKeys.For(@namespace, name));

    public IReadOnlyList<T> List()
    {
        lock (_gate)
        {
            return [.. _items.Values.Select(Load)];
        }
    }

    public IReadOnlyList<string> ListKeys()
    {
        lock (_gate)
        {
            return [.. _items.Keys];
        }
    }

    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (_gate)
        {
            return [.. KeysOf(indexName, value).Select(key => Load(_items[key]))];
        }
    }

    public IReadOnlyList<string> IndexKeys(string indexName, string value)
    {
        lock (_gate)
        {
            return [.. KeysOf(indexName, value)];
        }
    }

    private void ClearLocked()
    {
        foreach (var stored in _items.Values)
        {
            Drop(stored);
        }

        _items.Clear();
        foreach (var index in _indices.Values)
        {
            index.Clear();
        }
    }

    private object Store(T obj) => _codec is null ? obj : _codec.Encode(obj);

    private T Load(object stored) => _codec is null ? (T)stored : _codec.Decode((byte[])stored);

    private void Drop(object stored)
    {
        if (_codec is not null)
        {
            CompactObjectCodec<T>.Release((byte[])stored);
        }
    }

    private HashSet<string> KeysOf(string indexName, string value)
    {
        if (!_indices.TryGetValue(indexName, out var index))
        {
            throw new ArgumentException($"Index '{indexName}' does not exist.", nameof(indexName));
        }

        return index.TryGetValue(value, out var keys) ? keys : [];
    }

    private void UpdateIndices(string key, T? old, T? current)
    {
        foreach (var (name, indexFunc) in _indexers)
        {
            if (old is not null)
            {
                var index = _indices[name];
                foreach (var value in indexFunc(old))
                {
                    if (index.TryGetValue(value, out var keys))
                    {
                        keys.Remove(key);
                        if (keys.Count == 0)
                        {
                            index.Remove(value);
                        }
                    }
                }
            }

            if (current is not null)
            {
                AddToIndex(name, indexFunc, key, current);
            }
        }
    }

    private void AddToIndex(string name, IndexFunc<T> indexFunc, string key, T obj)
    {
        var index = _indices[name];
        foreach (var value in indexFunc(obj))
        {
            if (!index.TryGetValue(value, out var keys))
            {
                keys = new HashSet<string>(StringComparer.Ordinal);
                index[value] = keys;
            }

            keys.Add(key);
        }
    }
}
