using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>Deployments driven by the real kubectl: rollout status, history, undo, scale, Recreate, pause, history limit.</summary>
public sealed class DeploymentTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    private static string Web(string image, int replicas = 3, string extra = "") => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: {{replicas}}
          selector:
            matchLabels: {app: web}
        {{extra}}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: web
                image: {{image}}
        """;

    [Fact]
    public async Task Rollout_status_history_undo_and_scale_behave_as_on_a_real_cluster()
    {
        var ns = await Namespace("deploy");
        await Apply(ns, Web("nginx:1.25"));
        var status = (await Kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=30s")).Succeeded();
        status.Stdout.ShouldContain("deployment \"web\" successfully rolled out");

        var rs1 = (await List($"/apis/apps/v1/namespaces/{ns}/replicasets")).Single();
        var hash1 = Str(rs1["metadata"]!["labels"], "pod-template-hash")!;
        Str(rs1["metadata"], "name").ShouldBe($"web-{hash1}");
        Str(rs1["metadata"]!["annotations"], "deployment.kubernetes.io/revision").ShouldBe("1");
        Str(rs1["metadata"]!["annotations"], "deployment.kubernetes.io/desired-replicas").ShouldBe("3");
        Str(rs1["metadata"]!["annotations"], "deployment.kubernetes.io/max-replicas").ShouldBe("4");
        Str(rs1["spec"]!["selector"]!["matchLabels"], "pod-template-hash").ShouldBe(hash1);
        var owner = rs1["metadata"]!["ownerReferences"]![0]!;
        Str(owner, "kind").ShouldBe("Deployment");
        owner["controller"]!.GetValue<bool>().ShouldBeTrue();

        var pods = await List($"/api/v1/namespaces/{ns}/pods");
        pods.Count.ShouldBe(3);
        foreach (var pod in pods)
        {
            Str(pod["metadata"], "name")!.ShouldStartWith($"web-{hash1}-");
            Str(pod["metadata"], "name")!.Length.ShouldBe($"web-{hash1}-".Length + 5);
            Str(pod["metadata"]!["labels"], "pod-template-hash").ShouldBe(hash1);
            var podOwner = pod["metadata"]!["ownerReferences"]![0]!;
            Str(podOwner, "name").ShouldBe($"web-{hash1}");
            podOwner["blockOwnerDeletion"]!.GetValue<bool>().ShouldBeTrue();
        }

        var d = (await Get($"/apis/apps/v1/namespaces/{ns}/deployments/web"))!;
        Str(d["metadata"]!["annotations"], "deployment.kubernetes.io/revision").ShouldBe("1");
        HasCondition(d, "Available", "True", "MinimumReplicasAvailable").ShouldBeTrue();
        HasCondition(d, "Progressing", "True", "NewReplicaSetAvailable").ShouldBeTrue();
        Str(Condition(d, "Progressing"), "message").ShouldBe($"ReplicaSet \"web-{hash1}\" has successfully progressed.");
        Int(d["status"]!["readyReplicas"]).ShouldBe(3);
        Int(d["status"]!["availableReplicas"]).ShouldBe(3);
        Int(d["status"]!["observedGeneration"]).ShouldBe(1);
        await WaitForEvent(ns, "web", "ScalingReplicaSet", $"Scaled up replica set web-{hash1} from 0 to 3");
        await WaitForEvent(ns, $"web-{hash1}", "SuccessfulCreate");

        // A new image: a second ReplicaSet takes over within maxSurge/maxUnavailable.
        (await Kubectl.Run("set", "image", "deployment/web", "web=nginx:1.26", "-n", ns)).Succeeded();
        (await Kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=30s")).Succeeded();
        var sets = await List($"/apis/apps/v1/namespaces/{ns}/replicasets");
        sets.Count.ShouldBe(2);
        var rs2 = sets.Single(r => Str(r["metadata"], "name") != $"web-{hash1}");
        var hash2 = Str(rs2["metadata"]!["labels"], "pod-template-hash")!;
        Str(rs2["metadata"]!["annotations"], "deployment.kubernetes.io/revision").ShouldBe("2");
        Int(rs2["spec"]!["replicas"]).ShouldBe(3);
        Int(sets.Single(r => Str(r["metadata"], "name") == $"web-{hash1}")["spec"]!["replicas"]).ShouldBe(0);
        await WaitForEvent(ns, "web", "ScalingReplicaSet", $"Scaled down replica set web-{hash1} from 1 to 0");

        var history = (await Kubectl.Run("rollout", "history", "deployment/web", "-n", ns)).Succeeded().Stdout;
        history.ShouldContain("REVISION");
        history.Split('\n').Count(l => l.StartsWith('1') || l.StartsWith('2')).ShouldBe(2);

        // Undo: kubectl copies revision 1's template back; the old ReplicaSet is reused as revision 3.
        (await Kubectl.Run("rollout", "undo", "deployment/web", "-n", ns)).Succeeded().Stdout.ShouldContain("rolled back");
        (await Kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=30s")).Succeeded();
        var back = (await Get($"/apis/apps/v1/namespaces/{ns}/replicasets/web-{hash1}"))!;
        Str(back["metadata"]!["annotations"], "deployment.kubernetes.io/revision").ShouldBe("3");
        Str(back["metadata"]!["annotations"], "deployment.kubernetes.io/revision-history").ShouldBe("1");
        Int(back["spec"]!["replicas"]).ShouldBe(3);
        (await List($"/apis/apps/v1/namespaces/{ns}/replicasets")).Count.ShouldBe(2);
        var image = (await Get($"/apis/apps/v1/namespaces/{ns}/deployments/web"))!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();
        image.ShouldBe("nginx:1.25");
        history = (await Kubectl.Run("rollout", "history", "deployment/web", "-n", ns)).Succeeded().Stdout;
        history.ShouldNotContain("\n1 ");
        history.ShouldContain("\n3 ");
        (await Kubectl.Run("rollout", "history", "deployment/web", "-n", ns, "--revision=2")).Succeeded().Stdout.ShouldContain("nginx:1.26");

        // kubectl rollout restart stamps the template: a new ReplicaSet rolls out.
        (await Kubectl.Run("rollout", "restart", "deployment/web", "-n", ns)).Succeeded();
        (await Kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=30s")).Succeeded();
        var restarted = await WaitForList($"/apis/apps/v1/namespaces/{ns}/replicasets", l => l.Count == 3, "a third ReplicaSet");
        var rs4 = restarted.Single(r => Str(r["metadata"]!["annotations"], "deployment.kubernetes.io/revision") == "4");
        Str(rs4["spec"]!["template"]!["metadata"]!["annotations"], "kubectl.kubernetes.io/restartedAt").ShouldNotBeNull();
        hash1 = Str(rs4["metadata"]!["labels"], "pod-template-hash")!;

        // kubectl scale goes through the scale subresource; the controller scales the active ReplicaSet.
        (await Kubectl.Run("scale", "deployment/web", "--replicas=5", "-n", ns)).Succeeded();
        await WaitFor($"/apis/apps/v1/namespaces/{ns}/deployments/web", o => Int(o["status"]?["availableReplicas"]) == 5, "scaled to 5");
        await WaitForEvent(ns, "web", "ScalingReplicaSet", $"Scaled up replica set web-{hash1} from 3 to 5");
        (await List($"/api/v1/namespaces/{ns}/pods")).Count.ShouldBe(5);
        _ = hash2;
    }

    [Fact]
    public async Task A_rollout_to_an_image_that_never_becomes_ready_exceeds_its_progress_deadline()
    {
        var ns = await Namespace("stalled");
        await Apply(ns, Web("nginx:1.25", 2, "  progressDeadlineSeconds: 30"));
        (await Kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=30s")).Succeeded();
        (await Kubectl.Run("set", "image", "deployment/web", "web=registry.invalid/app:2", "-n", ns)).Succeeded();
        var d = await WaitFor($"/apis/apps/v1/namespaces/{ns}/deployments/web",
            o => HasCondition(o, "Progressing", "False", "ProgressDeadlineExceeded"), "progress deadline exceeded");
        var newRs = (await List($"/apis/apps/v1/namespaces/{ns}/replicasets"))
            .Single(r => Str(r["metadata"]!["annotations"], "deployment.kubernetes.io/revision") == "2");
        Str(Condition(d, "Progressing"), "message").ShouldBe($"ReplicaSet \"{Str(newRs["metadata"], "name")}\" has timed out progressing.");
        HasCondition(d, "Available", "True", "MinimumReplicasAvailable").ShouldBeTrue();
        Int(d["status"]!["unavailableReplicas"]).ShouldBe(1);
        Int(d["status"]!["updatedReplicas"]).ShouldBe(1);
        var rollout = await Kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=10s");
        rollout.ExitCode.ShouldNotBe(0);
        rollout.Stderr.ShouldContain("deployment \"web\" exceeded its progress deadline");
    }

    [Fact]
    public async Task Pods_count_as_available_only_after_min_ready_seconds()
    {
        var ns = await Namespace("minready");
        await Apply(ns, Web("nginx:1.25", 2, "  minReadySeconds: 60"));
        var ready = await WaitFor($"/apis/apps/v1/namespaces/{ns}/deployments/web", o => Int(o["status"]?["readyReplicas"]) == 2, "two ready");
        // Ready, but not for a minute yet (three real seconds at speed 20).
        Int(ready["status"]!["availableReplicas"]).ShouldBe(0);
        Int(ready["status"]!["unavailableReplicas"]).ShouldBe(2);
        HasCondition(ready, "Available", "False", "MinimumReplicasUnavailable").ShouldBeTrue();
        var rollout = (await Kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=30s")).Succeeded();
        rollout.Stdout.ShouldContain("deployment \"web\" successfully rolled out");
        var available = (await Get($"/apis/apps/v1/namespaces/{ns}/deployments/web"))!;
        Int(available["status"]!["availableReplicas"]).ShouldBe(2);
        HasCondition(available, "Available", "True", "MinimumReplicasAvailable").ShouldBeTrue();
        var rs = (await List($"/apis/apps/v1/namespaces/{ns}/replicasets")).Single();
        Int(rs["spec"]!["minReadySeconds"]).ShouldBe(60);
    }

    [Fact]
    public async Task Recreate_stops_every_old_pod_before_starting_new_ones()
    {
        var ns = await Namespace("recreate");
        await Apply(ns, Web("nginx:1.25", 2, "  strategy: {type: Recreate}"));
        (await Kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=30s")).Succeeded();
        var oldRs = (await List($"/apis/apps/v1/namespaces/{ns}/replicasets")).Single();
        (await Kubectl.Run("set", "image", "deployment/web", "web=nginx:1.26", "-n", ns)).Succeeded();
        (await Kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=30s")).Succeeded();
        var events = await Events(ns, "web");
        var messages = events.OrderBy(e => Str(e["metadata"], "name")).Select(e => Str(e, "message")).ToList();
        var down = messages.IndexOf($"Scaled down replica set {Str(oldRs["metadata"], "name")} from 2 to 0");
        var up = messages.FindIndex(m => m!.StartsWith("Scaled up replica set", StringComparison.Ordinal) && m.EndsWith("from 0 to 2", StringComparison.Ordinal) && !m.Contains(Str(oldRs["metadata"], "name")!, StringComparison.Ordinal));
        down.ShouldBeGreaterThanOrEqualTo(0);
        up.ShouldBeGreaterThan(down);
    }

    [Fact]
    public async Task A_paused_deployment_does_not_roll_out_and_old_revisions_are_cleaned_up()
    {
        var ns = await Namespace("paused");
        await Apply(ns, Web("nginx:1.25", 1, "  revisionHistoryLimit: 1"));
        (await Kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=30s")).Succeeded();
        (await Kubectl.Run("rollout", "pause", "deployment/web", "-n", ns)).Succeeded();
        await WaitFor($"/apis/apps/v1/namespaces/{ns}/deployments/web", o => HasCondition(o, "Progressing", "Unknown", "DeploymentPaused"), "paused condition");
        (await Kubectl.Run("set", "image", "deployment/web", "web=nginx:1.26", "-n", ns)).Succeeded();
        await WaitFor($"/apis/apps/v1/namespaces/{ns}/deployments/web", o => Int(o["status"]?["observedGeneration"]) == Int(o["metadata"]?["generation"]), "observed while paused");
        (await List($"/apis/apps/v1/namespaces/{ns}/replicasets")).Count.ShouldBe(1);

        (await Kubectl.Run("rollout", "resume", "deployment/web", "-n", ns)).Succeeded();
        (await Kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=30s")).Succeeded();
        (await Kubectl.Run("set", "image", "deployment/web", "web=nginx:1.27", "-n", ns)).Succeeded();
        (await Kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=30s")).Succeeded();
        // Three revisions, a history limit of one: the oldest scaled-down ReplicaSet is deleted.
        var sets = await WaitForList($"/apis/apps/v1/namespaces/{ns}/replicasets", l => l.Count == 2, "history limited to one old set");
        sets.Select(r => Str(r["metadata"]!["annotations"], "deployment.kubernetes.io/revision")).Order().ShouldBe(["2", "3"]);
    }
}
