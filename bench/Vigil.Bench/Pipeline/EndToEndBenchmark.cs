using System.Globalization;
using Vigil.Bench.Cluster;

namespace Vigil.Bench.Pipeline;

/// <summary>The <c>e2e</c> benchmark: <see cref="EndToEndHarness"/> at 1,000 faults/s for 60 s, against the targets.</summary>
internal static class EndToEndBenchmark
{
    private const double P99Target = 200, WormsignP99 = 500, WormsignRate = 1_000;

    public const string Help = """
        e2e benchmark options (over HTTPS against an in-process simulated cluster, API server only):
          --rate N              faults written per second (1000)
          --seconds S           how long the measured faults are written (60)
          --warmup-seconds S    faults written at the rate before the measured ones, not in the latencies (5)
                                rate x (warm-up + seconds) distinct pods are created first
          --namespaces N        namespaces the pods are spread over (100)
          --nodes N             nodes the pods run on (20)
          --qps Q               the pipeline client's requests/s limit, 0 for none (0; EmbeddedVigil uses 1000)
          --burst N             the client's burst (2000)
          --http1               the pipeline's client speaks HTTP/1.1 instead of HTTP/2 (to compare)
          --cache C             full, projected or compact (compact, what `vigil run` caches)
          --concurrency N       diagnoses at once, PipelineOptions.DiagnosisConcurrency (64; the pipeline's default is 4)
          --delivery-concurrency N  Event writes in flight, DeliveryOptions.Concurrency (64; the default is 1)
          --drain-seconds S     how long to wait for Events after the last fault before stopping the pipeline,
                                which then finishes what it accepted (30)
          --out DIR             where results go (artifacts/bench)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(Help);
            return 0;
        }
        var o = new EndToEndOptions { Progress = Console.Out };
        var output = "artifacts/bench";
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
                double Dbl() => double.Parse(Next(), CultureInfo.InvariantCulture);
                switch (args[i])
                {
                    case "--rate": o.Rate = Int(); break;
                    case "--seconds": o.Seconds = Dbl(); break;
                    case "--warmup-seconds": o.WarmupSeconds = Dbl(); break;
                    case "--namespaces": o.Namespaces = Int(); break;
                    case "--nodes": o.Nodes = Int(); break;
                    case "--qps": o.Qps = Dbl(); break;
                    case "--burst": o.Burst = Int(); break;
                    case "--http1": o.Http2 = false; break;
                    case "--cache": o.Cache = Enum.Parse<Vigil.Operator.Pipeline.CacheShape>(args[++i], ignoreCase: true); break;
                    case "--concurrency": o.DiagnosisConcurrency = Int(); break;
                    case "--delivery-concurrency": o.DeliveryConcurrency = Int(); break;
                    case "--drain-seconds": o.DrainTimeout = TimeSpan.FromSeconds(Dbl()); break;
                    case "--out": output = Next(); break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            if (o.Rate < 1 || o.Seconds <= 0 || o.DiagnosisConcurrency < 1 || o.DeliveryConcurrency < 1) throw new ArgumentException("--rate, --seconds and the concurrencies must be positive");
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Help);
            return 2;
        }

        var results = new ResultSet();
        MachineInfo.Describe(results.Environment);
        results.Environment["command"] = "e2e " + string.Join(' ', args);
        results.Environment["workload"] = string.Create(CultureInfo.InvariantCulture,
            $"{o.Rate:N0} faults/s for {o.Seconds} s after {o.WarmupSeconds} s of warm-up: distinct standalone pods over {o.Namespaces} namespaces and {o.Nodes} nodes turn CrashLoopBackOff or OOMKilled (alternately) through an in-process status write");
        results.Environment["pipeline"] = string.Create(CultureInfo.InvariantCulture,
            $"DiagnosisPipeline over HTTPS, correlation window 0, diagnosis concurrency {o.DiagnosisConcurrency}, KubernetesEventSink with delivery concurrency {o.DeliveryConcurrency}; client limit {(o.Qps > 0 ? $"{o.Qps} QPS, burst {o.Burst}" : "none (QPS 0)")}, {(o.Http2 ? "HTTP/2" : "HTTP/1.1")}");
        foreach (var (k, v) in results.Environment) Console.WriteLine($"{k}: {v}");
        Console.WriteLine();

        var r = await EndToEndHarness.RunAsync(o);

        results.Environment["load at end (1/5/15 min)"] = MachineInfo.Load();
        results.Environment["cpu pressure at end"] = MachineInfo.Pressure();
        Console.WriteLine();
        Console.WriteLine($"  {"figure",-52} {"value",14} {"unit",-10} {"target",-14} result");
        results.Add(new Result("e2e", "fault → Event latency p50", r.Percentile(50), "ms"));
        results.Add(new Result("e2e", "fault → Event latency p90", r.Percentile(90), "ms"));
        results.Add(new Result("e2e", "fault → Event latency p99", r.Percentile(99), "ms", "< 200 ms", r.Percentile(99) < P99Target,
            $"Wormsign's target: p99 < {WormsignP99} ms at {WormsignRate:N0} events/s"));
        results.Add(new Result("e2e", "fault → Event latency max", r.Max, "ms"));
        results.Add(new Result("e2e", "faults lost (never an Event)", r.Lost, "faults", "0", r.Lost == 0,
            $"{r.Reported:N0} of {r.Faults:N0} measured faults reported ({r.ReportedWhileStopping:N0} only while the pipeline stopped, after the {o.DrainTimeout.TotalSeconds:0} s drain); {r.WarmupFaults:N0} warm-up faults before them"));
        results.Add(new Result("e2e", "fault rate sustained by the writer", r.AchievedRate, "faults/s", $"{o.Rate:N0}/s", r.AchievedRate >= o.Rate * 0.99,
            $"{r.Faults:N0} faults in {r.WriteSeconds:F1} s"));
        var delivered = r.Delivery.GetValueOrDefault("delivered");
        results.Add(new Result("e2e", "Events/s for measured faults while they were written", r.EventsPerSecond, "Events/s", $"{o.Rate:N0}/s", r.EventsPerSecond >= o.Rate * 0.95,
            Note: $"sink: {delivered:N0} delivered, {r.Delivery.GetValueOrDefault("failed"):N0} failed, {r.Delivery.GetValueOrDefault("retried"):N0} retried, {r.Delivery.GetValueOrDefault("dropped"):N0} dropped"));
        // The pipeline observes evidence gathering and analysis separately (gather_seconds, analyze_seconds).
        var diagnoses = r.PipelineCounters.GetValueOrDefault("gather_seconds_count");
        var gatherMs = diagnoses == 0 ? double.NaN : r.PipelineCounters.GetValueOrDefault("gather_seconds_sum") / diagnoses * 1000;
        var analyzeMs = diagnoses == 0 ? double.NaN : r.PipelineCounters.GetValueOrDefault("analyze_seconds_sum") / diagnoses * 1000;
        results.Add(new Result("e2e", "mean evidence gathering time (HTTPS reads)", gatherMs, "ms",
            Note: string.Create(CultureInfo.InvariantCulture, $"{diagnoses:N0} diagnoses, analysis {analyzeMs:0.###} ms each, {r.PipelineCounters.GetValueOrDefault("pipeline_errors"):N0} pipeline errors")));
        results.Add(new Result("e2e", "CPU time per fault (cluster, pipeline, writer)", r.CpuSeconds * 1e6 / (r.Faults + r.WarmupFaults), "µs"));
        // The process's collections over the whole run (cluster, writer and pipeline share it): what explains a tail.
        results.Add(new Result("e2e", "GC pauses in the process, total (gen0/1/2 collections)", GC.GetTotalPauseDuration().TotalMilliseconds, "ms",
            Note: $"{GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}; longest recent: {GC.GetGCMemoryInfo(GCKind.Any).PauseDurations.ToArray().Max().TotalMilliseconds:F0} ms"));
        results.Add(new Result("e2e", "informer initial sync", r.SyncSeconds, "s", Note: $"{r.Faults + r.WarmupFaults:N0} pods and the rest of the cluster"));

        var (json, md) = results.Write(output, "e2e");
        Console.WriteLine();
        Console.WriteLine($"wrote {json} and {md}");
        return r.Lost == 0 ? 0 : 1;
    }
}
