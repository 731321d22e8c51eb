using System.Diagnostics;
using System.Globalization;
using Vigil.Cluster;
using Vigil.Cluster.Server;

namespace Vigil.Bench.Cluster;

/// <summary>Settings of the <c>cluster</c> benchmarks, from the command line.</summary>
internal sealed class ClusterBenchOptions
{
    public int Pods { get; set; } = 100_000;
    public int Namespaces { get; set; } = 20;
    public int PageSize { get; set; } = 500;
    public int ListRuns { get; set; } = 3;
    public int Watchers { get; set; } = 50;
    public int WatchPods { get; set; } = 1_000;
    public double WatchSeconds { get; set; } = 10;
    public WriterKind WatchWriter { get; set; } = WriterKind.InProcess;
    public int Rate { get; set; } = 2_000;
    public double LatencySeconds { get; set; } = 20;
    public List<WriterKind> LatencyWriters { get; } = [WriterKind.InProcess, WriterKind.Http];
    public double HttpLatencySeconds { get; set; } = 10;
    public int HttpWriters { get; set; } = 8;
    public HashSet<string> Only { get; } = new(StringComparer.Ordinal) { "memory", "list", "watch", "latency" };
    public string Output { get; set; } = "artifacts/bench";

    public const string Help = """
        cluster benchmark options:
          --pods N              pods seeded for memory and paged list (100000)
          --page-size N         list limit (500)
          --list-runs N         timed full lists per mode; the median is reported (3)
          --watchers N          concurrent watch connections (50)
          --watch-pods N        pods the watch writers update, in one namespace (1000)
          --watch-seconds S     full-speed write phase of the throughput test (10)
          --watch-writer K      inproc | http: who writes in the throughput test (inproc)
          --rate N              paced writes/s of the latency test (2000)
          --latency-seconds S   measured part of the latency test, after 2 s warm-up (20)
          --latency-writer K    inproc | http | both: who writes in the latency test (both: in-process, then HTTPS)
          --http-latency-seconds S  measured part of the HTTPS-writer latency test (10)
          --http-writers N      concurrent HTTP writer connections (8)
          --only a,b            subset of memory,list,watch,latency
          --out DIR             where results go (artifacts/bench)
          --print-pod           print the stored pod the benchmarks use, and exit
          --alloc-profile       sample allocations by type during the watch and latency tests and print them
        """;

    public static ClusterBenchOptions Parse(string[] args)
    {
        var o = new ClusterBenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            double Dbl() => double.Parse(Next(), CultureInfo.InvariantCulture);
            WriterKind Kind() => Next() switch { "inproc" => WriterKind.InProcess, "http" => WriterKind.Http, var k => throw new ArgumentException($"unknown writer {k}") };
            switch (args[i])
            {
                case "--pods": o.Pods = Int(); break;
                case "--page-size": o.PageSize = Int(); break;
                case "--list-runs": o.ListRuns = Int(); break;
                case "--watchers": o.Watchers = Int(); break;
                case "--watch-pods": o.WatchPods = Int(); break;
                case "--watch-seconds": o.WatchSeconds = Dbl(); break;
                case "--watch-writer": o.WatchWriter = Kind(); break;
                case "--rate": o.Rate = Int(); break;
                case "--latency-seconds": o.LatencySeconds = Dbl(); break;
                case "--latency-writer":
                    var w = args[i + 1];
                    o.LatencyWriters.Clear();
                    if (w == "both") { i++; o.LatencyWriters.AddRange([WriterKind.InProcess, WriterKind.Http]); }
                    else o.LatencyWriters.Add(Kind());
                    break;
                case "--http-latency-seconds": o.HttpLatencySeconds = Dbl(); break;
                case "--http-writers": o.HttpWriters = Int(); break;
                case "--only":
                    o.Only.Clear();
                    foreach (var a in Next().Split(',', StringSplitOptions.RemoveEmptyEntries)) o.Only.Add(a);
                    break;
                case "--out": o.Output = Next(); break;
                case "--alloc-profile": break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return o;
    }
}

/// <summary>
/// The simulated API server's benchmarks, over HTTPS against an in-process cluster: memory per stored pod, a full paged
/// list, watch fan-out throughput and paced write-to-watch latency. Prints a table and writes artifacts/bench/cluster.{json,md}.
/// </summary>
internal static class ClusterBenchmark
{
    private const double ListTarget = 50_000, DeliveryTarget = 200_000, P99Target = 50;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(ClusterBenchOptions.Help);
            return 0;
        }
        if (args.Contains("--print-pod"))
        {
            // The pod the benchmarks store, as a client would read it.
            await using var c = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
            Pods.Seed(c, Pods.CreateNamespaces(c, 1), 0, 1, 1);
            var podJson = c.Operations.Store.Get(Pods.PodType(c).StorageKey, Pods.Namespace(0, 1), Pods.Name(0))!.Json;
            Console.WriteLine(System.Text.Encoding.UTF8.GetString(podJson));
            Console.WriteLine($"({podJson.Length} bytes)");
            return 0;
        }
        ClusterBenchOptions o;
        try
        {
            o = ClusterBenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(ClusterBenchOptions.Help);
            return 2;
        }

        using var sampler = args.Contains("--alloc-profile") ? new AllocationSampler() : null;
        var results = new ResultSet();
        MachineInfo.Describe(results.Environment);
        results.Environment["settings"] = $"pods={o.Pods} in {o.Namespaces} namespaces, page={o.PageSize}, watchers={o.Watchers}, watch pods={o.WatchPods}, " +
            $"watch writer={o.WatchWriter} for {o.WatchSeconds}s, latency writers={string.Join("+", o.LatencyWriters)} at {o.Rate}/s for {o.LatencySeconds}s (HTTPS writer {o.HttpLatencySeconds}s), http writers={o.HttpWriters}";
        foreach (var (k, v) in results.Environment) Console.WriteLine($"{k}: {v}");
        var total = Stopwatch.StartNew();

        if (o.Only.Contains("memory") || o.Only.Contains("list"))
        {
            await using var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
            using var http = BenchHttp.Create(cluster);
            await SeedAndMeasureMemory(cluster, o, results);
            if (o.Only.Contains("list")) await PagedList(cluster, http, o, results);
        }
        Collect();

        if (o.Only.Contains("watch") || o.Only.Contains("latency"))
        {
            await using var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
            using var http = BenchHttp.Create(cluster);
            var owners = Pods.CreateNamespaces(cluster, 1);
            Pods.Seed(cluster, owners, 0, o.WatchPods, 1);
            var bench = new WatchBench(cluster, http, Pods.Namespace(0, 1), o.WatchPods);
            sampler?.Start();
            if (o.Only.Contains("watch")) await WatchThroughput(bench, o, results);
            if (o.Only.Contains("latency"))
                foreach (var writer in o.LatencyWriters)
                    await WatchLatency(bench, o, writer, writer == WriterKind.Http ? o.HttpLatencySeconds : o.LatencySeconds, results);
        }

        sampler?.Print();
        results.Environment["load at end (1/5/15 min)"] = MachineInfo.Load();
        results.Environment["cpu pressure at end"] = MachineInfo.Pressure();
        results.Environment["suite time"] = $"{total.Elapsed.TotalSeconds:0} s";
        results.PrintTable();
        var (json, md) = results.Write(o.Output, "cluster");
        Console.WriteLine($"\nload at end: {MachineInfo.Load()}; total {total.Elapsed.TotalSeconds:0} s\nwrote {json} and {md}");
        return 0;
    }

    private static void Collect()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static (long Heap, long WorkingSet) Memory()
    {
        Collect();
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var self = Process.GetCurrentProcess();
        return (heap, self.WorkingSet64);
    }

    private static async Task SeedAndMeasureMemory(SimulatedCluster cluster, ClusterBenchOptions o, ResultSet results)
    {
        Console.WriteLine($"\n[memory] seeding {o.Pods:N0} pods (create + status update each) ...");
        var owners = Pods.CreateNamespaces(cluster, o.Namespaces);
        var first = Math.Min(10_000, o.Pods);
        var before = Memory();
        var sw = Stopwatch.StartNew();
        Pods.Seed(cluster, owners, 0, first, o.Namespaces);
        var seedFirst = sw.Elapsed;
        var at10k = Memory();
        sw.Restart();
        Pods.Seed(cluster, owners, first, o.Pods, o.Namespaces);
        var seedRest = sw.Elapsed;
        var atAll = Memory();
        await Task.Yield();

        var page = cluster.Operations.Store.List(Pods.PodType(cluster).StorageKey, null, null);
        var jsonBytes = page.Items.Sum(i => (long)i.Json.Length);
        var perPodJson = (double)jsonBytes / page.Items.Count;
        const double MB = 1024 * 1024;
        results.Add(new Result("memory", "seeding rate (in-process create + status)", o.Pods / (seedFirst + seedRest).TotalSeconds, "pods/s",
            Note: $"{(seedFirst + seedRest).TotalSeconds:0.0} s for {o.Pods:N0}, 2 writes each, 2 threads"));
        results.Add(new Result("memory", "stored JSON per pod", perPodJson, "bytes", Note: "the serialized object the store keeps"));
        results.Add(new Result("memory", $"managed heap per 10k pods, first {first:N0}", (at10k.Heap - before.Heap) / MB * 10_000 / first, "MiB",
            Note: "includes the 10,000-change history (each status write keeps the previous version)"));
        if (o.Pods > first)
        {
            var n = o.Pods - first;
            results.Add(new Result("memory", $"managed heap per 10k pods, {first:N0}→{o.Pods:N0}", (atAll.Heap - at10k.Heap) / MB * 10_000 / n, "MiB",
                Note: "marginal cost of a stored pod: history is full by then"));
            results.Add(new Result("memory", $"working set per 10k pods, {first:N0}→{o.Pods:N0}", (atAll.WorkingSet - at10k.WorkingSet) / MB * 10_000 / n, "MiB"));
            results.Add(new Result("memory", $"managed heap with {o.Pods:N0} pods", (atAll.Heap - before.Heap) / MB, "MiB", Note: "above the empty cluster"));
        }
        results.Add(new Result("memory", "managed bytes per pod / JSON bytes", (atAll.Heap - at10k.Heap) / (double)Math.Max(1, o.Pods - first) / perPodJson, "x"));
    }

    private static async Task PagedList(SimulatedCluster cluster, HttpClient http, ClusterBenchOptions o, ResultSet results)
    {
        Console.WriteLine($"\n[list] full paged list of {o.Pods:N0} pods, limit={o.PageSize}, median of {o.ListRuns} ...");
        var bench = new PagedListBench(cluster, http, o.PageSize);
        // Warm-up: JIT, TLS connection, buffers.
        bench.StoreOnly();
        var warm = await bench.OverHttp(count: true);
        if (warm.Items != o.Pods) throw new InvalidOperationException($"paged list returned {warm.Items} items, expected {o.Pods}");

        PagedListBench.Run Median(List<PagedListBench.Run> runs) => runs.OrderBy(r => r.Elapsed).ElementAt(runs.Count / 2);
        var store = Median(Enumerable.Range(0, o.ListRuns).Select(_ => bench.StoreOnly()).ToList());
        var cpu0 = Cpu();
        var raw = new List<PagedListBench.Run>();
        var counted = new List<PagedListBench.Run>();
        for (var i = 0; i < o.ListRuns; i++)
        {
            raw.Add(await bench.OverHttp(count: false));
            counted.Add(await bench.OverHttp(count: true));
        }
        var cpu = Cpu() - cpu0;
        var r = Median(raw);
        var c = Median(counted);
        if (c.Items != o.Pods) throw new InvalidOperationException($"paged list returned {c.Items} items, expected {o.Pods}");
        results.Add(new Result("list", "store only, in-process (no HTTP, no JSON)", store.ItemsPerSecond, "pods/s", Note: $"{store.Pages} pages in {store.Elapsed.TotalMilliseconds:0} ms"));
        results.Add(new Result("list", "HTTPS, bytes only (token from list head)", o.Pods / r.Elapsed.TotalSeconds, "pods/s", Note: $"{r.MegabytesPerSecond:0} MB/s, {r.Elapsed.TotalMilliseconds:0} ms"));
        results.Add(new Result("list", "HTTPS, counting items (Utf8JsonReader)", c.ItemsPerSecond, "pods/s", "≥ 50,000", c.ItemsPerSecond >= ListTarget,
            $"{c.MegabytesPerSecond:0} MB/s, {c.Elapsed.TotalMilliseconds:0} ms, {c.Bytes / c.Pages / 1024} KiB/page"));
        results.Add(new Result("list", "process CPU per pod listed over HTTPS (server + client)", cpu.TotalMicroseconds / (2.0 * o.ListRuns * o.Pods), "µs",
            Note: "both HTTPS modes"));
    }

    /// <summary>Process CPU time (user + system, all threads): with other work on the machine, CPU per event is steadier than wall time.</summary>
    private static TimeSpan Cpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static async Task WatchThroughput(WatchBench bench, ClusterBenchOptions o, ResultSet results)
    {
        Console.WriteLine($"\n[watch] {o.Watchers} watchers, {o.WatchWriter} writer at full speed for {o.WatchSeconds} s ...");
        // Warm-up: JIT and connections, not recorded.
        await bench.MeasureThroughput(o.Watchers, TimeSpan.FromSeconds(3), o.WatchWriter, o.HttpWriters, window: 4_000);
        var cpu0 = Cpu();
        var t = await bench.MeasureThroughput(o.Watchers, TimeSpan.FromSeconds(o.WatchSeconds), o.WatchWriter, o.HttpWriters, window: 4_000);
        var cpu = Cpu() - cpu0;
        var ok = t.Lost == 0 && t.Unexpected == 0 && t.Error is null;
        results.Add(new Result("watch", $"writes/s ({o.WatchWriter}, ≤4,000 ahead of slowest watcher)", t.WritesPerSecond, "writes/s", Note: $"{t.Writes:N0} writes"));
        results.Add(new Result("watch", $"deliveries/s to {t.Watchers} watchers", t.DeliveriesPerSecond, "events/s", "≥ 200,000", t.DeliveriesPerSecond >= DeliveryTarget && ok,
            $"{t.Deliveries:N0} events in {t.DeliveryTime.TotalSeconds:0.00} s"));
        results.Add(new Result("watch", "process CPU per delivery (server + clients)", cpu.TotalMicroseconds / t.Deliveries, "µs",
            Note: $"{cpu.TotalSeconds / t.DeliveryTime.TotalSeconds:0.00} cores busy on average"));
        results.Add(new Result("watch", "events per client read (TLS records, batching)", (double)t.Deliveries / Math.Max(1, t.Reads), "events"));
        results.Add(new Result("watch", "allocated per delivery (server + clients + writer)", (double)t.AllocatedBytes / Math.Max(1, t.Deliveries), "bytes",
            Note: $"GCs gen0/1/2: {t.Gen0}/{t.Gen1}/{t.Gen2}"));
        results.Add(new Result("watch", "events lost / unexpected", t.Lost + t.Unexpected, "events", "0", ok,
            $"each watcher's count = writes: {(t.Lost == 0 ? "yes" : "no")}{(t.Error is null ? "" : "; " + t.Error)}"));
    }

    private static async Task WatchLatency(WatchBench bench, ClusterBenchOptions o, WriterKind writer, double seconds, ResultSet results)
    {
        var who = writer == WriterKind.Http ? "HTTPS writer" : "in-process writer";
        Console.WriteLine($"\n[latency] {o.Watchers} watchers, {who} paced at {o.Rate}/s for {seconds} s (+2 s warm-up) ...");
        var cpu0 = Cpu();
        var l = await bench.MeasureLatency(o.Watchers, o.Rate, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(2), writer, o.HttpWriters);
        var cpu = Cpu() - cpu0;
        var ok = l.Lost == 0 && l.Error is null;
        var area = writer == WriterKind.Http ? "lat-http" : "latency";
        results.Add(new Result(area, $"achieved write rate ({who})", l.AchievedRate, "writes/s", Note: $"{l.Writes:N0} writes; worst writer lag {l.WorstWriterLagMs:0.0} ms"));
        results.Add(new Result(area, "write-to-watch p50", l.P50, "ms", Note: $"{o.Rate:N0} writes/s target, {l.Watchers} watchers"));
        results.Add(new Result(area, "write-to-watch p90", l.P90, "ms"));
        results.Add(new Result(area, "write-to-watch p99", l.P99, "ms", "< 50 ms", l.P99 < P99Target && ok && l.AchievedRate >= o.Rate * 0.98,
            $"{l.Samples:N0} deliveries measured"));
        results.Add(new Result(area, "write-to-watch p99.9", l.P999, "ms"));
        results.Add(new Result(area, "write-to-watch max", l.Max, "ms"));
        results.Add(new Result(area, "process CPU busy (server + clients)", cpu.TotalSeconds / (l.Writes / l.AchievedRate), "cores"));
        results.Add(new Result(area, "events lost", l.Lost, "events", "0", ok, l.Error));
    }
}
