using System.Diagnostics.Metrics;

namespace Vigil.Kubernetes.WorkQueues;

/// <summary>Settings of a <see cref="WorkQueue{T}"/>.</summary>
public sealed record WorkQueueOptions<T>
    where T : notnull
{
    /// <summary>Tags the queue's metrics.</summary>
    public string Name { get; init; } = "default";

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Used by <see cref="WorkQueue{T}.AddRateLimited"/>; null means <see cref="WorkQueueRateLimiters.Default{T}"/>.</summary>
    public IWorkQueueRateLimiter<T>? RateLimiter { get; init; }

    public IMeterFactory? MeterFactory { get; init; }
}

/// <summary>
/// client-go's rate-limiting work queue. Fair FIFO that is "stingy": an item added many times while waiting is
/// handed out once; an item is never handed to two workers at once; an item re-added while being processed is
/// queued again when its worker calls <see cref="Done"/>. Adds <see cref="AddAfter"/> (delaying queue) and
/// <see cref="AddRateLimited"/>/<see cref="Forget"/>/<see cref="NumRequeues"/> (rate-limiting queue).
/// </summary>
public sealed class WorkQueue<T> : IDisposable
    where T : notnull
{
    private readonly Lock _gate = new();
    private readonly Queue<T> _queue = new();
    private readonly HashSet<T> _dirty = [];
    private readonly Dictionary<T, long> _processing = [];
    private readonly Dictionary<T, long> _addedAt = [];
    private readonly Queue<TaskCompletionSource> _waiters = new();
    private readonly PriorityQueue<T, DateTimeOffset> _delayed = new();
    private readonly Dictionary<T, DateTimeOffset> _delayedReadyAt = [];
    private readonly TimeProvider _time;
    private readonly IWorkQueueRateLimiter<T> _rateLimiter;
    private readonly WorkQueueMetrics _metrics;
    private readonly ITimer _delayTimer;
    private TaskCompletionSource? _drained;
    private bool _shuttingDown;

    public WorkQueue(WorkQueueOptions<T>? options = null)
    {
        options ??= new WorkQueueOptions<T>();
        _time = options.TimeProvider;
        _rateLimiter = options.RateLimiter ?? WorkQueueRateLimiters.Default<T>(_time);
        _metrics = new WorkQueueMetrics(options.Name, options.MeterFactory, () => Count, UnfinishedWorkSeconds);
        _delayTimer = _time.CreateTimer(_ => MoveReadyDelayedItems(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Items waiting to be handed out (not counting delayed or in-progress ones).</summary>
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

    public bool ShuttingDown
    {
        get
        {
            lock (_gate)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>Queues <paramref name="item"/> unless it is already waiting; ignored after shutdown.</summary>
    public void Add(T item)
    {
        TaskCompletionSource? waiter = null;
        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }

            _metrics.Added();
            if (!_dirty.Add(item))
            {
                return;
            }

            _addedAt.TryAdd(item, _time.GetTimestamp());
            if (_processing.ContainsKey(item))
            {
                return;
            }

            _queue.Enqueue(item);
            waiter = NextWaiter();
        }

        waiter?.TrySetResult();
    }

    /// <summary>Adds <paramref name="item"/> once <paramref name="delay"/> has passed (the earliest of several requests wins).</summary>
    public void AddAfter(T item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }

        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }

            var readyAt = _time.GetUtcNow() + delay;
            if (_delayedReadyAt.TryGetValue(item, out var existing) && existing <= readyAt)
            {
                return;
            }

            _delayedReadyAt[item] = readyAt;
            _delayed.Enqueue(item, readyAt);
            ScheduleDelayTimer();
        }
    }

    /// <summary>Adds <paramref name="item"/> after the rate limiter's delay for it (one more failure).</summary>
    public void AddRateLimited(T item)
    {
        _metrics.Retried();
        AddAfter(item, _rateLimiter.When(item));
    }

    /// <summary>Clears the item's failure count; call after it was processed successfully.</summary>
    public void Forget(T item) => _rateLimiter.Forget(item);

    public int NumRequeues(T item) => _rateLimiter.NumRequeues(item);

    /// <summary>
    /// Waits for an item. Returns <c>(default, true)</c> once the queue is shut down and empty. The caller must call
    /// <see cref="Done"/> with the item when finished with it.
    /// </summary>
    public async ValueTask<(T Item, bool Shutdown)> GetAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            TaskCompletionSource waiter;
            lock (_gate)
            {
                if (_queue.Count > 0)
                {
                    var item = _queue.Dequeue();
                    var now = _time.GetTimestamp();
                    _processing[item] = now;
                    _dirty.Remove(item);
                    if (_addedAt.Remove(item, out var added))
                    {
                        _metrics.Waited(_time.GetElapsedTime(added, now));
                    }

                    return (item, false);
                }

                if (_shuttingDown)
                {
                    return (default!, true);
                }

                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Enqueue(waiter);
            }

            await using (cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetCanceled(), waiter))
            {
                try
                {
                    await waiter.Task;
                }
                catch (OperationCanceledException)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw;
                }
            }
        }
    }

    /// <summary>Marks the item as processed; if it was re-added meanwhile it is queued again now.</summary>
    public void Done(T item)
    {
        TaskCompletionSource? waiter = null;
        TaskCompletionSource? drained = null;
        lock (_gate)
        {
            if (_processing.Remove(item, out var started))
            {
                _metrics.Worked(_time.GetElapsedTime(started));
            }

            if (_dirty.Contains(item))
            {
                _queue.Enqueue(item);
                waiter = NextWaiter();
            }

            if (_processing.Count == 0 && _drained is not null)
            {
                drained = _drained;
            }
        }

        waiter?.TrySetResult();
        drained?.TrySetResult();
    }

    /// <summary>Stops accepting items; workers get the items still queued, then the shutdown signal.</summary>
    public void ShutDown()
    {
        List<TaskCompletionSource> waiters;
        lock (_gate)
        {
            _shuttingDown = true;
            _delayed.Clear();
            _delayedReadyAt.Clear();
            _delayTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var waiter in waiters)
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>Shuts down, then waits until every item handed out has been marked <see cref="Done"/>.</summary>
    public Task ShutDownWithDrainAsync(CancellationToken cancellationToken = default)
    {
        Task drained;
        lock (_gate)
        {
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_processing.Count == 0)
            {
                _drained.TrySetResult();
            }

            drained = _drained.Task;
        }

        ShutDown();
        return drained.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        ShutDown();
        _delayTimer.Dispose();
        _metrics.Dispose();
    }

    private TaskCompletionSource? NextWaiter() => _waiters.Count > 0 ? _waiters.Dequeue() : null;

    private double UnfinishedWorkSeconds()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            return _processing.Values.Sum(started => _time.GetElapsedTime(started, now).TotalSeconds);
        }
    }

    private void ScheduleDelayTimer()
    {
        if (_delayed.TryPeek(out _, out var readyAt))
        {
            var due = readyAt - _time.GetUtcNow();
            _delayTimer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        }
    }

    private void MoveReadyDelayedItems()
    {
        var ready = new List<T>();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            while (_delayed.TryPeek(out var item, out var readyAt) && readyAt <= now)
            {
                _delayed.Dequeue();
                if (_delayedReadyAt.TryGetValue(item, out var current) && current == readyAt)
                {
                    _delayedReadyAt.Remove(item);
                    ready.Add(item);
                }
            }

            ScheduleDelayTimer();
        }

        foreach (var item in ready)
        {
            Add(item);
        }
    }
}
