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
    public void Without_a_known_reason_the_fallback_says_so_with_low_confidence()
    {
        var d = _analyzer.Analyze(With([S("Custom", "SomethingOdd", "ConfigMap", "x", "odd")]));
        d.Category.ShouldBe(Category.Unknown);
        d.Confidence.ShouldBeLessThan(0.5);
        d.Analyzer.ShouldBe("rules");
    }
}
