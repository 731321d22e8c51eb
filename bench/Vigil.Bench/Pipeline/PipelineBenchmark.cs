using System.Diagnostics;
using System.Globalization;
using Vigil.Bench.Cluster;
using Vigil.Delivery;
using Vigil.Detection;
using Vigil.Detection.Correlation;
using Vigil.Detection.Detectors;
using Vigil.Diagnosis.Analysis;
using Vigil.Diagnosis.Redaction;
using Vigil.Kubernetes.Models;

namespace Vigil.Bench.Pipeline;

/// <summary>Settings of the in-process <c>pipeline</c> benchmark, from the command line.</summary>
internal sealed class PipelineBenchOptions
{
    public int Pods { get; set; } = 10_000;
    public int Nodes { get; set; } = 50;
    public int Namespaces { get; set; } = 20;
    public double FaultPercent { get; set; } = 2;
    public double Seconds { get; set; } = 10;
    public double WarmupSeconds { get; set; } = 3;
    public bool DefaultCooldowns { get; set; }
    public string Output { get; set; } = "artifacts/bench";

    public const string Help = """
        pipeline benchmark options (in-process: no HTTP, one thread, as the operator's detection worker):
          --pods N              watched pods, 10 per Deployment, over the namespaces and nodes (10000)
          --nodes N             nodes (50)
          --namespaces N        namespaces (20)
          --fault-percent P     share of updates that turn a healthy pod faulty; as many turn one healthy again (2)
          --seconds S           measured part, after the warm-up (10)
          --warmup-seconds S    unrecorded warm-up (3)
          --default-cooldowns   keep the detectors' 30-minute cooldowns (by default 0, so every fault takes the whole path)
          --out DIR             where results go (artifacts/bench)
        """;

    public static PipelineBenchOptions Parse(string[] args)
    {
        var o = new PipelineBenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            double Dbl() => double.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--pods": o.Pods = Int(); break;
                case "--nodes": o.Nodes = Int(); break;
                case "--namespaces": o.Namespaces = Int(); break;
                case "--fault-percent": o.FaultPercent = Dbl(); break;
                case "--seconds": o.Seconds = Dbl(); break;
                case "--warmup-seconds": o.WarmupSeconds = Dbl(); break;
                case "--default-cooldowns": o.DefaultCooldowns = true; break;
                case "--out": o.Output = Next(); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (o.Pods < ClusterFixture.PodsPerDeployment * 2 || o.Nodes < 1 || o.Namespaces < 1) throw new ArgumentException("--pods must be at least 20, --nodes and --namespaces at least 1");
        if (o.FaultPercent is < 0 or > 40) throw new ArgumentException("--fault-percent must be between 0 and 40");
        return o;
    }
}

/// <summary>
/// Vigil's pipeline in one process, without the network: object updates go into the informer caches and through every
/// built-in detector (<see cref="DetectorEngine"/>); signals are correlated (<see cref="Correlator"/>); each opened
/// incident gets evidence built from the cached objects, is analyzed by the <see cref="RulesAnalyzer"/> and published
/// through the <see cref="Dispatcher"/> to a sink that only counts. Measures updates/s on one thread (the operator runs
/// detection and correlation on one worker), allocations per update and memory per watched pod.
/// </summary>
internal static class PipelineBenchmark
{
    private const double UpdatesTarget = 100_000, WormsignEventsPerSecond = 1_000;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(PipelineBenchOptions.Help);
            return 0;
        }
        PipelineBenchOptions o;
        try
        {
            o = PipelineBenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(PipelineBenchOptions.Help);
            return 2;
        }

        var results = new ResultSet();
        MachineInfo.Describe(results.Environment);
        results.Environment["command"] = "pipeline " + string.Join(' ', args);
        results.Environment["workload"] = string.Create(CultureInfo.InvariantCulture,
            $"{o.Pods} pods (10 per Deployment), {o.Nodes} nodes, {o.Namespaces} namespaces; {o.FaultPercent}% of updates turn a pod faulty (CrashLoopBackOff, OOMKilled, ImagePullBackOff, Unschedulable in turn), as many recover, 0.5% node and 0.5% Deployment status updates, the rest healthy pod updates");
        results.Environment["detectors"] = o.DefaultCooldowns ? "all built-in, default settings" : "all built-in, default settings except cooldown 0 (every fault raises a signal)";
        results.Environment["correlation"] = "window 0 (an incident opens with its first signal), all rules on";
        foreach (var (k, v) in results.Environment) Console.WriteLine($"{k}: {v}");
        Console.WriteLine();

        // Memory: the informer caches for the pods first, then what detection and correlation keep.
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var fixture = ClusterFixture.Create(o.Pods, o.Nodes, o.Namespaces);
        var view = new CacheView();
        foreach (var n in fixture.Nodes) view.For<Node>().Upsert(n);
        foreach (var d in fixture.Deployments) view.For<Deployment>().Upsert(d);
        foreach (var rs in fixture.ReplicaSets) view.For<ReplicaSet>().Upsert(rs);
        foreach (var p in fixture.Healthy) view.For<Pod>().Upsert(p);
        var cached = GC.GetTotalMemory(forceFullCollection: true);
        var pool = fixture.AddFaults();

        var clock = TimeProvider.System;
        var catalog = o.DefaultCooldowns ? DetectorCatalog.Create()
            : DetectorCatalog.Create(DetectorCatalog.Defaults.ToDictionary(kv => kv.Key, kv => kv.Value with { Cooldown = TimeSpan.Zero }));
        var engine = new DetectorEngine(catalog, clock);
        var correlator = new Correlator(new CorrelationOptions { Window = TimeSpan.Zero }, clock);
        var evidence = new InProcessEvidence(view, Redactor.Default);
        var analyzer = new RulesAnalyzer(clock);
        var sink = new CountingSink();
        var dispatcher = new Dispatcher([sink], new DeliveryOptions { QueueCapacity = 10_000 }, clock);
        var run = new PipelineRun(fixture, view, pool, engine, correlator, evidence, analyzer, dispatcher, o.FaultPercent / 100);

        // Every object is seen once, as after an informer's initial list: healthy objects leave no detection state.
        foreach (var p in fixture.Healthy) run.Observe(p);
        var observed = GC.GetTotalMemory(forceFullCollection: true);
        // State per faulty pod: every pod of the pool faulty at once (signal held, incident open), not diagnosed; then all recover.
        run.Diagnose = false;
        foreach (var p in pool) run.Observe(fixture.Faulty[p]!);
        var faulty = GC.GetTotalMemory(forceFullCollection: true);
        var openAtOnce = correlator.OpenIncidents;
        foreach (var p in pool) run.Observe(fixture.Healthy[p]);
        run.Diagnose = true;

        Console.WriteLine($"warm-up {o.WarmupSeconds} s ...");
        run.RunFor(TimeSpan.FromSeconds(o.WarmupSeconds));
        var warm = run.Counts;

        Console.WriteLine($"measuring {o.Seconds} s ...");
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var load0 = MachineInfo.Load();
        var elapsed = run.RunFor(TimeSpan.FromSeconds(o.Seconds));
        var alloc = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpu0;
        var c = run.Counts - warm;
        await dispatcher.StopAsync(TimeSpan.FromSeconds(30));
        GC.KeepAlive(fixture);
        GC.KeepAlive(run);

        var rate = c.Updates / elapsed.TotalSeconds;
        results.Environment["load during the run (1/5/15 min)"] = $"{load0} at start, {MachineInfo.Load()} at end";
        results.Environment["cpu pressure at end"] = MachineInfo.Pressure();
        Console.WriteLine();
        Console.WriteLine($"  {"figure",-52} {"value",14} {"unit",-10} {"target",-14} result");
        results.Add(new Result("pipeline", "object updates/s through the whole pipeline, 1 thread", rate, "updates/s", "≥ 100,000", rate >= UpdatesTarget,
            $"Wormsign's stated reference: {WormsignEventsPerSecond:N0} events/s ({rate / WormsignEventsPerSecond:N0}×)"));
        results.Add(new Result("pipeline", "Wormsign's stated reference (for comparison)", WormsignEventsPerSecond, "events/s"));
        results.Add(new Result("pipeline", "CPU time per update (whole process)", cpu.TotalMicroseconds / c.Updates, "µs"));
        results.Add(new Result("pipeline", "time per update: cache + detectors (+ correlator)", run.DetectSeconds * 1e6 / c.Updates, "µs",
            Note: "Stopwatch sections, wall time on the benchmark thread"));
        results.Add(new Result("pipeline", "time per diagnosis: evidence + rules + publish", c.Diagnosed == 0 ? double.NaN : run.DiagnoseSeconds * 1e6 / c.Diagnosed, "µs",
            Note: $"{run.DiagnoseSeconds / elapsed.TotalSeconds:P0} of the run"));
        results.Add(new Result("pipeline", "allocated per update (all threads)", (double)alloc / c.Updates, "bytes"));
        results.Add(new Result("pipeline", "GCs during the run: gen0 / gen2", GC.CollectionCount(0) - gen0, "gen0", Note: $"{GC.CollectionCount(2) - gen2} gen2"));
        results.Add(new Result("pipeline", "updates in the measured run", c.Updates, "updates", Note: $"{c.PodUpdates:N0} healthy pod, {c.Faults:N0} faults, {c.Recoveries:N0} recoveries, {c.Others:N0} node/Deployment"));
        results.Add(new Result("pipeline", "signals raised / cleared", c.Raised, "signals", Note: $"{c.Cleared:N0} cleared, {c.Suppressed:N0} held back by cooldown"));
        results.Add(new Result("pipeline", "incidents opened / resolved", c.Opened, "incidents", Note: $"{c.Resolved:N0} resolved, {c.Updated:N0} updated"));
        results.Add(new Result("pipeline", "diagnoses per second", c.Diagnosed / elapsed.TotalSeconds, "diagnoses/s", Note: $"{c.Diagnosed:N0} analyzed and published"));
        var delivered = dispatcher.Counters.Get(sink.Name, DeliveryCounters.Delivered);
        var dropped = dispatcher.Counters.Get(sink.Name, DeliveryCounters.Dropped);
        results.Add(new Result("pipeline", "diagnoses delivered to the sink (warm-up included)", delivered, "diagnoses", "all published", dropped == 0 && delivered == run.Counts.Diagnosed,
            $"{run.Counts.Diagnosed:N0} published, {dropped:N0} dropped"));
        results.Add(new Result("memory", "informer cache per watched pod (Indexer<Pod>, decoded)", (double)(cached - before) / o.Pods, "bytes",
            Note: "with nodes, Deployments, ReplicaSets: 1 per 10 pods"));
        results.Add(new Result("memory", "detection state per healthy pod", (double)(observed - cached) / o.Pods, "bytes",
            Note: $"upper bound: the first pass also allocates once-only runtime data; {engine.Detectors.Count} detectors keep state only for objects with findings"));
        var perFaulty = (double)(faulty - observed) / pool.Length;
        results.Add(new Result("memory", "detection + correlation state per faulty pod", perFaulty, "bytes",
            Note: $"{pool.Length:N0} pods faulty at once, {openAtOnce:N0} open incidents"));
        results.Add(new Result("memory", "per watched pod with 5% of pods faulty", (double)(cached - before + observed - cached) / o.Pods + 0.05 * perFaulty, "bytes"));
        foreach (var (detector, failures) in engine.Failures) Console.WriteLine($"  detector {detector} failed {failures} times");

        var (json, md) = results.Write(o.Output, "pipeline");
        Console.WriteLine();
        Console.WriteLine($"wrote {json} and {md}");
        return 0;
    }

    /// <summary>A sink that only counts what it is given.</summary>
    private sealed class CountingSink : ISink
    {
        private long _count;

        public string Name => "null";

        public Severity MinimumSeverity => Severity.Info;

        public long Count => Interlocked.Read(ref _count);

        public Task SendAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return Task.CompletedTask;
        }
    }
}

/// <summary>What one run did.</summary>
internal readonly record struct PipelineCounts(long Updates, long PodUpdates, long Faults, long Recoveries, long Others, long Raised, long Cleared, long Suppressed,
    long Opened, long Updated, long Resolved, long Diagnosed)
{
    public static PipelineCounts operator -(PipelineCounts a, PipelineCounts b) => new(a.Updates - b.Updates, a.PodUpdates - b.PodUpdates, a.Faults - b.Faults,
        a.Recoveries - b.Recoveries, a.Others - b.Others, a.Raised - b.Raised, a.Cleared - b.Cleared, a.Suppressed - b.Suppressed, a.Opened - b.Opened,
        a.Updated - b.Updated, a.Resolved - b.Resolved, a.Diagnosed - b.Diagnosed);
}

/// <summary>
/// The update stream and what the operator's worker does with each update: the informer cache takes the new object,
/// the detectors evaluate it, signals go to the correlator, opened incidents are diagnosed and published.
/// </summary>
internal sealed class PipelineRun(ClusterFixture fixture, CacheView view, int[] pool, DetectorEngine engine, Correlator correlator,
    InProcessEvidence evidence, RulesAnalyzer analyzer, Dispatcher dispatcher, double faultShare)
{
    // How many fault slots a pod stays faulty: about a quarter of the pool is faulty at any time.
    private readonly int _faultyFor = Math.Max(1, pool.Length / 4);
    private readonly Random _random = new(42);
    private long _faultSlot;
    private long _updates, _podUpdates, _faults, _recoveries, _others, _raised, _cleared, _suppressed, _opened, _updated, _resolved, _diagnosed;

    /// <summary>Whether opened incidents are diagnosed and published (off for the memory measurement).</summary>
    public bool Diagnose { get; set; } = true;

    private long _detectTicks, _diagnoseTicks;

    public double DetectSeconds => (double)_detectTicks / Stopwatch.Frequency;

    public double DiagnoseSeconds => (double)_diagnoseTicks / Stopwatch.Frequency;

    public PipelineCounts Counts => new(_updates, _podUpdates, _faults, _recoveries, _others, _raised, _cleared, _suppressed, _opened, _updated, _resolved, _diagnosed);

    public TimeSpan RunFor(TimeSpan duration)
    {
        _detectTicks = _diagnoseTicks = 0;
        var watch = Stopwatch.StartNew();
        do
        {
            for (var i = 0; i < 1024; i++) Step();
        }
        while (watch.Elapsed < duration);
        return watch.Elapsed;
    }

    private void Step()
    {
        var r = _random.NextDouble();
        if (r < 0.005)
        {
            _others++;
            Update(fixture.Nodes[_random.Next(fixture.Nodes.Length)]);
        }
        else if (r < 0.01)
        {
            _others++;
            Update(fixture.Deployments[_random.Next(fixture.Deployments.Length)]);
        }
        else if (r < 0.01 + faultShare && pool.Length > 0)
        {
            // A pod of the pool turns faulty; the one that turned faulty a while ago recovers.
            var slot = _faultSlot++;
            var p = pool[slot % pool.Length];
            _faults++;
            Update(fixture.Faulty[p]!);
            if (slot >= _faultyFor)
            {
                _recoveries++;
                Update(fixture.Healthy[pool[(slot - _faultyFor) % pool.Length]]);
            }
        }
        else
        {
            _podUpdates++;
            Update(fixture.Healthy[_random.Next(fixture.Healthy.Length)]);
        }
    }

    private void Update<T>(T obj) where T : KubernetesObject, IKubernetesResource
    {
        _updates++;
        var started = Stopwatch.GetTimestamp();
        view.For<T>().Upsert(obj);
        Observe(obj);
        _detectTicks += Stopwatch.GetTimestamp() - started;
    }

    public void Observe(KubernetesObject obj)
    {
        var result = engine.Observe(obj, view);
        if (result.IsEmpty) return;
        _suppressed += result.SuppressedByCooldown;
        foreach (var s in result.Raised)
        {
            _raised++;
            Handle(correlator.Add(s));
        }
        foreach (var fingerprint in result.Cleared)
        {
            _cleared++;
            Handle(correlator.Clear(fingerprint));
        }
    }

    private void Handle(IReadOnlyList<IncidentChange> changes)
    {
        foreach (var change in changes)
        {
            switch (change.Kind)
            {
                case IncidentChangeKind.Opened:
                    _opened++;
                    if (!Diagnose) break;
                    var started = Stopwatch.GetTimestamp();
                    dispatcher.Publish(analyzer.Analyze(evidence.Collect(change.Incident)));
                    var took = Stopwatch.GetTimestamp() - started;
                    _diagnoseTicks += took;
                    // Diagnosis runs inside Observe here; the operator runs it on other threads.
                    _detectTicks -= took;
                    _diagnosed++;
                    break;
                case IncidentChangeKind.Updated:
                    _updated++;
                    break;
                default:
                    _resolved++;
                    break;
            }
        }
    }
}
