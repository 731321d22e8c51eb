using System.Diagnostics;
using System.Globalization;
using System.Text;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Models;
using Vigil.Operator.Sharding;

namespace Vigil.Bench.Sharding;

/// <summary>
/// Rebalance and failover of sharded `vigil run` processes against a simulated cluster, timed from the cluster's side (what
/// `vigil status` would show): a replica joining, one leaving cleanly, the leader killed.
/// </summary>
internal static class ShardingBenchmark
{
    private const string SystemNamespace = "vigil-system";

    public const string Help = """
        sharding benchmark: `vigil run` processes with operator.sharding on, against a simulated cluster in this process.
          --namespaces N     namespaces to split (500)
          --pods N           pods spread over them, Running (20000)
          --lease S          leaseDuration seconds (15; renewDeadline 10, retryPeriod 2 as by default)
          --runs N           join/leave cycles measured (3)
        Measures: join (2 → 3 replicas: from the new replica's member Lease appearing to every namespace assigned and every
        replica having applied the map), leave (3 → 2 on SIGTERM: from the signal to the same), failover (SIGKILL of the leader:
        to a new leader Lease holder, and to its namespaces assigned again). Target: rebalance under 5 s.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        int namespaces = 500, pods = 20_000, runs = 3;
        double lease = 15;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--namespaces": namespaces = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--pods": pods = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--lease": lease = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--help" or "-h": Console.WriteLine(Help); return 0;
                default: Console.Error.WriteLine($"unknown option {args[i]}\n{Help}"); return 2;
            }
        }
        var vigil = Path.Combine(AppContext.BaseDirectory, "vigil.dll");
        if (!File.Exists(vigil)) throw new FileNotFoundException("vigil.dll is not next to the benchmark (build bench/Vigil.Bench)", vigil);
        var dir = Directory.CreateTempSubdirectory("vigil-bench-sharding").FullName;
        await using var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Speed = 1, Nodes = Math.Max(3, pods / 100 + 1) });
        var kubeconfig = Path.Combine(dir, "kubeconfig");
        cluster.WriteKubeconfig(kubeconfig);
        using var client = new KubernetesClient(KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = [kubeconfig] }, TimeProvider.System) with { Qps = 0 });
        Console.WriteLine($"[setup] {namespaces} namespaces, {pods:N0} pods, lease {lease} s");
        Fill(cluster, namespaces, pods);
        var config = Path.Combine(dir, "vigil.yaml");
        var renew = Math.Round(lease * 2 / 3, 1);
        var retry = Math.Round(lease * 2 / 15, 1);
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
            apiVersion: vigil.io/v1alpha1
            kind: VigilConfig
            sinks: {"{"}log: {"{"}enabled: false{"}"}, kubernetesEvents: {"{"}enabled: false{"}"}{"}"}
            operator:
              namespace: {SystemNamespace}
              customResources: false
              sharding: {"{"}enabled: true, leaseDuration: {lease}s, renewDeadline: {renew}s, retryPeriod: {retry}s{"}"}
            """));

        var processes = new Dictionary<string, Process>(StringComparer.Ordinal);
        Process Start(string name)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.Environment["POD_NAME"] = name;
            psi.Environment["DOTNET_gcServer"] = "1";
            foreach (var a in new[] { vigil, "run", "--kubeconfig", kubeconfig, "--config", config, "--metrics-address", "127.0.0.1:0", "--log-level", "warning" }) psi.ArgumentList.Add(a);
            var p = Process.Start(psi)!;
            p.OutputDataReceived += (_, _) => { };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  [{name}] {e.Data}"); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            processes[name] = p;
            return p;
        }
        try
        {
            var startup = Stopwatch.StartNew();
            Start("vigil-a");
            await Settled(client, ["vigil-a"], namespaces);
            Console.WriteLine($"[start] one replica watching all {namespaces} namespaces {startup.Elapsed.TotalSeconds:F1} s after its process started");
            Start("vigil-b");
            await Settled(client, ["vigil-a", "vigil-b"], namespaces);

            var joins = new List<double>();
            var leaves = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                var name = $"vigil-c{run}";
                Start(name);
                await Until(async () => (await ClusterStatus.ReadAsync(client, SystemNamespace, TimeProvider.System)).Members.Any(m => m.Identity == name && m.Live), "the new member Lease", 120);
                var joined = Stopwatch.StartNew();
                await Settled(client, ["vigil-a", "vigil-b", name], namespaces);
                joins.Add(joined.Elapsed.TotalSeconds);
                var left = Stopwatch.StartNew();
                using (var kill = Process.Start("kill", ["-TERM", processes[name].Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
                await Settled(client, ["vigil-a", "vigil-b"], namespaces);
                leaves.Add(left.Elapsed.TotalSeconds);
                await processes[name].WaitForExitAsync();
                Console.WriteLine($"[run {run + 1}] join 2 → 3: {joins[^1]:F2} s, leave 3 → 2: {leaves[^1]:F2} s");
            }

            var leader = (await ClusterStatus.ReadAsync(client, SystemNamespace, TimeProvider.System)).Leader!.Identity;
            var survivor = leader == "vigil-a" ? "vigil-b" : "vigil-a";
            processes[leader].Kill(entireProcessTree: true);
            var failover = Stopwatch.StartNew();
            await Until(async () => (await client.Resource<Lease>().GetAsync(ShardProtocol.LeaderLease, SystemNamespace)).Spec?.HolderIdentity == survivor, "a new leader", 120);
            var newLeader = failover.Elapsed.TotalSeconds;
            await Settled(client, [survivor], namespaces);
            var reassigned = failover.Elapsed.TotalSeconds;
            Console.WriteLine();
            Console.WriteLine($"| measure | result | target |");
            Console.WriteLine($"|---|---|---|");
            Console.WriteLine($"| join 2 → 3 replicas, {namespaces} namespaces (median of {runs}) | {Median(joins):F2} s (all: {string.Join(", ", joins.Select(j => j.ToString("F2", CultureInfo.InvariantCulture)))}) | < 5 s |");
            Console.WriteLine($"| leave 3 → 2 on SIGTERM (median of {runs}) | {Median(leaves):F2} s (all: {string.Join(", ", leaves.Select(j => j.ToString("F2", CultureInfo.InvariantCulture)))}) | < 5 s |");
            Console.WriteLine($"| leader killed → new leader | {newLeader:F2} s | ≤ lease {lease} s + retry {retry} s |");
            Console.WriteLine($"| leader killed → its namespaces assigned and applied | {reassigned:F2} s | |");
            return 0;
        }
        finally
        {
            foreach (var p in processes.Values)
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.Dispose();
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static void Fill(SimulatedCluster cluster, int namespaces, int pods)
    {
        var yaml = new StringBuilder($"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {SystemNamespace}}}\n");
        for (var n = 0; n < namespaces; n++) yaml.Append(CultureInfo.InvariantCulture, $"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: team-{n:D4}}}\n");
        cluster.Apply(yaml.ToString());
        for (var start = 0; start < pods; start += 1_000)
        {
            yaml.Clear();
            for (var p = start; p < Math.Min(pods, start + 1_000); p++)
                yaml.Append(CultureInfo.InvariantCulture, $"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: app-{p}, namespace: team-{p % namespaces:D4}, labels: {{app: app}}}}\nspec:\n  containers: [{{name: app, image: app:1}}]\n");
            cluster.Apply(yaml.ToString());
        }
    }

    /// <summary>Every namespace assigned among exactly <paramref name="members"/>, nothing pending, every live member on the map's epoch.</summary>
    private static Task Settled(KubernetesClient client, string[] members, int namespaces) => Until(async () =>
    {
        var status = await ClusterStatus.ReadAsync(client, SystemNamespace, TimeProvider.System);
        var live = status.Members.Where(m => m.Live).Select(m => m.Identity).Order(StringComparer.Ordinal).ToList();
        return status.Shards is { Pending.Count: 0, MembersBehind.Count: 0 } shards && shards.NamespacesAssigned >= namespaces
            && live.SequenceEqual(members.Order(StringComparer.Ordinal)) && status.Members.Where(m => m.Live).All(m => m.EpochApplied == status.Epoch)
            && members.All(m => shards.PerMember.GetValueOrDefault(m) > 0) && shards.PerMember.Keys.All(members.Contains);
    }, $"a settled map over {string.Join(", ", members)}", 300);

    private static async Task Until(Func<Task<bool>> probe, string what, double seconds)
    {
        var deadline = Stopwatch.StartNew();
        while (!await probe())
        {
            if (deadline.Elapsed.TotalSeconds > seconds) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(25);
        }
    }
}
