namespace Vigil.Cluster.Simulation.Nodes;

/// <summary>
/// Wake-ups at cluster times for many keys with one timer: a heap of due times and a single <see cref="ITimer"/> armed for
/// the earliest. This is what lets 150,000 pods each have "something happens at T" without 150,000 timers or tasks.
/// A key holds at most its earliest wake-up; scheduling a later one while an earlier is pending keeps the earlier (the
/// woken component recomputes what is next), scheduling an earlier one replaces it.
/// </summary>
internal sealed class DelayQueue<TKey> : IDisposable where TKey : notnull
{
    private static readonly long MinimumDelayTicks = TimeSpan.FromMilliseconds(1).Ticks;
    private readonly TimeProvider _clock;
    private readonly Action<TKey> _due;
    private readonly PriorityQueue<TKey, long> _heap = new();
    private readonly Dictionary<TKey, long> _pending;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private long _armedFor = long.MaxValue;
    private bool _disposed;

    public DelayQueue(TimeProvider clock, Action<TKey> due, IEqualityComparer<TKey>? comparer = null)
    {
        _clock = clock;
        _due = due;
        _pending = new Dictionary<TKey, long>(comparer);
        _timer = clock.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public int Count
    {
        get
        {
            lock (_gate) return _pending.Count;
        }
    }

    /// <summary>Wakes <paramref name="key"/> at <paramref name="at"/> (cluster time), unless it is already due earlier.</summary>
    public void Schedule(TKey key, DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        lock (_gate)
        {
            if (_disposed) return;
            if (_pending.TryGetValue(key, out var existing) && existing <= ticks) return;
            _pending[key] = ticks;
            _heap.Enqueue(key, ticks);
            if (ticks < _armedFor) Arm(ticks);
        }
    }

    public void Schedule(TKey key, TimeSpan after) => Schedule(key, _clock.GetUtcNow() + after);

    /// <summary>Forgets a pending wake-up.</summary>
    public void Cancel(TKey key)
    {
        lock (_gate) _pending.Remove(key);
    }

    private void Arm(long ticks)
    {
        _armedFor = ticks;
        var delay = Math.Max(MinimumDelayTicks, ticks - _clock.GetUtcNow().UtcTicks);
        _timer.Change(TimeSpan.FromTicks(delay), Timeout.InfiniteTimeSpan);
    }

    private void Fire()
    {
        List<TKey>? due = null;
        lock (_gate)
        {
            if (_disposed) return;
            var now = _clock.GetUtcNow().UtcTicks;
            _armedFor = long.MaxValue;
            while (_heap.TryPeek(out var key, out var at))
            {
                var live = _pending.TryGetValue(key, out var pending) && pending == at;
                if (live && at > now) break;
                _heap.Dequeue();
                if (!live) continue;
                _pending.Remove(key);
                (due ??= []).Add(key);
            }
            if (_heap.TryPeek(out _, out var next)) Arm(next);
        }
        if (due is null) return;
        foreach (var key in due)
        {
            try
            {
                _due(key);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _pending.Clear();
            _heap.Clear();
        }
        _timer.Dispose();
    }
}
