using Vigil.Detection.Filtering;
using Vigil.Detection.Tests.Correlation;
using Vigil.Detection.Tests.Detectors;
using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Tests.Filtering;

public sealed class SignalFilterTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));

    private static Signal PodSignal(string ns = "shop", string name = "api-7d9f8c6b5-x2x4p", string source = "PodCrashLoop") => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Source = source,
        Reason = "CrashLoopBackOff",
        Severity = Severity.Warning,
        Resource = new ResourceRef("Pod", ns, name),
        Message = "crash looping",
        ObservedAt = DateTimeOffset.UnixEpoch,
    };

    private static Signal NodeSignal() => new()
    {
        Id = "n", Source = "NodeNotReady", Reason = "NodeNotReady", Severity = Severity.Critical,
        Resource = new ResourceRef("Node", null, "node-1"), Message = "not ready", ObservedAt = DateTimeOffset.UnixEpoch,
    };

    private static Namespace Ns(string name, string labels = "{}", string annotations = "{}") =>
        Objects.Parse<Namespace>($$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{name}}","labels":{{labels}},"annotations":{{annotations}} } }""");

    private static T Owned<T>(string kind, string name, string? ownerKind, string? owner, string annotations = "{}") where T : class =>
        Objects.Parse<T>($$"""
            {"apiVersion":"apps/v1","kind":"{{kind}}","metadata":{"name":"{{name}}","namespace":"shop","annotations":{{annotations}}
              {{(owner is null ? "" : $$""","ownerReferences":[{"apiVersion":"apps/v1","kind":"{{ownerKind}}","name":"{{owner}}","uid":"u","controller":true}]""")}} } }
            """);

    /// <summary>The pod → ReplicaSet → Deployment chain of api-7d9f8c6b5-x2x4p, with annotations on the level given.</summary>
    private static ListClusterView Chain(string podAnnotations = "{}", string replicaSetAnnotations = "{}", string deploymentAnnotations = "{}", string nsAnnotations = "{}")
    {
        var pod = Owned<Pod>("Pod", "api-7d9f8c6b5-x2x4p", "ReplicaSet", "api-7d9f8c6b5", podAnnotations);
        pod.ApiVersion = "v1";
        return new ListClusterView(
            Ns("shop", annotations: nsAnnotations),
            pod,
            Owned<ReplicaSet>("ReplicaSet", "api-7d9f8c6b5", "Deployment", "api", replicaSetAnnotations),
            Owned<Deployment>("Deployment", "api", null, null, deploymentAnnotations));
    }

    private SignalFilter Filter(Action<FilterOptions>? configure = null)
    {
        var options = new FilterOptions();
        configure?.Invoke(options);
        return new SignalFilter(options, _clock);
    }

    [Fact]
    public void With_no_policies_every_signal_is_kept()
    {
        Filter().Check(PodSignal(), Chain()).ShouldBeNull();
        Filter().Check(NodeSignal(), Chain()).ShouldBeNull();
    }

    [Theory]
    [InlineData("kube-system", "kube-system", true)]
    [InlineData("kube-*", "kube-public", true)]
    [InlineData("kube-*", "kube", false)]
    [InlineData("team-?-ci", "team-a-ci", true)]
    [InlineData("team-?-ci", "team-ab-ci", false)]
    [InlineData("shop", "shop-staging", false)]
    public void Excluded_namespaces_match_by_exact_name_or_glob(string pattern, string ns, bool dropped)
    {
        var filter = Filter(o => o.ExcludedNamespaces.Add(pattern));
        filter.Check(PodSignal(ns), new ListClusterView()).ShouldBe(dropped ? DropReason.NamespaceExcluded : null);
    }

    [Fact]
    public void Cluster_scoped_signals_are_never_dropped_by_namespace_rules()
    {
        var filter = Filter(o =>
        {
            o.ExcludedNamespaces.Add("*");
            o.NamespaceSelector = LabelSelector.Parse("env=prod");
        });
        filter.Check(NodeSignal(), new ListClusterView()).ShouldBeNull();
    }

    [Fact]
    public void A_namespace_selector_keeps_only_namespaces_whose_labels_match()
    {
        var view = new ListClusterView(Ns("shop", """{"env":"prod"}"""), Ns("sandbox", """{"env":"dev"}"""));
        var filter = Filter(o => o.NamespaceSelector = LabelSelector.Parse("env in (prod,staging)"));
        filter.Check(PodSignal("shop"), view).ShouldBeNull();
        filter.Check(PodSignal("sandbox"), view).ShouldBe(DropReason.NamespaceSelector);
        // Not in the cache: no labels, so a selector requiring one does not match.
        filter.Check(PodSignal("unknown"), view).ShouldBe(DropReason.NamespaceSelector);
    }

    [Theory]
    [InlineData("pod")]
    [InlineData("replicaset")]
    [InlineData("deployment")]
    [InlineData("namespace")]
    public void Vigil_exclude_on_the_resource_or_any_owner_drops_the_signal(string where)
    {
        const string exclude = """{"vigil.io/exclude":"true"}""";
        var view = where switch
        {
            "pod" => Chain(podAnnotations: exclude),
            "replicaset" => Chain(replicaSetAnnotations: exclude),
            "deployment" => Chain(deploymentAnnotations: exclude),
            _ => Chain(nsAnnotations: exclude),
        };
        Filter().Check(PodSignal(), view).ShouldBe(DropReason.Annotation);
    }

    [Fact]
    public void Vigil_exclude_set_to_anything_but_true_keeps_the_signal()
    {
        Filter().Check(PodSignal(), Chain(deploymentAnnotations: """{"vigil.io/exclude":"false"}""")).ShouldBeNull();
    }

    [Fact]
    public void Exclude_detectors_on_an_owner_drops_only_the_named_detectors()
    {
        var view = Chain(deploymentAnnotations: """{"vigil.io/exclude-detectors":"OOMKilled, podcrashloop"}""");
        Filter().Check(PodSignal(source: "PodCrashLoop"), view).ShouldBe(DropReason.Annotation);
        Filter().Check(PodSignal(source: "OOMKilled"), view).ShouldBe(DropReason.Annotation);
        Filter().Check(PodSignal(source: "ImagePullFailure"), view).ShouldBeNull();
    }

    [Fact]
    public void An_owner_named_by_the_detector_is_checked_even_when_the_pod_is_gone()
    {
        var view = new ListClusterView(Owned<Deployment>("Deployment", "api", null, null, """{"vigil.io/exclude":"true"}"""));
        var signal = PodSignal() with
        {
            Attributes = new Dictionary<string, string> { [Signal.Attribute.OwnerKind] = "Deployment", [Signal.Attribute.OwnerName] = "api" },
        };
        Filter().Check(signal, view).ShouldBe(DropReason.Annotation);
    }

    [Fact]
    public void A_one_off_suppression_window_drops_its_detectors_signals_only_while_open()
    {
        var filter = Filter(o => o.Suppressions.Add(new SuppressionWindow
        {
            Name = "upgrade",
            Detectors = ["PodCrashLoop"],
            From = _clock.GetUtcNow().AddMinutes(10),
            Until = _clock.GetUtcNow().AddMinutes(70),
        }));
        filter.Check(PodSignal(), Chain()).ShouldBeNull();
        _clock.Advance(TimeSpan.FromMinutes(10));
        filter.Check(PodSignal(), Chain()).ShouldBe(DropReason.Suppressed);
        filter.Check(PodSignal(source: "OOMKilled"), Chain()).ShouldBeNull();
        _clock.Advance(TimeSpan.FromMinutes(60));
        filter.Check(PodSignal(), Chain()).ShouldBeNull();
    }

    [Fact]
    public void A_daily_window_recurs_every_day_in_utc_and_is_limited_to_its_namespaces()
    {
        var filter = Filter(o => o.Suppressions.Add(new SuppressionWindow
        {
            Name = "nightly-batch",
            Namespaces = [new NamespacePattern("batch-*")],
            DailyStart = new TimeOnly(2, 0),
            DailyEnd = new TimeOnly(3, 0),
        }));
        var view = new ListClusterView();
        _clock.Advance(TimeSpan.FromHours(14) + TimeSpan.FromMinutes(30)); // 02:30 the next day
        filter.Check(PodSignal("batch-eu"), view).ShouldBe(DropReason.Suppressed);
        filter.Check(PodSignal("shop"), view).ShouldBeNull();
        _clock.Advance(TimeSpan.FromMinutes(30)); // 03:00: the window has closed
        filter.Check(PodSignal("batch-eu"), view).ShouldBeNull();
        _clock.Advance(TimeSpan.FromHours(23.5)); // 02:30 again
        filter.Check(PodSignal("batch-eu"), view).ShouldBe(DropReason.Suppressed);
    }

    [Fact]
    public void A_window_crossing_midnight_on_chosen_days_belongs_to_the_day_it_starts()
    {
        // Saturday 22:00 to Sunday 04:00, Saturdays only. 2026-11-22 is a Sunday.
        var window = new SuppressionWindow { Name = "weekend", DailyStart = new TimeOnly(22, 0), DailyEnd = new TimeOnly(4, 0), Days = [DayOfWeek.Saturday] };
        window.IsActive(new DateTimeOffset(2026, 11, 21, 23, 0, 0, TimeSpan.Zero)).ShouldBeTrue();  // Saturday evening
        window.IsActive(new DateTimeOffset(2026, 11, 22, 3, 59, 0, TimeSpan.Zero)).ShouldBeTrue();  // early Sunday, started Saturday
        window.IsActive(new DateTimeOffset(2026, 11, 22, 23, 0, 0, TimeSpan.Zero)).ShouldBeFalse(); // Sunday evening
        window.IsActive(new DateTimeOffset(2026, 11, 21, 3, 0, 0, TimeSpan.Zero)).ShouldBeFalse();  // early Saturday, started Friday
        // Times are UTC whatever offset the clock reports.
        window.IsActive(new DateTimeOffset(2026, 11, 22, 0, 30, 0, TimeSpan.FromHours(2))).ShouldBeTrue(); // Saturday 22:30 UTC
    }
}
