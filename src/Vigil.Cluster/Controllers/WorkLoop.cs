using System.Threading.Channels;

namespace Vigil.Cluster.Controllers;

/// <summary>
/// A single background worker over a queue of keys, for the server's own controllers: keys queued while pending are
/// processed once; a key whose processing asks for it is retried after a delay.
/// </summary>
public sealed class WorkLoop<TKey> : IAsyncDisposable where TKey : notnull
{
    private readonly Channel<TKey> _queue = Channel.CreateUnbounded<TKey>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<TKey> _pending = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _worker;
    private readonly TimeProvider _time;

    /// <param name="process">Handles one key; returns a delay to retry after, or null when done.</param>
    public WorkLoop(Func<TKey, TimeSpan?> process, TimeProvider time)
    {
        _time = time;
        _worker = Task.Run(() => RunAsync(process));
    }

    public void Enqueue(TKey key)
    {
        lock (_gate)
        {
            if (!_pending.Add(key)) return;
        }
        _queue.Writer.TryWrite(key);
    }

    private async Task RunAsync(Func<TKey, TimeSpan?> process)
    {
        try
        {
            await foreach (var key in _queue.Reader.ReadAllAsync(_stop.Token))
            {
                lock (_gate) _pending.Remove(key);
                TimeSpan? retry;
                try
                {
                    retry = process(key);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    retry = TimeSpan.FromSeconds(1);
                }
                if (retry is { } delay) _ = RetryLaterAsync(key, delay);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RetryLaterAsync(TKey key, TimeSpan delay)
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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _queue.Writer.TryComplete();
        await _worker;
        _stop.Dispose();
    }
}
