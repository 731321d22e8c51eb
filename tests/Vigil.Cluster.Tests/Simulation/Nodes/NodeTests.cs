using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Nodes;

/// <summary>Nodes as kubelets register and report them: capacity, labels, conditions, leases, cordoning, nodes from manifests.</summary>
public sealed class NodeTests(NodeClusterFixture fx) : IClassFixture<NodeClusterFixture>
{
    [Fact]
    public async Task The_cluster_starts_with_ready_nodes_that_look_like_kubelet_registered_ones()
    {
        var get = await fx.Kubectl.Run("get", "nodes");
        get.Succeeded().Stdout.ShouldContain("node-1");
        get.Stdout.ShouldContain("Ready");
        get.Stdout.ShouldContain("v1.33.0");
        var node = await fx.WaitNode("node-2", n => n.ConditionStatus("Ready") == "True", "Ready");
        var status = node["status"]!;
        status["capacity"]!["cpu"]!.GetValue<string>().ShouldBe("4");
        status["capacity"]!["memory"]!.GetValue<string>().ShouldBe("16Gi");
        status["capacity"]!["pods"]!.GetValue<string>().ShouldBe("110");
        status["allocatable"]!["cpu"]!.GetValue<string>().ShouldBe("4");
        var labels = node["metadata"]!["labels"]!;
        labels["kubernetes.io/hostname"]!.GetValue<string>().ShouldBe("node-2");
        labels["kubernetes.io/os"]!.GetValue<string>().ShouldBe("linux");
        labels["kubernetes.io/arch"]!.GetValue<string>().ShouldBe("amd64");
        labels["topology.kubernetes.io/zone"]!.GetValue<string>().ShouldBe("vigil-1b");
        labels["node.kubernetes.io/instance-type"]!.GetValue<string>().ShouldBe("standard-4");
        foreach (var (type, reason) in new[] { ("MemoryPressure", "KubeletHasSufficientMemory"), ("DiskPressure", "KubeletHasNoDiskPressure"), ("PIDPressure", "KubeletHasSufficientPID"), ("Ready", "KubeletReady") })
        {
            node.Condition(type)!["reason"]!.GetValue<string>().ShouldBe(reason);
            node.Condition(type)!["lastHeartbeatTime"].ShouldNotBeNull();
        }
        status["nodeInfo"]!["kubeletVersion"]!.GetValue<string>().ShouldBe("v1.33.0");
        status["nodeInfo"]!["containerRuntimeVersion"]!.GetValue<string>().ShouldStartWith("containerd://");
        status["addresses"]!.AsArray().Select(a => a!["type"]!.GetValue<string>()).ShouldBe(["InternalIP", "Hostname"]);
        node["spec"]!["podCIDR"]!.GetValue<string>().ShouldEndWith(".0/24");
    }

    [Fact]
    public async Task Kubelets_renew_their_leases_in_kube_node_lease()
    {
        var first = await Eventually.Until(() => fx.Get("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1"), l => l is not null, TimeSpan.FromSeconds(10), "lease");
        first!["spec"]!["holderIdentity"]!.GetValue<string>().ShouldBe("node-1");
        first["spec"]!["leaseDurationSeconds"]!.GetValue<int>().ShouldBe(40);
        first["metadata"]!["ownerReferences"]![0]!["kind"]!.GetValue<string>().ShouldBe("Node");
        var renewed = first["spec"]!["renewTime"]!.GetValue<string>();
        await Eventually.True(async () =>
            (await fx.Get("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1"))!["spec"]!["renewTime"]!.GetValue<string>() != renewed,
            TimeSpan.FromSeconds(10), "renewTime advances");
        var list = await fx.Get("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases");
        list!["items"]!.AsArray().Count.ShouldBeGreaterThanOrEqualTo(3);
    }

    [Fact]
    public async Task A_node_from_a_manifest_registers_and_takes_pods()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Node
            metadata:
              name: gpu-node
              labels: {accelerator: gpu}
            status:
              capacity: {cpu: "16", memory: 64Gi, pods: "20", example.com/gpu: "2"}
            """);
        var node = await fx.WaitNode("gpu-node", n => n.ConditionStatus("Ready") == "True", "Ready");
        node["status"]!["allocatable"]!["example.com/gpu"]!.GetValue<string>().ShouldBe("2");
        node["metadata"]!["labels"]!["kubernetes.io/hostname"]!.GetValue<string>().ShouldBe("gpu-node");
        node["metadata"]!["labels"]!["node.kubernetes.io/instance-type"]!.GetValue<string>().ShouldBe("standard-16");
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: trainer}
            spec:
              containers:
              - name: train
                image: pytorch/pytorch:2.3.0
                resources:
                  limits: {example.com/gpu: "2"}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: trainer-2}
            spec:
              containers:
              - name: train
                image: pytorch/pytorch:2.3.0
                resources:
                  limits: {example.com/gpu: "1"}
            """, "gpus");
        (await fx.WaitPod("gpus", "trainer", p => p.Phase() == "Running", "Running")).NodeName().ShouldBe("gpu-node");
        var waiting = await fx.WaitPod("gpus", "trainer-2", p => p.Condition("PodScheduled")?["reason"]?.GetValue<string>() == "Unschedulable", "Unschedulable");
        waiting.Condition("PodScheduled")!["message"]!.GetValue<string>().ShouldContain("Insufficient example.com/gpu");
    }

    [Fact]
    public async Task Cordoning_a_node_taints_it_and_keeps_new_pods_away()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Node
            metadata:
              name: cordoned-node
              labels: {pool: cordon}
            """);
        await fx.WaitNode("cordoned-node", n => n.ConditionStatus("Ready") == "True", "Ready");
        (await fx.Kubectl.Run("cordon", "cordoned-node")).Succeeded();
        var node = await fx.WaitNode("cordoned-node", n => n["spec"]?["taints"] is JsonArray t && t.Count > 0, "tainted");
        node["spec"]!["unschedulable"]!.GetValue<bool>().ShouldBeTrue();
        node["spec"]!["taints"]![0]!.ToJsonString().ShouldBe("""{"key":"node.kubernetes.io/unschedulable","effect":"NoSchedule"}""");
        (await fx.Kubectl.Run("get", "node", "cordoned-node")).Stdout.ShouldContain("Ready,SchedulingDisabled");

        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: wants-cordoned}
            spec:
              nodeSelector: {pool: cordon}
              containers: [{name: app, image: nginx:1.25}]
            """, "cordon");
        var pod = await fx.WaitPod("cordon", "wants-cordoned", p => p.Condition("PodScheduled")?["reason"]?.GetValue<string>() == "Unschedulable", "Unschedulable");
        pod.Condition("PodScheduled")!["message"]!.GetValue<string>().ShouldContain("1 node(s) were unschedulable");

        (await fx.Kubectl.Run("uncordon", "cordoned-node")).Succeeded();
        (await fx.WaitPod("cordon", "wants-cordoned", p => p.Phase() == "Running", "Running after uncordon")).NodeName().ShouldBe("cordoned-node");
        (await fx.Node("cordoned-node"))!["spec"]!["taints"].ShouldBeNull();
    }

    [Fact]
    public async Task Memory_pressure_sets_the_condition_and_the_NoSchedule_taint()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Node
            metadata:
              name: pressured-node
              annotations: {sim.vigil.io/condition: MemoryPressure}
            """);
        var node = await fx.WaitNode("pressured-node", n => n.ConditionStatus("MemoryPressure") == "True" && n["spec"]?["taints"] is JsonArray, "MemoryPressure");
        node.Condition("MemoryPressure")!["reason"]!.GetValue<string>().ShouldBe("KubeletHasInsufficientMemory");
        node.Condition("MemoryPressure")!["message"]!.GetValue<string>().ShouldBe("kubelet has insufficient memory available");
        node.ConditionStatus("Ready").ShouldBe("True");
        node["spec"]!["taints"]!.AsArray().Select(t => t!.ToJsonString()).ShouldBe(["""{"key":"node.kubernetes.io/memory-pressure","effect":"NoSchedule"}"""]);
        await fx.WaitEvent("default", "pressured-node", "NodeHasInsufficientMemory", "Node pressured-node status is now: NodeHasInsufficientMemory", kind: "Node");

        (await fx.Kubectl.Run("annotate", "node", "pressured-node", "sim.vigil.io/condition-")).Succeeded();
        node = await fx.WaitNode("pressured-node", n => n.ConditionStatus("MemoryPressure") == "False" && n["spec"]?["taints"] is null, "pressure gone");
        node.Condition("MemoryPressure")!["reason"]!.GetValue<string>().ShouldBe("KubeletHasSufficientMemory");
    }

    [Fact]
    public async Task Under_memory_pressure_the_kubelet_evicts_the_pods_using_more_memory_than_they_request()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Node
            metadata:
              name: evicting-node
              labels: {pool: evicting}
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: greedy
              annotations: {sim.vigil.io/memory-usage: 900Mi}
            spec:
              nodeSelector: {pool: evicting}
              containers: [{name: cache, image: redis:7.4, resources: {requests: {memory: 256Mi}}}]
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: modest
              annotations: {sim.vigil.io/memory-usage: 40Mi}
            spec:
              nodeSelector: {pool: evicting}
              containers: [{name: agent, image: busybox:1.36, resources: {requests: {memory: 64Mi}}}]
            """);
        await fx.WaitPod("default", "greedy", p => p.Phase() == "Running", "greedy running");
        await fx.WaitPod("default", "modest", p => p.Phase() == "Running", "modest running");
        (await fx.Kubectl.Run("annotate", "node", "evicting-node", "sim.vigil.io/condition=MemoryPressure")).Succeeded();

        var evicted = await fx.WaitPod("default", "greedy", p => p.Phase() == "Failed", "greedy evicted");
        evicted["status"]!["reason"]!.GetValue<string>().ShouldBe("Evicted");
        evicted["status"]!["message"]!.GetValue<string>().ShouldContain("The node was low on resource: memory.");
        evicted["status"]!["message"]!.GetValue<string>().ShouldContain("Container cache was using 900Mi, request is 256Mi");
        await fx.WaitEvent("default", "greedy", "Evicted", "The node was low on resource: memory.");
        (await fx.WaitPod("default", "modest", p => p.Phase() is not null, "modest")).Phase().ShouldBe("Running");
    }
}
