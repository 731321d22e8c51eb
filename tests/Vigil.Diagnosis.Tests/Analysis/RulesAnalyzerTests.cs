using Vigil.Detection;
using Vigil.Diagnosis.Analysis;

namespace Vigil.Diagnosis.Tests.Analysis;

public sealed class RulesAnalyzerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private readonly RulesAnalyzer _analyzer = new(new FixedClock(Now));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static Signal S(string source, string reason, string kind, string name, string message, Dictionary<string, string>? attributes = null, string? ns = "shop") => new()
    {
        Id = Guid.NewGuid().ToString("N"), Source = source, Reason = reason, Severity = Severity.Warning,
        Resource = new ResourceRef(kind, kind is "Node" ? null : ns, name), Message = message, ObservedAt = Now, Attributes = attributes ?? [],
    };

    private static readonly Dictionary<string, string> ApiPod = new()
    {
        [Signal.Attribute.OwnerKind] = "Deployment", [Signal.Attribute.OwnerName] = "api", [Signal.Attribute.Container] = "api", [Signal.Attribute.Node] = "node-2",
    };

    private static Evidence With(IEnumerable<Signal> signals, params EvidenceSection[] sections)
    {
        var list = signals.ToList();
        var incident = new Incident
        {
            Id = "i1", Fingerprint = "f", PrimaryResource = list[0].Resource, Signals = list, FirstSeen = Now, LastSeen = Now,
        };
        return new Evidence(incident, sections);
    }

    [Fact]
    public void An_OOM_kill_explains_the_crash_loop_it_causes()
    {
        var d = _analyzer.Analyze(With([
            S("PodCrashLoop", "CrashLoopBackOff", "Pod", "api-1", "Container api is in CrashLoopBackOff after 4 restarts", ApiPod),
            S("OOMKilled", "OOMKilled", "Pod", "api-1", "Container api was OOMKilled (exit code 137) at its memory limit of 128Mi", ApiPod),
        ]));
        d.Reason.ShouldBe("OOMKilled");
        d.Category.ShouldBe(Category.Resources);
        d.RootCause.ShouldContain("128Mi");
        d.RootCause.ShouldContain("Deployment shop/api");
        d.RemediationSteps.ShouldContain(s => s.Command != null && s.Command.StartsWith("kubectl set resources deployment/api -n shop -c api", StringComparison.Ordinal));
        d.Confidence.ShouldBeGreaterThan(0.9);
    }

    [Fact]
    public void A_crash_loop_is_explained_by_its_previous_logs()
    {
        var d = _analyzer.Analyze(With(
            [S("PodCrashLoop", "CrashLoopBackOff", "Pod", "api-1", "Container api is in CrashLoopBackOff after 5 restarts", ApiPod)],
            new EvidenceSection(EvidenceSections.PreviousLogs, "logs", ["starting api", "dial tcp 10.96.0.15:5432: connect: connection refused"])));
        d.Reason.ShouldBe("CrashLoop");
        d.Category.ShouldBe(Category.Networking);
        d.RootCause.ShouldContain("connection refused");
        d.SupportingEvidence.ShouldContain("dial tcp 10.96.0.15:5432: connect: connection refused");
        d.RemediationSteps[0].Command.ShouldBe("kubectl logs api-1 -n shop -c api --previous");
    }

    [Fact]
    public void A_node_fault_explains_the_pods_on_it_and_is_systemic()
    {
        var d = _analyzer.Analyze(With([
            S("NodeNotReady", "NodeNotReady", "Node", "node-2", "Node is unreachable: NodeStatusUnknown Kubelet stopped posting node status."),
            S("ProbeFailure", "ReadinessProbeFailed", "Pod", "api-1", "not ready", ApiPod),
        ]));
        d.Reason.ShouldBe("NodeNotReady");
        d.Category.ShouldBe(Category.Node);
        d.Systemic.ShouldBeTrue();
        d.Severity.ShouldBe(Severity.Critical);
        d.BlastRadius.ShouldBe("2 resources affected: Node/node-2; 1 pod");
        d.RemediationSteps.Select(s => s.Command).ShouldContain("kubectl cordon node-2");
    }

    [Fact]
    public void Scheduling_failures_name_the_missing_resource()
    {
        var d = _analyzer.Analyze(With([S("PodStuckPending", "Unschedulable", "Pod", "big-1",
            "Pod is unschedulable: 0/3 nodes are available: 3 Insufficient cpu.", ApiPod)]));
        d.Category.ShouldBe(Category.Scheduling);
        d.RootCause.ShouldContain("the nodes lack the requested resources");
    }

    [Fact]
    public void A_stalled_rollout_is_tied_to_the_change_and_the_pod_fault_behind_it()
    {
        var d = _analyzer.Analyze(With([
                S("DeploymentRolloutStalled", "ProgressDeadlineExceeded", "Deployment", "api", "Rollout stalled: ReplicaSet \"api-5d\" has timed out progressing."),
                S("ImagePullFailure", "ImagePullBackOff", "Pod", "api-5d-x", "Container api cannot pull image registry.invalid/api:2", ApiPod),
            ],
            new EvidenceSection(EvidenceSections.RolloutHistory, "rollout", ["revision 2: image shop/api:1 -> registry.invalid/api:2"])));
        // The image failure outranks the stall: it is the cause; the rollout history says what started it.
        d.Reason.ShouldBe("ImagePullFailure");
        d.Category.ShouldBe(Category.Configuration);
        d.RootCause.ShouldContain("registry.invalid/api:2");
        d.RootCause.ShouldContain("This began with a rollout");
    }

    [Fact]
    public void A_pod_fault_on_the_new_revision_while_the_old_one_serves_is_a_rollout_stalled_on_that_change()
    {
        var pod = new Dictionary<string, string>(ApiPod);
        var d = _analyzer.Analyze(With(
            [S("ImagePullFailure", "ImagePullBackOff", "Pod", "api-6c9f7b-x2x4p", "Container api cannot pull image registry.invalid/api:2", pod)],
            new EvidenceSection(EvidenceSections.RolloutHistory, "rollout", [
                "revision 2: image shop/api:1 -> registry.invalid/api:2 (container api)",
                "revision 2 (api-6c9f7b): 0/1 ready; revision 1 (api-5d8c4f): 3/3 ready",
            ])));
        d.Reason.ShouldBe("RolloutStalled");
        d.Category.ShouldBe(Category.Configuration);
        d.RootCause.ShouldContain("revision 2");
        d.RootCause.ShouldContain("image shop/api:1 -> registry.invalid/api:2");
        d.RootCause.ShouldContain("3/3");
        d.RemediationSteps[0].Command.ShouldBe("kubectl rollout undo deployment/api -n shop");
    }

    [Fact]
    public void A_pod_fault_of_a_fully_rolled_out_revision_is_not_a_stalled_rollout()
    {
        var d = _analyzer.Analyze(With(
            [S("ImagePullFailure", "ImagePullBackOff", "Pod", "api-6c9f7b-x2x4p", "Container api cannot pull image registry.invalid/api:2", ApiPod)],
            new EvidenceSection(EvidenceSections.RolloutHistory, "rollout", ["revision 2 (api-6c9f7b): 0/3 ready; revision 1 (api-5d8c4f): 0/0 ready"])));
        d.Reason.ShouldBe("ImagePullFailure");
    }

    [Fact]
    public void A_workload_short_of_replicas_because_the_quota_refuses_its_pods_is_a_quota_problem()
    {
        var d = _analyzer.Analyze(With(
            [S("ReplicasUnavailable", "ReplicasUnavailable", "Deployment", "api", "Deployment has 2 of 3 replicas available")],
            new EvidenceSection(EvidenceSections.OwnerChain, "owner", [
                "Deployment shop/api: replicas 3, updated 2, ready 2, available 2, generation 1 observed 1",
                "  condition ReplicaFailure=True (FailedCreate): pods \"api-7d9f8c6b5-x\" is forbidden: exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=2, limited: requests.cpu=2",
            ])));
        d.Reason.ShouldBe("QuotaExhausted");
        d.Category.ShouldBe(Category.Resources);
        d.RootCause.ShouldContain("exceeded quota: compute");
        // Without a refusal on record, nothing explains it yet.
        _analyzer.Analyze(With([S("ReplicasUnavailable", "ReplicasUnavailable", "Deployment", "api", "Deployment has 2 of 3 replicas available")]))
            .Category.ShouldBe(Category.Unknown);
    }

    [Fact]
    public void A_Warning_event_storm_is_explained_by_the_reason_most_of_its_events_give()
    {
        var storm = S("WarningEventStorm", "WarningEventStorm", "Namespace", "platform", "114 Warning events in the last 5 minutes", ns: null);
        var d = _analyzer.Analyze(With([storm], new EvidenceSection(EvidenceSections.NamespaceEvents, "events", [
            "HorizontalPodAutoscaler/gateway: FailedGetResourceMetric (x20): failed to get cpu utilization: missing request for cpu in container gateway of Pod gateway-1",
            "HorizontalPodAutoscaler/profile: FailedGetResourceMetric (x20): failed to get cpu utilization: missing request for cpu in container profile of Pod profile-1",
            "Pod/cart-1: Unhealthy (x3): Readiness probe failed: HTTP probe failed with statuscode: 503",
        ])));
        d.Reason.ShouldBe("WarningEventStorm");
        d.Category.ShouldBe(Category.Configuration);
        d.RootCause.ShouldContain("mostly FailedGetResourceMetric (40 from 2 objects)");
        d.RootCause.ShouldContain("no resource requests");
    }

    [Fact]
    public void A_failed_run_of_a_CronJob_is_the_CronJob_failing_and_its_pods_logs_say_why()
    {
        var job = S("JobFailed", "BackoffLimitExceeded", "Job", "db-backup-29922604", "Job failed: Job has reached the specified backoff limit (1 failed pods)",
            new Dictionary<string, string> { [Signal.Attribute.OwnerKind] = "CronJob", [Signal.Attribute.OwnerName] = "db-backup" });
        var evidence = With([job], new EvidenceSection(EvidenceSections.Logs, "logs", ["pg_dump: error: connection to server at \"10.0.4.17\", port 5432 failed: Connection refused"]));
        evidence = evidence with { Incident = evidence.Incident with { PrimaryResource = new ResourceRef("CronJob", "shop", "db-backup"), CorrelationRule = "Owner" } };
        var d = _analyzer.Analyze(evidence);
        d.Reason.ShouldBe("CronJobFailing");
        d.Category.ShouldBe(Category.Networking);
        d.RootCause.ShouldContain("CronJob db-backup");
    }

    [Fact]
    public void A_pod_not_ready_on_a_node_that_is_not_ready_is_a_node_problem()
    {
        var d = _analyzer.Analyze(With(
            [S("ProbeFailure", "PodNotReady", "Pod", "api-1", "Pod is running but not ready: NodeNotReady", ApiPod)],
            new EvidenceSection(EvidenceSections.Node, "node", ["Node node-2: unschedulable=False", "  condition Ready=False (KubeletNotReady) since -: container runtime network not ready"])));
        d.Category.ShouldBe(Category.Node);
        d.RootCause.ShouldContain("node node-2 is not ready");
    }

    [Fact]
    public void Without_a_known_reason_the_fallback_says_so_with_low_confidence()
    {
        var d = _analyzer.Analyze(With([S("Custom", "SomethingOdd", "ConfigMap", "x", "odd")]));
        d.Category.ShouldBe(Category.Unknown);
        d.Confidence.ShouldBeLessThan(0.5);
        d.Analyzer.ShouldBe("rules");
    }
}
