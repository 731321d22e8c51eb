using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Bench.Cluster;
using Vigil.Cluster;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Server;

namespace Vigil.Bench.Memory;

/// <summary>Settings of the <c>memory</c> benchmark, from the command line.</summary>
internal sealed class MemoryBenchOptions
{
    /// <summary>Cluster sizes, each at least the previous one (the cluster grows between them): namespaces × pods.</summary>
    public List<(int Namespaces, int Pods)> Sizes { get; } = [(0, 0), (250, 50_000), (500, 50_000), (500, 100_000)];

    public List<string> Caches { get; } = ["full", "projected", "compact"];

    public string Scope { get; set; } = "cluster";

    public string Gc { get; set; } = "server";

    public double EventsPerPod { get; set; } = 0.2;

    public double SettleSeconds { get; set; } = 5;

    public double PoolTrimSeconds { get; set; }

    public int HeapLimitMib { get; set; }

    public double TimeoutSeconds { get; set; } = 600;

    public string Output { get; set; } = "artifacts/bench";

    public const string Help = """
        memory benchmark: memory of one replica's pipeline watching a simulated cluster: full objects, cache projections, compact projections.
        The cluster (API server only, seeded in this process) grows through the sizes; at each size, each cache mode runs in
        a fresh child process (this binary's `memory-pipeline` mode: the DiagnosisPipeline as `vigil run` builds it, over
        HTTPS), which syncs, settles, collects garbage fully and reports its managed heap and RSS. The cluster's own memory
        is in this process and not counted.
          --sizes a,b,...       namespaces x pods, growing (0x0,250x50000,500x50000,500x100000)
          --caches a,b          full, projected (typed projections) and/or compact (projections held as compact
                                documents, what `vigil run` caches) (full,projected,compact)
          --scope S             cluster: one cluster-wide informer per kind (sharding off);
                                namespaces: one informer per namespace and namespaced kind, as a sharded replica
                                assigned every namespace (PipelineOptions.Scope = Assigned)
          --gc S                server (as `vigil` runs) or workstation (server)
          --events-per-pod F    Events in the cluster per pod (0.2)
          --settle S            seconds to wait after sync and an empty work queue before measuring (5)
          --heap-limit M        the pipeline process's GC heap hard limit in MiB, as a container memory limit sets it
                                (75 % of the limit); 0 for none (0)
          --pool-trim S         then a full GC and S seconds more, so the shared array pool can let go of some of the
                                initial lists' large read buffers before the totals are taken (0)
          --out DIR             where results go (artifacts/bench)
        Each Deployment has 10 pods and two ReplicaSets (the current one and the previous revision at 0 replicas); there
        is a node per 100 pods. Objects carry what a real cluster's do: managed fields, kubectl's last-applied annotation on
        Deployments, env, probes, a projected service-account volume, the default tolerations.
        Targets (issue 7): <= 100 KB per namespace and <= 1.5 KB per pod.
        """;

    public static MemoryBenchOptions Parse(string[] args)
    {
        var o = new MemoryBenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--sizes":
                    o.Sizes.Clear();
                    foreach (var s in Next().Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var parts = s.Split('x');
                        if (parts.Length != 2) throw new ArgumentException($"--sizes: \"{s}\" is not namespaces x pods (e.g. 250x50000)");
                        o.Sizes.Add((int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture)));
                    }
                    break;
                case "--caches":
                    o.Caches.Clear();
                    o.Caches.AddRange(Next().Split(',', StringSplitOptions.RemoveEmptyEntries));
                    break;
                case "--scope": o.Scope = Next(); break;
                case "--gc": o.Gc = Next(); break;
                case "--events-per-pod": o.EventsPerPod = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--settle": o.SettleSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--pool-trim": o.PoolTrimSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--heap-limit": o.HeapLimitMib = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--timeout": o.TimeoutSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": o.Output = Next(); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        for (var k = 1; k < o.Sizes.Count; k++)
            if (o.Sizes[k].Namespaces < o.Sizes[k - 1].Namespaces || o.Sizes[k].Pods < o.Sizes[k - 1].Pods)
                throw new ArgumentException("--sizes must grow: the cluster is filled once, size after size");
        if (o.Sizes.Any(s => s.Pods > 0 && s.Namespaces == 0)) throw new ArgumentException("--sizes: pods need at least one namespace");
        if (o.Caches.Any(c => c is not ("full" or "projected" or "compact"))) throw new ArgumentException("--caches: full, projected and/or compact");
        if (o.Scope is not ("cluster" or "namespaces")) throw new ArgumentException("--scope: cluster or namespaces");
        if (o.Gc is not ("server" or "workstation")) throw new ArgumentException("--gc: server or workstation");
        return o;
    }
}

/// <summary>
/// Issue 7's memory benchmark: one replica's memory by cluster size, with the informers caching full objects or the
/// pipeline's projections, fitted to "base + per namespace + per pod".
/// </summary>
internal static class MemoryBenchmark
{
    private const double NamespaceTargetKb = 100, PodTargetKb = 1.5;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(MemoryBenchOptions.Help);
            return 0;
        }
        MemoryBenchOptions o;
        try
        {
            o = MemoryBenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(MemoryBenchOptions.Help);
            return 2;
        }
        var results = new ResultSet();
        MachineInfo.Describe(results.Environment);
        results.Environment["settings"] = string.Create(CultureInfo.InvariantCulture,
            $"sizes={string.Join(",", o.Sizes.Select(s => $"{s.Namespaces}x{s.Pods}"))}, scope={o.Scope}, child GC={o.Gc}, events/pod={o.EventsPerPod}, settle={o.SettleSeconds}s");
        foreach (var (k, v) in results.Environment) Console.WriteLine($"{k}: {v}");
        var total = Stopwatch.StartNew();

        await using var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vigil-bench-memory-{Environment.ProcessId}.kubeconfig");
        cluster.WriteKubeconfig(kubeconfig);
        var seeder = new Seeder(cluster, o.EventsPerPod);
        var measured = new List<(int Namespaces, int Pods, string Cache, Measurement M)>();
        try
        {
            foreach (var (namespaces, pods) in o.Sizes)
            {
                var seed = Stopwatch.StartNew();
                seeder.GrowTo(namespaces, pods);
                Console.WriteLine($"\n[{namespaces} namespaces, {pods:N0} pods] cluster seeded in {seed.Elapsed.TotalSeconds:F1} s: {seeder.Describe()}");
                foreach (var cache in o.Caches)
                {
                    var m = await MeasureChildAsync(kubeconfig, cache, o);
                    measured.Add((namespaces, pods, cache, m));
                    Console.WriteLine($"  {cache,-9}: heap {Mib(m.HeapBytes),8:F1} MiB, RSS {Mib(m.RssBytes),8:F1} MiB (informers synced in {m.SyncSeconds:F1} s)");
                    results.Add(new Result("memory", $"{cache}: {namespaces} ns, {pods:N0} pods: managed heap after full GC", Mib(m.HeapBytes), "MiB"));
                    results.Add(new Result("memory", $"{cache}: {namespaces} ns, {pods:N0} pods: RSS", Mib(m.RssBytes), "MiB", Note: $"sync {m.SyncSeconds:F1} s"));
                }
            }
        }
        finally
        {
            File.Delete(kubeconfig);
        }

        Console.WriteLine();
        foreach (var cache in o.Caches)
        {
            var points = measured.Where(x => x.Cache == cache).ToList();
            foreach (var (what, value) in new (string, Func<Measurement, double>)[] { ("managed heap", m => m.HeapBytes), ("RSS", m => m.RssBytes) })
            {
                if (Fit(points.Select(p => (p.Namespaces, p.Pods, value(p.M))).ToList()) is not { } fit)
                {
                    Console.WriteLine($"{cache} {what}: the sizes do not separate namespaces from pods (need three sizes, not on one line)");
                    continue;
                }
                var line = $"{cache} {what}: {Mib(fit.Base):F1} MiB base + {fit.PerNamespace / 1024:F1} KiB per namespace + {fit.PerPod:F0} B per pod (largest residual {Mib(fit.MaxResidual):F1} MiB)";
                Console.WriteLine(line);
                results.Add(new Result("memory", $"{cache} {what}: base", Mib(fit.Base), "MiB", Note: "least-squares fit over the sizes"));
                results.Add(new Result("memory", $"{cache} {what}: per namespace", fit.PerNamespace / 1024, "KiB", $"<= {NamespaceTargetKb} KB",
                    Judged(cache, what) ? fit.PerNamespace <= NamespaceTargetKb * 1000 : null));
                results.Add(new Result("memory", $"{cache} {what}: per pod", fit.PerPod, "B", $"<= {PodTargetKb} KB",
                    Judged(cache, what) ? fit.PerPod <= PodTargetKb * 1000 : null, $"largest residual {Mib(fit.MaxResidual):F1} MiB"));
            }
        }
        results.Environment["load at end (1/5/15 min)"] = MachineInfo.Load();
        results.Environment["suite time"] = $"{total.Elapsed.TotalSeconds:0} s";
        results.PrintTable();
        var (json, md) = results.Write(o.Output, "memory");
        Console.WriteLine($"\nwrote {json} and {md}");
        return 0;
    }

    private static double Mib(double bytes) => bytes / (1024 * 1024);

    /// <summary>
    /// The targets are judged on what `vigil run` caches (compact) and on the managed heap; resident memory with server GC
    /// also carries the free space the GC keeps, which is reported next to it.
    /// </summary>
    private static bool Judged(string cache, string what) => cache == "compact" && what == "managed heap";

    /// <summary>
    /// Least squares of memory = base + a × namespaces + b × pods. Null when the sizes cannot tell namespaces from pods
    /// (fewer than three, or all on one line through the same ratio).
    /// </summary>
    internal static (double Base, double PerNamespace, double PerPod, double MaxResidual)? Fit(IReadOnlyList<(int Namespaces, int Pods, double Value)> points)
    {
        if (points.Count < 3) return null;
        // Normal equations (XᵀX) β = Xᵀy for X = [1, ns, pods].
        var m = new double[3, 4];
        foreach (var (ns, pods, y) in points)
        {
            double[] x = [1, ns, pods];
            for (var r = 0; r < 3; r++)
            {
                for (var c = 0; c < 3; c++) m[r, c] += x[r] * x[c];
                m[r, 3] += x[r] * y;
            }
        }
        for (var col = 0; col < 3; col++)
        {
            var pivot = Enumerable.Range(col, 3 - col).MaxBy(r => Math.Abs(m[r, col]));
            if (Math.Abs(m[pivot, col]) < 1e-9 * Math.Max(1, Math.Abs(m[0, 0]))) return null;
            for (var c = 0; c < 4; c++) (m[col, c], m[pivot, c]) = (m[pivot, c], m[col, c]);
            for (var r = 0; r < 3; r++)
            {
                if (r == col) continue;
                var f = m[r, col] / m[col, col];
                for (var c = col; c < 4; c++) m[r, c] -= f * m[col, c];
            }
        }
        var (b0, b1, b2) = (m[0, 3] / m[0, 0], m[1, 3] / m[1, 1], m[2, 3] / m[2, 2]);
        // A singular system that slipped through the pivot check shows as a wild coefficient; the residuals say so.
        var residual = points.Max(p => Math.Abs(p.Value - (b0 + b1 * p.Namespaces + b2 * p.Pods)));
        return (b0, b1, b2, residual);
    }

    /// <summary>What a child reported.</summary>
    internal sealed record Measurement(long HeapBytes, long RssBytes, double SyncSeconds);

    private static async Task<Measurement> MeasureChildAsync(string kubeconfig, string cache, MemoryBenchOptions o)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Run as `dotnet Vigil.Bench.dll` or as the apphost, whichever started this process.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in new[] { "memory-pipeline", "--kubeconfig", kubeconfig, "--cache", cache, "--scope", o.Scope, "--settle", o.SettleSeconds.ToString(CultureInfo.InvariantCulture), "--pool-trim", o.PoolTrimSeconds.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        start.Environment["DOTNET_gcServer"] = o.Gc == "server" ? "1" : "0";
        // What a container memory limit does to the GC: its heap hard limit (75 % of the container's limit by default).
        if (o.HeapLimitMib > 0) start.Environment["DOTNET_GCHeapHardLimit"] = "0x" + ((long)o.HeapLimitMib << 20).ToString("X", CultureInfo.InvariantCulture);
        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the pipeline process");
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = child.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(o.TimeoutSeconds));
        try
        {
            await child.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException($"the pipeline process did not report within {o.TimeoutSeconds:0} s");
        }
        var line = (await stdout).Split('\n').FirstOrDefault(l => l.StartsWith(MemoryPipelineChild.ResultPrefix, StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"the pipeline process failed (exit {child.ExitCode}): {await stderr}");
        return JsonSerializer.Deserialize<Measurement>(line[MemoryPipelineChild.ResultPrefix.Length..], JsonOptions)!;
    }

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Fills the API server as a real cluster is filled: namespaces; Deployments of 10 pods, each with its current
    /// ReplicaSet and the previous revision's (scaled to 0); Running pods bound to nodes (one per 100 pods); some Events.
    /// Writes go through the server's own operations with field managers, so objects carry managed fields as a real API
    /// server's do.
    /// </summary>
    private sealed class Seeder(SimulatedCluster cluster, double eventsPerPod)
    {
        public const int PodsPerDeployment = 10;
        private readonly ResourceOperations _ops = cluster.Operations;
        private readonly ResourceType _ns = cluster.Operations.Registry.Find("", "v1", "namespaces")!;
        private readonly ResourceType _nodes = cluster.Operations.Registry.Find("", "v1", "nodes")!;
        private readonly ResourceType _pods = cluster.Operations.Registry.Find("", "v1", "pods")!;
        private readonly ResourceType _events = cluster.Operations.Registry.Find("", "v1", "events")!;
        private readonly ResourceType _deployments = cluster.Operations.Registry.Find("apps", "v1", "deployments")!;
        private readonly ResourceType _replicaSets = cluster.Operations.Registry.Find("apps", "v1", "replicasets")!;
        private readonly string _started = cluster.Clock.GetUtcNow().AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        private int _namespaces, _nodeCount, _deploymentCount, _podCount, _eventCount;

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"{_namespaces} namespaces, {_nodeCount} nodes, {_deploymentCount:N0} Deployments, {2 * _deploymentCount:N0} ReplicaSets, {_podCount:N0} pods, {_eventCount:N0} Events");

        public void GrowTo(int namespaces, int pods)
        {
            for (; _namespaces < namespaces; _namespaces++)
                _ops.Create(_ns, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = Namespace(_namespaces), ["labels"] = new JsonObject { ["team"] = $"team-{_namespaces % 20}" } } },
                    new WriteOptions { FieldManager = "kubectl-create" });
            for (var needed = (pods + 99) / 100; _nodeCount < needed; _nodeCount++) CreateNode(_nodeCount);
            // New Deployments go round the namespaces, so the pods added at a size are spread over all of them.
            var deployments = pods / PodsPerDeployment;
            var first = _deploymentCount;
            Parallel.For(first, deployments, new ParallelOptions { MaxDegreeOfParallelism = 2 }, d => CreateDeployment(d, Namespace(d % _namespaces)));
            _deploymentCount = Math.Max(_deploymentCount, deployments);
            _podCount = _deploymentCount * PodsPerDeployment;
            var events = (int)(_podCount * eventsPerPod);
            Parallel.For(_eventCount, events, new ParallelOptions { MaxDegreeOfParallelism = 2 }, e => CreateEvent(e));
            _eventCount = Math.Max(_eventCount, events);
        }

        private static string Namespace(int n) => "team-" + n.ToString("D3", CultureInfo.InvariantCulture);

        private static string NodeName(int n) => "node-" + n.ToString("D4", CultureInfo.InvariantCulture);

        private static string DeploymentName(int d) => "app-" + d.ToString("D5", CultureInfo.InvariantCulture);

        private static string Hash(int d, int revision) => (d * 7919 + revision * 104729).ToString("x8", CultureInfo.InvariantCulture)[..8];

        private void CreateNode(int n)
        {
            var name = NodeName(n);
            _ops.Create(_nodes, null, (JsonObject)JsonNode.Parse($$"""
                {"metadata":{"name":"{{name}}","labels":{"kubernetes.io/hostname":"{{name}}","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64",
                   "node.kubernetes.io/instance-type":"m5.2xlarge","topology.kubernetes.io/zone":"zone-{{n % 3}}"} },
                 "spec":{"podCIDR":"10.{{n / 250}}.{{n % 250}}.0/24","providerID":"sim://{{name}}"} }
                """)!, new WriteOptions { FieldManager = "kubelet" });
            _ops.Mutate(_nodes, null, name, node =>
            {
                node["status"] = JsonNode.Parse($$"""
                    {"capacity":{"cpu":"8","memory":"32Gi","pods":"110","ephemeral-storage":"100Gi"},"allocatable":{"cpu":"7910m","memory":"31Gi","pods":"110","ephemeral-storage":"95Gi"},
                     "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status","lastHeartbeatTime":"{{_started}}","lastTransitionTime":"{{_started}}"},
                       {"type":"MemoryPressure","status":"False","reason":"KubeletHasSufficientMemory","lastHeartbeatTime":"{{_started}}","lastTransitionTime":"{{_started}}"},
                       {"type":"DiskPressure","status":"False","reason":"KubeletHasNoDiskPressure","lastHeartbeatTime":"{{_started}}","lastTransitionTime":"{{_started}}"},
                       {"type":"PIDPressure","status":"False","reason":"KubeletHasSufficientPID","lastHeartbeatTime":"{{_started}}","lastTransitionTime":"{{_started}}"}],
                     "addresses":[{"type":"InternalIP","address":"10.0.{{n / 250}}.{{n % 250}}"},{"type":"Hostname","address":"{{name}}"}],
                     "nodeInfo":{"machineID":"{{n:x32}}","systemUUID":"{{n:x32}}","bootID":"{{n:x32}}","kernelVersion":"6.1.0","osImage":"Debian GNU/Linux 12","containerRuntimeVersion":"containerd://1.7.20",
                       "kubeletVersion":"v1.31.0","kubeProxyVersion":"v1.31.0","operatingSystem":"linux","architecture":"amd64"},
                     "images":[{"names":["registry.example.com/shop/web@sha256:{{new string('a', 64)}}","registry.example.com/shop/web:1.4.2"],"sizeBytes":123456789},
                       {"names":["registry.k8s.io/kube-proxy@sha256:{{new string('b', 64)}}","registry.k8s.io/kube-proxy:v1.31.0"],"sizeBytes":30000000}],
                     "daemonEndpoints":{"kubeletEndpoint":{"Port":10250} } }
                    """);
                return true;
            }, "status", "kubelet");
        }

        /// <summary>The pod template as users write it: probes, env, resources, a config volume.</summary>
        private static string Template(string app, string hash) => $$"""
            {"metadata":{"labels":{"app":"{{app}}","tier":"web","pod-template-hash":"{{hash}}"} },
             "spec":{"containers":[{"name":"web","image":"registry.example.com/shop/web:1.4.2","imagePullPolicy":"IfNotPresent",
                "args":["--port=8080","--log-level=info"],"ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],
                "env":[{"name":"APP","value":"{{app}}"},{"name":"LOG_FORMAT","value":"json"},{"name":"DB_HOST","value":"postgres.db.svc.cluster.local"},
                  {"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password"} } },{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"} } }],
                "resources":{"requests":{"cpu":"50m","memory":"64Mi"},"limits":{"memory":"128Mi"} },
                "volumeMounts":[{"name":"config","mountPath":"/etc/web"}],
                "livenessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"periodSeconds":10,"timeoutSeconds":1,"failureThreshold":3,"successThreshold":1},
                "readinessProbe":{"httpGet":{"path":"/ready","port":8080,"scheme":"HTTP"},"periodSeconds":5,"timeoutSeconds":1,"failureThreshold":3,"successThreshold":1},
                "securityContext":{"runAsNonRoot":true,"readOnlyRootFilesystem":true,"allowPrivilegeEscalation":false},
                "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],
              "volumes":[{"name":"config","configMap":{"name":"{{app}}","defaultMode":420} }],
              "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","schedulerName":"default-scheduler",
              "securityContext":{"fsGroup":2000} } }
            """;

        private void CreateDeployment(int d, string ns)
        {
            var app = DeploymentName(d);
            // The Deployment's template has no pod-template-hash: the controller adds it to the ReplicaSet's.
            var deploymentTemplate = Template(app, Hash(d, 2)).Replace($",\"pod-template-hash\":\"{Hash(d, 2)}\"", "", StringComparison.Ordinal);
            var deployment = $$"""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"{{app}}","labels":{"app":"{{app}}"} },
                 "spec":{"replicas":{{PodsPerDeployment}},"selector":{"matchLabels":{"app":"{{app}}"} },"template":{{deploymentTemplate}} } }
                """;
            var body = (JsonObject)JsonNode.Parse(deployment)!;
            // kubectl apply keeps the whole object it applied in an annotation.
            body["metadata"]!["annotations"] = new JsonObject { ["kubectl.kubernetes.io/last-applied-configuration"] = deployment.ReplaceLineEndings("") };
            var created = _ops.Create(_deployments, ns, body, new WriteOptions { FieldManager = "kubectl-client-side-apply" });
            var deploymentUid = created["metadata"]!["uid"]!.GetValue<string>();
            _ops.Mutate(_deployments, ns, app, obj =>
            {
                obj["status"] = JsonNode.Parse($$"""
                    {"observedGeneration":1,"replicas":{{PodsPerDeployment}},"updatedReplicas":{{PodsPerDeployment}},"readyReplicas":{{PodsPerDeployment}},"availableReplicas":{{PodsPerDeployment}},
                     "conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability.","lastUpdateTime":"{{_started}}","lastTransitionTime":"{{_started}}"},
                       {"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable","message":"ReplicaSet \"{{app}}-{{Hash(d, 2)}}\" has successfully progressed.","lastUpdateTime":"{{_started}}","lastTransitionTime":"{{_started}}"}]}
                    """);
                return true;
            }, "status", "kube-controller-manager");

            string? currentUid = null;
            foreach (var (revision, replicas) in new[] { (1, 0), (2, PodsPerDeployment) })
            {
                var name = $"{app}-{Hash(d, revision)}";
                var set = (JsonObject)JsonNode.Parse($$"""
                    {"metadata":{"name":"{{name}}","labels":{"app":"{{app}}","pod-template-hash":"{{Hash(d, revision)}}"},
                      "annotations":{"deployment.kubernetes.io/desired-replicas":"{{PodsPerDeployment}}","deployment.kubernetes.io/max-replicas":"{{PodsPerDeployment + 3}}","deployment.kubernetes.io/revision":"{{revision}}"},
                      "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"{{app}}","uid":"{{deploymentUid}}","controller":true,"blockOwnerDeletion":true}]},
                     "spec":{"replicas":{{replicas}},"selector":{"matchLabels":{"app":"{{app}}","pod-template-hash":"{{Hash(d, revision)}}"} },"template":{{Template(app, Hash(d, revision))}} } }
                    """)!;
                var rs = _ops.Create(_replicaSets, ns, set, new WriteOptions { FieldManager = "kube-controller-manager" });
                _ops.Mutate(_replicaSets, ns, name, obj =>
                {
                    obj["status"] = JsonNode.Parse($$"""{"replicas":{{replicas}},"fullyLabeledReplicas":{{replicas}},"readyReplicas":{{replicas}},"availableReplicas":{{replicas}},"observedGeneration":1}""");
                    return true;
                }, "status", "kube-controller-manager");
                currentUid = rs["metadata"]!["uid"]!.GetValue<string>();
            }
            for (var p = 0; p < PodsPerDeployment; p++) CreatePod(d, p, ns, app, currentUid!);
        }

        private void CreatePod(int d, int p, string ns, string app, string replicaSetUid)
        {
            var hash = Hash(d, 2);
            var name = $"{app}-{hash}-{p:x5}";
            var index = d * PodsPerDeployment + p;
            var node = NodeName(index % Math.Max(1, _nodeCount));
            var pod = (JsonObject)JsonNode.Parse(Template(app, hash))!;
            pod["metadata"]!["name"] = name;
            pod["metadata"]!["generateName"] = $"{app}-{hash}-";
            pod["metadata"]!["ownerReferences"] = JsonNode.Parse($$"""[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"{{app}}-{{hash}}","uid":"{{replicaSetUid}}","controller":true,"blockOwnerDeletion":true}]""");
            var spec = pod["spec"]!.AsObject();
            spec["nodeName"] = node;
            // What admission adds to every pod: the service account token volume and the default tolerations.
            spec["volumes"]!.AsArray().Add(JsonNode.Parse("""
                {"name":"kube-api-access-x7k2p","projected":{"defaultMode":420,"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},
                  {"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}]}}
                """));
            spec["containers"]![0]!["volumeMounts"]!.AsArray().Add(JsonNode.Parse("""{"name":"kube-api-access-x7k2p","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}"""));
            spec["tolerations"] = JsonNode.Parse("""
                [{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},
                 {"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]
                """);
            spec["enableServiceLinks"] = true;
            spec["preemptionPolicy"] = "PreemptLowerPriority";
            spec["priority"] = 0;
            _ops.Create(_pods, ns, pod, new WriteOptions { FieldManager = "kube-controller-manager" });
            _ops.Mutate(_pods, ns, name, obj =>
            {
                obj["status"] = JsonNode.Parse($$"""
                    {"phase":"Running","qosClass":"Burstable","startTime":"{{_started}}","hostIP":"10.0.{{index / 250 % 250}}.{{index % 250}}","hostIPs":[{"ip":"10.0.{{index / 250 % 250}}.{{index % 250}}"}],
                     "podIP":"10.244.{{(index >> 8) & 255}}.{{index & 255}}","podIPs":[{"ip":"10.244.{{(index >> 8) & 255}}.{{index & 255}}"}],
                     "conditions":[{"type":"PodReadyToStartContainers","status":"True","lastTransitionTime":"{{_started}}"},{"type":"Initialized","status":"True","lastTransitionTime":"{{_started}}"},
                       {"type":"Ready","status":"True","lastTransitionTime":"{{_started}}"},{"type":"ContainersReady","status":"True","lastTransitionTime":"{{_started}}"},
                       {"type":"PodScheduled","status":"True","lastTransitionTime":"{{_started}}"}],
                     "containerStatuses":[{"name":"web","ready":true,"started":true,"restartCount":0,"image":"registry.example.com/shop/web:1.4.2",
                       "imageID":"registry.example.com/shop/web@sha256:{{new string('a', 64)}}","containerID":"containerd://{{index:x32}}{{index:x32}}",
                       "state":{"running":{"startedAt":"{{_started}}"} },"lastState":{} }]}
                    """);
                return true;
            }, "status", "kubelet");
        }

        private void CreateEvent(int e)
        {
            var d = e * 5 / PodsPerDeployment % Math.Max(1, _deploymentCount);
            var app = DeploymentName(d);
            var pod = $"{app}-{Hash(d, 2)}-{e % PodsPerDeployment:x5}";
            var (reason, message) = (e % 3) switch
            {
                0 => ("Pulled", "Container image \\\"registry.example.com/shop/web:1.4.2\\\" already present on machine"),
                1 => ("Started", "Started container web"),
                _ => ("Scheduled", $"Successfully assigned {Namespace(d % _namespaces)}/{pod} to {NodeName(e % Math.Max(1, _nodeCount))}"),
            };
            _ops.Create(_events, Namespace(d % _namespaces), (JsonObject)JsonNode.Parse($$"""
                {"metadata":{"name":"{{pod}}.{{e:x16}}"},
                 "involvedObject":{"apiVersion":"v1","kind":"Pod","namespace":"{{Namespace(d % _namespaces)}}","name":"{{pod}}","fieldPath":"spec.containers{web}"},
                 "reason":"{{reason}}","message":"{{message}}","type":"Normal","count":1,"firstTimestamp":"{{_started}}","lastTimestamp":"{{_started}}",
                 "source":{"component":"kubelet","host":"{{NodeName(e % Math.Max(1, _nodeCount))}}"},"reportingComponent":"kubelet","reportingInstance":"{{NodeName(e % Math.Max(1, _nodeCount))}}"}
                """)!, new WriteOptions { FieldManager = "kubelet" });
        }
    }
}
