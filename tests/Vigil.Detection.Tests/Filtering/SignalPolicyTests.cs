using Vigil.Detection.Filtering;
using Vigil.Detection.Tests.Correlation;
using Vigil.Detection.Tests.Detectors;
using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Tests.Filtering;

public sealed class SignalPolicyTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 22, 2, 30, 0, TimeSpan.Zero));

    private static Signal Signal(string ns = "shop", string source = "JobFailed", string owner = "nightly-report", string app = "report") => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Source = source,
        Reason = "BackoffLimitExceeded",
        Severity = Severity.Warning,
        Resource = new ResourceRef("Job", ns, owner + "-29131"),
        Message = "failed",
        ObservedAt = DateTimeOffset.UnixEpoch,
        Labels = new Dictionary<string, string> { ["app"] = app },
        Attributes = new Dictionary<string, string> { [Detection.Signal.Attribute.OwnerKind] = "CronJob", [Detection.Signal.Attribute.OwnerName] = owner },
    };

    private static ListClusterView Cluster() => new(
        Objects.Parse<Namespace>("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","labels":{"team":"batch"}}}"""),
        Objects.Parse<Namespace>("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"web","labels":{"team":"web"}}}"""));

    private SignalFilter Filter(params SignalPolicy[] policies)
    {
        var filter = new SignalFilter(new FilterOptions(), _clock);
        filter.Policies = () => policies;
        return filter;
    }

    [Fact]
    public void A_system_policy_excludes_by_namespace_labels_detectors_resource_labels_and_owner_globs()
    {
        var policy = new SignalPolicy("vigil-system", "batch-jobs", PolicyAction.Exclude)
        {
            Detectors = ["JobFailed"],
            NamespaceSelector = LabelSelector.Parse("team=batch"),
            ResourceSelector = LabelSelector.Parse("app in (report,export)"),
            OwnerNames = [new NamespacePattern("nightly-*")],
        };
        var matched = new List<string>();
        var filter = Filter(policy);
        filter.PolicyMatched = (p, _) => matched.Add(p.Key);

        filter.Check(Signal(), Cluster()).ShouldBe(DropReason.PolicyExclude);
        matched.ShouldBe(["vigil-system/batch-jobs"]);
        filter.Check(Signal(ns: "web"), Cluster()).ShouldBeNull();            // namespace labels
        filter.Check(Signal(source: "PodCrashLoop"), Cluster()).ShouldBeNull(); // detector
        filter.Check(Signal(app: "api"), Cluster()).ShouldBeNull();           // resource labels
        filter.Check(Signal(owner: "hourly-sync"), Cluster()).ShouldBeNull(); // owner glob
    }

    [Fact]
    public void A_policy_outside_the_system_namespace_only_quiets_its_own_namespace()
    {
        var filter = Filter(new SignalPolicy("shop", "quiet", PolicyAction.Exclude) { OnlyNamespace = "shop" });
        filter.Check(Signal(ns: "shop"), Cluster()).ShouldBe(DropReason.PolicyExclude);
        filter.Check(Signal(ns: "web"), Cluster()).ShouldBeNull();
    }

    [Fact]
    public void A_suppression_drops_signals_only_while_its_schedule_is_open()
    {
        var filter = Filter(new SignalPolicy("vigil-system", "maintenance", PolicyAction.Suppress)
        {
            Schedule = new SuppressionWindow { Name = "maintenance", DailyStart = new TimeOnly(2, 0), DailyEnd = new TimeOnly(3, 0) },
        });
        filter.Check(Signal(), Cluster()).ShouldBe(DropReason.PolicySuppress);
        _clock.Advance(TimeSpan.FromHours(1));
        filter.Check(Signal(), Cluster()).ShouldBeNull();
    }
}
