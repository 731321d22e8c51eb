using System.Text.Json.Nodes;
using Vigil.Cli.Tests.Support;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Models;
using Vigil.Operator.Sharding;

namespace Vigil.Cli.Tests;

/// <summary>
/// `vigil status` reads the member Leases, the leader Lease and the shard map the replicas publish, exactly as they
/// write them (through our client), and tells an SRE who leads, who is stale, what is stuck and what was diagnosed.
/// Each test uses its own operator namespace in one simulated cluster.
/// </summary>
public sealed class StatusCommandTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-cli-tests", Guid.NewGuid().ToString("N"));
    private SimulatedCluster _cluster = null!;
    private KubernetesClient _client = null!;
    private string Kubeconfig => Path.Combine(_dir, "kubeconfig");
    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
        _cluster.WriteKubeconfig(Kubeconfig);
        _client = new KubernetesClient(KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = [Kubeconfig] }, TimeProvider.System));
    }

    [Fact]
    public async Task A_sharded_cluster_shows_the_leader_a_stale_member_the_pending_handover_and_incidents_merged_newest_first()
    {
        const string ns = "ops-sharded";
        await NamespaceAsync(ns);
        await LeaderAsync(ns, "vigil-a", acquired: Now.AddMinutes(-5), renewed: Now);
        await MemberAsync(ns, "vigil-a", Now, applied: 7, Status("vigil-a", leader: true, epoch: 7, namespaces: 2,
            incidents: [new(Now.AddMinutes(-3), "Pod shop/cache", "OOMKilled", "critical", "cache exceeds its 128Mi limit"),
                        new(Now.AddMinutes(-20), "Pod shop/web", "CrashLoop", "warning", "web exits 1 at start")]));
        await MemberAsync(ns, "vigil-b", Now, applied: 6, Status("vigil-b", leader: false, epoch: 6, namespaces: 2,
            incidents: [new(Now.AddMinutes(-1), "Deployment billing/api", "ImagePull", "warning", "image api:9 not found")]));
        // vigil-c died two minutes ago: its Lease is still there, no longer renewed, and the map still gives it a namespace.
        await MemberAsync(ns, "vigil-c", Now.AddMinutes(-2), applied: 6, Status("vigil-c", leader: false, epoch: 6, namespaces: 1,
            incidents: [new(Now.AddMinutes(-10), "Pod infra/dns", "Pending", "info", "dns is not scheduled")]));
        await ShardMapAsync(ns, new ShardMap
        {
            Epoch = 7, Leader = "vigil-a", UpdatedAt = Now.AddSeconds(-30), Members = ["vigil-a", "vigil-b"],
            Namespaces = new Dictionary<string, string> { ["shop"] = "vigil-a", ["payments"] = "vigil-a", ["billing"] = "vigil-b", ["infra"] = "vigil-c" },
            Pending = new Dictionary<string, string> { ["checkout"] = "vigil-a" },
        });

        var (code, stdout, stderr) = await Vigil("status", "--kubeconfig", Kubeconfig, "--namespace", ns);

        code.ShouldBe(1, stdout + stderr);
        stderr.ShouldBeEmpty();
        stdout.ShouldNotContain("\u001b["); // not a terminal: no colour codes
        Line(stdout, "Leader:").ShouldContain("vigil-a for 5m");
        Line(stdout, "Sharding:").ShouldContain("on, shard map epoch 7");
        Line(stdout, "vigil-a (leader)").ShouldContain("live");
        Line(stdout, "vigil-b").ShouldContain("6/7"); // has not applied the latest map
        Line(stdout, "vigil-c").ShouldContain("stale");
        Line(stdout, "Pending hand-overs:").ShouldContain("checkout -> vigil-a");
        Line(stdout, "Members in the map not live:").ShouldContain("vigil-c");
        Line(stdout, "Shards:").ShouldContain("4 namespaces assigned (vigil-a: 2, vigil-b: 1, vigil-c: 1)");
        // Newest first across members: vigil-b's (1 min), vigil-a's (3, 20 min), the dead vigil-c's (10 min) in between.
        Order(stdout, "Deployment billing/api", "Pod shop/cache", "Pod infra/dns", "Pod shop/web");
        stdout.Split('\n').Where(l => l.Contains("Pod infra/dns", StringComparison.Ordinal)).ShouldHaveSingleItem().ShouldContain("vigil-c");
        var problems = stdout[stdout.IndexOf("Needs attention", StringComparison.Ordinal)..];
        problems.ShouldContain("namespace checkout is waiting to move to vigil-a");
        problems.ShouldContain("vigil-b has not applied epoch 7");
        problems.ShouldContain("member vigil-c owns 1 namespace in shard map epoch 7 but is not live");

        (code, stdout, stderr) = await Vigil("status", "--kubeconfig", Kubeconfig, "--namespace", ns, "--output", "json");

        code.ShouldBe(1, stderr);
        var json = JsonNode.Parse(stdout)!;
        ((string?)json["leader"]!["identity"]).ShouldBe("vigil-a");
        ((bool)json["leader"]!["live"]!).ShouldBeTrue();
        ((bool)json["sharded"]!).ShouldBeTrue();
        ((long)json["epoch"]!).ShouldBe(7);
        var members = json["members"]!.AsArray().ToDictionary(m => (string)m!["identity"]!, m => m!);
        ((bool)members["vigil-c"]["live"]!).ShouldBeFalse();
        ((bool)members["vigil-b"]["live"]!).ShouldBeTrue();
        ((long)members["vigil-b"]["epochApplied"]!).ShouldBe(6);
        ((int)members["vigil-a"]["sinkQueue"]!).ShouldBe(5);
        var pending = json["shards"]!["pending"]!.AsArray().ShouldHaveSingleItem()!;
        ((string?)pending["namespace"]).ShouldBe("checkout");
        ((string?)pending["to"]).ShouldBe("vigil-a");
        json["shards"]!["membersNotLive"]!.AsArray().Select(n => (string?)n).ShouldBe(["vigil-c"]);
        json["recentIncidents"]!.AsArray().Select(i => (string?)i!["resource"])
            .ShouldBe(["Deployment billing/api", "Pod shop/cache", "Pod infra/dns", "Pod shop/web"]);
        json["problems"]!.AsArray().Count.ShouldBe(2);
    }

    [Fact]
    public async Task One_synced_replica_with_sharding_off_is_healthy_with_exit_code_0()
    {
        const string ns = "ops-single";
        await NamespaceAsync(ns);
        await MemberAsync(ns, "vigil-solo", Now, applied: null, Status("vigil-solo", leader: true, epoch: 0, namespaces: 12, sharded: false, startedAt: Now.AddHours(-2)));

        var (code, stdout, stderr) = await Vigil("status", "--kubeconfig", Kubeconfig, "-n", ns);

        code.ShouldBe(0, stdout + stderr);
        Line(stdout, "Leader:").ShouldContain("vigil-solo for 2h");
        Line(stdout, "Sharding:").ShouldContain("off");
        Line(stdout, "vigil-solo").ShouldContain("live");
        Line(stdout, "vigil-solo").ShouldContain("12");
        stdout.ShouldContain("Healthy: nothing needs attention.");
        stdout.ShouldContain("Recent incidents: none");

        (code, stdout, _) = await Vigil("status", "--kubeconfig", Kubeconfig, "-n", ns, "-o", "json");
        code.ShouldBe(0);
        JsonNode.Parse(stdout)!["problems"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Sharding_on_without_a_leader_or_with_an_expired_leader_Lease_exits_1_naming_the_problem()
    {
        const string ns = "ops-leaderless";
        await NamespaceAsync(ns);
        await MemberAsync(ns, "vigil-a", Now, applied: 3, Status("vigil-a", leader: false, epoch: 3, namespaces: 1));
        await ShardMapAsync(ns, new ShardMap { Epoch = 3, Leader = "vigil-x", UpdatedAt = Now, Members = ["vigil-a"], Namespaces = new Dictionary<string, string> { ["shop"] = "vigil-a" } });

        var (code, stdout, stderr) = await Vigil("status", "--kubeconfig", Kubeconfig, "-n", ns);

        code.ShouldBe(1, stdout + stderr);
        Line(stdout, "Leader:").ShouldContain("none");
        stdout.ShouldContain($"sharding is on but no replica holds the leader Lease {ns}/vigil-leader");

        // The leader stopped renewing two minutes ago; its Lease lasts 15 s.
        await LeaderAsync(ns, "vigil-x", acquired: Now.AddMinutes(-30), renewed: Now.AddMinutes(-2));
        (code, stdout, stderr) = await Vigil("status", "--kubeconfig", Kubeconfig, "-n", ns);

        code.ShouldBe(1, stdout + stderr);
        Line(stdout, "Leader:").ShouldContain("vigil-x, but its lease expired 1m");
        stdout.ShouldContain($"the leader Lease {ns}/vigil-leader held by vigil-x expired");
    }

    [Fact]
    public async Task A_member_whose_informers_have_not_synced_and_no_live_member_at_all_need_attention()
    {
        const string ns = "ops-unsynced";
        await NamespaceAsync(ns);
        await MemberAsync(ns, "vigil-slow", Now, applied: null, Status("vigil-slow", leader: true, epoch: 0, namespaces: 4, sharded: false, unsynced: ["Pod", "Event"]));

        var (code, stdout, stderr) = await Vigil("status", "--kubeconfig", Kubeconfig, "-n", ns);

        code.ShouldBe(1, stdout + stderr);
        Line(stdout, "vigil-slow").ShouldContain("no: Pod, Event");
        stdout.ShouldContain("member vigil-slow has not synced: the informers for Pod, Event have not listed");

        const string empty = "ops-empty";
        await NamespaceAsync(empty);
        (code, stdout, stderr) = await Vigil("status", "--kubeconfig", Kubeconfig, "-n", empty, "-o", "json");
        code.ShouldBe(1, stderr);
        JsonNode.Parse(stdout)!["problems"]!.AsArray().Select(p => (string?)p).ShouldHaveSingleItem()
            .ShouldBe($"no Vigil replica is running: there is no member Lease in namespace {empty} (kubectl -n {empty} get pods)");
    }

    [Fact]
    public async Task A_bad_kubeconfig_an_unreachable_server_rejected_credentials_or_a_missing_namespace_exit_2_naming_the_problem()
    {
        var (code, stdout, stderr) = await Vigil("status", "--kubeconfig", Path.Combine(_dir, "missing"));
        code.ShouldBe(2);
        stdout.ShouldBeEmpty();
        stderr.ShouldContain("error:");
        stderr.ShouldContain(Path.Combine(_dir, "missing"));

        var wrongToken = Path.Combine(_dir, "wrong-token");
        await File.WriteAllTextAsync(wrongToken, (await File.ReadAllTextAsync(Kubeconfig)).Replace(_cluster.Token, "not-the-token", StringComparison.Ordinal));
        (code, _, stderr) = await Vigil("status", "--kubeconfig", wrongToken);
        code.ShouldBe(2);
        stderr.ShouldContain("rejected the kubeconfig's credentials");

        var nowhere = Path.Combine(_dir, "nowhere");
        await File.WriteAllTextAsync(nowhere, (await File.ReadAllTextAsync(Kubeconfig)).Replace(_cluster.Address.ToString().TrimEnd('/'), "https://127.0.0.1:1", StringComparison.Ordinal));
        (code, _, stderr) = await Vigil("status", "--kubeconfig", nowhere);
        code.ShouldBe(2);
        stderr.ShouldContain("cannot reach the API server https://127.0.0.1:1/");

        (code, _, stderr) = await Vigil("status", "--kubeconfig", Kubeconfig, "--namespace", "no-such-namespace");
        code.ShouldBe(2);
        stderr.ShouldContain("namespace no-such-namespace not found");

        (code, _, stderr) = await Vigil("status", "--kubeconfig", Kubeconfig, "--output", "yaml");
        code.ShouldBe(2);
        stderr.ShouldContain("yaml");
    }

    private static MemberStatus Status(string identity, bool leader, long epoch, int namespaces, bool sharded = true,
        IReadOnlyList<string>? unsynced = null, IReadOnlyList<RecentIncident>? incidents = null, DateTimeOffset? startedAt = null) => new()
    {
        Identity = identity,
        Version = "1.0.0",
        StartedAt = startedAt ?? Now.AddHours(-1),
        UpdatedAt = Now,
        Sharded = sharded,
        Leader = leader,
        Epoch = epoch,
        Namespaces = namespaces,
        Unsynced = unsynced ?? [],
        WorkQueue = 3,
        DiagnosesInFlight = 1,
        SinkQueues = new Dictionary<string, int> { ["kubernetes-events"] = 2, ["slack"] = 3 },
        IncidentsOpen = 4,
        RecentIncidents = incidents ?? [],
    };

    private Task NamespaceAsync(string name) => _client.Resource<Namespace>().CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });

    private Task MemberAsync(string ns, string identity, DateTimeOffset renewed, long? applied, MemberStatus status)
    {
        var lease = new Lease
        {
            Metadata = new ObjectMeta { Name = ShardProtocol.MemberLeaseName(identity), Namespace = ns },
            Spec = new LeaseSpec { HolderIdentity = identity, LeaseDurationSeconds = 15, AcquireTime = status.StartedAt, RenewTime = renewed },
        };
        lease.Metadata.SetLabel(ShardProtocol.MemberLabelKey, ShardProtocol.MemberLabelValue);
        lease.Metadata.SetAnnotation(ShardProtocol.StatusAnnotation, status.ToJson());
        if (applied is { } epoch) lease.Metadata.SetAnnotation(ShardProtocol.AppliedEpochAnnotation, epoch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return _client.Resource<Lease>().CreateAsync(lease);
    }

    private async Task LeaderAsync(string ns, string holder, DateTimeOffset acquired, DateTimeOffset renewed)
    {
        var lease = new Lease
        {
            Metadata = new ObjectMeta { Name = ShardProtocol.LeaderLease, Namespace = ns },
            Spec = new LeaseSpec { HolderIdentity = holder, LeaseDurationSeconds = 15, AcquireTime = acquired, RenewTime = renewed, LeaseTransitions = 2 },
        };
        await _client.Resource<Lease>().CreateAsync(lease);
    }

    private Task ShardMapAsync(string ns, ShardMap map) => _client.Resource<ConfigMap>().CreateAsync(new ConfigMap
    {
        Metadata = new ObjectMeta { Name = ShardProtocol.ShardMapName, Namespace = ns },
        Data = new Dictionary<string, string> { [ShardProtocol.ShardMapKey] = map.ToJson() },
    });

    /// <summary>The one output line (a header line or a table row) that starts with <paramref name="start"/>.</summary>
    private static string Line(string output, string start) =>
        output.Split('\n').Where(l => l.TrimStart().StartsWith(start, StringComparison.Ordinal)).ShouldHaveSingleItem($"one line starting \"{start}\" in:\n{output}");

    private static void Order(string output, params string[] markers)
    {
        var positions = markers.Select(m => output.IndexOf(m, StringComparison.Ordinal)).ToList();
        positions.ShouldAllBe(p => p >= 0, output);
        positions.ShouldBeInOrder(SortDirection.Ascending, output);
    }

    private static Task<(int Exit, string Stdout, string Stderr)> Vigil(params string[] args) => VigilCli.RunAsync(null, args);

    public async Task DisposeAsync()
    {
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
}
