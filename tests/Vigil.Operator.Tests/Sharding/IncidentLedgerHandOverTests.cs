using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Delivery;
using Vigil.Detection;
using Vigil.Detection.Correlation;
using Vigil.Detection.Filtering;
using Vigil.Operator.Pipeline;
using Vigil.Operator.Sharding;
using Vigil.Operator.Tests.Support;

namespace Vigil.Operator.Tests.Sharding;

/// <summary>A sink that holds each delivery until the test lets it through, and remembers what got through.</summary>
internal sealed class GatedSink : ISink
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _delivered = [];
    private int _started;

    public string Name => "gated";
    public Severity MinimumSeverity => Severity.Info;
    public int Started => Volatile.Read(ref _started);

    public IReadOnlyList<string> Delivered
    {
        get
        {
            lock (_delivered) return [.. _delivered];
        }
    }

    public void Open() => _open.TrySetResult();

    public async Task SendAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _started);
        await _open.Task.WaitAsync(cancellationToken);
        lock (_delivered) _delivered.Add(diagnosis.Incident.PrimaryResource.Key);
    }
}

/// <summary>
/// Two sharded pipelines on one cluster handing a namespace over after its incident resolved (before or after its delivery
/// finished) and the fault came back within the cooldown, so the first replica keeps quiet about it: the second must too.
/// </summary>
public sealed class IncidentLedgerHandOverTests
{
    private const string SystemNamespace = "vigil-system";

    private static PipelineOptions Options() => new()
    {
        Scope = WatchScope.Assigned,
        SystemNamespace = SystemNamespace,
        Correlation = new CorrelationOptions { Window = TimeSpan.Zero },
        RescanInterval = TimeSpan.FromSeconds(1),
    };

    private static void Heal(TestCluster cluster, string ns, string name)
    {
        var pods = cluster.Cluster.Operations.Registry.Find("", "v1", "pods")!;
        cluster.Cluster.Operations.Mutate(pods, ns, name, pod =>
        {
            pod["status"] = JsonNode.Parse("""
                {"phase":"Running","containerStatuses":[{"name":"app","ready":true,"restartCount":4,"state":{"running":{"startedAt":"2020-01-01T00:00:00Z"}}}]}
                """);
            return true;
        }, "status");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_incident_that_resolved_and_came_back_within_its_cooldown_is_not_delivered_again_by_the_next_owner(bool resolvedBeforeItsDelivery)
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Cluster.Apply($"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {SystemNamespace}}}\n");
        cluster.Pod("shop", "api-1");
        var firstSink = new GatedSink();
        var nextSink = new GatedSink();
        nextSink.Open();
        await using var first = new DiagnosisPipeline(cluster.Client, Options(), [firstSink], TimeProvider.System, NullLogger<DiagnosisPipeline>.Instance)
        {
            Ledger = new IncidentLedger(cluster.Client, SystemNamespace, "first"),
        };
        await using var next = new DiagnosisPipeline(cluster.Client, Options(), [nextSink], TimeProvider.System, NullLogger<DiagnosisPipeline>.Instance)
        {
            Ledger = new IncidentLedger(cluster.Client, SystemNamespace, "next"),
        };
        var resolved = 0;
        first.IncidentChanged += c =>
        {
            if (c.Kind == IncidentChangeKind.Resolved) Interlocked.Increment(ref resolved);
        };
        await first.StartAsync(CancellationToken.None);
        await next.StartAsync(CancellationToken.None);
        await first.AssignNamespacesAsync(["shop"], 1, CancellationToken.None);
        await next.AssignNamespacesAsync([], 1, CancellationToken.None);

        // The pod crash-loops and recovers, its diagnosis delivered before or after the incident resolves.
        cluster.CrashLoop("shop", "api-1");
        await Wait.Until(() => firstSink.Started == 1, "the first replica's delivery to start");
        if (!resolvedBeforeItsDelivery)
        {
            firstSink.Open();
            await Wait.Until(() => firstSink.Delivered.Count == 1, "the delivery to finish");
        }
        Heal(cluster, "shop", "api-1");
        await Wait.Until(() => Volatile.Read(ref resolved) == 1, "the incident to resolve");
        firstSink.Open();
        await Wait.Until(() => firstSink.Delivered.Count == 1, "the delivery to finish");
        // It crash-loops again within the cooldown: this replica keeps quiet about it.
        cluster.CrashLoop("shop", "api-1");
        await Wait.Until(() => first.Counters.Get($"signals_dropped_total|{DropReason.Cooldown}") >= 1, "the return to be held back by the cooldown");

        // The namespace moves (the old owner gives it up and writes its ledger before the new one takes it).
        await first.AssignNamespacesAsync([], 2, CancellationToken.None);
        await next.AssignNamespacesAsync(["shop"], 3, CancellationToken.None);

        await Wait.Until(() => next.Counters.Get("incidents_duplicate") + nextSink.Delivered.Count > 0, "the next owner to detect the crash loop");
        nextSink.Delivered.ShouldBeEmpty("delivered again by the next owner");
        next.Counters.Get("incidents_duplicate").ShouldBe(1);
        firstSink.Delivered.ShouldBe(["Pod/shop/api-1"]);
    }
}
