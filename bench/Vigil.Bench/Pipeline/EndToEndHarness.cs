using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Cluster;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Server;
using Vigil.Cluster.Storage;
using Vigil.Delivery;
using Vigil.Delivery.Sinks;
using Vigil.Detection.Correlation;
using Vigil.Embedded;
using Vigil.Kubernetes;
using Vigil.Operator.Pipeline;

namespace Vigil.Bench.Pipeline;

/// <summary>Settings of the end-to-end run.</summary>
public sealed class EndToEndOptions
{
    /// <summary>Faults written per second.</summary>
    public int Rate { get; set; } = 1_000;

    /// <summary>How long faults are written; <see cref="Rate"/> × this many distinct pods are created first.</summary>
    public double Seconds { get; set; } = 60;

    /// <summary>
    /// Faults written at the same rate before the measured ones, not counted in the latencies (they are in the lost count):
    /// the runtime compiles the hot paths' optimized code and the connection pool fills meanwhile.
    /// </summary>
    public double WarmupSeconds { get; set; } = 5;

    /// <summary>Namespaces the pods are spread over.</summary>
    public int Namespaces { get; set; } = 100;

    public int Nodes { get; set; } = 20;

    /// <summary>The pipeline client's requests per second; 0: no client-side limit.</summary>
    public double Qps { get; set; }

    public int Burst { get; set; } = 2_000;

    /// <summary>False: the pipeline's client speaks HTTP/1.1 (as before the client moved to HTTP/2), for a side-by-side run.</summary>
    public bool Http2 { get; set; } = true;

    /// <summary>Diagnoses (evidence gathering, analysis) at once: <see cref="PipelineOptions.DiagnosisConcurrency"/>.</summary>
    public int DiagnosisConcurrency { get; set; } = 64;

    /// <summary>Event writes in flight: <see cref="DeliveryOptions.Concurrency"/>.</summary>
    public int DeliveryConcurrency { get; set; } = 64;

    /// <summary>What the pipeline's informers cache (what `vigil run` does: compact).</summary>
    public Vigil.Operator.Pipeline.CacheShape Cache { get; set; } = Vigil.Operator.Pipeline.CacheShape.Compact;

    /// <summary>
    /// How long to wait, after the last fault, for the Events still to come before stopping the pipeline, which then
    /// finishes the diagnoses it started and delivers what it accepted (Events that come then count, late).
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Receives a line per second while faults are written, and set-up steps.</summary>
    public TextWriter? Progress { get; set; }
}

/// <summary>What an end-to-end run measured.</summary>
public sealed record EndToEndResult(
    int WarmupFaults,
    int Faults,
    int Reported,
    int Lost,
    int ReportedWhileStopping,
    double WriteSeconds,
    double AchievedRate,
    double EventsPerSecond,
    IReadOnlyList<double> LatenciesMs,
    double CpuSeconds,
    double SyncSeconds,
    IReadOnlyDictionary<string, double> PipelineCounters,
    IReadOnlyDictionary<string, long> Delivery)
{
    /// <summary>The latency under which <paramref name="percent"/> % of the reported faults were (nearest rank).</summary>
    public double Percentile(double percent)
    {
        if (LatenciesMs.Count == 0) return double.NaN;
        var rank = (int)Math.Ceiling(percent / 100 * LatenciesMs.Count) - 1;
        return LatenciesMs[Math.Clamp(rank, 0, LatenciesMs.Count - 1)];
    }

    public double Max => LatenciesMs.Count == 0 ? double.NaN : LatenciesMs[^1];
}

/// <summary>
/// Vigil against a simulated cluster over HTTPS, end to end. The cluster runs its API server only (<c>Simulate = false</c>),
/// so the only writes are the harness's faults and Vigil's Events. Distinct standalone pods (no owner, so each fault is
/// its own incident) turn CrashLoopBackOff or OOMKilled through a status write, paced at <see cref="EndToEndOptions.Rate"/>;
/// the pipeline (informers over HTTPS watch, detectors, correlator with window 0, evidence gathered over HTTPS, rules
/// analyzer, <see cref="KubernetesEventSink"/>) writes a Vigil Event back. The latency of a fault is from its
/// <em>scheduled</em> write time (so a writer falling behind counts against it) to the commit of its Event in the
/// cluster's store: the moment a watcher such as <c>kubectl get events -w</c> can see it.
/// </summary>
public static class EndToEndHarness
{
    public const string Reason = KubernetesEventSink.Reason;

    public static string Namespace(int i, int namespaces) => "e2e-" + (i % namespaces).ToString("D3", CultureInfo.InvariantCulture);

    public static string PodName(int i) => "fault-" + i.ToString("D6", CultureInfo.InvariantCulture);

    public static async Task<EndToEndResult> RunAsync(EndToEndOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var warmup = checked((int)Math.Round(options.Rate * options.WarmupSeconds));
        var faults = warmup + checked((int)Math.Round(options.Rate * options.Seconds));
        if (faults - warmup < 1 || options.Namespaces < 1 || options.Nodes < 1) throw new ArgumentException("rate × seconds, namespaces and nodes must be at least 1");
        var progress = options.Progress ?? TextWriter.Null;
        await using var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false }, cancellationToken: cancellationToken);
        var podType = cluster.Operations.Registry.Find("", "v1", "pods")!;

        var seed = Stopwatch.StartNew();
        Seed(cluster, options, faults);
        progress.WriteLine($"created {options.Namespaces} namespaces, {options.Nodes} nodes and {faults:N0} running pods in {seed.Elapsed.TotalSeconds:F1} s");

        // Every Event committed to the store, with the time it was committed (the writer's thread: keep it short).
        var committed = new ConcurrentQueue<(long At, StoredObject Event)>();
        void OnCommitted(ResourceType type, WatchEvent change)
        {
            if (change.Type == WatchEventType.Added && type.Kind == "Event") committed.Enqueue((Stopwatch.GetTimestamp(), change.Object));
        }
        cluster.Operations.Committed += OnCommitted;

        var configuration = EmbeddedVigil.ClientConfiguration(cluster) with { Qps = options.Qps, Burst = options.Burst, Http2 = options.Http2 };
        using var client = new KubernetesClient(configuration, TimeProvider.System, NullLoggerFactory.Instance);
        var pipelineOptions = new PipelineOptions
        {
            Correlation = new CorrelationOptions { Window = TimeSpan.Zero },
            DiagnosisConcurrency = options.DiagnosisConcurrency,
            Delivery = new DeliveryOptions { Concurrency = options.DeliveryConcurrency },
            Cache = options.Cache,
        };
        var pipeline = new DiagnosisPipeline(client, pipelineOptions, [new KubernetesEventSink(client, "vigil-e2e")], cluster.Clock, NullLogger<DiagnosisPipeline>.Instance);
        var scheduled = new long[faults];
        var reportedAt = new long[faults];
        var reported = 0;
        var reportedBeforeStop = 0;
        double writeSeconds, cpuSeconds, syncSeconds;
        long lastWrite;

        int Collect()
        {
            while (committed.TryDequeue(out var e))
            {
                var fields = e.Event.Fields;
                if (fields.GetValueOrDefault("reason") != Reason || fields.GetValueOrDefault("involvedObject.kind") != "Pod") continue;
                var name = fields.GetValueOrDefault("involvedObject.name") ?? "";
                if (!name.StartsWith("fault-", StringComparison.Ordinal) || !int.TryParse(name.AsSpan(6), CultureInfo.InvariantCulture, out var k) || k >= faults) continue;
                if (reportedAt[k] != 0) continue;
                reportedAt[k] = e.At;
                reported++;
            }
            return reported;
        }

        try
        {
            var sync = Stopwatch.StartNew();
            await pipeline.StartAsync(cancellationToken);
            syncSeconds = sync.Elapsed.TotalSeconds;
            progress.WriteLine($"pipeline synced in {syncSeconds:F1} s (informers listed the cluster over HTTPS)");
            if (!pipeline.Synced) throw new InvalidOperationException("the pipeline's informers did not sync");

            var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var writer = Task.Factory.StartNew(() => WriteFaults(cluster, podType, options, scheduled, progress, () => Collect(), cancellationToken),
                cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            lastWrite = await writer;
            // The measured faults' write phase: from the first one's scheduled time to the last write.
            writeSeconds = Stopwatch.GetElapsedTime(scheduled[warmup], lastWrite).TotalSeconds + 1.0 / options.Rate;

            var drain = Stopwatch.StartNew();
            while (Collect() < faults && drain.Elapsed < options.DrainTimeout)
                await Task.Delay(20, cancellationToken);
            process.Refresh();
            cpuSeconds = (process.TotalProcessorTime - cpu0).TotalSeconds;
            reportedBeforeStop = reported;
        }
        finally
        {
            // Stopping finishes the diagnoses already started and delivers what the sink accepted (10 s at most).
            await pipeline.DisposeAsync();
            cluster.Operations.Committed -= OnCommitted;
        }
        Collect();

        var latencies = new List<double>(reported);
        for (var k = warmup; k < faults; k++)
            if (reportedAt[k] != 0) latencies.Add(Stopwatch.GetElapsedTime(scheduled[k], reportedAt[k]).TotalMilliseconds);
        latencies.Sort();
        var delivery = pipeline.Dispatcher.Counters.Snapshot().ToDictionary(kv => kv.Key.Outcome, kv => kv.Value, StringComparer.Ordinal);
        var measured = faults - warmup;
        // Events of measured faults committed while the measured faults were written: what the pipeline kept up with.
        var duringWrite = 0;
        for (var k = warmup; k < faults; k++)
            if (reportedAt[k] != 0 && reportedAt[k] >= scheduled[warmup] && reportedAt[k] <= lastWrite) duringWrite++;
        return new EndToEndResult(warmup, measured, latencies.Count, faults - reported, reported - reportedBeforeStop, writeSeconds, measured / writeSeconds, duringWrite / writeSeconds, latencies, cpuSeconds, syncSeconds,
            pipeline.Counters.Snapshot(), delivery);
    }

    /// <summary>Writes fault k at its scheduled time t0 + k / rate; returns the timestamp of the last write.</summary>
    private static long WriteFaults(SimulatedCluster cluster, ResourceType podType, EndToEndOptions options, long[] scheduled, TextWriter progress,
        Func<int> reported, CancellationToken cancellationToken)
    {
        var faults = scheduled.Length;
        var t0 = Stopwatch.GetTimestamp();
        for (var k = 0; k < faults; k++) scheduled[k] = t0 + (long)(k * (double)Stopwatch.Frequency / options.Rate);
        var written = 0;
        var nextReport = t0 + Stopwatch.Frequency;
        while (written < faults)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = Stopwatch.GetTimestamp();
            while (written < faults && scheduled[written] <= now)
            {
                WriteFault(cluster, podType, written, options.Namespaces);
                written++;
            }
            if (now >= nextReport)
            {
                var seen = reported();
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  t={Stopwatch.GetElapsedTime(t0).TotalSeconds,5:F1}s  faults written {written,7:N0}  Events seen {seen,7:N0}  waiting {written - seen,6:N0}"));
                nextReport += Stopwatch.Frequency;
            }
            if (written < faults && scheduled[written] > Stopwatch.GetTimestamp()) Thread.Sleep(1);
        }
        return Stopwatch.GetTimestamp();
    }

    /// <summary>What the kubelet would report: a crash loop after the fourth crash (even k), or an OOM kill and restart (odd k).</summary>
    private static void WriteFault(SimulatedCluster cluster, ResourceType podType, int k, int namespaces)
    {
        cluster.Operations.Mutate(podType, Namespace(k, namespaces), PodName(k), pod =>
        {
            var status = (JsonObject)pod["status"]!;
            var app = (JsonObject)status["containerStatuses"]![0]!;
            if (k % 2 == 0)
            {
                app["ready"] = false;
                app["restartCount"] = 4;
                app["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = "back-off 40s restarting failed container=app" } };
                app["lastState"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 1, ["reason"] = "Error" } };
            }
            else
            {
                app["restartCount"] = 1;
                app["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Time(cluster.Clock.GetUtcNow()) } };
                app["lastState"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 137, ["reason"] = "OOMKilled" } };
            }
            return true;
        }, subresource: "status");
    }

    private static string Time(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void Seed(SimulatedCluster cluster, EndToEndOptions options, int pods)
    {
        var ops = cluster.Operations;
        var nsType = ops.Registry.Find("", "v1", "namespaces")!;
        var nodeType = ops.Registry.Find("", "v1", "nodes")!;
        var podType = ops.Registry.Find("", "v1", "pods")!;
        var started = Time(cluster.Clock.GetUtcNow().AddHours(-1));
        for (var n = 0; n < options.Namespaces; n++)
            ops.Create(nsType, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = Namespace(n, options.Namespaces) } }, WriteOptions.Default);
        for (var n = 0; n < options.Nodes; n++)
        {
            var name = NodeName(n);
            ops.Create(nodeType, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = name } } }, WriteOptions.Default);
            ops.Mutate(nodeType, null, name, node =>
            {
                node["status"] = JsonNode.Parse($$"""
                    {"capacity":{"cpu":"8","memory":"32Gi","pods":"110"},"allocatable":{"cpu":"7910m","memory":"31Gi","pods":"110"},
                     "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status","lastHeartbeatTime":"{{started}}","lastTransitionTime":"{{started}}"},
                       {"type":"MemoryPressure","status":"False","reason":"KubeletHasSufficientMemory","lastHeartbeatTime":"{{started}}","lastTransitionTime":"{{started}}"}]}
                    """);
                return true;
            }, subresource: "status");
        }
        Parallel.For(0, pods, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var ns = Namespace(i, options.Namespaces);
            var name = PodName(i);
            ops.Create(podType, ns, (JsonObject)JsonNode.Parse($$"""
                {"metadata":{"name":"{{name}}","labels":{"app":"{{name}}","bench.vigil.dev/e2e":"true"},
                  "annotations":{"sim.vigil.io/logs":"starting worker\nERROR: dial tcp 10.96.0.12:5432: connect: connection refused"} },
                 "spec":{"nodeName":"{{NodeName(i % options.Nodes)}}","containers":[{"name":"app","image":"registry.example.com/shop/worker:2.3.1",
                   "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"memory":"256Mi"} } }]} }
                """)!, WriteOptions.Default);
            ops.Mutate(podType, ns, name, pod =>
            {
                pod["status"] = JsonNode.Parse($$"""
                    {"phase":"Running","qosClass":"Burstable","startTime":"{{started}}","podIP":"10.244.{{(i >> 8) & 255}}.{{i & 255}}",
                     "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"{{started}}"},{"type":"PodScheduled","status":"True","lastTransitionTime":"{{started}}"}],
                     "containerStatuses":[{"name":"app","ready":true,"started":true,"restartCount":0,"image":"registry.example.com/shop/worker:2.3.1",
                       "state":{"running":{"startedAt":"{{started}}"} },"lastState":{} }]}
                    """);
                return true;
            }, subresource: "status");
        });
    }

    private static string NodeName(int n) => "node-" + n.ToString("D3", CultureInfo.InvariantCulture);
}
