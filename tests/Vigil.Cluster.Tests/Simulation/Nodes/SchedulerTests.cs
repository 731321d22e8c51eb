using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Nodes;

/// <summary>The scheduler over three 4-CPU, 16Gi nodes: where pods go, and the real messages when they cannot.</summary>
public sealed class SchedulerTests(NodeClusterFixture fx) : IClassFixture<NodeClusterFixture>
{
    private async Task<JsonObject> Unschedulable(string ns, string name)
    {
        var pod = await fx.WaitPod(ns, name, p => p.Condition("PodScheduled")?["reason"]?.GetValue<string>() == "Unschedulable", "Unschedulable");
        pod.Phase().ShouldBe("Pending");
        pod.NodeName().ShouldBeNull();
        pod.ConditionStatus("PodScheduled").ShouldBe("False");
        return pod;
    }

    [Fact]
    public async Task A_pod_too_big_for_every_node_stays_Pending_with_the_real_message()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: huge}
            spec:
              containers:
              - name: app
                image: nginx:1.25
                resources:
                  requests: {cpu: "8"}
            """, "sched-cpu");
        var pod = await Unschedulable("sched-cpu", "huge");
        const string message = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
        pod.Condition("PodScheduled")!["message"]!.GetValue<string>().ShouldBe(message);
        var failed = await fx.WaitEvent("sched-cpu", "huge", "FailedScheduling");
        failed["type"]!.GetValue<string>().ShouldBe("Warning");
        failed["message"]!.GetValue<string>().ShouldBe(message);
        failed["source"]!["component"]!.GetValue<string>().ShouldBe("default-scheduler");
        (await fx.Kubectl.Run("get", "pod", "huge", "-n", "sched-cpu")).Stdout.ShouldContain("Pending");
        var describe = await fx.Kubectl.Run("describe", "pod", "huge", "-n", "sched-cpu");
        describe.Succeeded().Stdout.ShouldContain("FailedScheduling");
    }

    [Fact]
    public async Task Memory_and_selectors_give_their_own_reasons()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: memory-hog}
            spec:
              containers:
              - name: app
                image: nginx:1.25
                resources:
                  limits: {memory: 20Gi}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: picky}
            spec:
              nodeSelector: {disktype: ssd}
              containers: [{name: app, image: nginx:1.25}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: nowhere}
            spec:
              affinity:
                nodeAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms:
                    - matchExpressions:
                      - {key: topology.kubernetes.io/zone, operator: In, values: [mars-1a]}
              containers: [{name: app, image: nginx:1.25}]
            """, "sched-reasons");
        (await Unschedulable("sched-reasons", "memory-hog")).Condition("PodScheduled")!["message"]!.GetValue<string>()
            .ShouldBe("0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
        (await Unschedulable("sched-reasons", "picky")).Condition("PodScheduled")!["message"]!.GetValue<string>()
            .ShouldBe("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
        (await Unschedulable("sched-reasons", "nowhere")).Condition("PodScheduled")!["message"]!.GetValue<string>()
            .ShouldBe("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
    }

    [Fact]
    public async Task Required_node_affinity_picks_the_matching_node()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: zonal}
            spec:
              affinity:
                nodeAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms:
                    - matchExpressions:
                      - {key: topology.kubernetes.io/zone, operator: In, values: [vigil-1b]}
              containers: [{name: app, image: nginx:1.25}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: pinned}
            spec:
              nodeSelector: {kubernetes.io/hostname: node-3}
              containers: [{name: app, image: nginx:1.25}]
            """, "sched-affinity");
        var zonal = await fx.WaitPod("sched-affinity", "zonal", p => p.NodeName() is not null, "bound");
        var node = (await fx.Node(zonal.NodeName()!))!;
        node["metadata"]!["labels"]!["topology.kubernetes.io/zone"]!.GetValue<string>().ShouldBe("vigil-1b");
        (await fx.WaitPod("sched-affinity", "pinned", p => p.NodeName() is not null, "bound")).NodeName().ShouldBe("node-3");
    }

    [Fact]
    public async Task Requests_are_counted_against_allocatable_and_a_freed_node_takes_the_waiting_pod()
    {
        var pods = string.Join("---\n", Enumerable.Range(1, 4).Select(i => $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: big-{{i}}}
            spec:
              containers:
              - name: app
                image: nginx:1.25
                resources:
                  requests: {cpu: "3", memory: 1Gi}

            """));
        await fx.Apply(pods, "sched-fill");
        var bound = new List<JsonObject>();
        foreach (var i in Enumerable.Range(1, 3))
            bound.Add(await fx.WaitPod("sched-fill", $"big-{i}", p => p.NodeName() is not null, "bound"));
        bound.Select(p => p.NodeName()).Distinct().Count().ShouldBe(3);
        var waiting = await Unschedulable("sched-fill", "big-4");
        waiting.Condition("PodScheduled")!["message"]!.GetValue<string>().ShouldStartWith("0/3 nodes are available: 3 Insufficient cpu.");

        (await fx.Kubectl.Run("delete", "pod", "big-1", "-n", "sched-fill", "--grace-period=1")).Succeeded();
        var scheduled = await fx.WaitPod("sched-fill", "big-4", p => p.NodeName() is not null, "bound once capacity was freed");
        scheduled.NodeName().ShouldBe(bound[0].NodeName());
        await fx.WaitPod("sched-fill", "big-4", p => p.Phase() == "Running", "Running");
        (await fx.Kubectl.Run("delete", "namespace", "sched-fill", "--wait=false")).Succeeded();
    }

    [Fact]
    public async Task Scheduling_gates_hold_a_pod_until_they_are_removed()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: gated}
            spec:
              schedulingGates: [{name: example.com/wait}]
              containers: [{name: app, image: nginx:1.25}]
            """, "sched-gates");
        var pod = await fx.WaitPod("sched-gates", "gated", p => p.Condition("PodScheduled")?["reason"]?.GetValue<string>() == "SchedulingGated", "gated");
        pod.Condition("PodScheduled")!["message"]!.GetValue<string>().ShouldBe("Scheduling is blocked due to non-empty scheduling gates");
        (await fx.Kubectl.Run("get", "pod", "gated", "-n", "sched-gates")).Stdout.ShouldContain("SchedulingGated");
        (await fx.Kubectl.Run("patch", "pod", "gated", "-n", "sched-gates", "--type=json", "-p", """[{"op":"remove","path":"/spec/schedulingGates"}]""")).Succeeded();
        await fx.WaitPod("sched-gates", "gated", p => p.Phase() == "Running", "Running once ungated");
    }

    [Fact]
    public async Task New_pods_get_the_default_not_ready_and_unreachable_tolerations()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: tolerant}
            spec:
              containers: [{name: app, image: nginx:1.25}]
            """, "sched-tolerations");
        var pod = (await fx.Pod("sched-tolerations", "tolerant"))!;
        var tolerations = pod["spec"]!["tolerations"]!.AsArray().Select(t => t!.ToJsonString()).ToList();
        tolerations.ShouldBe([
            """{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}""",
            """{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}""",
        ]);
    }

    [Fact]
    public async Task Claims_hold_pods_until_they_can_be_bound()
    {
        await fx.Apply("""
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: late-binding}
            provisioner: sim.vigil.io/fail
            volumeBindingMode: WaitForFirstConsumer
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: immediate}
            spec:
              storageClassName: nowhere
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: late}
            spec:
              storageClassName: late-binding
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: no-claim}
            spec:
              containers: [{name: app, image: nginx:1.25}]
              volumes: [{name: data, persistentVolumeClaim: {claimName: missing}}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: unbound-claim}
            spec:
              containers: [{name: app, image: nginx:1.25}]
              volumes: [{name: data, persistentVolumeClaim: {claimName: immediate}}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: late-claim}
            spec:
              containers: [{name: app, image: nginx:1.25}]
              volumes: [{name: data, persistentVolumeClaim: {claimName: late}}]
            """, "sched-claims");
        (await Unschedulable("sched-claims", "no-claim")).Condition("PodScheduled")!["message"]!.GetValue<string>()
            .ShouldBe("0/3 nodes are available: persistentvolumeclaim \"missing\" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
        (await Unschedulable("sched-claims", "unbound-claim")).Condition("PodScheduled")!["message"]!.GetValue<string>()
            .ShouldBe("0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
        // A claim that waits for its first consumer, of a class that can provision (even if it then fails to), lets the
        // pod be scheduled; the kubelet then waits for it to be bound. (With kubernetes.io/no-provisioner and no volume
        // the pod stays unschedulable: VolumeBindingTests.)
        var late = await fx.WaitPod("sched-claims", "late-claim", p => p.WaitingReason("app") == "ContainerCreating", "scheduled, waiting for its claim");
        late.NodeName().ShouldNotBeNull();
        late.ConditionStatus("PodReadyToStartContainers").ShouldBe("False");
        // The claim learns the node the pod was scheduled to, as VolumeBinding's pre-bind step does.
        var claim = (await fx.Get("/api/v1/namespaces/sched-claims/persistentvolumeclaims/late"))!;
        claim["metadata"]!["annotations"]!["volume.kubernetes.io/selected-node"]!.GetValue<string>().ShouldBe(late.NodeName());
    }
}
