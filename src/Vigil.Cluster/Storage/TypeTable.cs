using System.Collections.Immutable;

namespace Vigil.Cluster.Storage;

/// <summary>
/// The objects of one stored resource: an immutable sorted set (so a reader holds a consistent snapshot for free)
/// and a bounded ring of recent changes. Mutated only under the store's write lock.
/// </summary>
public sealed class TypeTable
{
    private readonly WatchEvent[] _ring;
    private int _head;
    private int _count;
    private TaskCompletionSource _changed = NewSignal();
    private (long Rv, ImmutableSortedSet<StoredObject> Items)? _lastSnapshot;
    private FlatView? _flat;

    /// <summary>A snapshot's objects in an array, for walking long ranges of it by index.</summary>
    private sealed record FlatView(ImmutableSortedSet<StoredObject> Items, StoredObject[] Array);

    internal TypeTable(string storageKey, int historyCapacity)
    {
        StorageKey = storageKey;
        _ring = new WatchEvent[Math.Max(1, historyCapacity)];
        Items = ImmutableSortedSet.Create<StoredObject>(StoredObjectKeyComparer.Instance);
    }

    public string StorageKey { get; }

    /// <summary>The current objects; replacing the reference is atomic, so readers need no lock.</summary>
    public ImmutableSortedSet<StoredObject> Items { get; private set; }

    /// <summary>The newest resourceVersion whose change has left the history (0: nothing has).</summary>
    internal long EvictedUpTo { get; private set; }

    /// <summary>The resourceVersion of the table's newest change (0: none yet); read without the lock.</summary>
    internal long LastChange => Volatile.Read(ref _lastChange);
    private long _lastChange;

    /// <summary>A task completed at the next change of this table.</summary>
    internal Task Changed => _changed.Task;

    public StoredObject? Get(string key) =>
        Items.TryGetValue(new StoredObject(key), out var found) ? found : null;

    internal void Apply(WatchEvent change)
    {
        Items = change.Type == WatchEventType.Deleted
            ? Items.Remove(change.Object)
            : Items.Remove(change.Object).Add(change.Object);
        if (_count == _ring.Length)
        {
            EvictedUpTo = _ring[_head].ResourceVersion;
            _ring[_head] = change;
            _head = (_head + 1) % _ring.Length;
        }
        else
        {
            _ring[(_head + _count) % _ring.Length] = change;
            _count++;
        }
        Volatile.Write(ref _lastChange, change.ResourceVersion);
        var signal = _changed;
        _changed = NewSignal();
        signal.TrySetResult();
    }

    /// <summary>Copies the changes newer than <paramref name="afterRv"/> into <paramref name="into"/>; false when some have left the history.</summary>
    internal bool TryReadAfter(long afterRv, List<WatchEvent> into)
    {
        if (afterRv < EvictedUpTo) return false;
        var start = FirstIndexAfter(afterRv);
        into.EnsureCapacity(into.Count + _count - start);
        for (var i = start; i < _count; i++) into.Add(_ring[(_head + i) % _ring.Length]);
        return true;
    }

    /// <summary>The table as it was at <paramref name="rv"/>, rebuilt by undoing newer changes; null when they have left the history.</summary>
    internal ImmutableSortedSet<StoredObject>? SnapshotAt(long rv)
    {
        if (rv < EvictedUpTo) return null;
        if (_lastSnapshot is { } cached && cached.Rv == rv) return cached.Items;
        var items = Items;
        var start = FirstIndexAfter(rv);
        for (var i = _count - 1; i >= start; i--)
        {
            var change = _ring[(_head + i) % _ring.Length];
            items = change.Type switch
            {
                WatchEventType.Added => items.Remove(change.Object),
                WatchEventType.Modified => items.Remove(change.Object).Add(change.Previous!),
                _ => items.Add(change.Previous!),
            };
        }
        _lastSnapshot = (rv, items);
        return items;
    }

    /// <summary>True when <see cref="Flatten"/> has <paramref name="items"/> at hand.</summary>
    internal bool HasFlat(ImmutableSortedSet<StoredObject> items) => ReferenceEquals(Volatile.Read(ref _flat)?.Items, items);

    /// <summary>
    /// <paramref name="items"/> as an array in key order. The last one built is kept, so the pages of a list (all at the
    /// same snapshot) share it. Safe without the write lock: snapshots are immutable.
    /// </summary>
    internal StoredObject[] Flatten(ImmutableSortedSet<StoredObject> items)
    {
        var cached = Volatile.Read(ref _flat);
        if (cached is not null && ReferenceEquals(cached.Items, items)) return cached.Array;
        var array = new StoredObject[items.Count];
        var i = 0;
        foreach (var item in items) array[i++] = item;
        Volatile.Write(ref _flat, new FlatView(items, array));
        return array;
    }

    private int FirstIndexAfter(long rv)
    {
        int lo = 0, hi = _count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ring[(_head + mid) % _ring.Length].ResourceVersion <= rv) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
