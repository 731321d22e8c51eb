using Vigil.Detection.Correlation;

namespace Vigil.Detection.Tests.Correlation;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}

public sealed class CorrelatorTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    private int _ids;

    private Signal Pod(string ns, string name, string reason, string? node = null, string? ownerKind = null, string? owner = null, string? claims = null)
    {
        var attributes = new Dictionary<string, string>();
        if (node is not null) attributes[Signal.Attribute.Node] = node;
        if (owner is not null) { attributes[Signal.Attribute.OwnerKind] = ownerKind!; attributes[Signal.Attribute.OwnerName] = owner; }
        if (claims is not null) attributes[Signal.Attribute.PersistentVolumeClaims] = claims;
        return new Signal
        {
            Id = $"s{++_ids}", Source = reason, Reason = reason, Severity = Severity.Warning, Resource = new ResourceRef("Pod", ns, name),
            Message = reason, ObservedAt = _clock.GetUtcNow(), Attributes = attributes,
        };
    }

    private Signal Of(string kind, string? ns, string name, string reason, Severity severity = Severity.Critical) => new()
    {
        Id = $"s{++_ids}", Source = reason, Reason = reason, Severity = severity, Resource = new ResourceRef(kind, ns, name),
        Message = reason, ObservedAt = _clock.GetUtcNow(),
    };

    private Correlator Correlator(TimeSpan window) => new(new CorrelationOptions { Window = window }, _clock);

    [Fact]
    public void With_a_zero_window_each_signal_becomes_an_incident_at_once()
    {
        var c = Correlator(TimeSpan.Zero);
        var changes = c.Add(Pod("shop", "lonely", "PodFailed"));
        changes.Single().Kind.ShouldBe(IncidentChangeKind.Opened);
        changes[0].Incident.PrimaryResource.Key.ShouldBe("Pod/shop/lonely");
        changes[0].Incident.CorrelationRule.ShouldBeNull();
    }

    [Fact]
    public void Signals_wait_for_the_window_and_pods_of_one_owner_become_one_incident_on_the_owner()
    {
        var c = Correlator(TimeSpan.FromSeconds(30));
        c.Add(Pod("shop", "api-1", "PodCrashLoop", ownerKind: "Deployment", owner: "api")).ShouldBeEmpty();
        _clock.Advance(TimeSpan.FromSeconds(10));
        c.Add(Pod("shop", "api-2", "PodCrashLoop", ownerKind: "Deployment", owner: "api"));
        c.Add(Of("Deployment", "shop", "api", "DeploymentRolloutStalled", Severity.Warning));
        c.Flush().ShouldBeEmpty();
        _clock.Advance(TimeSpan.FromSeconds(21));
        var opened = c.Flush().Single();
        opened.Kind.ShouldBe(IncidentChangeKind.Opened);
        opened.Incident.CorrelationRule.ShouldBe("Owner");
        opened.Incident.PrimaryResource.Key.ShouldBe("Deployment/shop/api");
        opened.Incident.Signals.Count.ShouldBe(3);
        opened.Incident.Severity.ShouldBe(Severity.Warning);
        c.Held.ShouldBe(0);
    }

    [Fact]
    public void A_node_signal_with_signals_of_pods_on_it_is_a_NodeCascade_and_later_pods_join_it()
    {
        var c = Correlator(TimeSpan.Zero);
        var batch = new[] { Of("Node", null, "node-2", "NodeNotReady") };
        var opened = c.Add(batch[0]).Single();
        opened.Incident.CorrelationRule.ShouldBeNull();
        var joined = c.Add(Pod("shop", "api-1", "PodNotReady", node: "node-2", ownerKind: "Deployment", owner: "api")).Single();
        joined.Kind.ShouldBe(IncidentChangeKind.Updated);
        joined.Incident.CorrelationRule.ShouldBe("NodeCascade");
        joined.Incident.PrimaryResource.Key.ShouldBe("Node/node-2");
        joined.Incident.AffectedResources.Select(r => r.Key).ShouldBe(["Node/node-2", "Pod/shop/api-1"]);
        var elsewhere = c.Add(Pod("shop", "api-9", "PodCrashLoop", node: "node-1", ownerKind: "Deployment", owner: "api")).Single();
        elsewhere.Incident.PrimaryResource.Key.ShouldBe("Deployment/shop/api");
    }

    [Fact]
    public void A_stuck_claim_with_the_pods_mounting_it_is_a_StorageCascade()
    {
        var c = Correlator(TimeSpan.FromSeconds(30));
        c.Add(Pod("shop", "db-0", "PodStuckPending", ownerKind: "StatefulSet", owner: "db", claims: "data-db-0"));
        c.Add(Of("PersistentVolumeClaim", "shop", "data-db-0", "PVCStuckBinding", Severity.Warning));
        c.Add(Pod("shop", "web-1", "PodStuckPending", ownerKind: "Deployment", owner: "web"));
        _clock.Advance(TimeSpan.FromSeconds(31));
        var changes = c.Flush();
        changes.Count.ShouldBe(2);
        var storage = changes.Single(ch => ch.Incident.CorrelationRule == "StorageCascade").Incident;
        storage.PrimaryResource.Key.ShouldBe("PersistentVolumeClaim/shop/data-db-0");
        storage.Signals.Select(s => s.Resource.Key).ShouldBe(["PersistentVolumeClaim/shop/data-db-0", "Pod/shop/db-0"], ignoreOrder: true);
        changes.Single(ch => ch.Incident.CorrelationRule == "Owner").Incident.PrimaryResource.Key.ShouldBe("Deployment/shop/web");
    }

    [Fact]
    public void Many_leftover_signals_in_one_namespace_are_one_NamespaceStorm()
    {
        var c = new Correlator(new CorrelationOptions { Window = TimeSpan.FromSeconds(5), NamespaceStormThreshold = 5 }, _clock);
        for (var i = 0; i < 8; i++) c.Add(Pod("batch", $"job-{i}", "PodFailed"));
        c.Add(Pod("other", "x", "PodFailed"));
        _clock.Advance(TimeSpan.FromSeconds(6));
        var changes = c.Flush();
        changes.Count.ShouldBe(2);
        var storm = changes.Single(ch => ch.Incident.CorrelationRule == "NamespaceStorm").Incident;
        storm.PrimaryResource.Key.ShouldBe("Namespace/batch");
        storm.Signals.Count.ShouldBe(8);
    }

    [Fact]
    public void A_Warning_event_storm_joins_the_incident_of_its_namespace_instead_of_opening_another()
    {
        var c = Correlator(TimeSpan.FromSeconds(30));
        c.Add(Pod("payments", "gateway-1", "CreateContainerConfigError", ownerKind: "Deployment", owner: "gateway"));
        _clock.Advance(TimeSpan.FromSeconds(31));
        c.Flush().Single().Incident.PrimaryResource.Key.ShouldBe("Deployment/payments/gateway");
        c.Add(Of("Namespace", null, "payments", "WarningEventStorm", Severity.Info));
        _clock.Advance(TimeSpan.FromSeconds(31));
        var joined = c.Flush().Single();
        joined.Kind.ShouldBe(IncidentChangeKind.Updated);
        joined.Incident.PrimaryResource.Key.ShouldBe("Deployment/payments/gateway");
        c.OpenIncidents.ShouldBe(1);
    }

    [Fact]
    public void A_Warning_event_storm_with_nothing_else_in_its_namespace_is_its_own_incident()
    {
        var c = Correlator(TimeSpan.FromSeconds(30));
        c.Add(Pod("shop", "api-1", "PodCrashLoop", ownerKind: "Deployment", owner: "api"));
        c.Add(Of("Namespace", null, "platform", "WarningEventStorm", Severity.Info));
        _clock.Advance(TimeSpan.FromSeconds(31));
        var changes = c.Flush();
        changes.Select(ch => ch.Incident.PrimaryResource.Key).ShouldBe(["Deployment/shop/api", "Namespace/platform"], ignoreOrder: true);
    }

    [Fact]
    public void A_workload_short_of_replicas_because_its_pods_are_on_a_failed_node_joins_the_node_cascade()
    {
        var c = Correlator(TimeSpan.Zero);
        c.Add(Of("Node", null, "worker-3", "NodeNotReady"));
        c.Add(Pod("ingest", "collector-1", "PodNotReady", node: "worker-3", ownerKind: "Deployment", owner: "collector")).Single().Incident.CorrelationRule.ShouldBe("NodeCascade");
        var joined = c.Add(Of("Deployment", "ingest", "collector", "ReplicasUnavailable", Severity.Warning)).Single();
        joined.Kind.ShouldBe(IncidentChangeKind.Updated);
        joined.Incident.PrimaryResource.Key.ShouldBe("Node/worker-3");
        c.OpenIncidents.ShouldBe(1);
        // A workload whose pods are elsewhere is its own incident.
        c.Add(Of("Deployment", "ingest", "other", "ReplicasUnavailable", Severity.Warning)).Single().Incident.PrimaryResource.Key.ShouldBe("Deployment/ingest/other");
    }

    [Fact]
    public void A_workload_whose_pod_waits_for_a_stuck_claim_joins_the_storage_cascade_in_the_same_window()
    {
        var c = Correlator(TimeSpan.FromSeconds(30));
        c.Add(Of("PersistentVolumeClaim", "data", "data-db-0", "PVCStuckBinding", Severity.Warning));
        c.Add(Pod("data", "db-0", "PodStuckPending", ownerKind: "StatefulSet", owner: "db", claims: "data-db-0"));
        c.Add(Of("StatefulSet", "data", "db", "ReplicasUnavailable", Severity.Warning));
        _clock.Advance(TimeSpan.FromSeconds(31));
        var incident = c.Flush().Single().Incident;
        incident.CorrelationRule.ShouldBe("StorageCascade");
        incident.Signals.Select(s => s.Resource.Key).ShouldBe(["PersistentVolumeClaim/data/data-db-0", "Pod/data/db-0", "StatefulSet/data/db"], ignoreOrder: true);
    }

    [Fact]
    public void A_reoccurrence_updates_the_open_incident_and_clearing_every_signal_resolves_it()
    {
        var c = Correlator(TimeSpan.Zero);
        var first = c.Add(Pod("shop", "api-1", "PodCrashLoop", ownerKind: "Deployment", owner: "api")).Single().Incident;
        _clock.Advance(TimeSpan.FromMinutes(1));
        var again = c.Add(Pod("shop", "api-1", "PodCrashLoop", ownerKind: "Deployment", owner: "api")).Single();
        again.Kind.ShouldBe(IncidentChangeKind.Updated);
        again.Incident.Id.ShouldBe(first.Id);
        again.Incident.Occurrences.ShouldBe(2);
        again.Incident.Signals.Count.ShouldBe(1);
        var oom = c.Add(Pod("shop", "api-2", "OOMKilled", ownerKind: "Deployment", owner: "api")).Single();
        oom.Incident.Signals.Count.ShouldBe(2);
        c.OpenIncidents.ShouldBe(1);

        c.Clear(again.Incident.Signals[0].Fingerprint).ShouldBeEmpty();
        var resolved = c.Clear(oom.Incident.Signals[1].Fingerprint).Single();
        resolved.Kind.ShouldBe(IncidentChangeKind.Resolved);
        resolved.Incident.State.ShouldBe(IncidentState.Resolved);
        c.OpenIncidents.ShouldBe(0);
        c.Add(Pod("shop", "api-1", "PodCrashLoop", ownerKind: "Deployment", owner: "api")).Single().Kind.ShouldBe(IncidentChangeKind.Opened);
    }

    [Fact]
    public void A_signal_cleared_while_held_never_opens_an_incident()
    {
        var c = Correlator(TimeSpan.FromSeconds(30));
        var flapping = Pod("shop", "api-1", "PodNotReady", ownerKind: "Deployment", owner: "api");
        c.Add(flapping);
        c.Clear(flapping.Fingerprint);
        _clock.Advance(TimeSpan.FromMinutes(1));
        c.Flush().ShouldBeEmpty();
    }

    [Fact]
    public void Invalid_options_are_refused_with_the_key_named()
    {
        Should.Throw<ArgumentException>(() => new Correlator(new CorrelationOptions { Window = TimeSpan.FromSeconds(-1) }, _clock)).Message.ShouldContain("correlation.window");
    }
}
