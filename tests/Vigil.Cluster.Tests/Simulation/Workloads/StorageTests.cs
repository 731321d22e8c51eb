using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>PersistentVolumeClaims: dynamic provisioning, unknown classes, failing provisioners, WaitForFirstConsumer, static volumes, reclaim.</summary>
public sealed class StorageTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    private static string Claim(string name, string size = "1Gi", string? storageClass = null) => $$"""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: {{name}}
        spec:
          accessModes: [ReadWriteOnce]
        {{(storageClass is null ? "" : $"  storageClassName: {storageClass}")}}
          resources:
            requests: {storage: {{size}}}
        """;

    [Fact]
    public async Task The_default_class_provisions_and_binds_a_volume()
    {
        var sc = (await Get("/apis/storage.k8s.io/v1/storageclasses/standard"))!;
        Str(sc, "provisioner").ShouldBe("sim.vigil.io/hostpath");
        Str(sc["metadata"]!["annotations"], "storageclass.kubernetes.io/is-default-class").ShouldBe("true");

        var ns = await Namespace("pvc");
        await Apply(ns, Claim("data", "2Gi"));
        var pvc = await WaitFor($"/api/v1/namespaces/{ns}/persistentvolumeclaims/data", c => Str(c["status"], "phase") == "Bound", "bound");
        Str(pvc["spec"], "storageClassName").ShouldBe("standard");
        var volume = Str(pvc["spec"], "volumeName")!;
        volume.ShouldBe($"pvc-{Str(pvc["metadata"], "uid")}");
        Str(pvc["status"]!["capacity"], "storage").ShouldBe("2Gi");
        pvc["status"]!["accessModes"]![0]!.GetValue<string>().ShouldBe("ReadWriteOnce");
        Str(pvc["metadata"]!["annotations"], "pv.kubernetes.io/bind-completed").ShouldBe("yes");
        Str(pvc["metadata"]!["annotations"], "volume.kubernetes.io/storage-provisioner").ShouldBe("sim.vigil.io/hostpath");
        pvc["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldContain("kubernetes.io/pvc-protection");

        var pv = await WaitFor($"/api/v1/persistentvolumes/{volume}", v => Str(v["status"], "phase") == "Bound", "volume bound");
        Str(pv["spec"]!["claimRef"], "name").ShouldBe("data");
        Str(pv["spec"]!["claimRef"], "namespace").ShouldBe(ns);
        Str(pv["spec"], "persistentVolumeReclaimPolicy").ShouldBe("Delete");
        Str(pv["spec"]!["capacity"], "storage").ShouldBe("2Gi");
        Str(pv["metadata"]!["annotations"], "pv.kubernetes.io/provisioned-by").ShouldBe("sim.vigil.io/hostpath");
        await WaitForEvent(ns, "data", "ProvisioningSucceeded", $"Successfully provisioned volume {volume}");
        await WaitForEvent(ns, "data", "ExternalProvisioning");

        // Deleting the claim releases the volume, which its Delete policy removes.
        (await Kubectl.Run("delete", "pvc", "data", "-n", ns)).Succeeded();
        await Eventually.True(async () => await Get($"/api/v1/persistentvolumes/{volume}") is null, Timeout, "volume deleted");
    }

    [Fact]
    public async Task An_unknown_class_and_a_failing_provisioner_leave_claims_pending_with_events()
    {
        var ns = await Namespace("stuck");
        await Apply(ns, Claim("lost", storageClass: "fast-ssd"));
        var evt = await WaitForEvent(ns, "lost", "ProvisioningFailed", "storageclass.storage.k8s.io \"fast-ssd\" not found");
        Str(evt, "type").ShouldBe("Warning");
        Str(evt["source"], "component").ShouldBe("persistentvolume-controller");

        await Apply(ns, """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata:
              name: broken
            provisioner: sim.vigil.io/fail
            """);
        await Apply(ns, Claim("doomed", storageClass: "broken"));
        var failed = await WaitForEvent(ns, "doomed", "ProvisioningFailed");
        Str(failed, "message")!.ShouldStartWith("failed to provision volume with StorageClass \"broken\"");
        (await Get($"/api/v1/namespaces/{ns}/persistentvolumeclaims/lost"))!["status"]!["phase"]!.GetValue<string>().ShouldBe("Pending");
        (await Get($"/api/v1/namespaces/{ns}/persistentvolumeclaims/doomed"))!["status"]!["phase"]!.GetValue<string>().ShouldBe("Pending");
    }

    [Fact]
    public async Task Wait_for_first_consumer_binds_when_a_pod_using_the_claim_is_scheduled()
    {
        var ns = await Namespace("wffc");
        await Apply(ns, """
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata:
              name: local-wffc
            provisioner: sim.vigil.io/hostpath
            volumeBindingMode: WaitForFirstConsumer
            """);
        await Apply(ns, Claim("cache", storageClass: "local-wffc"));
        await WaitForEvent(ns, "cache", "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
        (await Get($"/api/v1/namespaces/{ns}/persistentvolumeclaims/cache"))!["status"]!["phase"]!.GetValue<string>().ShouldBe("Pending");
        await Apply(ns, """
            apiVersion: v1
            kind: Pod
            metadata:
              name: user
            spec:
              containers:
              - name: app
                image: nginx:1.25
                volumeMounts: [{name: cache, mountPath: /cache}]
              volumes:
              - name: cache
                persistentVolumeClaim: {claimName: cache}
            """);
        var pod = await WaitFor($"/api/v1/namespaces/{ns}/pods/user", p => Str(p["spec"], "nodeName") is not null, "scheduled");
        var pvc = await WaitFor($"/api/v1/namespaces/{ns}/persistentvolumeclaims/cache", c => Str(c["status"], "phase") == "Bound", "bound after scheduling");
        Str(pvc["metadata"]!["annotations"], "volume.kubernetes.io/selected-node").ShouldBe(Str(pod["spec"], "nodeName"));
        var pv = (await Get($"/api/v1/persistentvolumes/{Str(pvc["spec"], "volumeName")}"))!;
        pv["spec"]!["nodeAffinity"]!["required"]!["nodeSelectorTerms"]![0]!["matchExpressions"]![0]!["values"]![0]!.GetValue<string>().ShouldBe(Str(pod["spec"], "nodeName"));
    }

    [Fact]
    public async Task Static_volumes_are_matched_by_class_size_and_access_modes()
    {
        var ns = await Namespace("static");
        var suffix = ns[^6..];
        await Apply(ns, $$"""
            apiVersion: v1
            kind: PersistentVolume
            metadata:
              name: small-{{suffix}}
            spec:
              storageClassName: manual-{{suffix}}
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteOnce]
              persistentVolumeReclaimPolicy: Retain
              hostPath: {path: /mnt/small}
            ---
            apiVersion: v1
            kind: PersistentVolume
            metadata:
              name: big-{{suffix}}
            spec:
              storageClassName: manual-{{suffix}}
              capacity: {storage: 10Gi}
              accessModes: [ReadWriteOnce]
              persistentVolumeReclaimPolicy: Retain
              hostPath: {path: /mnt/big}
            ---
            apiVersion: v1
            kind: PersistentVolume
            metadata:
              name: shared-{{suffix}}
            spec:
              storageClassName: manual-{{suffix}}
              capacity: {storage: 5Gi}
              accessModes: [ReadWriteMany]
              persistentVolumeReclaimPolicy: Retain
              hostPath: {path: /mnt/shared}
            """);
        await WaitFor($"/api/v1/persistentvolumes/big-{suffix}", v => Str(v["status"], "phase") == "Available", "available");
        await Apply(ns, Claim("logs", "3Gi", $"manual-{suffix}"));
        var pvc = await WaitFor($"/api/v1/namespaces/{ns}/persistentvolumeclaims/logs", c => Str(c["status"], "phase") == "Bound", "bound");
        Str(pvc["spec"], "volumeName").ShouldBe($"big-{suffix}");
        Str(pvc["status"]!["capacity"], "storage").ShouldBe("10Gi");
        var pv = (await Get($"/api/v1/persistentvolumes/big-{suffix}"))!;
        Str(pv["metadata"]!["annotations"], "pv.kubernetes.io/bound-by-controller").ShouldBe("yes");

        (await Kubectl.Run("delete", "pvc", "logs", "-n", ns)).Succeeded();
        await WaitFor($"/api/v1/persistentvolumes/big-{suffix}", v => Str(v["status"], "phase") == "Released", "released, kept by Retain");
    }
}
