using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Bench.Cluster;
using Vigil.Cluster;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Server;

namespace Vigil.Bench.Scale;

/// <summary>Settings of the <c>scale</c> benchmark, from the command line.</summary>
internal sealed class ScaleBenchOptions
{
    public int Nodes { get; set; } = 5_000;
    public int Pods { get; set; } = 150_000;
    public int Replicas { get; set; } = 100;
    public int Namespaces { get; set; } = 50;
    public double HeartbeatSeconds { get; set; } = 10;
    public double SettleSeconds { get; set; } = 20;
    public double SteadySeconds { get; set; } = 60;
    public List<int> ChurnRates { get; } = [100, 300, 1_000];
    public double ChurnSeconds { get; set; } = 30;
    public double TimeoutSeconds { get; set; } = 600;
    public HashSet<string> Only { get; } = new(StringComparer.Ordinal) { "bringup", "steady", "churn" };
    public string Output { get; set; } = "artifacts/bench";

    public const string Help = """
        scale benchmark: a simulated cluster (scheduler, kubelets, controllers) at speed 1, in process.
          --nodes N             nodes registered at start (5000)
          --pods N              pods, as Deployments of --replicas each (150000)
          --replicas N          replicas per Deployment (100)
          --namespaces N        namespaces the Deployments are spread over (50)
          --heartbeat S         kubelet Lease renewal interval, cluster seconds (10)
          --settle S            wait after bring-up before measuring steady state (20)
          --steady-seconds S    steady-state CPU measurement window (60)
          --churn-rates a,b,c   pod deletions per second, one phase each (100,300,1000)
          --churn-seconds S     length of each churn phase (30)
          --timeout S           give up on bring-up after this long (600)
          --only a,b            subset of bringup,steady,churn (bring-up always runs)
          --out DIR             where results go (artifacts/bench)
        Targets: all pods Running < 180 s after the first Deployment is created; steady-state CPU < 1 core.
        """;

    public static ScaleBenchOptions Parse(string[] args)
    {
        var o = new ScaleBenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            double Dbl() => double.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--nodes": o.Nodes = Int(); break;
                case "--pods": o.Pods = Int(); break;
                case "--replicas": o.Replicas = Int(); break;
                case "--namespaces": o.Namespaces = Int(); break;
                case "--heartbeat": o.HeartbeatSeconds = Dbl(); break;
                case "--settle": o.SettleSeconds = Dbl(); break;
                case "--steady-seconds": o.SteadySeconds = Dbl(); break;
                case "--churn-rates":
                    o.ChurnRates.Clear();
                    foreach (var r in Next().Split(',', StringSplitOptions.RemoveEmptyEntries)) o.ChurnRates.Add(int.Parse(r, CultureInfo.InvariantCulture));
                    break;
                case "--churn-seconds": o.ChurnSeconds = Dbl(); break;
                case "--timeout": o.TimeoutSeconds = Dbl(); break;
                case "--only":
                    o.Only.Clear();
                    foreach (var a in Next().Split(',', StringSplitOptions.RemoveEmptyEntries)) o.Only.Add(a);
                    break;
                case "--out": o.Output = Next(); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (o.Nodes < 1 || o.Pods < 1 || o.Replicas < 1 || o.Namespaces < 1) throw new ArgumentException("--nodes, --pods, --replicas and --namespaces must be positive");
        if (o.Pods > (long)o.Nodes * 110) throw new ArgumentException($"{o.Pods} pods do not fit on {o.Nodes} nodes of 110 pods each");
        return o;
    }
}

/// <summary>
/// The simulated cluster at scale (issue 3): nodes and Deployments brought up to every pod Running, the steady-state
/// CPU of the idle but heartbeating cluster, and pod churn (pods deleted at a fixed rate, their ReplicaSets replacing
/// them). Everything runs in this process; the clock is real (speed 1).
/// </summary>
internal static class ScaleBenchmark
{
    private const double BringUpTarget = 180, SteadyCoreTarget = 1;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(ScaleBenchOptions.Help);
            return 0;
        }
        ScaleBenchOptions o;
        try
        {
            o = ScaleBenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(ScaleBenchOptions.Help);
            return 2;
        }

        var results = new ResultSet();
        MachineInfo.Describe(results.Environment);
        var deployments = (o.Pods + o.Replicas - 1) / o.Replicas;
        results.Environment["settings"] = string.Create(CultureInfo.InvariantCulture,
            $"nodes={o.Nodes}, pods={o.Pods} as {deployments} Deployments in {o.Namespaces} namespaces, heartbeat={o.HeartbeatSeconds}s, speed 1, steady window={o.SteadySeconds}s, churn rates={string.Join(",", o.ChurnRates)}/s x {o.ChurnSeconds}s");
        foreach (var (k, v) in results.Environment) Console.WriteLine($"{k}: {v}");
        var total = Stopwatch.StartNew();

        var started = Stopwatch.StartNew();
        await using var cluster = await SimulatedCluster.StartAsync(new ClusterOptions
        {
            Nodes = o.Nodes,
            Speed = 1,
            HeartbeatInterval = TimeSpan.FromSeconds(o.HeartbeatSeconds),
        });
        var probe = new ClusterProbe(cluster);
        probe.Follow();
        var writes = new WriteCounter(cluster);
        await WaitFor(() => probe.ReadyNodes() >= o.Nodes, TimeSpan.FromSeconds(o.TimeoutSeconds), "nodes Ready");
        results.Add(new Result("scale", $"{o.Nodes} nodes registered and Ready", started.Elapsed.TotalSeconds, "s"));

        writes.Reset();
        var (bringUp, ok) = await BringUp(cluster, probe, o, deployments, results);
        foreach (var (resource, count) in writes.Snapshot().OrderByDescending(kv => kv.Value).Take(6))
            results.Add(new Result("scale", $"writes per pod during bring-up: {resource}", (double)count / o.Pods, "writes"));
        if (!ok)
        {
            Finish(results, o, total);
            return 1;
        }
        _ = bringUp;

        if (o.Only.Contains("steady")) await Steady(cluster, probe, o, results);
        if (o.Only.Contains("churn"))
            foreach (var rate in o.ChurnRates)
                await Churn(cluster, probe, o, rate, results);

        Finish(results, o, total);
        return 0;
    }

    private static void Finish(ResultSet results, ScaleBenchOptions o, Stopwatch total)
    {
        results.Environment["load at end (1/5/15 min)"] = MachineInfo.Load();
        results.Environment["cpu pressure at end"] = MachineInfo.Pressure();
        results.Environment["suite time"] = $"{total.Elapsed.TotalSeconds:0} s";
        results.PrintTable();
        var (json, md) = results.Write(o.Output, "scale");
        Console.WriteLine($"\nload at end: {MachineInfo.Load()}; total {total.Elapsed.TotalSeconds:0} s\nwrote {json} and {md}");
    }

    private static async Task<(TimeSpan Elapsed, bool Ok)> BringUp(SimulatedCluster cluster, ClusterProbe probe, ScaleBenchOptions o, int deployments, ResultSet results)
    {
        Console.WriteLine($"\n[bring-up] {deployments:N0} Deployments, {o.Pods:N0} pods on {o.Nodes:N0} nodes ...");
        var ops = cluster.Operations;
        var nsType = ops.Registry.Find("", "v1", "namespaces")!;
        var deployType = ops.Registry.Find("apps", "v1", "deployments")!;
        for (var n = 0; n < o.Namespaces; n++)
            ops.Create(nsType, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = Namespace(n) } }, WriteOptions.Default);
        var cpu = ProcessCpu.Start();
        var clock = Stopwatch.StartNew();
        var remaining = o.Pods;
        var specs = new List<(string Ns, string Name, int Replicas)>();
        for (var d = 0; d < deployments; d++)
        {
            var replicas = Math.Min(o.Replicas, remaining);
            remaining -= replicas;
            specs.Add((Namespace(d % o.Namespaces), $"app-{d}", replicas));
        }
        Parallel.ForEach(specs, new ParallelOptions { MaxDegreeOfParallelism = 4 }, s =>
            ops.Create(deployType, s.Ns, Deployment(s.Name, s.Replicas), new WriteOptions { FieldManager = "kubectl-client-side-apply" }));
        var created = clock.Elapsed;
        results.Add(new Result("scale", "Deployments created", created.TotalSeconds, "s", Note: $"{deployments:N0} creates, in process"));

        var limit = TimeSpan.FromSeconds(o.TimeoutSeconds);
        var lastReport = TimeSpan.Zero;
        TimeSpan? allCreated = null, allBound = null;
        var gcBefore = GcPause();
        while (true)
        {
            var c = probe.CountPods();
            if (allCreated is null && c.Total >= o.Pods) allCreated = clock.Elapsed;
            if (allBound is null && c.Bound >= o.Pods) allBound = clock.Elapsed;
            if (c.Running >= o.Pods) break;
            if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(10))
            {
                lastReport = clock.Elapsed;
                Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:0} s: {c.Total,8:N0} pods, {c.Bound,8:N0} bound, {c.Running,8:N0} Running; heap {GC.GetTotalMemory(false) / (1024 * 1024):N0} MiB, GC pause {(GcPause() - gcBefore).TotalSeconds:0.0} s, load {MachineInfo.Load()}");
            }
            if (clock.Elapsed > limit)
            {
                results.Add(new Result("scale", $"all {o.Pods:N0} pods Running", double.NaN, "s", $"< {BringUpTarget} s", false,
                    $"gave up after {limit.TotalSeconds:0} s: {c.Running:N0} Running, {c.Bound:N0} bound, {c.Total:N0} created"));
                return (clock.Elapsed, false);
            }
            await Task.Delay(100);
        }
        var elapsed = clock.Elapsed;
        var used = cpu.Elapsed();
        var listed = probe.ListPods();
        Console.WriteLine($"  {elapsed.TotalSeconds,6:0} s: all {o.Pods:N0} pods Running (a full list says {listed.Running:N0} Running of {listed.Total:N0})");
        results.Add(new Result("scale", "all pods created (by the ReplicaSets)", (allCreated ?? elapsed).TotalSeconds, "s"));
        results.Add(new Result("scale", "all pods bound (by the scheduler)", (allBound ?? elapsed).TotalSeconds, "s"));
        var met = elapsed.TotalSeconds < BringUpTarget;
        results.Add(new Result("scale", $"all {o.Pods:N0} pods Running", elapsed.TotalSeconds, "s", $"< {BringUpTarget:0} s", met,
            "from the first Deployment create"));
        Console.WriteLine($"  bring-up target (< {BringUpTarget:0} s): {(met ? "PASS" : "MISS")}");
        results.Add(new Result("scale", "pods Running per second (bring-up)", o.Pods / elapsed.TotalSeconds, "pods/s"));
        results.Add(new Result("scale", "CPU during bring-up", used.TotalSeconds / elapsed.TotalSeconds, "cores", Note: $"{used.TotalSeconds:0} s CPU"));
        results.Add(new Result("scale", "GC pause during bring-up", (GcPause() - gcBefore).TotalSeconds, "s"));
        results.Add(new Result("scale", "writes committed (resourceVersion advance)", cluster.Operations.Store.CurrentResourceVersion, "writes"));
        return (elapsed, true);
    }

    private static async Task Steady(SimulatedCluster cluster, ClusterProbe probe, ScaleBenchOptions o, ResultSet results)
    {
        Console.WriteLine($"\n[steady] settling {o.SettleSeconds:0} s, then measuring process CPU for {o.SteadySeconds:0} s ...");
        await Task.Delay(TimeSpan.FromSeconds(o.SettleSeconds));
        var rvBefore = cluster.Operations.Store.CurrentResourceVersion;
        var gcBefore = GcPause();
        var cpu = ProcessCpu.Start();
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(o.SteadySeconds));
        var used = cpu.Elapsed();
        var wall = clock.Elapsed;
        var cores = used.TotalSeconds / wall.TotalSeconds;
        var writes = cluster.Operations.Store.CurrentResourceVersion - rvBefore;
        var met = cores < SteadyCoreTarget;
        results.Add(new Result("steady", "process CPU, idle cluster heartbeating", cores, "cores", $"< {SteadyCoreTarget:0} core", met,
            $"Process.TotalProcessorTime over {wall.TotalSeconds:0} s"));
        Console.WriteLine($"  steady-state CPU target (< {SteadyCoreTarget:0} core): {(met ? "PASS" : "MISS")}");
        results.Add(new Result("steady", "writes per second (Leases, node status)", writes / wall.TotalSeconds, "writes/s"));
        results.Add(new Result("steady", "GC pause in the window", (GcPause() - gcBefore).TotalSeconds, "s"));
        var c = probe.CountPods();
        results.Add(new Result("steady", "pods Running at the end of the window", c.Running, "pods"));
        results.Add(new Result("steady", "managed heap", GC.GetTotalMemory(false) / (1024.0 * 1024), "MiB", Note: "without a forced collection"));
        using var self = Process.GetCurrentProcess();
        results.Add(new Result("steady", "working set", self.WorkingSet64 / (1024.0 * 1024), "MiB"));
    }

    /// <summary>
    /// Deletes Running pods at <paramref name="rate"/> a second; their ReplicaSets replace them. Reports how many
    /// replacements reached Running per second during the phase, and how long the cluster took to get every pod
    /// Running again afterwards.
    /// </summary>
    private static async Task Churn(SimulatedCluster cluster, ClusterProbe probe, ScaleBenchOptions o, int rate, ResultSet results)
    {
        Console.WriteLine($"\n[churn] deleting {rate}/s Running pods for {o.ChurnSeconds:0} s ...");
        var ops = cluster.Operations;
        var before = probe.RunningUids();
        var victims = before.Keys.ToArray();
        Random.Shared.Shuffle(victims);
        var cpu = ProcessCpu.Start();
        var clock = Stopwatch.StartNew();
        var deleted = 0;
        var next = 0;
        var window = TimeSpan.FromSeconds(o.ChurnSeconds);
        while (clock.Elapsed < window && next < victims.Length)
        {
            var due = (int)Math.Min(victims.Length, clock.Elapsed.TotalSeconds * rate);
            while (deleted < due && next < victims.Length)
            {
                var (ns, name) = before[victims[next++]];
                try
                {
                    ops.Delete(probe.PodType, ns, name, new DeleteOptions());
                    deleted++;
                }
                catch (ApiException)
                {
                }
            }
            await Task.Delay(10);
        }
        var phase = clock.Elapsed;
        var replaced = probe.CountReplacements(before);
        var used = cpu.Elapsed();
        var sustained = replaced / phase.TotalSeconds;
        results.Add(new Result("churn", $"deletions at {rate}/s: pods deleted", deleted, "pods", Note: $"in {phase.TotalSeconds:0} s"));
        results.Add(new Result("churn", $"deletions at {rate}/s: replacements Running per second", sustained, "pods/s",
            Note: $"{replaced:N0} new pods Running by the end of the phase; {(deleted - replaced):N0} behind"));
        results.Add(new Result("churn", $"deletions at {rate}/s: process CPU", used.TotalSeconds / phase.TotalSeconds, "cores"));
        var recovery = Stopwatch.StartNew();
        await WaitFor(() => probe.CountPods().Running >= o.Pods && probe.CountPods().Total == o.Pods, TimeSpan.FromSeconds(o.TimeoutSeconds), "all pods Running again");
        results.Add(new Result("churn", $"deletions at {rate}/s: all pods Running again after the phase", recovery.Elapsed.TotalSeconds, "s"));
    }

    private static async Task WaitFor(Func<bool> condition, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit) throw new TimeoutException($"{what}: not reached within {limit.TotalSeconds:0} s");
            await Task.Delay(250);
        }
    }

    private static TimeSpan GcPause() => GC.GetTotalPauseDuration();

    private static string Namespace(int n) => string.Create(CultureInfo.InvariantCulture, $"scale-{n:000}");

    /// <summary>A Deployment as a user would write it: small requests, so 30 pods fit a default node (4 cpu, 16Gi).</summary>
    private static JsonObject Deployment(string name, int replicas) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = name } },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name, ["tier"] = "web" } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "app",
                        ["image"] = "registry.example.com/web:1.0",
                        ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 8080 }),
                        ["resources"] = new JsonObject
                        {
                            ["requests"] = new JsonObject { ["cpu"] = "50m", ["memory"] = "64Mi" },
                            ["limits"] = new JsonObject { ["memory"] = "128Mi" },
                        },
                    }),
                },
            },
        },
    };

    /// <summary>Reads the cluster's state from the store directly (no HTTP), so observing costs little next to the cluster.</summary>
    private sealed class ClusterProbe(SimulatedCluster cluster)
    {
        private readonly ResourceType _nodes = cluster.Operations.Registry.Find("", "v1", "nodes")!;
        public ResourceType PodType { get; } = cluster.Operations.Registry.Find("", "v1", "pods")!;

        public int ReadyNodes()
        {
            var ready = 0;
            foreach (var node in cluster.Operations.Store.List(_nodes.StorageKey, null, null).Items)
            {
                using var doc = JsonDocument.Parse(node.Json);
                if (doc.RootElement.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions))
                    foreach (var c in conditions.EnumerateArray())
                        if (c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True") ready++;
            }
            return ready;
        }

        private int _total, _bound, _running;

        /// <summary>Follows pod commits to keep the counts: listing 150,000 pods several times a second would itself
        /// allocate megabytes on the large object heap each time and trigger full collections.</summary>
        public void Follow() => cluster.Operations.Committed += (type, change) =>
        {
            if (!ReferenceEquals(type, PodType) && type.StorageKey != PodType.StorageKey || type.View is not null) return;
            var (total, bound, running) = change.Type == Vigil.Cluster.Storage.WatchEventType.Deleted ? (-1, -Bound(change.Object), -Running(change.Object))
                : change.Previous is null ? (change.Type == Vigil.Cluster.Storage.WatchEventType.Added ? 1 : 0, Bound(change.Object), Running(change.Object))
                : (0, Bound(change.Object) - Bound(change.Previous), Running(change.Object) - Running(change.Previous));
            if (total != 0) Interlocked.Add(ref _total, total);
            if (bound != 0) Interlocked.Add(ref _bound, bound);
            if (running != 0) Interlocked.Add(ref _running, running);
        };

        private static int Bound(Vigil.Cluster.Storage.StoredObject pod) => pod.Fields.GetValueOrDefault("spec.nodeName") is { Length: > 0 } ? 1 : 0;

        private static int Running(Vigil.Cluster.Storage.StoredObject pod) => pod.Fields.GetValueOrDefault("status.phase") == "Running" ? 1 : 0;

        public (int Total, int Bound, int Running) CountPods() => (Volatile.Read(ref _total), Volatile.Read(ref _bound), Volatile.Read(ref _running));

        /// <summary>The same counts from a full list (a check of the followed ones).</summary>
        public (int Total, int Bound, int Running) ListPods()
        {
            int total = 0, bound = 0, running = 0;
            foreach (var pod in cluster.Operations.Store.List(PodType.StorageKey, null, null).Items)
            {
                total++;
                bound += Bound(pod);
                running += Running(pod);
            }
            return (total, bound, running);
        }

        public Dictionary<string, (string Ns, string Name)> RunningUids()
        {
            var result = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
            foreach (var pod in cluster.Operations.Store.List(PodType.StorageKey, null, null).Items)
                if (pod.Fields.GetValueOrDefault("status.phase") == "Running") result[pod.Uid] = (pod.Namespace!, pod.Name);
            return result;
        }

        /// <summary>Running pods that were not there before the phase.</summary>
        public int CountReplacements(Dictionary<string, (string Ns, string Name)> before)
        {
            var n = 0;
            foreach (var pod in cluster.Operations.Store.List(PodType.StorageKey, null, null).Items)
                if (!before.ContainsKey(pod.Uid) && pod.Fields.GetValueOrDefault("status.phase") == "Running") n++;
            return n;
        }
    }

    /// <summary>Commits by resource, from the API's change notifications (what the cluster's components wrote).</summary>
    private sealed class WriteCounter
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

        public WriteCounter(SimulatedCluster cluster) =>
            cluster.Operations.Committed += (type, _) => _counts.AddOrUpdate(type.Plural, 1, (_, n) => n + 1);

        public void Reset() => _counts.Clear();

        public Dictionary<string, long> Snapshot() => new(_counts, StringComparer.Ordinal);
    }

    /// <summary>Process CPU time (all threads, user and kernel) since a start.</summary>
    private readonly struct ProcessCpu
    {
        private readonly TimeSpan _start;

        private ProcessCpu(TimeSpan start) => _start = start;

        public static ProcessCpu Start() => new(Now());

        public TimeSpan Elapsed() => Now() - _start;

        private static TimeSpan Now()
        {
            using var self = Process.GetCurrentProcess();
            return self.TotalProcessorTime;
        }
    }
}
