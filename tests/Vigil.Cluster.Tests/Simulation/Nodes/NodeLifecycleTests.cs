using System.Text.Json.Nodes;
using Vigil.Cluster.Server;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Nodes;

/// <summary>A faster cluster (50x) for node failures, whose consequences take minutes of cluster time.</summary>
public sealed class FastNodeClusterFixture : NodeClusterFixture
{
    protected override ClusterOptions Options => new() { Simulate = true, Speed = 50, Nodes = 3 };
}

/// <summary>Node failures and what the node lifecycle controller does about them.</summary>
public sealed class NodeLifecycleTests(FastNodeClusterFixture fx) : IClassFixture<FastNodeClusterFixture>
{
    [Fact]
    public async Task Pods_on_a_NotReady_node_turn_not_ready_and_are_evicted_after_their_toleration()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Node
            metadata:
              name: sick-node
              labels: {pool: sick}
            """);
        await fx.WaitNode("sick-node", n => n.ConditionStatus("Ready") == "True", "Ready");
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: patient}
            spec:
              nodeSelector: {pool: sick}
              containers: [{name: app, image: nginx:1.25}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: impatient}
            spec:
              nodeSelector: {pool: sick}
              tolerations:
              - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 30}
              containers: [{name: app, image: nginx:1.25}]
            """, "sick");
        await fx.WaitPod("sick", "patient", p => p.IsReady(), "Ready");
        await fx.WaitPod("sick", "impatient", p => p.IsReady(), "Ready");

        (await fx.Kubectl.Run("annotate", "node", "sick-node", "sim.vigil.io/condition=NotReady")).Succeeded();
        var node = await fx.WaitNode("sick-node", n => n.ConditionStatus("Ready") == "False" && n["spec"]?["taints"] is JsonArray { Count: 2 }, "NotReady and tainted");
        node.Condition("Ready")!["reason"]!.GetValue<string>().ShouldBe("KubeletNotReady");
        var taints = node["spec"]!["taints"]!.AsArray().OfType<JsonObject>().ToList();
        taints.Select(t => $"{t["key"]}:{t["effect"]}").ShouldBe(["node.kubernetes.io/not-ready:NoSchedule", "node.kubernetes.io/not-ready:NoExecute"]);
        taints[1]["timeAdded"].ShouldNotBeNull();
        (await fx.Kubectl.Run("get", "node", "sick-node")).Stdout.ShouldContain("NotReady");

        var patient = await fx.WaitPod("sick", "patient", p => p.ConditionStatus("Ready") == "False", "not ready");
        patient.Phase().ShouldBe("Running");
        patient.ConditionStatus("ContainersReady").ShouldBe("True");
        var notReady = await fx.WaitEvent("sick", "patient", "NodeNotReady", "Node is not ready");
        notReady["type"]!.GetValue<string>().ShouldBe("Warning");
        await fx.WaitEvent("default", "sick-node", "NodeNotReady", "Node sick-node status is now: NodeNotReady", kind: "Node");

        // 30 s of toleration: evicted first; the default 300 s: evicted later (6 s real at 50x).
        var eviction = await fx.WaitEvent("sick", "impatient", "TaintManagerEviction", "Marking for deletion Pod sick/impatient", 20);
        eviction["source"]!["component"]!.GetValue<string>().ShouldBe("taint-eviction-controller");
        await Eventually.True(async () => await fx.Pod("sick", "impatient") is null, TimeSpan.FromSeconds(20), "impatient pod deleted");
        (await fx.Pod("sick", "patient")).ShouldNotBeNull("the default toleration of 300 s has not run out yet");
        await fx.WaitEvent("sick", "patient", "TaintManagerEviction", seconds: 30);
        await Eventually.True(async () => await fx.Pod("sick", "patient") is null, TimeSpan.FromSeconds(20), "patient pod deleted");

        (await fx.Kubectl.Run("annotate", "node", "sick-node", "sim.vigil.io/condition-")).Succeeded();
        await fx.WaitNode("sick-node", n => n.ConditionStatus("Ready") == "True" && n["spec"]?["taints"] is null, "Ready again");
    }

    [Fact]
    public async Task A_node_whose_kubelet_stops_becomes_Unknown_after_the_grace_period()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Node
            metadata:
              name: lost-node
            """);
        await fx.WaitNode("lost-node", n => n.ConditionStatus("Ready") == "True", "Ready");
        (await fx.Kubectl.Run("annotate", "node", "lost-node", "sim.vigil.io/condition=Unreachable")).Succeeded();
        var node = await fx.WaitNode("lost-node", n => n.ConditionStatus("Ready") == "Unknown", "Unknown", 20);
        node.Condition("Ready")!["reason"]!.GetValue<string>().ShouldBe("NodeStatusUnknown");
        node.Condition("Ready")!["message"]!.GetValue<string>().ShouldBe("Kubelet stopped posting node status.");
        node.Condition("MemoryPressure")!["status"]!.GetValue<string>().ShouldBe("Unknown");
        node = await fx.WaitNode("lost-node", n => n["spec"]?["taints"] is JsonArray { Count: 2 }, "unreachable taints");
        node["spec"]!["taints"]!.AsArray().Select(t => $"{t!["key"]}:{t["effect"]}").ShouldBe(["node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"]);

        (await fx.Kubectl.Run("annotate", "node", "lost-node", "sim.vigil.io/condition-")).Succeeded();
        await fx.WaitNode("lost-node", n => n.ConditionStatus("Ready") == "True" && n["spec"]?["taints"] is null, "back");
    }
}
