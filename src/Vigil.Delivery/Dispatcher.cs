using System.Collections.Concurrent;
using System.Threading.Channels;
using Vigil.Detection;

namespace Vigil.Delivery;

/// <summary>Outcomes of deliveries, per sink: what the /metrics endpoint reports.</summary>
public sealed class DeliveryCounters
{
    private readonly ConcurrentDictionary<(string Sink, string Outcome), long> _counts = new();

    public void Add(string sink, string outcome) => _counts.AddOrUpdate((sink, outcome), 1, (_, n) => n + 1);

    public long Get(string sink, string outcome) => _counts.GetValueOrDefault((sink, outcome));

    public IReadOnlyDictionary<(string Sink, string Outcome), long> Snapshot() => new Dictionary<(string, string), long>(_counts);

    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string Retried = "retried";
    public const string Filtered = "filtered";
    public const string Dropped = "dropped";
}

/// <summary>
/// Hands each diagnosis to every sink through a bounded queue per sink, so a slow sink delays only itself. Sinks get
/// only the severities they ask for; failed deliveries are retried with exponential back-off and jitter; a full queue
/// drops its oldest diagnosis and counts it: nothing is lost silently. <see cref="DisposeAsync"/> drains what was accepted.
/// </summary>
public sealed class Dispatcher : IAsyncDisposable
{
    // Replaced as a whole when sinks come and go at run time (Sink resources), so Publish reads a consistent snapshot.
    private volatile (ISink Sink, Channel<Diagnosis.Diagnosis> Queue, Task Worker)[] _sinks = [];
    private readonly Lock _changing = new();
    private readonly List<Task> _retiring = [];
    private int _fixedCount;
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _abort = new();

    public Dispatcher(IEnumerable<ISink> sinks, DeliveryOptions options, TimeProvider time)
    {
        options.Validate();
        _options = options;
        _time = time;
        _sinks = [.. sinks.Select(Start)];
        _fixedCount = _sinks.Length;
    }

    private (ISink, Channel<Diagnosis.Diagnosis>, Task) Start(ISink sink)
    {
        var queue = Channel.CreateBounded<Diagnosis.Diagnosis>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = _options.Concurrency == 1,
        }, _ => Counters.Add(sink.Name, DeliveryCounters.Dropped));
        var workers = Enumerable.Range(0, _options.Concurrency).Select(_ => Task.Run(() => WorkAsync(sink, queue)));
        return (sink, queue, Task.WhenAll(workers));
    }

    /// <summary>
    /// Sets the sinks that come and go at run time (besides those given at construction): new ones get a queue, ones no
    /// longer listed stop accepting and deliver what they had accepted. Sinks are matched by identity.
    /// </summary>
    public void SetDynamicSinks(IReadOnlyList<ISink> sinks)
    {
        lock (_changing)
        {
            var current = _sinks;
            var kept = current.Take(_fixedCount).ToList();
            foreach (var entry in current.Skip(_fixedCount))
            {
                if (sinks.Contains(entry.Sink)) kept.Add(entry);
                else
                {
                    entry.Queue.Writer.TryComplete();
                    _retiring.Add(entry.Worker);
                }
            }
            foreach (var sink in sinks)
                if (!kept.Skip(_fixedCount).Any(e => ReferenceEquals(e.Sink, sink))) kept.Add(Start(sink));
            _sinks = [.. kept];
        }
    }

    public DeliveryCounters Counters { get; } = new();

    /// <summary>Diagnoses waiting, per sink.</summary>
    public IReadOnlyDictionary<string, int> Depths => _sinks.ToDictionary(s => s.Sink.Name, s => s.Queue.Reader.Count);

    /// <summary>Queues a diagnosis for every sink whose severity filter lets it through.</summary>
    public void Publish(Diagnosis.Diagnosis diagnosis)
    {
        foreach (var (sink, queue, _) in _sinks)
        {
            if (diagnosis.Severity < sink.MinimumSeverity)
            {
                Counters.Add(sink.Name, DeliveryCounters.Filtered);
                continue;
            }
            queue.Writer.TryWrite(diagnosis);
        }
    }

    private async Task WorkAsync(ISink sink, Channel<Diagnosis.Diagnosis> queue)
    {
        await foreach (var diagnosis in queue.Reader.ReadAllAsync())
        {
            var delay = _options.InitialBackoff;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await sink.SendAsync(diagnosis, _abort.Token);
                    Counters.Add(sink.Name, DeliveryCounters.Delivered);
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException || !_abort.IsCancellationRequested)
                {
                    // Whatever a sink throws fails that delivery, never the worker; only transport errors are worth retrying.
                    var retryable = e is SinkException { Retryable: true } or HttpRequestException or TaskCanceledException or IOException;
                    if (!retryable || attempt >= _options.MaxAttempts)
                    {
                        Counters.Add(sink.Name, DeliveryCounters.Failed);
                        break;
                    }
                    Counters.Add(sink.Name, DeliveryCounters.Retried);
                    var jitter = 0.8 + Random.Shared.NextDouble() * 0.4;
                    try
                    {
                        await Task.Delay(delay * jitter, _time, _abort.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        Counters.Add(sink.Name, DeliveryCounters.Failed);
                        break;
                    }
                    delay = delay * 2 > _options.MaxBackoff ? _options.MaxBackoff : delay * 2;
                }
                catch (OperationCanceledException)
                {
                    Counters.Add(sink.Name, DeliveryCounters.Failed);
                    break;
                }
            }
        }
    }

    /// <summary>Stops accepting, delivers what was accepted (waiting at most <paramref name="drainTimeout"/>), then stops.</summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        Task all;
        lock (_changing)
        {
            foreach (var (_, queue, _) in _sinks) queue.Writer.TryComplete();
            all = Task.WhenAll(_sinks.Select(s => s.Worker).Concat(_retiring));
        }
        if (await Task.WhenAny(all, Task.Delay(drainTimeout, _time)) != all) await _abort.CancelAsync();
        await all;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _abort.Dispose();
    }
}
