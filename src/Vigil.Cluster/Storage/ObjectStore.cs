using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Storage;

/// <summary>An object about to be written: everything but the resourceVersion the store assigns.</summary>
public sealed record PendingObject(string? Namespace, string Name, string Uid, JsonObject Node,
    IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Fields);

/// <summary>Thrown when the object changed between a read and the write based on it; the caller retries or reports a Conflict.</summary>
public sealed class StaleWriteException : Exception
{
    public StaleWriteException() : base("the object changed since it was read") { }
    public StaleWriteException(string message) : base(message) { }
    public StaleWriteException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Thrown when a requested resourceVersion is older than the store's history.</summary>
public sealed class HistoryExpiredException(long requested, long oldestAvailable)
    : Exception($"too old resource version: {requested} ({oldestAvailable})")
{
    public long Requested { get; } = requested;
    public long OldestAvailable { get; } = oldestAvailable;
}

/// <summary>One page of a list: its items, the list's resourceVersion, and where the next page starts (null: last page).</summary>
public sealed record ListPage(IReadOnlyList<StoredObject> Items, long ResourceVersion, string? NextKey, long RemainingItemCount);

/// <summary>
/// The cluster's storage: one global resourceVersion counter (like an etcd revision) over per-resource tables.
/// Writes are serialized so every change has a unique, increasing version and watchers see them in order.
/// </summary>
public sealed class ObjectStore(StoreOptions? options = null)
{
    private readonly Lock _writeLock = new();
    private readonly ConcurrentDictionary<string, TypeTable> _tables = new(StringComparer.Ordinal);
    private readonly StoreOptions _options = options ?? new StoreOptions();
    private long _resourceVersion = 1;

    public long CurrentResourceVersion => Interlocked.Read(ref _resourceVersion);

    public TypeTable Table(string storageKey) =>
        _tables.GetOrAdd(storageKey, key => new TypeTable(key, _options.HistoryPerResource));

    public StoredObject? Get(string storageKey, string? ns, string name) => Table(storageKey).Get(StoredObject.KeyOf(ns, name));

    /// <summary>
    /// Writes <paramref name="pending"/> (or deletes the object when null) if the stored object is still
    /// <paramref name="expected"/> (null: must not exist). Assigns the next resourceVersion and records the change.
    /// </summary>
    public StoredObject Commit(string storageKey, string? ns, string name, StoredObject? expected, PendingObject? pending)
    {
        var table = Table(storageKey);
        var key = StoredObject.KeyOf(ns, name);
        // Serializing is most of a commit's cost: it is done before taking the lock, with the resourceVersion left
        // blank, so the lock (which every watcher takes too) is held only to splice the version in and publish.
        var blank = pending is null ? -1 : VersionedJson.Prepare(pending.Node);
        lock (_writeLock)
        {
            var current = table.Get(key);
            if (!ReferenceEquals(current, expected) && current?.ResourceVersion != expected?.ResourceVersion)
                throw new StaleWriteException();
            if (pending is null && current is null) throw new StaleWriteException("the object does not exist");
            var rv = _resourceVersion + 1;
            WatchEvent change;
            if (pending is null)
            {
                // A deleted object is reported with the version of its deletion, as the real server does.
                var node = current!.ToNode();
                SetResourceVersion(node, rv);
                var final = new StoredObject(current.Namespace, current.Name, current.Uid, rv, Serialize(node), current.Labels, current.Fields);
                change = new WatchEvent(WatchEventType.Deleted, final, current);
            }
            else
            {
                SetResourceVersion(pending.Node, rv);
                var json = blank >= 0 ? VersionedJson.Complete(blank, rv) : Serialize(pending.Node);
                var stored = new StoredObject(pending.Namespace, pending.Name, pending.Uid, rv, json, pending.Labels, pending.Fields);
                change = new WatchEvent(current is null ? WatchEventType.Added : WatchEventType.Modified, stored, current);
            }
            table.Apply(change);
            Interlocked.Exchange(ref _resourceVersion, rv);
            return change.Object;
        }
    }

    /// <summary>
    /// Lists objects in key order. <paramref name="atResourceVersion"/> pins the list to an exact past version (paging continues
    /// at the first page's version); <paramref name="startAfterKey"/> continues after a key; 0 or less for <paramref name="limit"/> means all.
    /// </summary>
    public ListPage List(string storageKey, string? ns, Func<StoredObject, bool>? filter, int limit = 0, string? startAfterKey = null, long? atResourceVersion = null)
    {
        var table = Table(storageKey);
        ImmutableSortedSet<StoredObject> items;
        long rv;
        if (atResourceVersion is { } at && at < CurrentResourceVersion)
        {
            lock (_writeLock)
            {
                items = table.SnapshotAt(at) ?? throw new HistoryExpiredException(at, table.EvictedUpTo + 1);
            }
            rv = at;
        }
        else
        {
            lock (_writeLock)
            {
                items = table.Items;
                rv = CurrentResourceVersion;
            }
        }

        var prefix = string.IsNullOrEmpty(ns) ? null : ns + "/";
        var start = 0;
        if (startAfterKey is not null || prefix is not null)
        {
            var from = startAfterKey is not null && (prefix is null || string.CompareOrdinal(startAfterKey, prefix) > 0) ? startAfterKey : prefix!;
            var index = items.IndexOf(new StoredObject(from));
            start = index >= 0 ? (from == startAfterKey ? index + 1 : index) : ~index;
        }

        var result = new List<StoredObject>(limit > 0 ? Math.Min(limit, 1024) : 256);
        string? next = null;
        long remaining = 0;
        var count = items.Count;
        // A paged list counts what follows the page, so it walks to the end of its range. A long walk goes over a flat copy
        // of the snapshot (built once, then shared by the following pages of the same list) instead of a tree descent per
        // object; a short one (a small namespace of a big table) keeps walking the tree by index.
        if (limit > 0 && start < count && (table.HasFlat(items) || 8L * (RangeEnd(items, prefix, count) - start) >= count))
        {
            var flat = table.Flatten(items);
            for (var i = start; i < flat.Length; i++)
            {
                var item = flat[i];
                if (prefix is not null && !item.Key.StartsWith(prefix, StringComparison.Ordinal)) break;
                if (filter is not null && !filter(item)) continue;
                if (result.Count == limit)
                {
                    next = result[^1].Key;
                    remaining++;
                    continue;
                }
                result.Add(item);
            }
            return new ListPage(result, rv, next, remaining);
        }
        // Walk by index only from a seek point; a full scan uses the cheaper enumerator.
        IEnumerable<StoredObject> sequence = start == 0 ? items : Range(items, start, count);
        foreach (var item in sequence)
        {
            if (prefix is not null && !item.Key.StartsWith(prefix, StringComparison.Ordinal)) break;
            if (filter is not null && !filter(item)) continue;
            if (limit > 0 && result.Count == limit)
            {
                next = result[^1].Key;
                remaining++;
                continue;
            }
            result.Add(item);
        }
        return new ListPage(result, rv, next, remaining);
    }

    /// <summary>Where the keys under <paramref name="prefix"/> (<c>namespace/</c>) end: '0' is the character after '/'.</summary>
    private static int RangeEnd(ImmutableSortedSet<StoredObject> items, string? prefix, int count)
    {
        if (prefix is null) return count;
        var index = items.IndexOf(new StoredObject(string.Concat(prefix.AsSpan(0, prefix.Length - 1), "0")));
        return index >= 0 ? index : ~index;
    }

    /// <summary>Starts following a table's changes after <paramref name="afterRv"/>.</summary>
    public StoreWatch Watch(string storageKey, long afterRv)
    {
        var table = Table(storageKey);
        lock (_writeLock)
        {
            if (afterRv < table.EvictedUpTo) throw new HistoryExpiredException(afterRv, table.EvictedUpTo + 1);
        }
        return new StoreWatch(this, table, afterRv);
    }

    /// <summary>A consistent view of a table with the version it was taken at, for watches that start with the current state.</summary>
    public (ImmutableSortedSet<StoredObject> Items, long ResourceVersion) Snapshot(string storageKey)
    {
        var table = Table(storageKey);
        lock (_writeLock) return (table.Items, CurrentResourceVersion);
    }

    internal bool ReadAfter(TypeTable table, long afterRv, List<WatchEvent> into, out Task changed)
    {
        lock (_writeLock)
        {
            changed = table.Changed;
            return table.TryReadAfter(afterRv, into);
        }
    }

    private static IEnumerable<StoredObject> Range(ImmutableSortedSet<StoredObject> items, int start, int count)
    {
        for (var i = start; i < count; i++) yield return items[i];
    }

    private static void SetResourceVersion(JsonObject node, long rv)
    {
        if (node["metadata"] is not JsonObject meta)
        {
            meta = new JsonObject();
            node["metadata"] = meta;
        }
        meta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
    }

    private static byte[] Serialize(JsonObject node) => JsonSerializer.SerializeToUtf8Bytes(node, JsonDefaults.Compact);
}

/// <summary>A follower of one table's changes, read in batches in resourceVersion order.</summary>
public sealed class StoreWatch
{
    private readonly ObjectStore _store;
    private readonly TypeTable _table;

    internal StoreWatch(ObjectStore store, TypeTable table, long afterRv)
    {
        _store = store;
        _table = table;
        LastResourceVersion = afterRv;
    }

    public long LastResourceVersion { get; private set; }

    /// <summary>
    /// Waits until changes newer than the last one read exist and returns them. Throws <see cref="HistoryExpiredException"/>
    /// when the reader fell behind the history.
    /// </summary>
    public async Task<IReadOnlyList<WatchEvent>> NextAsync(CancellationToken cancellationToken)
    {
        var batch = new List<WatchEvent>();
        while (true)
        {
            if (!_store.ReadAfter(_table, LastResourceVersion, batch, out var changed))
                throw new HistoryExpiredException(LastResourceVersion, _table.EvictedUpTo + 1);
            if (batch.Count > 0)
            {
                LastResourceVersion = batch[^1].ResourceVersion;
                return batch;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The changes newer than the last one read, without waiting: false when there are none (or when the reader fell
    /// behind the history, which the next <see cref="NextAsync"/> reports).
    /// </summary>
    public bool TryNext(out IReadOnlyList<WatchEvent> batch)
    {
        batch = [];
        if (_table.LastChange <= LastResourceVersion) return false;
        var list = new List<WatchEvent>();
        if (!_store.ReadAfter(_table, LastResourceVersion, list, out _) || list.Count == 0) return false;
        batch = list;
        LastResourceVersion = list[^1].ResourceVersion;
        return true;
    }
}
