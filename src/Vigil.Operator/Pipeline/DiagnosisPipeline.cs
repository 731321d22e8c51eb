using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Vigil.Delivery;
using Vigil.Detection;
using Vigil.Detection.Correlation;
using Vigil.Detection.Detectors;
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
    private readonly List<Func<IEnumerable<KubernetesObject>>> _caches = [];

    public DiagnosisPipeline(KubernetesClient client, PipelineOptions options, IEnumerable<ISink> sinks, TimeProvider time, ILogger<DiagnosisPipeline> logger)
    {
        _client = client;
        _options = options;
        _time = time;
        _logger = logger;
        _informers = new SharedInformerFactory(client, TimeSpan.Zero);
        _view = new InformerClusterView(_informers);
        Engine = new DetectorEngine(DetectorCatalog.Create(options.Detectors.Count == 0 ? null : Merge(options.Detectors)), time);
        Correlator = new Correlator(options.Correlation, time);
        var redactor = new Redactor(options.RedactionPatterns);
        Collector = new EvidenceCollector(EvidenceCollector.BuiltIn(options.Gather), client, redactor, options.Gather, _view);
        Analyzer = new RulesAnalyzer(time);
        Dispatcher = new Dispatcher(sinks, options.Delivery, time);
        _diagnosing = new SemaphoreSlim(Math.Max(1, options.DiagnosisConcurrency));
    }

    public DetectorEngine Engine { get; }
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
        _informers.For<ReplicaSet>();
        _informers.For<StorageClass>();
        _informers.Start();
        _loops.Add(Task.Run(WorkAsync));
        Synced = await _informers.WaitForCacheSyncAsync(cancellationToken);
        _loops.Add(Task.Run(() => TickAsync(_options.FlushInterval, () => Handle(Correlator.Flush()))));
        _loops.Add(Task.Run(() => TickAsync(_options.RescanInterval, Rescan)));
        LogStarted(_logger, Engine.Detectors.Count);
    }

    private void Watch<T>() where T : KubernetesObject, IKubernetesResource
    {
        var informer = _informers.For<T>();
        informer.AddEventHandler(
            onAdd: (obj, _) => Post(() => Observe(obj)),
            onUpdate: (_, obj) => Post(() => Observe(obj)),
            onDelete: (obj, _) => Post(() => Forget(obj)));
        _caches.Add(() => informer.Indexer.List());
    }

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

    private void Observe(KubernetesObject obj) => Apply(Engine.Observe(obj, _view));

    private void Forget(KubernetesObject obj) => Apply(Engine.Forget(obj.Kind ?? "", obj.Metadata.Namespace, obj.Metadata.Name ?? ""));

    private void Rescan() => Apply(Engine.Rescan(_caches.SelectMany(c => c()), _view));

    private void Apply(DetectionResult result)
    {
        if (result.IsEmpty) return;
        foreach (var s in result.Raised)
        {
            Counters.Add($"signals_total|{s.Source}");
            Handle(Correlator.Add(s));
        }
        foreach (var fingerprint in result.Cleared) Handle(Correlator.Clear(fingerprint));
        if (result.SuppressedByCooldown > 0) Counters.Add("signals_suppressed_total|cooldown", result.SuppressedByCooldown);
    }

    private void Handle(IReadOnlyList<IncidentChange> changes)
    {
        foreach (var change in changes)
        {
            Counters.Add($"incidents_total|{change.Kind.ToString().ToLowerInvariant()}|{change.Incident.CorrelationRule ?? "none"}");
            IncidentChanged?.Invoke(change);
            if (change.Kind != IncidentChangeKind.Opened) continue;
            var task = DiagnoseAsync(change.Incident);
            _inFlight.TryAdd(task, 0);
            _ = task.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task DiagnoseAsync(Incident incident)
    {
        await _diagnosing.WaitAsync(_stop.Token);
        try
        {
            var started = _time.GetTimestamp();
            var evidence = await Collector.CollectAsync(incident, _stop.Token);
            var diagnosis = Analyzer.Analyze(evidence);
            Counters.Observe("diagnosis_seconds", _time.GetElapsedTime(started).TotalSeconds);
            Dispatcher.Publish(diagnosis);
            Diagnosed?.Invoke(diagnosis);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            _diagnosing.Release();
        }
    }

    /// <summary>Stops watching, finishes diagnoses already started, delivers what was accepted, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        await _informers.DisposeAsync();
        _work.Writer.TryComplete();
        await Task.WhenAll(_inFlight.Keys);
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
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
}
