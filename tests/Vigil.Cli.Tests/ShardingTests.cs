using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Cli.Tests.Support;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Operator.Sharding;
using Vigil.Operator.Tests.Support;
using Xunit.Abstractions;

namespace Vigil.Cli.Tests;

/// <summary>
/// Three `vigil run` processes sharing one simulated cluster of 300 namespaces over HTTP, scaled 1 → 3 → (leader killed)
/// → 1 while faults keep coming: every fault must be delivered exactly once, whoever watches its namespace at the time.
/// </summary>
public sealed class ShardingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string SystemNamespace = "vigil-system";
    private const int NamespaceCount = 300;
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromMilliseconds(500);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-sharding-tests", Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<string> _delivered = new();
    private readonly List<VigilProcess> _replicas = [];
    private SimulatedCluster _cluster = null!;
    private KubernetesClient _client = null!;
    private WebApplication _receiver = null!;
    private string _kubeconfig = "";
    private string _config = "";
    private int _faults;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Speed = 1, Nodes = 4 });
        _kubeconfig = Path.Combine(_dir, "kubeconfig");
        _cluster.WriteKubeconfig(_kubeconfig);
        _client = new KubernetesClient(KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = [_kubeconfig] }, TimeProvider.System));
        var namespaces = new StringBuilder($"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {SystemNamespace}}}\n");
        for (var i = 0; i < NamespaceCount; i++) namespaces.Append($"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {Ns(i)}}}\n");
        _cluster.Apply(namespaces.ToString());

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        _receiver = builder.Build();
        _receiver.MapPost("/", async (HttpRequest request) =>
        {
            var body = await JsonNode.ParseAsync(request.Body);
            var resource = body!["incident"]!["primaryResource"]!;
            _delivered.Enqueue($"{resource["namespace"]}/{resource["name"]}");
            return Results.Ok();
        });
        await _receiver.StartAsync();
        var url = _receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        _config = Path.Combine(_dir, "vigil.yaml");
        await File.WriteAllTextAsync(_config, $"""
            apiVersion: vigil.io/v1alpha1
            kind: VigilConfig
            detectors:
              ImagePullFailure: {"{"}threshold: 0s{"}"}
              NodePressure: {"{"}threshold: 0s{"}"}
            correlation: {"{"}window: 0s{"}"}
            sinks:
              log: {"{"}enabled: false{"}"}
              kubernetesEvents: {"{"}enabled: false{"}"}
              webhooks:
              - {"{"}name: receiver, url: "{url}/", allowHttp: true, allowPrivateAddresses: true, minSeverity: info{"}"}
            operator:
              namespace: {SystemNamespace}
              customResources: false
              rescanInterval: 1s
              shutdownTimeout: 20s
              sharding: {"{"}enabled: true, leaseDuration: 3s, renewDeadline: 2s, retryPeriod: 500ms{"}"}
            """);
    }

    public async Task DisposeAsync()
    {
        foreach (var r in _replicas) r.Dispose();
        await _receiver.DisposeAsync();
        _client.Dispose();
        await _cluster.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Ns(int i) => $"team-{i:D3}";

    private VigilProcess StartReplica(string name)
    {
        var replica = new VigilProcess(new Dictionary<string, string> { ["POD_NAME"] = name },
            "run", "--kubeconfig", _kubeconfig, "--config", _config, "--metrics-address", "127.0.0.1:0");
        _replicas.Add(replica);
        return replica;
    }

    private async Task<ShardMap?> MapAsync()
    {
        var map = await _client.Resource<ConfigMap>().TryGetAsync(ShardProtocol.ShardMapName, SystemNamespace);
        return map?.Data is { } data && data.TryGetValue(ShardProtocol.ShardMapKey, out var json) ? ShardMap.Parse(json) : null;
    }

    /// <summary>Waits until the map assigns every namespace among exactly <paramref name="members"/> and each has applied it.</summary>
    private async Task<ShardMap> SettledAsync(params string[] members)
    {
        ShardMap? settled = null;
        await Until(async () =>
        {
            var map = await MapAsync();
            if (map is null || map.Pending.Count > 0 || !map.Members.Order().SequenceEqual(members.Order()) || map.Namespaces.Count < NamespaceCount) return false;
            var leases = (await _client.Resource<Lease>().ListAsync(SystemNamespace, new() { LabelSelector = ShardProtocol.MemberLabel })).Items;
            var applied = leases.ToDictionary(l => l.Spec!.HolderIdentity!, l => long.Parse(l.Metadata.Annotations![ShardProtocol.AppliedEpochAnnotation], System.Globalization.CultureInfo.InvariantCulture));
            if (!members.All(m => applied.GetValueOrDefault(m) == map.Epoch)) return false;
            settled = map;
            return true;
        }, $"a settled shard map over {string.Join(", ", members)}");
        return settled!;
    }

    /// <summary>A pod whose image cannot be pulled, in each of <paramref name="namespaces"/>; returns their keys.</summary>
    private List<string> Inject(IEnumerable<string> namespaces)
    {
        var keys = new List<string>();
        var yaml = new StringBuilder();
        foreach (var ns in namespaces)
        {
            var name = $"pull-{Interlocked.Increment(ref _faults)}";
            yaml.Append($"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  containers: [{{name: app, image: registry.invalid/app:{name}}}]\n");
            keys.Add($"{ns}/{name}");
        }
        _cluster.Apply(yaml.ToString());
        return keys;
    }

    private async Task DeliveredAsync(IReadOnlyCollection<string> expected, string what)
    {
        await Until(() => Task.FromResult(expected.All(_delivered.Contains)),
            $"{what}: {expected.Count(e => !_delivered.Contains(e))} of {expected.Count} not delivered");
    }

    private async Task Until(Func<Task<bool>> probe, string what, int seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await probe())
        {
            if (DateTime.UtcNow > deadline)
            {
                foreach (var r in _replicas)
                {
                    output.WriteLine($"--- {r.Process.StartInfo.Environment["POD_NAME"]} ---");
                    foreach (var line in r.Stdout.Concat(r.Stderr).TakeLast(200)) output.WriteLine(line);
                }
                output.WriteLine("--- map --- " + (await MapAsync())?.ToJson()[..Math.Min(2000, (await MapAsync())?.ToJson().Length ?? 0)]);
                throw new TimeoutException($"timed out waiting for {what}");
            }
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Every_fault_is_delivered_exactly_once_while_replicas_scale_1_3_1_and_the_leader_is_killed()
    {
        // A cluster-scoped fault for the leader's detectors, on a node the pods then stay off (its pressure taints it).
        await _client.Resource<Node>().PatchAsync("node-4", Patch.Merge("""{"metadata":{"annotations":{"sim.vigil.io/condition":"PIDPressure"}}}"""));
        var expected = new List<string> { "/node-4" };
        var a = StartReplica("vigil-a");
        await SettledAsync("vigil-a");
        expected.AddRange(Inject(Enumerable.Range(0, 30).Select(i => Ns(i * 10))));
        await DeliveredAsync(expected, "wave 1 (one replica)");

        // Scale to three: two joins, each taking about a third, handed over in two steps while faults keep coming.
        var joining = Stopwatch.StartNew();
        StartReplica("vigil-b");
        StartReplica("vigil-c");
        expected.AddRange(Inject(Enumerable.Range(0, 30).Select(i => Ns(i * 10 + 1))));
        var three = await SettledAsync("vigil-a", "vigil-b", "vigil-c");
        output.WriteLine($"1 → 3 replicas settled in {joining.Elapsed.TotalSeconds:F1} s (processes starting included)");
        foreach (var m in three.Members) three.NamespacesOf(m).Count().ShouldBeInRange(60, 140, $"{m}'s share of {NamespaceCount}");
        expected.AddRange(Inject(Enumerable.Range(0, 30).Select(i => Ns(i * 10 + 2))));
        await DeliveredAsync(expected, "waves 2 and 3 (three replicas)");

        // Kill the leader: faults in its namespaces appear while nobody watches them, and must be caught after failover.
        var leaderLease = await _client.Resource<Lease>().GetAsync(ShardProtocol.LeaderLease, SystemNamespace);
        var leader = leaderLease.Spec!.HolderIdentity!;
        var victim = _replicas.Single(r => r.Process.StartInfo.Environment["POD_NAME"] == leader);
        var orphaned = three.NamespacesOf(leader).Take(20).ToList();
        // The guarantee across a crash covers what the replica had recorded: its ledger is written right after each
        // delivery, so wait for that write (milliseconds) rather than race it.
        var owned = three.NamespacesOf(leader).ToHashSet();
        var recorded = expected.Where(k => owned.Contains(k.Split('/')[0])).Select(k => $"Pod/{k}").ToList();
        await Until(async () =>
        {
            var ledger = await _client.Resource<ConfigMap>().TryGetAsync(IncidentLedger.NamePrefix + leader, SystemNamespace);
            var text = string.Join("\n", ledger?.Data?.Values ?? []);
            return recorded.All(f => text.Contains(f, StringComparison.Ordinal));
        }, "the leader's ledger to hold what it delivered");
        victim.Crash();
        var killed = Stopwatch.StartNew();
        expected.AddRange(Inject(orphaned));
        string? successor = null;
        await Until(async () =>
        {
            var lease = await _client.Resource<Lease>().GetAsync(ShardProtocol.LeaderLease, SystemNamespace);
            successor = lease.Spec?.HolderIdentity;
            return successor is not null && successor != leader;
        }, "a new leader");
        var failover = killed.Elapsed;
        output.WriteLine($"new leader {successor} {failover.TotalSeconds:F1} s after the leader was killed (lease {LeaseDuration.TotalSeconds} s, retry {RetryPeriod.TotalSeconds} s)");
        // Within lease duration + retry period, with a second for this test's polling and the requests themselves.
        failover.ShouldBeLessThan(LeaseDuration + RetryPeriod + TimeSpan.FromSeconds(1));
        var survivors = new[] { "vigil-a", "vigil-b", "vigil-c" }.Where(m => m != leader).ToArray();
        await SettledAsync(survivors);
        await DeliveredAsync(expected, "faults in the killed leader's namespaces");

        // Scale down to one with a clean stop: the leaver's namespaces move at once, with its incidents.
        var leaver = _replicas.Single(r => r.Process.StartInfo.Environment["POD_NAME"] == survivors[0]);
        var leaving = Stopwatch.StartNew();
        leaver.Terminate();
        (await leaver.ExitCodeAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, leaver.Output);
        await SettledAsync(survivors[1]);
        output.WriteLine($"3 → 1: settled {leaving.Elapsed.TotalSeconds:F1} s after SIGTERM (the leaver's drain included)");
        expected.AddRange(Inject(Enumerable.Range(0, 30).Select(i => Ns(i * 10 + 3))));
        await DeliveredAsync(expected, "wave 5 (one replica left)");

        // The survivor took the leaver's namespaces with their open incidents: it detects those faults again, and must
        // recognise them as already delivered (counted) rather than deliver them again.
        var survivor = _replicas.Single(r => r.Process.StartInfo.Environment["POD_NAME"] == survivors[1]);
        var address = survivor.Log.First(l => (int?)l["event"] == 101)["MetricsAddress"]!.GetValue<string>();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        await Until(async () => Exposition.Parse(await http.GetStringAsync("/metrics")).Value("vigil_incidents_duplicate_total") > 0,
            "the survivor to count inherited incidents as duplicates");
        // The runbook's first command agrees: one live replica, the leader, every namespace assigned, nothing needing attention.
        // (The killed leader's Lease counts as live for `vigil status` until its duration and the clock-skew allowance pass.)
        JsonNode? status = null;
        await Until(async () =>
        {
            var (exit, json, _) = await VigilCli.RunAsync(null, ["status", "--kubeconfig", _kubeconfig, "-n", SystemNamespace, "-o", "json"]);
            status = JsonNode.Parse(json);
            return exit == 0 && status!["members"]!.AsArray().Count(m => m!["live"]!.GetValue<bool>()) == 1;
        }, "vigil status to report one healthy replica");
        status!["leader"]!["identity"]!.GetValue<string>().ShouldBe(survivors[1]);
        status["members"]!.AsArray().Single(m => m!["live"]!.GetValue<bool>())!["identity"]!.GetValue<string>().ShouldBe(survivors[1]);

        var counts = _delivered.GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
        foreach (var r in _replicas.Where(_ => counts.Any(c => c.Value > 1)))
            foreach (var line in r.Stdout.Where(l => l.Contains("\"event\":2", StringComparison.Ordinal) || l.Contains("\"event\":4", StringComparison.Ordinal) || l.Contains("\"event\":3", StringComparison.Ordinal)))
                output.WriteLine($"[{r.Process.StartInfo.Environment["POD_NAME"]}] {(line.Length > 300 ? line[..300] : line)}");
        counts.Where(c => c.Value > 1).Select(c => $"{c.Key} ×{c.Value}").ShouldBeEmpty("delivered more than once");
        counts.Keys.Order().ShouldBe(expected.Order(), "delivered faults");
        GC.KeepAlive(a);
    }
}
