using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>PodDisruptionBudgets: the status the disruption controller keeps, and the eviction API reading it.</summary>
public sealed class DisruptionTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    private static string Web(string budget) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 3
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: web
                image: nginx:1.25
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata:
          name: web
        spec:
          {{budget}}
          selector:
            matchLabels: {app: web}
        """;

    private Task<(int Status, JsonNode? Body)> Evict(string ns, string pod) =>
        Fx.Http.Post($"/api/v1/namespaces/{ns}/pods/{pod}/eviction", new JsonObject
        {
            ["apiVersion"] = "policy/v1",
            ["kind"] = "Eviction",
            ["metadata"] = new JsonObject { ["name"] = pod, ["namespace"] = ns },
        });

    private static string Worker(string name) => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
          labels: {app: worker}
        spec:
          containers:
          - name: worker
            image: busybox:1.36
        """;

    [Fact]
    public async Task A_budget_reports_its_pods_and_evictions_respect_it()
    {
        var ns = await Namespace("pdb");
        // Bare pods: nothing replaces an evicted one, so the budget's arithmetic is plain to see.
        await Apply(ns, string.Join("\n---\n", Worker("w1"), Worker("w2"), Worker("w3")) + "\n" + """
            ---
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata:
              name: workers
            spec:
              minAvailable: 2
              selector:
                matchLabels: {app: worker}
            """);
        var pdb = await WaitFor($"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/workers", o => Int(o["status"]?["currentHealthy"]) == 3, "three healthy");
        var st = pdb["status"]!;
        Int(st["desiredHealthy"]).ShouldBe(2);
        Int(st["expectedPods"]).ShouldBe(3);
        Int(st["disruptionsAllowed"]).ShouldBe(1);
        Int(st["observedGeneration"]).ShouldBe(1);
        var condition = Condition(pdb, "DisruptionAllowed")!;
        Str(condition, "status").ShouldBe("True");
        Str(condition, "reason").ShouldBe("SufficientPods");

        (await Evict(ns, "w1")).Status.ShouldBe(201);
        var second = await Evict(ns, "w2");
        second.Status.ShouldBe(429);
        Str(second.Body, "message").ShouldBe("Cannot evict pod as it would violate the pod's disruption budget.");
        pdb = await WaitFor($"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/workers",
            o => Int(o["status"]?["currentHealthy"]) == 2 && o["status"]?["disruptedPods"] is null && Int(o["status"]?["expectedPods"]) == 2, "w1 gone");
        // (A terminating w1 still counts in expectedPods, as the real controller counts every selected pod, until it is gone.)
        Int(pdb["status"]!["disruptionsAllowed"]).ShouldBe(0);
        HasCondition(pdb, "DisruptionAllowed", "False", "InsufficientPods").ShouldBeTrue();

        // A new healthy pod makes room for one disruption again.
        await Apply(ns, Worker("w4"));
        await WaitFor($"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/workers", o => Int(o["status"]?["disruptionsAllowed"]) == 1, "budget restored");
        (await Evict(ns, "w2")).Status.ShouldBe(201);
    }

    [Fact]
    public async Task Evicting_a_deployment_pod_is_allowed_while_the_budget_has_room()
    {
        var ns = await Namespace("pdbdeploy");
        await Apply(ns, Web("minAvailable: 2"));
        await WaitFor($"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/web", o => Int(o["status"]?["disruptionsAllowed"]) == 1, "one disruption allowed");
        var victim = Name((await Pods(ns))[0]);
        (await Evict(ns, victim)).Status.ShouldBe(201);
        // The Deployment replaces the evicted pod and the budget recovers.
        await WaitFor($"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/web",
            o => Int(o["status"]?["currentHealthy"]) == 3 && Int(o["status"]?["disruptionsAllowed"]) == 1 && o["status"]?["disruptedPods"] is null, "budget recovered");
        // The replacement can be ready before the evicted pod has finished terminating: wait for it to go.
        await WaitForList($"/api/v1/namespaces/{ns}/pods", pods => pods.Count == 3 && pods.All(p => Name(p) != victim), "evicted pod gone");
    }

    [Fact]
    public async Task A_percentage_budget_counts_from_the_owners_scale()
    {
        var ns = await Namespace("pdbpct");
        await Apply(ns, Web("maxUnavailable: \"50%\""));
        var pdb = await WaitFor($"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/web", o => Int(o["status"]?["currentHealthy"]) == 3, "three healthy");
        Int(pdb["status"]!["expectedPods"]).ShouldBe(3);
        Int(pdb["status"]!["desiredHealthy"]).ShouldBe(1);
        Int(pdb["status"]!["disruptionsAllowed"]).ShouldBe(2);
        (await Kubectl.Run("scale", "deployment/web", "--replicas=0", "-n", ns)).Succeeded();
        pdb = await WaitFor($"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/web", o => Int(o["status"]?["expectedPods"]) == 0 && Int(o["status"]?["currentHealthy"]) == 0, "scaled to zero");
        Int(pdb["status"]!["disruptionsAllowed"]).ShouldBe(0);
        HasCondition(pdb, "DisruptionAllowed", "False", "InsufficientPods").ShouldBeTrue();
    }
}
