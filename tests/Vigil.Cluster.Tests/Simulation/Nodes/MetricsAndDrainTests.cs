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
              minAvailable: 1
              selector:
                matchLabels: {app: guarded}
            """, "drain");
        await fx.WaitPod("drain", "guarded", p => p.IsReady(), "Ready");
        await fx.WaitPod("drain", "free", p => p.IsReady(), "Ready");
        // No disruption controller runs in this branch: the budget's status is set as it would compute it (1 healthy, 1 needed).
        await SetBudget(allowed: 0);
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

        await SetBudget(allowed: 1);
        var drained = await fx.Kubectl.Run("drain", "drained-node", "--force", "--timeout=30s");
        drained.Succeeded().Stdout.ShouldContain("node/drained-node drained");
        drained.Stdout.ShouldContain("pod/guarded evicted");
        drained.Stdout.ShouldContain("pod/free evicted");
        (await fx.Pod("drain", "guarded")).ShouldBeNull();
        (await fx.Pod("drain", "free")).ShouldBeNull();
        var budget = (await fx.Get("/apis/policy/v1/namespaces/drain/poddisruptionbudgets/guarded"))!;
        budget["status"]!["disruptionsAllowed"]!.GetValue<int>().ShouldBe(0);
        budget["status"]!["disruptedPods"]!["guarded"].ShouldNotBeNull();
        var node = (await fx.Node("drained-node"))!;
        node["spec"]!["unschedulable"]!.GetValue<bool>().ShouldBeTrue();
        (await fx.Kubectl.Run("get", "node", "drained-node")).Stdout.ShouldContain("SchedulingDisabled");
    }

    private async Task SetBudget(int allowed)
    {
        var pdb = (await fx.Get("/apis/policy/v1/namespaces/drain/poddisruptionbudgets/guarded"))!;
        pdb["status"] = new JsonObject
        {
            ["observedGeneration"] = pdb["metadata"]!["generation"]!.GetValue<long>(),
            ["disruptionsAllowed"] = allowed,
            ["currentHealthy"] = 1,
            ["desiredHealthy"] = 1,
            ["expectedPods"] = 1,
        };
        var (status, body) = await fx.Http.Put("/apis/policy/v1/namespaces/drain/poddisruptionbudgets/guarded/status", pdb);
        status.ShouldBe(200, body?.ToJsonString());
    }
}
