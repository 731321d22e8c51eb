using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>The workload faults of examples/faults produce exactly the status and Events their comments claim.</summary>
public sealed class FaultCatalogTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    private static string Example(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "examples", "faults", name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"examples/faults/{name} not found above {AppContext.BaseDirectory}");
    }

    private async Task<string> ApplyExample(string file, string prefix)
    {
        var ns = await Namespace(prefix);
        (await Kubectl.Run("apply", "-n", ns, "-f", Example(file))).Succeeded();
        return ns;
    }

    [Fact]
    public async Task Stuck_pvc()
    {
        var ns = await ApplyExample("stuck-pvc.yaml", "stuckpvc");
        var missing = await WaitForEvent(ns, "reports", "ProvisioningFailed", "storageclass.storage.k8s.io \"fast-ssd\" not found");
        Str(missing, "type").ShouldBe("Warning");
        Str(missing["source"], "component").ShouldBe("persistentvolume-controller");

        await WaitForEvent(ns, "uploads", "ExternalProvisioning");
        await WaitForEvent(ns, "uploads", "Provisioning", $"External provisioner is provisioning volume for claim \"{ns}/uploads\"");
        var failed = await WaitForEvent(ns, "uploads", "ProvisioningFailed",
            "failed to provision volume with StorageClass \"flaky-storage\": rpc error: code = ResourceExhausted desc = simulated provisioning failure");
        Str(failed, "type").ShouldBe("Warning");
        Str(failed["source"], "component")!.ShouldStartWith("sim.vigil.io/fail_");

        foreach (var claim in new[] { "reports", "uploads" })
        {
            var pvc = (await Get($"/api/v1/namespaces/{ns}/persistentvolumeclaims/{claim}"))!;
            Str(pvc["status"], "phase").ShouldBe("Pending");
            pvc["spec"]!["volumeName"].ShouldBeNull();
        }
        (await List("/api/v1/persistentvolumes")).ShouldNotContain(pv => Str(pv["spec"]!["claimRef"], "namespace") == ns);
    }

    [Fact]
    public async Task Job_deadline()
    {
        var ns = await ApplyExample("job-deadline.yaml", "jobdeadline");
        var pod = (await WaitForList($"/api/v1/namespaces/{ns}/pods", l => l.Count == 1, "the job's pod"))[0];
        var job = await WaitFor($"/apis/batch/v1/namespaces/{ns}/jobs/nightly-report", o => HasCondition(o, "Failed", "True"), "failed", TimeSpan.FromSeconds(20));
        var conditions = job["status"]!["conditions"]!.AsArray().OfType<JsonObject>().ToList();
        conditions.Select(c => Str(c, "type")).ShouldBe(["FailureTarget", "Failed"]);
        conditions.ShouldAllBe(c => Str(c, "reason") == "DeadlineExceeded" && Str(c, "message") == "Job was active longer than specified deadline");
        Int(job["status"]!["failed"]).ShouldBe(1);
        job["status"]!["active"].ShouldBeNull();
        Int(job["status"]!["ready"]).ShouldBe(0);
        Int(job["status"]!["terminating"]).ShouldBe(0);
        await WaitForEvent(ns, "nightly-report", "SuccessfulCreate", $"Created pod: {Name(pod)}");
        await WaitForEvent(ns, "nightly-report", "SuccessfulDelete", $"Deleted pod: {Name(pod)}");
        Str(await WaitForEvent(ns, "nightly-report", "DeadlineExceeded", "Job was active longer than specified deadline"), "type").ShouldBe("Warning");
        (await Events(ns, "nightly-report")).Count(e => Str(e, "reason") == "SuccessfulCreate").ShouldBe(1);
    }

    [Fact]
    public async Task Stalled_rollout()
    {
        var ns = await ApplyExample("stalled-rollout.yaml", "stalled");
        var d = await WaitFor($"/apis/apps/v1/namespaces/{ns}/deployments/checkout",
            o => HasCondition(o, "Progressing", "False", "ProgressDeadlineExceeded") && Int(o["status"]?["readyReplicas"]) == 3, "deadline exceeded", TimeSpan.FromSeconds(20));
        var sets = await List($"/apis/apps/v1/namespaces/{ns}/replicasets");
        var rev1 = sets.Single(r => Str(r["metadata"]!["annotations"], "deployment.kubernetes.io/revision") == "1");
        var rev2 = sets.Single(r => Str(r["metadata"]!["annotations"], "deployment.kubernetes.io/revision") == "2");
        Int(rev1["spec"]!["replicas"]).ShouldBe(3);
        Int(rev2["spec"]!["replicas"]).ShouldBe(1);
        var st = d["status"]!;
        Int(st["replicas"]).ShouldBe(4);
        Int(st["updatedReplicas"]).ShouldBe(1);
        Int(st["availableReplicas"]).ShouldBe(3);
        Int(st["unavailableReplicas"]).ShouldBe(1);
        HasCondition(d, "Available", "True", "MinimumReplicasAvailable").ShouldBeTrue();
        Str(Condition(d, "Available"), "message").ShouldBe("Deployment has minimum availability.");
        Str(Condition(d, "Progressing"), "message").ShouldBe($"ReplicaSet \"{Name(rev2)}\" has timed out progressing.");
        await WaitForEvent(ns, "checkout", "ScalingReplicaSet", $"Scaled up replica set {Name(rev1)} from 0 to 3");
        await WaitForEvent(ns, "checkout", "ScalingReplicaSet", $"Scaled up replica set {Name(rev2)} from 0 to 1");
        var rollout = await Kubectl.Run("rollout", "status", "deployment/checkout", "-n", ns, "--timeout=10s");
        rollout.ExitCode.ShouldNotBe(0);
        rollout.Stderr.ShouldContain("deployment \"checkout\" exceeded its progress deadline");
        var stuck = (await Pods(ns)).Single(p => Str(p["metadata"]!["labels"], "pod-template-hash") == Str(rev2["metadata"]!["labels"], "pod-template-hash"));
        Str(stuck["status"]!["containerStatuses"]![0]!["state"]!["waiting"], "reason").ShouldBeOneOf("ErrImagePull", "ImagePullBackOff");
    }

    [Fact]
    public async Task Quota_exhausted()
    {
        var ns = await ApplyExample("quota-exhausted.yaml", "quotafull");
        var rs = (await WaitForList($"/apis/apps/v1/namespaces/{ns}/replicasets", l => l.Count == 1, "replica set"))[0];
        var failed = await WaitForEvent(ns, Name(rs), "FailedCreate");
        Str(failed, "type").ShouldBe("Warning");
        Str(failed, "message")!.ShouldMatch(
            $"^Error creating: pods \"{Name(rs)}-[a-z0-9]{{5}}\" is forbidden: exceeded quota: team-quota, requested: requests.cpu=500m, used: requests.cpu=1, limited: requests.cpu=1$");
        (await Events(ns, Name(rs))).Count(e => Str(e, "reason") == "SuccessfulCreate").ShouldBe(2);
        rs = await WaitFor($"/apis/apps/v1/namespaces/{ns}/replicasets/{Name(rs)}", o => HasCondition(o, "ReplicaFailure", "True", "FailedCreate") && Int(o["status"]?["replicas"]) == 2, "ReplicaFailure with two pods");
        Int(rs["status"]!["replicas"]).ShouldBe(2);
        Str(Condition(rs, "ReplicaFailure"), "message")!.ShouldContain("exceeded quota: team-quota");

        var d = await WaitFor($"/apis/apps/v1/namespaces/{ns}/deployments/api",
            o => Int(o["status"]?["availableReplicas"]) == 2 && HasCondition(o, "ReplicaFailure", "True", "FailedCreate"), "deployment state");
        Int(d["status"]!["readyReplicas"]).ShouldBe(2);
        Int(d["status"]!["unavailableReplicas"]).ShouldBe(1);
        HasCondition(d, "Available", "False", "MinimumReplicasUnavailable").ShouldBeTrue();
        var quota = await WaitFor($"/api/v1/namespaces/{ns}/resourcequotas/team-quota", q => Str(q["status"]?["used"], "pods") == "2", "quota used");
        Str(quota["status"]!["used"], "requests.cpu").ShouldBe("1");
        Str(quota["status"]!["hard"], "requests.cpu").ShouldBe("1");

        var bare = await Kubectl.RunWithInput("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: x
            spec:
              containers:
              - name: shell
                image: busybox:1.36
            """, "apply", "-n", ns, "-f", "-");
        bare.Stderr.ShouldContain("pods \"x\" is forbidden: failed quota: team-quota: must specify requests.cpu for: shell");
    }
}
