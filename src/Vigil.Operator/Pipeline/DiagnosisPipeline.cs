using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Vigil.Delivery;
using Vigil.Detection;
using Vigil.Detection.Correlation;
using Vigil.Detection.Detectors;
using Vigil.Detection.Filtering;
using Vigil.Diagnosis.Analysis;
using Vigil.Diagnosis.Gathering;
using Vigil.Diagnosis.Redaction;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Pipeline;

/// <summary>
/// Vigil's main loop: shared informers feed the detector engine; signals go through the correlator into incidents;
/// each new incident gets its evidence gathered and analyzed; diagnoses go to the sinks. Detection and correlation run on
/// one worker (so their state needs no locks and changes are handled in order); diagnoses run concurrently, bounded.
/// </summary>
public sealed partial class DiagnosisPipeline : IAsyncDisposable
{
    private readonly KubernetesClient _client;
    private readonly PipelineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SharedInformerFactory _informers;
    private readonly InformerClusterView _view;
    private readonly Channel<Action> _work = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _diagnosing;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly List<CachedKind> _caches = [];
    private readonly List<(string Kind, Func<bool> Synced, Func<int> Objects)> _syncs = [];
    private readonly SemaphoreSlim _stopping = new(1, 1);
    private Task? _workLoop;
    private bool _stopped;

    public DiagnosisPipeline(KubernetesClient client, PipelineOptions options, IEnumerable<ISink> sinks, TimeProvider time, ILogger<DiagnosisPipeline> logger)
    {
        _client = client;
        _options = options;
        _time = time;
        _logger = logger;
        _informers = new SharedInformerFactory(client, TimeSpan.Zero);
        CacheProjections.Use(_informers, options.Cache);
        _view = new InformerClusterView(_informers);
        Engine = new DetectorEngine(DetectorCatalog.Create(options.Detectors.Count == 0 ? null : Merge(options.Detectors)), time);
        Filter = new SignalFilter(options.Filters, time);
        Correlator = new Correlator(options.Correlation, time);
        var redactor = new Redactor(options.RedactionPatterns);
        Collector = new EvidenceCollector(EvidenceCollector.BuiltIn(options.Gather), client, redactor, options.Gather, _view);
        Analyzer = new RulesAnalyzer(time);
        Dispatcher = new Dispatcher(sinks.Select(s => new TimedSink(s, Counters, time, OnDelivered)), options.Delivery, time);
        _diagnosing = new SemaphoreSlim(Math.Max(1, options.DiagnosisConcurrency));
    }

    public DetectorEngine Engine { get; }
    public SignalFilter Filter { get; }
    public Correlator Correlator { get; }
    public EvidenceCollector Collector { get; }
    public RulesAnalyzer Analyzer { get; }
    public Dispatcher Dispatcher { get; }
    public PipelineCounters Counters { get; } = new();

    /// <summary>Raised for every diagnosis produced (the live view, `vigil eval`).</summary>
    public event Action<Diagnosis.Diagnosis>? Diagnosed;

    /// <summary>Raised for every incident change (opened, updated, resolved).</summary>
    public event Action<IncidentChange>? IncidentChanged;

    /// <summary>True once every informer has listed its kind.</summary>
    public bool Synced { get; private set; }

    /// <summary>Whether each watched kind's informer has listed it (the <c>vigil_informer_synced</c> gauge).</summary>
    public IReadOnlyList<(string Kind, bool Synced)> InformerSync => [.. _syncs.Select(s => (s.Kind, s.Synced()))];

    /// <summary>Objects cached per watched kind (the <c>vigil_informer_objects</c> gauge).</summary>
    public IReadOnlyList<(string Kind, int Objects)> InformerObjects => [.. _syncs.Select(s => (s.Kind, s.Objects()))];

    /// <summary>Watch events and timer work waiting for the detection worker.</summary>
    public int WorkQueueDepth => _work.Reader.CanCount ? _work.Reader.Count : 0;

    /// <summary>Incidents being gathered and analyzed (or waiting for a free slot) right now.</summary>
    public int DiagnosesInFlight => _inFlight.Count;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Watch<Pod>();
        Watch<Node>();
        Watch<PersistentVolumeClaim>();
        Watch<Namespace>();
        Watch<Job>();
        Watch<CronJob>();
        Watch<Deployment>();
        Watch<StatefulSet>();
        Watch<DaemonSet>();
        Watch<HorizontalPodAutoscaler>();
        Watch<ResourceQuota>();
        Watch<PodDisruptionBudget>();
        Watch<Event>();
        // Looked up, not detected on: owners and storage classes.
        Track(InformerClusterView.Informer<ReplicaSet>(_informers));
        Track(_informers.For<StorageClass>());
        await AddCustomResourcesAsync(cancellationToken);
        _informers.Start();
        _workLoop = Task.Run(WorkAsync);
        Synced = await _informers.WaitForCacheSyncAsync(cancellationToken);
        StartCustomResources();
        _loops.Add(Task.Run(() => TickAsync(_options.FlushInterval, () => Handle(Correlator.Flush()))));
        _loops.Add(Task.Run(() => TickAsync(_options.RescanInterval, Rescan)));
        if (Assigned) _loops.Add(Task.Run(LedgerLoopAsync));
        LogStarted(_logger, Engine.Detectors.Count);
    }

    private void Watch<T>() where T : KubernetesObject, IKubernetesResource
    {
        if (Assigned && PerNamespace<T>())
        {
            WatchAssigned<T>();
            return;
        }
        var informer = InformerClusterView.Informer<T>(_informers);
        informer.AddEventHandler(
            onAdd: (obj, _) => Post(() => Observe(obj)),
            onUpdate: (_, obj) => Post(() => Observe(obj)),
            onDelete: (obj, _) => Post(() => Forget(obj)));
        _caches.Add(CachedKind.Of(informer));
        Track(informer);
    }

    private void Track<T>(SharedInformer<T> informer) where T : KubernetesObject, IKubernetesResource =>
        _syncs.Add((T.ResourceType.Kind, () => informer.HasSynced, () => informer.Indexer.Count));

    private void Post(Action work) => _work.Writer.TryWrite(work);

    private async Task WorkAsync()
    {
        await foreach (var work in _work.Reader.ReadAllAsync())
        {
            try
            {
                work();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One bad object or rule must not stop the operator.
                Counters.Add("pipeline_errors");
                LogWorkFailed(_logger, e);
            }
        }
    }

    private async Task TickAsync(TimeSpan period, Action action)
    {
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token)) Post(action);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Observe(KubernetesObject obj)
    {
        if (Observes(obj)) Apply(Engine.Observe(obj, _view));
    }

    private void Forget(KubernetesObject obj) => Apply(Engine.Forget(obj.Kind ?? "", obj.Metadata.Namespace, obj.Metadata.Name ?? ""));

    // A rescan goes over every cached object. In one work item it held up the changes arriving meanwhile for as long as
    // the pass took (seconds with 100,000 objects); in slices, each queued behind what arrived during the previous one.
    // Only what can change without an event is re-evaluated (RescanScope), and reading the caches (decoding compact
    // documents: about 11 µs a pod) happens off the worker, a slice ahead of it, so the worker spends its time on detection.
    private const int RescanSlice = 1_000;
    private bool _rescanning;

    private void Rescan()
    {
        if (_rescanning) return;
        _rescanning = true;
        var caches = _caches.ToArray();
        _ = Task.Run(() => RescanAsync(caches));
    }

    private async Task RescanAsync(CachedKind[] caches)
    {
        try
        {
            // Kinds whose findings start only on a change (pods, Events: the bulk of the cache) need only what holds now, as
            // the engine last evaluated it; kinds no detector looks at, nothing.
            using var objects = caches.SelectMany(c => Engine.RescanScopeOf(c.Kind) switch
            {
                RescanScope.Nothing => [],
                RescanScope.Holding => Engine.HoldingObjects(c.Kind),
                _ => c.All(),
            }).GetEnumerator();
            Task previous = Task.CompletedTask;
            while (!_stop.IsCancellationRequested)
            {
                var slice = new List<KubernetesObject>(RescanSlice);
                while (slice.Count < RescanSlice && objects.MoveNext()) slice.Add(objects.Current);
                // At most one slice waits for the worker while the next is read.
                await previous.WaitAsync(_stop.Token);
                if (slice.Count == 0) break;
                var evaluated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Post(() =>
                {
                    try
                    {
                        // Whether this replica observes an object is the worker's to say (assignments change on it).
                        Apply(Engine.Rescan(slice.Where(Observes), _view));
                    }
                    finally
                    {
                        evaluated.TrySetResult();
                    }
                });
                previous = evaluated.Task;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Counters.Add("pipeline_errors");
            LogWorkFailed(_logger, e);
        }
        finally
        {
            Post(() => _rescanning = false);
        }
    }

    private void Apply(DetectionResult result)
    {
        if (result.IsEmpty) return;
        foreach (var s in result.Raised)
        {
            // A custom detector may watch a kind cluster-wide: what happens outside this replica's shard is another's to report.
            if (!Owns(s.Resource)) continue;
            Counters.Add($"signals_total|{s.Source}");
            RecordCustomSignal(s);
            if (Filter.Check(s, _view) is { } reason)
            {
                // Its clear later finds no incident in the correlator: nothing to undo.
                Counters.Add($"signals_dropped_total|{reason}");
                continue;
            }
            Handle(Correlator.Add(s));
        }
        foreach (var fingerprint in result.Cleared) Handle(Correlator.Clear(fingerprint));
        if (result.SuppressedByCooldown > 0) Counters.Add($"signals_dropped_total|{DropReason.Cooldown}", result.SuppressedByCooldown);
    }

    private void Handle(IReadOnlyList<IncidentChange> changes)
    {
        foreach (var change in changes)
        {
            Counters.Add($"incidents_total|{change.Kind.ToString().ToLowerInvariant()}|{change.Incident.CorrelationRule ?? "none"}");
            IncidentChanged?.Invoke(change);
            if (Assigned && Record(change)) continue;
            if (change.Kind != IncidentChangeKind.Opened) continue;
            var task = DiagnoseAsync(change.Incident);
            _inFlight.TryAdd(task, 0);
            _ = task.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task DiagnoseAsync(Incident incident)
    {
        try
        {
            await _diagnosing.WaitAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            var started = _time.GetTimestamp();
            var evidence = await Collector.CollectAsync(incident, _stop.Token);
            Counters.Observe("gather_seconds", _time.GetElapsedTime(started).TotalSeconds);
            started = _time.GetTimestamp();
            var diagnosis = Analyzer.Analyze(evidence);
            if (evidence.Sections.Any(IsCustom)) diagnosis = diagnosis with { CustomEvidence = [.. evidence.Sections.Where(IsCustom)] };
            Counters.Observe("analyze_seconds", _time.GetElapsedTime(started).TotalSeconds);
            Counters.Add($"diagnoses_total|{diagnosis.Category.ToString().ToLowerInvariant()}");
            Dispatcher.Publish(diagnosis);
            Diagnosed?.Invoke(diagnosis);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
        {
            // One incident that cannot be diagnosed must not take the others (or shutdown) down with it.
            Counters.Add("pipeline_errors");
            LogDiagnosisFailed(_logger, incident.PrimaryResource.Key, e);
        }
        finally
        {
            _diagnosing.Release();
        }
    }

    /// <summary>
    /// Stops in order, so that no accepted incident is lost: stop watching (no new events), handle the events already
    /// queued, finish the diagnoses in flight, then deliver what the sinks accepted. <paramref name="timeout"/> bounds the
    /// whole; past it, diagnoses still running are cancelled and undelivered diagnoses are counted as failed. Signals still
    /// held in the correlation window are not incidents yet: detection is level-based, so the next start raises them again.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        await _stopping.WaitAsync();
        try
        {
            if (_stopped) return;
            _stopped = true;
            var started = TimeProvider.System.GetTimestamp();
            TimeSpan Left() => timeout - TimeProvider.System.GetElapsedTime(started) is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

            await StopCustomResourcesAsync();
            await StopAssignedAsync();
            await _informers.DisposeAsync();
            _work.Writer.TryComplete();
            if (_workLoop is not null) await _workLoop;
            LogStopping(_logger, _inFlight.Count, Dispatcher.Depths.Values.Sum());
            // Real time, not the pipeline's clock: a simulated cluster's clock may run fast or stand still.
            var diagnoses = Task.WhenAll(_inFlight.Keys);
            if (await Task.WhenAny(diagnoses, Task.Delay(Left())) != diagnoses) LogShutdownTimedOut(_logger, "diagnoses", _inFlight.Count);
            await _stop.CancelAsync();
            await diagnoses;
            await Task.WhenAll(_loops);
            await Dispatcher.StopAsync(Left());
            if (Assigned) await SaveLedgerAsync(CancellationToken.None);
            LogStopped(_logger);
        }
        finally
        {
            _stopping.Release();
        }
    }

    /// <summary>Stops (see <see cref="StopAsync"/>, bounded by <see cref="PipelineOptions.ShutdownTimeout"/>) and releases everything.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(_options.ShutdownTimeout);
        await Dispatcher.DisposeAsync();
        _stop.Dispose();
        _diagnosing.Dispose();
    }

    private static Dictionary<string, DetectorOptions> Merge(Dictionary<string, DetectorOptions> overrides)
    {
        var merged = new Dictionary<string, DetectorOptions>(DetectorCatalog.Defaults, StringComparer.Ordinal);
        foreach (var (k, v) in overrides) merged[k] = v;
        return merged;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "pipeline started with {Detectors} detectors")]
    private static partial void LogStarted(ILogger logger, int detectors);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "pipeline work item failed")]
    private static partial void LogWorkFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "pipeline stopping: watches closed, {InFlight} diagnoses in flight, {Queued} deliveries queued")]
    private static partial void LogStopping(ILogger logger, int inFlight, int queued);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "shutdown timeout reached while waiting for {Stage}; {Remaining} cancelled")]
    private static partial void LogShutdownTimedOut(ILogger logger, string stage, int remaining);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "diagnosis of {Resource} failed")]
    private static partial void LogDiagnosisFailed(ILogger logger, string resource, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "pipeline stopped")]
    private static partial void LogStopped(ILogger logger);
}
