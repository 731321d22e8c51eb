namespace Vigil.Cluster.Controllers;

/// <summary>
/// The cluster's controllers' work queue, with client-go's semantics: a key queued many times while waiting is processed
/// once; a key is never processed by two workers at once; a key queued again while it is being processed is processed
/// again afterwards. <see cref="EnqueueAfter"/> delays a key on the queue's clock (the cluster clock, so delays scale).
/// </summary>
public sealed class WorkQueue<TKey> : IAsyncDisposable where TKey : notnull
{
    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly TimeProvider _time;
    private readonly Func<TKey, TimeSpan?> _process;

    /// <param name="process">Handles one key; returns a delay after which to process it again, or null.</param>
    /// <param name="time">The clock delays run on.</param>
    /// <param name="workers">How many keys are processed at once.</param>
    public WorkQueue(Func<TKey, TimeSpan?> process, TimeProvider time, int workers = 1)
    {
        _process = process;
        _time = time;
        _workers = [.. Enumerable.Range(0, Math.Max(1, workers)).Select(_ => Task.Run(WorkAsync))];
    }

    /// <summary>Keys waiting (not counting those being processed).</summary>
    public int Depth
    {
        get
        {
            lock (_gate) return _queue.Count;
        }
    }

    public void Enqueue(TKey key)
    {
        lock (_gate)
        {
            if (_stop.IsCancellationRequested || !_dirty.Add(key)) return;
            if (_processing.Contains(key)) return;
            _queue.Enqueue(key);
        }
        _available.Release();
    }

    public void EnqueueAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Enqueue(key);
            return;
        }
        _ = DelayedAsync(key, delay);
    }

    private async Task DelayedAsync(TKey key, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _stop.Token);
            Enqueue(key);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WorkAsync()
    {
        while (true)
        {
            try
            {
                await _available.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            TKey key;
            lock (_gate)
            {
                if (!_queue.TryDequeue(out key!)) continue;
                _processing.Add(key);
                _dirty.Remove(key);
            }
            TimeSpan? again;
            try
            {
                again = _process(key);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A failing key is retried after a pause instead of stopping the controller.
                again = TimeSpan.FromSeconds(1);
            }
            var requeue = false;
            lock (_gate)
            {
                _processing.Remove(key);
                if (_dirty.Contains(key))
                {
                    _queue.Enqueue(key);
                    requeue = true;
                }
            }
            if (requeue) _available.Release();
            if (again is { } delay) EnqueueAfter(key, delay);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        _stop.Dispose();
        _available.Dispose();
    }
}
