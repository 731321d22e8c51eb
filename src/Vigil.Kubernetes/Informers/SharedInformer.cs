using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Informers;

/// <summary>
/// client-go's shared index informer: one reflector feeding a DeltaFIFO, one loop that applies the deltas to the
/// <see cref="Indexer"/> and fans notifications out to any number of handlers, each with its own buffer and resync
/// period. <see cref="HasSynced"/> becomes true once the first list has been processed.
/// </summary>
public sealed partial class SharedInformer<T> : IAsyncDisposable
    where T : class, IKubernetesObject
{
    private static readonly TimeSpan MinimumResyncPeriod = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();

    // Held while one key's deltas are applied and distributed, and while a handler is added, so a new handler
    // sees each object exactly once (client-go's blockDeltas).
    private readonly Lock _blockDeltas = new();
    private readonly List<ProcessorListener<T>> _listeners = [];
    private readonly Indexer<T> _indexer;
    private readonly DeltaFifo<T> _fifo;
    private readonly Reflector<T> _reflector;
    private readonly InformerOptions<T> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _resyncWake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _stopping;
    private Task? _running;

    public SharedInformer(IListerWatcher<T> source, InformerOptions<T>? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        _options = options ?? new InformerOptions<T>();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SharedInformer<T>>();
        Source = source;
        var contracts = (source as ResourceListerWatcher<T>)?.Client.Client.SerializerOptions ?? Serialization.KubernetesSerializer.Options;
        _indexer = new Indexer<T>(_options.Compact ? new CompactObjectCodec<T>(Serialization.KubernetesSerializer.TypeInfo<T>(contracts)) : null);
        _fifo = new DeltaFifo<T>(_indexer);
        _reflector = new Reflector<T>(source, _fifo, _options.Reflector, _time, _logger, _options.Transform, CheckSynced);
    }

    /// <summary>An informer over a resource client, with the namespace and selectors of <paramref name="options"/>.</summary>
    public SharedInformer(ResourceClient<T> client, InformerOptions<T>? options = null)
        : this(
            new ResourceListerWatcher<T>(client ?? throw new ArgumentNullException(nameof(client)), options?.Namespace, options?.LabelSelector, options?.FieldSelector),
            options,
            client.Client.TimeProvider,
            client.Client.LoggerFactory)
    {
    }

    public IListerWatcher<T> Source { get; }

    /// <summary>The cache. Read it; never modify the objects it returns (copy first).</summary>
    public IReadOnlyIndexer<T> Indexer => _indexer;

    public bool HasSynced => _fifo.HasSynced;

    public bool IsStarted => _running is not null;

    /// <summary>The resourceVersion of the last list, event or bookmark processed by the reflector.</summary>
    public string LastSyncResourceVersion => _reflector.LastSyncResourceVersion;

    /// <summary>Lists and watches opened so far (diagnostics).</summary>
    public (int Lists, int Watches) ReflectorStatistics => (_reflector.Lists, _reflector.Watches);

    /// <summary>Adds a secondary index; allowed before and after start.</summary>
    public void AddIndexer(string name, IndexFunc<T> indexFunc) => _indexer.AddIndexer(name, indexFunc);

    /// <summary>
    /// Registers a handler. Added after start, it first receives an OnAdd for every cached object. A resync period
    /// below one second is raised to one second; zero disables resync for this handler.
    /// </summary>
    public IInformerRegistration AddEventHandler(IResourceEventHandler<T> handler, TimeSpan? resyncPeriod = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var period = resyncPeriod ?? _options.ResyncPeriod;
        if (period > TimeSpan.Zero && period < MinimumResyncPeriod)
        {
            period = MinimumResyncPeriod;
        }

        var listener = new ProcessorListener<T>(handler, period, () => HasSynced, _time, _logger);
        lock (_blockDeltas)
        lock (_gate)
        {
            _listeners.Add(listener);
            _resyncWake.TrySetResult();
            if (_running is not null)
            {
                foreach (var obj in _indexer.List())
                {
                    listener.Add(new Notification<T>(NotificationKind.Add, obj, IsInInitialList: true));
                }

                listener.Start();
            }
        }

        return listener;
    }

    public IInformerRegistration AddEventHandler(Action<T, bool>? onAdd = null, Action<T, T>? onUpdate = null, Action<T, bool>? onDelete = null, TimeSpan? resyncPeriod = null) =>
        AddEventHandler(new ResourceEventHandler<T> { Added = onAdd, Updated = onUpdate, Deleted = onDelete }, resyncPeriod);

    public async Task RemoveEventHandlerAsync(IInformerRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var listener = (ProcessorListener<T>)registration;
        lock (_gate)
        {
            _listeners.Remove(listener);
        }

        await listener.StopAsync();
    }

    /// <summary>Starts listing and watching in the background. Idempotent.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_running is not null)
            {
                return;
            }

            _stopping = new CancellationTokenSource();
            foreach (var listener in _listeners)
            {
                listener.Start();
            }

            var token = _stopping.Token;
            _running = Task.WhenAll(
                Task.Run(() => _reflector.RunAsync(token), CancellationToken.None),
                Task.Run(() => ProcessLoopAsync(token), CancellationToken.None),
                Task.Run(() => ResyncLoopAsync(token), CancellationToken.None));
        }
    }

    /// <summary>Waits until the first list has been processed; false if cancelled first.</summary>
    public async Task<bool> WaitForSyncAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _synced.Task.WaitAsync(cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Stops the reflector and the handlers; notifications already queued are delivered first. Safe to call again. A
    /// <see cref="InformerOptions{T}.Compact"/> cache is emptied.
    /// </summary>
    public async Task StopAsync()
    {
        Task? running;
        List<ProcessorListener<T>> listeners;
        CancellationTokenSource? stopping;
        lock (_gate)
        {
            running = _running;
            stopping = _stopping;
            _stopping = null;
            stopping?.Cancel();
            listeners = [.. _listeners];
        }

        _fifo.Close();
        if (running is not null)
        {
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
            }
        }

        foreach (var listener in listeners)
        {
            await listener.StopAsync();
        }

        // A compact cache's documents hold references on process-wide shared strings: give them back. (A stopped
        // informer is not restarted, so its cache is of no further use.)
        if (_options.Compact)
        {
            _indexer.ReleaseAll();
        }

        stopping?.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private void CheckSynced()
    {
        if (_fifo.HasSynced)
        {
            _synced.TrySetResult();
        }
    }

    private async Task ProcessLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            (string Key, IReadOnlyList<Delta<T>> Deltas, bool IsInInitialList)? popped;
            try
            {
                popped = await _fifo.PopAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (popped is not { } item)
            {
                return;
            }

            lock (_blockDeltas)
            {
                foreach (var delta in item.Deltas)
                {
                    Process(delta, item.IsInInitialList);
                }
            }

            CheckSynced();
        }
    }

    private void Process(Delta<T> delta, bool isInInitialList)
    {
        switch (delta.Type)
        {
            case DeltaType.Deleted:
                var key = delta.Tombstone?.Key ?? ObjectKeys.For(delta.Object);
                var removed = _indexer.Remove(key);
                if (delta.Tombstone is null || removed is not null)
                {
                    Distribute(new Notification<T>(NotificationKind.Delete, delta.Tombstone is null ? delta.Object : removed ?? delta.Object, IsTombstone: delta.Tombstone is not null), sync: false);
                }

                break;
            default:
                var old = _indexer.Upsert(delta.Object);
                if (old is null)
                {
                    Distribute(new Notification<T>(NotificationKind.Add, delta.Object, IsInInitialList: isInInitialList), sync: false);
                }
                else
                {
                    // An update that did not change the resourceVersion (a resync, or a relist of an unchanged object)
                    // only goes to handlers that are due for a resync.
                    var sync = delta.Type == DeltaType.Sync
                        || (delta.Type == DeltaType.Replaced && old.Metadata.ResourceVersion == delta.Object.Metadata.ResourceVersion);
                    Distribute(new Notification<T>(NotificationKind.Update, delta.Object, old), sync);
                }

                break;
        }
    }

    private void Distribute(Notification<T> notification, bool sync)
    {
        lock (_gate)
        {
            foreach (var listener in _listeners)
            {
                if (!sync || listener.Syncing)
                {
                    listener.Add(notification);
                }
            }
        }
    }

    private async Task ResyncLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan wait;
            Task woken;
            lock (_gate)
            {
                // Sleep until the shortest resync period has passed; a handler added meanwhile wakes the loop.
                var periods = _listeners.Where(l => l.ResyncPeriod > TimeSpan.Zero).Select(l => l.ResyncPeriod).ToList();
                wait = periods.Count == 0 ? Timeout.InfiniteTimeSpan : periods.Min();
                if (_resyncWake.Task.IsCompleted)
                {
                    _resyncWake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                woken = _resyncWake.Task;
            }

            using (var sleeping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var delay = Task.Delay(wait, _time, sleeping.Token);
                if (await Task.WhenAny(delay, woken) != delay)
                {
                    await sleeping.CancelAsync();
                    continue;
                }

                if (delay.IsCanceled)
                {
                    return;
                }
            }

            var due = false;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                foreach (var listener in _listeners)
                {
                    listener.Syncing = listener.ResyncPeriod > TimeSpan.Zero && now >= listener.NextResync;
                    if (listener.Syncing)
                    {
                        listener.NextResync = now + listener.ResyncPeriod;
                        due = true;
                    }
                }
            }

            if (due && HasSynced)
            {
                LogResync(_logger, Source.Description);
                _fifo.Resync();
            }
        }
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Debug, Message = "Resyncing {Source}")]
    private static partial void LogResync(ILogger logger, string source);
}
