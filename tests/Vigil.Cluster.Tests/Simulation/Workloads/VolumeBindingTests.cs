using System.Diagnostics;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>
/// WaitForFirstConsumer with statically provisioned volumes (<c>kubernetes.io/no-provisioner</c>, as local volumes
/// are used): the pod waits for a volume, and a matching volume created later is bound and the pod starts where the
/// volume is.
/// </summary>
public sealed class VolumeBindingTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    [Fact]
    public async Task A_static_volume_created_after_its_consumer_is_bound_and_the_pod_starts_on_the_volumes_node()
    {
        var ns = await Namespace("wffc");
        var storageClass = $"local-{ns}";
        await Apply(ns, $$$"""
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: {{{storageClass}}}}
            provisioner: kubernetes.io/no-provisioner
            volumeBindingMode: WaitForFirstConsumer
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data}
            spec:
              storageClassName: {{{storageClass}}}
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 2Gi}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: app}
            spec:
              containers: [{name: app, image: nginx:1.25}]
              volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
            """);

        // No volume and a class that cannot provision one: the scheduler's VolumeBinding rejects every node.
        var pending = await WaitFor($"/api/v1/namespaces/{ns}/pods/app", p => HasCondition(p, "PodScheduled", "False", "Unschedulable"), "unschedulable");
        Str(Condition(pending, "PodScheduled"), "message").ShouldBe(
            "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
        await WaitForEvent(ns, "app", "FailedScheduling");
        await WaitForEvent(ns, "data", "WaitForPodScheduled", "waiting for pod app to be scheduled");
        var claim = (await Get($"/api/v1/namespaces/{ns}/persistentvolumeclaims/data"))!;
        Str(claim["status"], "phase").ShouldBe("Pending");

        // A local volume on node-2, too small, and one that fits: the one that fits is chosen, and the pod follows it.
        var clock = Stopwatch.StartNew();
        await Apply(ns, $$$"""
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: {{{ns}}}-small}
            spec:
              storageClassName: {{{storageClass}}}
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteOnce]
              local: {path: /mnt/disks/small}
              nodeAffinity:
                required:
                  nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [node-2]}]}]
            ---
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: {{{ns}}}-disk}
            spec:
              storageClassName: {{{storageClass}}}
              capacity: {storage: 5Gi}
              accessModes: [ReadWriteOnce]
              local: {path: /mnt/disks/vol1}
              nodeAffinity:
                required:
                  nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [node-2]}]}]
            """);
        var pod = await WaitFor($"/api/v1/namespaces/{ns}/pods/app", p => Str(p["status"], "phase") == "Running", "pod Running", TimeSpan.FromSeconds(60));
        var clusterSeconds = clock.Elapsed.TotalSeconds * WorkloadFixture.ClusterSpeed;
        Str(pod["spec"], "nodeName").ShouldBe("node-2");
        // The scheduler retries within its 10 s back-off once a volume appears; a pull and a start follow (a few cluster seconds).
        clusterSeconds.ShouldBeLessThan(120, "cluster seconds from the volume's creation to the pod Running");

        var pv = await WaitFor($"/api/v1/persistentvolumes/{ns}-disk", v => Str(v["status"], "phase") == "Bound", "volume bound");
        Str(pv["spec"]!["claimRef"], "name").ShouldBe("data");
        Str(pv["spec"]!["claimRef"], "namespace").ShouldBe(ns);
        claim = await WaitFor($"/api/v1/namespaces/{ns}/persistentvolumeclaims/data", c => Str(c["status"], "phase") == "Bound", "claim bound");
        Str(claim["spec"], "volumeName").ShouldBe($"{ns}-disk");
        Str(claim["status"]!["capacity"], "storage").ShouldBe("5Gi");
        // A static volume is bound, not provisioned: no node is selected for a provisioner.
        (claim["metadata"]?["annotations"]?["volume.kubernetes.io/selected-node"]).ShouldBeNull();
        Str((await Get($"/api/v1/persistentvolumes/{ns}-small"))!["status"], "phase").ShouldBe("Available");
    }
}
