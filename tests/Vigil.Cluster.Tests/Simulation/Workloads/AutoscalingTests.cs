using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>The HorizontalPodAutoscaler (autoscaling/v2) against pods' simulated CPU usage.</summary>
public sealed class AutoscalingTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    private static string App(string usage, int max, int target, string requests = "{cpu: 100m}") => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: app
        spec:
          replicas: 1
          selector:
            matchLabels: {app: app}
          template:
            metadata:
              labels: {app: app}
              annotations: {"sim.vigil.io/cpu-usage": "{{usage}}"}
            spec:
              containers:
              - name: app
                image: example/app:1
                resources:
                  requests: {{requests}}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: app
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: app}
          minReplicas: 1
          maxReplicas: {{max}}
          metrics:
          - type: Resource
            resource:
              name: cpu
              target: {type: Utilization, averageUtilization: {{target}}}
        """;

    [Fact]
    public async Task Load_above_target_scales_the_deployment_up_to_its_maximum()
    {
        var ns = await Namespace("hpa");
        await Apply(ns, App("400m", 3, 50));
        var hpa = await WaitFor($"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/app",
            o => Int(o["status"]?["desiredReplicas"]) == 3 && HasCondition(o, "ScalingLimited", "True"), "scaled to the maximum");
        Str(Condition(hpa, "ScalingLimited"), "reason").ShouldBe("TooManyReplicas");
        Str(Condition(hpa, "ScalingLimited"), "message").ShouldBe("the desired replica count is more than the maximum replica count");
        HasCondition(hpa, "AbleToScale", "True").ShouldBeTrue();
        HasCondition(hpa, "ScalingActive", "True", "ValidMetricFound").ShouldBeTrue();
        Str(Condition(hpa, "ScalingActive"), "message").ShouldBe("the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)");
        Str(hpa["status"], "lastScaleTime").ShouldNotBeNull();
        var metric = hpa["status"]!["currentMetrics"]![0]!;
        Str(metric, "type").ShouldBe("Resource");
        Int(metric["resource"]!["current"]!["averageUtilization"]).ShouldBe(400);
        Str(metric["resource"]!["current"], "averageValue").ShouldBe("400m");
        await WaitForEvent(ns, "app", "SuccessfulRescale", "New size: 3; reason: cpu resource utilization (percentage of request) above target");
        await WaitFor($"/apis/apps/v1/namespaces/{ns}/deployments/app", o => Int(o["spec"]?["replicas"]) == 3 && Int(o["status"]?["readyReplicas"]) == 3, "deployment scaled");
        hpa = await WaitFor($"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/app", o => Int(o["status"]?["currentReplicas"]) == 3, "current replicas");
        (await Kubectl.Run("get", "hpa", "app", "-n", ns)).Succeeded().Stdout.ShouldContain("cpu: 400%/50%");
    }

    [Fact]
    public async Task A_moderate_load_scales_within_range_by_the_ratio_to_target()
    {
        var ns = await Namespace("hpamid");
        await Apply(ns, App("150m", 10, 100));
        // The status passes through 2 and goes on once the new pod is ready (below): on a busy machine a poll can miss the
        // moment it says 2, so the step is checked by its event, which stays.
        var hpa = await WaitFor($"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/app",
            o => Int(o["status"]?["desiredReplicas"]) >= 2, "scaled up");
        HasCondition(hpa, "ScalingLimited", "False", "DesiredWithinRange").ShouldBeTrue();
        await WaitForEvent(ns, "app", "SuccessfulRescale", "New size: 2; reason: cpu resource utilization (percentage of request) above target");
        // 150% on two pods is still above target, so the autoscaler goes on (3, then more) once the second pod is
        // ready: the step to 2 is shown by the event above; here only that the Deployment followed it.
        await WaitFor($"/apis/apps/v1/namespaces/{ns}/deployments/app", o => Int(o["spec"]?["replicas"]) >= 2 && Int(o["status"]?["availableReplicas"]) >= 2, "two replicas or more");
    }

    [Fact]
    public async Task Pods_without_cpu_requests_make_the_metric_invalid()
    {
        var ns = await Namespace("hpabad");
        await Apply(ns, App("150m", 3, 50, "{memory: 64Mi}"));
        var hpa = await WaitFor($"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/app",
            o => HasCondition(o, "ScalingActive", "False", "FailedGetResourceMetric")
                 && Str(Condition(o, "ScalingActive"), "message")!.Contains("missing request", StringComparison.Ordinal), "metric invalid");
        Str(Condition(hpa, "ScalingActive"), "message")!.ShouldStartWith("the HPA was unable to compute the replica count: missing request for cpu in container app of Pod app-");
        Int(hpa["status"]!["currentReplicas"]).ShouldBe(1);
        await WaitForEvent(ns, "app", "FailedComputeMetricsReplicas");
    }
}
