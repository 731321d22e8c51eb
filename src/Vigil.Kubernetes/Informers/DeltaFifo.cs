using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Informers;

/// <summary>
/// client-go's DeltaFIFO: a queue of keys, each with the list of changes not yet processed. <see cref="Replace"/>
/// (a relist) records <see cref="DeltaType.Replaced"/> for every listed object and a Deleted tombstone
/// (<see cref="DeletedFinalStateUnknown{T}"/>) for every known object the list no longer has.
/// <see cref="HasSynced"/> turns true once the first Replace has been fully popped.
/// </summary>
internal sealed class DeltaFifo<T>
    where T : class, IKubernetesObject
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Delta<T>>> _items = new(StringComparer.Ordinal);
    private readonly Queue<string> _queue = new();
    private readonly IReadOnlyIndexer<T> _knownObjects;
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _populated;
    private int _initialPopulationCount;
    private bool _closed;

    public DeltaFifo(IReadOnlyIndexer<T> knownObjects)
    {
        _knownObjects = knownObjects;
    }

    public bool HasSynced
    {
        get
        {
            lock (_gate)
            {
                return HasSyncedLocked;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    private bool HasSyncedLocked => _populated && _initialPopulationCount == 0;

    public void Add(T obj) => Enqueue(DeltaType.Added, obj, markPopulated: true);

    public void Update(T obj) => Enqueue(DeltaType.Updated, obj, markPopulated: true);

    public void Delete(T obj)
    {
        var key = ObjectKeys.For(obj);
        lock (_gate)
        {
            _populated = true;
            if (!_knownObjects.ContainsKey(key) && !_items.ContainsKey(key))
            {
                // Never seen and not pending: nothing to tell anyone.
                return;
            }

            EnqueueLocked(key, new Delta<T>(DeltaType.Deleted, obj));
        }
    }

    /// <summary>A relist: every listed object is Replaced; known objects missing from the list get tombstones.</summary>
    public void Replace(IReadOnlyList<T> list)
    {
        lock (_gate)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var obj in list)
            {
                var key = ObjectKeys.For(obj);
                keys.Add(key);
                EnqueueLocked(key, new Delta<T>(DeltaType.Replaced, obj));
            }

            var deletions = 0;
            foreach (var key in _knownObjects.ListKeys())
            {
                if (keys.Contains(key) || _knownObjects.GetByKey(key) is not { } known)
                {
                    continue;
                }

                deletions++;
                EnqueueTombstoneLocked(key, known);
            }

            // Objects still pending (never reached the cache) that the new list lacks vanish too.
            foreach (var (key, deltas) in _items.ToList())
            {
                if (keys.Contains(key) || _knownObjects.ContainsKey(key) || deltas[^1].Type == DeltaType.Deleted)
                {
                    continue;
                }

                deletions++;
                EnqueueTombstoneLocked(key, deltas[^1].Object);
            }

            if (!_populated)
            {
                _populated = true;
                _initialPopulationCount = keys.Count + deletions;
            }
        }
    }

    /// <summary>Queues a Sync for every cached object with no pending change.</summary>
    public void Resync()
    {
        lock (_gate)
        {
            foreach (var key in _knownObjects.ListKeys())
            {
                if (_items.ContainsKey(key) || _knownObjects.GetByKey(key) is not { } obj)
                {
                    continue;
                }

                EnqueueLocked(key, new Delta<T>(DeltaType.Sync, obj));
            }
        }
    }

    /// <summary>Waits for the next key and takes all of its deltas; null once closed.</summary>
    public async ValueTask<(string Key, IReadOnlyList<Delta<T>> Deltas, bool IsInInitialList)?> PopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_closed)
                {
                    return null;
                }

                if (_queue.Count > 0)
                {
                    var key = _queue.Dequeue();
                    var isInInitialList = !HasSyncedLocked;
                    if (_initialPopulationCount > 0)
                    {
                        _initialPopulationCount--;
                    }

                    _items.Remove(key, out var deltas);
                    return (key, deltas!, isInInitialList);
                }

                if (_signal.Task.IsCompleted)
                {
                    _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wait = _signal.Task;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            _signal.TrySetResult();
        }
    }

    private void Enqueue(DeltaType type, T obj, bool markPopulated)
    {
        lock (_gate)
        {
            if (markPopulated)
            {
                _populated = true;
            }

            EnqueueLocked(ObjectKeys.For(obj), new Delta<T>(type, obj));
        }
    }

    private void EnqueueTombstoneLocked(string key, T lastKnown) =>
        EnqueueLocked(key, new Delta<T>(DeltaType.Deleted, lastKnown, new DeletedFinalStateUnknown<T>(key, lastKnown)));

    private void EnqueueLocked(string key, Delta<T> delta)
    {
        if (!_items.TryGetValue(key, out var deltas))
        {
            deltas = [];
            _items[key] = deltas;
            _queue.Enqueue(key);
        }

        deltas.Add(delta);

        // Two deletions in a row say the same thing: keep the one that is not a tombstone.
        if (deltas.Count >= 2 && deltas[^1].Type == DeltaType.Deleted && deltas[^2].Type == DeltaType.Deleted)
        {
            var keep = deltas[^1].Tombstone is null ? deltas[^1] : deltas[^2];
            deltas.RemoveRange(deltas.Count - 2, 2);
            deltas.Add(keep);
        }

        _signal.TrySetResult();
    }
}
