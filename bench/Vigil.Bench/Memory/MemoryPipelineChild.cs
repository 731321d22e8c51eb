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
        var cache = "projected";
        var settle = 5.0;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--kubeconfig": kubeconfig = Next(); break;
                case "--cache": cache = Next(); break;
                case "--settle": settle = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]} (memory-pipeline --kubeconfig F --cache full|projected --settle S)");
                    return 2;
            }
        }
        if (kubeconfig is null || cache is not ("full" or "projected"))
        {
            Console.Error.WriteLine("memory-pipeline needs --kubeconfig and --cache full|projected");
            return 2;
        }

        var configuration = KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = [kubeconfig] }, TimeProvider.System);
        using var client = new KubernetesClient(configuration, TimeProvider.System, NullLoggerFactory.Instance);
        var options = new PipelineOptions { CustomResources = false, CacheProjections = cache == "projected" };
        // --scope namespaces plugs in here: options.WatchScope = Assigned, then, after StartAsync,
        // await pipeline.AssignNamespacesAsync(<every namespace>) and wait for their informers to sync.
        await using var pipeline = new DiagnosisPipeline(client, options, [], TimeProvider.System, NullLogger<DiagnosisPipeline>.Instance);
        var sync = Stopwatch.StartNew();
        await pipeline.StartAsync(CancellationToken.None);
        var syncSeconds = sync.Elapsed.TotalSeconds;
        if (!pipeline.Synced)
        {
            Console.Error.WriteLine("the pipeline's informers did not sync");
            return 1;
        }
        // Every object was posted to the detection worker as it was listed: wait until it has seen them all.
        var drained = Stopwatch.StartNew();
        while (pipeline.WorkQueueDepth > 0 && drained.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(100);
        await Task.Delay(TimeSpan.FromSeconds(settle));

        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var rss = self.WorkingSet64;
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(new MemoryBenchmark.Measurement(heap, rss, syncSeconds), MemoryBenchmark.JsonOptions));
        return 0;
    }
}
