using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Operator.Pipeline;

namespace Vigil.Bench.Memory;

/// <summary>
/// The measured side of the <c>memory</c> benchmark, run as a child process so that nothing else is in its memory: the
/// DiagnosisPipeline as <c>vigil run</c> builds it (default options, no sinks, custom resources off as the simulated
/// cluster has no CRDs installed), against the kubeconfig it is given. It syncs, waits for the detection worker to go
/// through every object, settles, collects garbage fully (compacting the large object heap) and prints its managed heap
/// and resident set size.
/// </summary>
internal static class MemoryPipelineChild
{
    public const string ResultPrefix = "RESULT ";

    public static async Task<int> RunAsync(string[] args)
    {
        string? kubeconfig = null;
        var cache = "compact";
        var settle = 5.0;
        var scope = "cluster";
        var poolTrim = 0.0;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--kubeconfig": kubeconfig = Next(); break;
                case "--cache": cache = Next(); break;
                case "--settle": settle = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--scope": scope = Next(); break;
                case "--pool-trim": poolTrim = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]} (memory-pipeline --kubeconfig F --cache full|projected|compact --scope cluster|namespaces --settle S --pool-trim S)");
                    return 2;
            }
        }
        if (kubeconfig is null || cache is not ("full" or "projected" or "compact") || scope is not ("cluster" or "namespaces"))
        {
            Console.Error.WriteLine("memory-pipeline needs --kubeconfig, --cache full|projected and --scope cluster|namespaces");
            return 2;
        }

        var configuration = KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = [kubeconfig] }, TimeProvider.System);
        using var client = new KubernetesClient(configuration, TimeProvider.System, NullLoggerFactory.Instance);
        var options = new PipelineOptions
        {
            CustomResources = false,
            Cache = cache switch { "full" => CacheShape.Full, "projected" => CacheShape.Projected, _ => CacheShape.Compact },
            // namespaces: as one sharded replica that was assigned every namespace and leads the cluster scope.
            Scope = scope == "namespaces" ? WatchScope.Assigned : WatchScope.Cluster,
        };
        var measured = await MeasureAsync(client, options, scope, settle, poolTrim);
        if (measured is not var (heap, rss, syncSeconds)) return 1;
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(new MemoryBenchmark.Measurement(heap, rss, syncSeconds), MemoryBenchmark.JsonOptions));
        // For a heap analyser to attach to the measured process (e.g. ClrMD): VIGIL_BENCH_HOLD=seconds.
        if (double.TryParse(Environment.GetEnvironmentVariable("VIGIL_BENCH_HOLD"), CultureInfo.InvariantCulture, out var hold))
        {
            Console.Error.WriteLine($"holding pid {Environment.ProcessId} for {hold} s");
            await Task.Delay(TimeSpan.FromSeconds(hold));
        }
        return 0;
    }

    /// <summary>Runs the pipeline until synced and settled: the heap and RSS then, or null if it did not sync.</summary>
    private static async Task<(long Heap, long Rss, double SyncSeconds)?> MeasureAsync(KubernetesClient client, PipelineOptions options, string scope, double settle, double poolTrim)
    {
        await using var pipeline = new DiagnosisPipeline(client, options, [], TimeProvider.System, NullLogger<DiagnosisPipeline>.Instance);
        var sync = Stopwatch.StartNew();
        await pipeline.StartAsync(CancellationToken.None);
        if (scope == "namespaces")
        {
            var namespaces = (await client.Resource<Vigil.Kubernetes.Models.Namespace>().ListAsync(string.Empty)).Items.Select(n => n.Metadata.Name!).ToList();
            await pipeline.AssignNamespacesAsync(namespaces, 1, CancellationToken.None);
            await pipeline.SetClusterScopeAsync(true, 1, CancellationToken.None);
            while (pipeline.InformerSync.Any(s => !s.Synced) && sync.Elapsed < TimeSpan.FromMinutes(10)) await Task.Delay(100);
        }
        var syncSeconds = sync.Elapsed.TotalSeconds;
        if (!pipeline.Synced || pipeline.InformerSync.Any(s => !s.Synced))
        {
            Console.Error.WriteLine("the pipeline's informers did not sync");
            return null;
        }
        // Every object was posted to the detection worker as it was listed: wait until it has seen them all.
        var drained = Stopwatch.StartNew();
        while (pipeline.WorkQueueDepth > 0 && drained.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(100);
        await Task.Delay(TimeSpan.FromSeconds(settle));
        if (poolTrim > 0)
        {
            // The shared array pool keeps the large read buffers of the initial lists (per thread and per core) until full
            // GCs find them unused for a while: give it the time, for a total closer to the steady state.
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            await Task.Delay(TimeSpan.FromSeconds(poolTrim));
        }
        var heap = CollectedHeap();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return (heap, self.WorkingSet64, syncSeconds);
    }

    private static long CollectedHeap()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
