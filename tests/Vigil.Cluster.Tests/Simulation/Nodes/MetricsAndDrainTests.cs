using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Nodes;

/// <summary><c>kubectl top</c> over metrics.k8s.io, and <c>kubectl drain</c> through the eviction API.</summary>
public sealed class MetricsAndDrainTests(NodeClusterFixture fx) : IClassFixture<NodeClusterFixture>
{
    [Fact]
    public async Task Kubectl_top_shows_the_usage_the_annotations_describe()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: busy
              labels: {app: busy}
              annotations:
                sim.vigil.io/cpu-usage: 250m
                sim.vigil.io/memory-usage: 300Mi
                sim.vigil.io/sidecar.cpu-usage: 50m
                sim.vigil.io/sidecar.memory-usage: 20Mi
            spec:
              containers:
              - {name: app, image: nginx:1.25}
              - {name: sidecar, image: busybox:1.36}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: quiet}
            spec:
              containers: [{name: app, image: nginx:1.25}]
            """, "metrics");
        await fx.WaitPod("metrics", "busy", p => p.Phase() == "Running", "Running");
        await fx.WaitPod("metrics", "quiet", p => p.Phase() == "Running", "Running");

        var podMetrics = await fx.Get("/apis/metrics.k8s.io/v1beta1/namespaces/metrics/pods/busy");
        podMetrics!["kind"]!.GetValue<string>().ShouldBe("PodMetrics");
        podMetrics["containers"]!.AsArray().Select(c => c!["usage"]!["cpu"]!.GetValue<string>()).ShouldBe(["250000000n", "50000000n"]);
        podMetrics["containers"]![0]!["usage"]!["memory"]!.GetValue<string>().ShouldBe("307200Ki");

        var top = await fx.Kubectl.Run("top", "pods", "-n", "metrics");
        top.Succeeded().Stdout.ShouldContain("busy");
        top.Stdout.ShouldMatch(@"busy\s+300m\s+320Mi");
        top.Stdout.ShouldContain("quiet");
        var containers = await fx.Kubectl.Run("top", "pod", "busy", "-n", "metrics", "--containers");
        containers.Succeeded().Stdout.ShouldMatch(@"busy\s+app\s+250m\s+300Mi");
        var selected = await fx.Kubectl.Run("top", "pods", "-n", "metrics", "-l", "app=busy");
        selected.Succeeded().Stdout.ShouldNotContain("quiet");

        var nodes = await fx.Kubectl.Run("top", "nodes");
        nodes.Succeeded().Stdout.ShouldContain("node-1");
        nodes.Stdout.ShouldContain("CPU(cores)");
        nodes.Stdout.ShouldMatch(@"node-\d\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%");
    }

    [Fact]
    public async Task Drain_evicts_pods_respecting_their_disruption_budget()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Node
            metadata:
              name: drained-node
              labels: {pool: drain}
            """);
        await fx.WaitNode("drained-node", n => n.ConditionStatus("Ready") == "True", "Ready");
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: guarded, labels: {app: guarded}}
            spec:
              nodeSelector: {pool: drain}
              terminationGracePeriodSeconds: 5
              containers: [{name: app, image: nginx:1.25}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: guarded-elsewhere, labels: {app: guarded}}
            spec:
              nodeSelector: {kubernetes.io/hostname: node-1}
              containers: [{name: app, image: nginx:1.25}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: free, labels: {app: free}}
            spec:
              nodeSelector: {pool: drain}
              terminationGracePeriodSeconds: 5
              containers: [{name: app, image: nginx:1.25}]
            ---
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata: {name: guarded}
            spec:
              minAvailable: 2
              selector:
                matchLabels: {app: guarded}
            """, "drain");
        await fx.WaitPod("drain", "guarded", p => p.IsReady(), "Ready");
        await fx.WaitPod("drain", "guarded-elsewhere", p => p.IsReady(), "Ready");
        await fx.WaitPod("drain", "free", p => p.IsReady(), "Ready");
        // Two healthy pods, two needed: no disruption allowed.
        await Budget(allowed: 0, healthy: 2, desired: 2);

        // An eviction the budget forbids is refused with 429 (kubectl drain would keep retrying it).
        var (code, refusal) = await fx.Http.Post("/api/v1/namespaces/drain/pods/guarded/eviction", new JsonObject
        {
            ["apiVersion"] = "policy/v1",
            ["kind"] = "Eviction",
            ["metadata"] = new JsonObject { ["name"] = "guarded", ["namespace"] = "drain" },
        });
        code.ShouldBe(429);
        refusal!["message"]!.GetValue<string>().ShouldBe("Cannot evict pod as it would violate the pod's disruption budget.");
        (await fx.Pod("drain", "guarded")).ShouldNotBeNull();

        (await fx.Kubectl.Run("patch", "pdb", "guarded", "-n", "drain", "--type=merge", "-p", """{"spec":{"minAvailable":1}}""")).Succeeded();
        await Budget(allowed: 1, healthy: 2, desired: 1);
        var drained = await fx.Kubectl.Run("drain", "drained-node", "--force", "--timeout=30s");
        drained.Succeeded().Stdout.ShouldContain("node/drained-node drained");
        drained.Stdout.ShouldContain("pod/guarded evicted");
        drained.Stdout.ShouldContain("pod/free evicted");
        (await fx.Pod("drain", "guarded")).ShouldBeNull();
        (await fx.Pod("drain", "free")).ShouldBeNull();
        (await fx.Pod("drain", "guarded-elsewhere")).ShouldNotBeNull();
        var node = (await fx.Node("drained-node"))!;
        node["spec"]!["unschedulable"]!.GetValue<bool>().ShouldBeTrue();
        (await fx.Kubectl.Run("get", "node", "drained-node")).Stdout.ShouldContain("SchedulingDisabled");
    }

    /// <summary>
    /// Waits for the disruption controller to report the budget; where no disruption controller runs (this branch alone),
    /// sets the status it would compute.
    /// </summary>
    private async Task Budget(int allowed, int healthy, int desired)
    {
        const string path = "/apis/policy/v1/namespaces/drain/poddisruptionbudgets/guarded";
        try
        {
            await Eventually.True(async () =>
            {
                var pdb = (await fx.Get(path))!;
                return pdb["status"]?["observedGeneration"]?.GetValue<long>() == pdb["metadata"]!["generation"]!.GetValue<long>()
                    && pdb["status"]?["disruptionsAllowed"]?.GetValue<int>() == allowed;
            }, TimeSpan.FromSeconds(3), "budget status");
            return;
        }
        catch (TimeoutException)
        {
        }
        var budget = (await fx.Get(path))!;
        budget["status"] = new JsonObject
        {
            ["observedGeneration"] = budget["metadata"]!["generation"]!.GetValue<long>(),
            ["disruptionsAllowed"] = allowed,
            ["currentHealthy"] = healthy,
            ["desiredHealthy"] = desired,
            ["expectedPods"] = 2,
        };
        var (status, body) = await fx.Http.Put(path + "/status", budget);
        status.ShouldBe(200, body?.ToJsonString());
    }
}
