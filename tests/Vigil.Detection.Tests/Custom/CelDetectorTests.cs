using Vigil.Detection.Custom;
using Vigil.Detection.Detectors;
using Vigil.Detection.Tests.Correlation;
using Vigil.Detection.Tests.Detectors;

namespace Vigil.Detection.Tests.Custom;

public sealed class CelDetectorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 10, 0, TimeSpan.Zero);
    private readonly ListClusterView _view = new();

    private const string PullingFor8Minutes = """
        {"phase":"Pending","startTime":"2026-11-22T12:02:00Z","containerStatuses":[{"name":"api","ready":false,"restartCount":0,
          "state":{"waiting":{"reason":"ImagePullBackOff","message":"Back-off pulling image"}}}]}
        """;

    private const string PullingFor2Minutes = """
        {"phase":"Pending","startTime":"2026-11-22T12:08:00Z","containerStatuses":[{"name":"api","ready":false,"restartCount":0,
          "state":{"waiting":{"reason":"ImagePullBackOff","message":"Back-off pulling image"}}}]}
        """;

    // The example in examples/: ImagePullBackOff for longer than a parameterised duration.
    private static readonly DetectorDefinition LongImagePull = new("shop", "long-image-pull", "pods", """
        pod.status.phase == 'Pending' &&
        pod.status.containerStatuses.exists(c, has(c.state.waiting) && c.state.waiting.reason == 'ImagePullBackOff') &&
        now - timestamp(pod.status.startTime) > duration(params.after)
        """)
    {
        Description = "Image pull failing for more than 5 minutes",
        Params = new Dictionary<string, string> { ["after"] = "5m" },
        Severity = Severity.Critical,
    };

    [Fact]
    public void A_condition_over_the_pod_fires_on_a_matching_pod_only_and_names_the_detector()
    {
        var detector = CelDetector.Create(LongImagePull, _ => true);
        detector.Name.ShouldBe("cel:shop/long-image-pull");
        detector.Kind.ShouldBe("Pod");
        detector.Options.Severity.ShouldBe(Severity.Critical);

        var finding = detector.Evaluate(Objects.Pod("api-1", PullingFor8Minutes), Now, _view).Single();
        finding.Reason.ShouldBe("long-image-pull");
        finding.Resource.Key.ShouldBe("Pod/shop/api-1");
        finding.Message.ShouldBe("Image pull failing for more than 5 minutes");

        detector.Evaluate(Objects.Pod("api-2", PullingFor2Minutes), Now, _view).ShouldBeEmpty();
        detector.Evaluate(Objects.Pod("api-3", """{"phase":"Running"}"""), Now, _view).ShouldBeEmpty();
        detector.Errors.ShouldBe(0);
    }

    [Fact]
    public void Through_the_engine_it_becomes_a_signal_with_its_severity_and_clears_when_the_pod_recovers()
    {
        var clock = new ManualClock(Now);
        var engine = new DetectorEngine([CelDetector.Create(LongImagePull, _ => true)], clock);
        var signal = engine.Observe(Objects.Pod("api-1", PullingFor8Minutes), _view).Raised.Single();
        signal.Source.ShouldBe("cel:shop/long-image-pull");
        signal.Severity.ShouldBe(Severity.Critical);
        engine.Observe(Objects.Pod("api-1", """{"phase":"Running"}"""), _view).Cleared.ShouldBe([signal.Fingerprint]);
    }

    [Fact]
    public void Objects_outside_its_namespace_scope_are_not_evaluated()
    {
        var detector = CelDetector.Create(LongImagePull with { Condition = "true" }, ns => ns == "shop");
        detector.Evaluate(Objects.Pod("api-1", PullingFor8Minutes, ns: "shop"), Now, _view).ShouldHaveSingleItem();
        detector.Evaluate(Objects.Pod("api-1", PullingFor8Minutes, ns: "billing"), Now, _view).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("pod.status.phase ==", "spec.condition", "Syntax error")]
    [InlineData("size(pod.spec.containers)", "spec.condition", "must return bool")]
    [InlineData("  ", "spec.condition", "is required")]
    // Quadratic over the containers: refused at admission on its estimated cost, not discovered at 3 a.m.
    [InlineData("pod.status.containerStatuses.all(a, pod.status.containerStatuses.exists(b, a.name == b.name))", "spec.condition", "exceeds the cost limit")]
    public void A_condition_that_cannot_be_used_is_refused_when_declared_naming_the_field_and_the_problem(string condition, string field, string problem)
    {
        var e = Should.Throw<InvalidDetectorException>(() => CelDetector.Create(LongImagePull with { Condition = condition }, _ => true));
        e.Field.ShouldBe(field);
        e.Message.ShouldContain(problem, Case.Insensitive);
    }

    [Fact]
    public void An_unknown_resource_is_refused_with_the_list_of_watchable_ones()
    {
        var e = Should.Throw<InvalidDetectorException>(() => CelDetector.Create(LongImagePull with { Resource = "widgets" }, _ => true));
        e.Field.ShouldBe("spec.resource");
        e.Message.ShouldContain("pods, nodes");
    }

    [Fact]
    public void A_missing_field_is_an_evaluation_error_that_is_counted_and_reported_not_a_crash_or_a_signal()
    {
        var detector = CelDetector.Create(LongImagePull with { Condition = "pod.status.podIP.startsWith('10.')" }, _ => true);
        detector.Evaluate(Objects.Pod("api-1", """{"phase":"Pending"}"""), Now, _view).ShouldBeEmpty();
        detector.Errors.ShouldBe(1);
        detector.LastError.ShouldNotBeNull().ShouldContain("shop/api-1");
        detector.LastError.ShouldContain("podIP");
    }

    [Fact]
    public void A_condition_looping_through_a_huge_list_is_stopped_by_the_runtime_cost_limit()
    {
        // Linear, so estimated within budget (lists in the object are assumed to hold up to 1,000 items), but this pod
        // carries 100,000 container statuses: evaluation stops at the runtime limit instead of stalling the pipeline.
        var containers = string.Join(",", Enumerable.Range(0, 100_000).Select(i => $$"""{"name":"c{{i}}"}"""));
        var detector = CelDetector.Create(LongImagePull with
        {
            Condition = "pod.status.containerStatuses.exists(c, c.name.startsWith('x') || c.name.endsWith('y') || c.name.contains('zz'))",
        }, _ => true);
        detector.Evaluate(Objects.Pod("huge", $$"""{"phase":"Running","containerStatuses":[{{containers}}]}"""), Now, _view).ShouldBeEmpty();
        detector.Errors.ShouldBe(1);
        detector.LastError.ShouldNotBeNull().ShouldContain("cost", Case.Insensitive);
    }
}
