using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>ReplicaSets and ReplicationControllers: pods from the template, adoption and release, victims, status, events.</summary>
public sealed class ReplicaSetTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    private const string Frontend = """
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata:
          name: frontend
        spec:
          replicas: 3
          selector:
            matchLabels: {tier: frontend}
          template:
            metadata:
              labels: {tier: frontend}
            spec:
              containers:
              - name: php
                image: php:8.3
        """;

    [Fact]
    public async Task A_replica_set_keeps_its_pods_and_reports_them()
    {
        var ns = await Namespace("rs");
        await Apply(ns, Frontend);
        var rs = await WaitFor($"/apis/apps/v1/namespaces/{ns}/replicasets/frontend", o => Int(o["status"]?["availableReplicas"]) == 3, "3 available");
        Int(rs["status"]!["replicas"]).ShouldBe(3);
        Int(rs["status"]!["readyReplicas"]).ShouldBe(3);
        Int(rs["status"]!["fullyLabeledReplicas"]).ShouldBe(3);
        Int(rs["status"]!["observedGeneration"]).ShouldBe(1);
        var pods = await Pods(ns);
        pods.Count.ShouldBe(3);
        foreach (var pod in pods)
        {
            Name(pod).ShouldMatch("^frontend-[bcdfghjklmnpqrstvwxz2456789]{5}$");
            var owner = pod["metadata"]!["ownerReferences"]![0]!;
            Str(owner, "kind").ShouldBe("ReplicaSet");
            Str(owner, "uid").ShouldBe(Str(rs["metadata"], "uid"));
            owner["controller"]!.GetValue<bool>().ShouldBeTrue();
            owner["blockOwnerDeletion"]!.GetValue<bool>().ShouldBeTrue();
            await WaitForEvent(ns, "frontend", "SuccessfulCreate", $"Created pod: {Name(pod)}");
        }

        // A deleted pod is replaced.
        (await Kubectl.Run("delete", "pod", Name(pods[0]), "-n", ns, "--wait=false")).Succeeded();
        await WaitForList($"/api/v1/namespaces/{ns}/pods", l => l.Count == 3 && l.All(p => Name(p) != Name(pods[0])), "replacement pod");

        // Scaling down removes the not-ready pod first.
        var current = await Pods(ns);
        var victim = Name(current[1]);
        await WaitFor($"/api/v1/namespaces/{ns}/pods/{victim}", p => Str(p["status"], "phase") == "Running", "victim running");
        await SetReady(ns, victim, false);
        (await Kubectl.Run("scale", "replicaset/frontend", "--replicas=2", "-n", ns)).Succeeded();
        await WaitForEvent(ns, "frontend", "SuccessfulDelete", $"Deleted pod: {victim}");
        var left = await WaitForList($"/api/v1/namespaces/{ns}/pods", l => l.Count == 2, "two pods");
        left.ShouldNotContain(p => Name(p) == victim);
    }

    [Fact]
    public async Task Orphans_matching_the_selector_are_adopted_and_pods_that_stop_matching_are_released()
    {
        var ns = await Namespace("adopt");
        await Apply(ns, """
            apiVersion: v1
            kind: Pod
            metadata:
              name: stray
              labels: {tier: frontend}
            spec:
              containers:
              - name: php
                image: php:8.3
            """);
        await Apply(ns, Frontend);
        var rs = await WaitFor($"/apis/apps/v1/namespaces/{ns}/replicasets/frontend", o => Int(o["status"]?["replicas"]) == 3, "3 replicas");
        var stray = (await Get($"/api/v1/namespaces/{ns}/pods/stray"))!;
        Str(stray["metadata"]!["ownerReferences"]![0], "uid").ShouldBe(Str(rs["metadata"], "uid"));
        (await Pods(ns)).Count.ShouldBe(3);

        (await Kubectl.Run("label", "pod", "stray", "tier=debug", "--overwrite", "-n", ns)).Succeeded();
        await WaitFor($"/api/v1/namespaces/{ns}/pods/stray", p => p["metadata"]?["ownerReferences"] is null, "released");
        await WaitForList($"/api/v1/namespaces/{ns}/pods?labelSelector=tier%3Dfrontend", l => l.Count == 3, "replacement for the released pod");
    }

    [Fact]
    public async Task A_replication_controller_manages_pods_by_its_selector_map()
    {
        var ns = await Namespace("rc");
        await Apply(ns, """
            apiVersion: v1
            kind: ReplicationController
            metadata:
              name: legacy
            spec:
              replicas: 2
              selector: {app: legacy}
              template:
                metadata:
                  labels: {app: legacy}
                spec:
                  containers:
                  - name: app
                    image: nginx:1.25
            """);
        await WaitFor($"/api/v1/namespaces/{ns}/replicationcontrollers/legacy", o => Int(o["status"]?["readyReplicas"]) == 2, "2 ready");
        (await Kubectl.Run("scale", "rc/legacy", "--replicas=4", "-n", ns)).Succeeded();
        var rc = await WaitFor($"/api/v1/namespaces/{ns}/replicationcontrollers/legacy", o => Int(o["status"]?["availableReplicas"]) == 4, "4 available");
        Int(rc["status"]!["observedGeneration"]).ShouldBe(2);
        var pods = await Pods(ns);
        pods.Count.ShouldBe(4);
        pods.ShouldAllBe(p => Name(p).StartsWith("legacy-", StringComparison.Ordinal) && Str(p["metadata"]!["ownerReferences"]![0], "kind") == "ReplicationController");
    }

    [Fact]
    public async Task Deleting_a_replica_set_deletes_its_pods_and_orphaning_keeps_them()
    {
        var ns = await Namespace("rsgc");
        await Apply(ns, Frontend);
        await WaitFor($"/apis/apps/v1/namespaces/{ns}/replicasets/frontend", o => Int(o["status"]?["replicas"]) == 3, "3 replicas");
        (await Kubectl.Run("delete", "replicaset", "frontend", "-n", ns, "--cascade=orphan")).Succeeded();
        var orphans = await WaitForList($"/api/v1/namespaces/{ns}/pods", l => l.Count == 3 && l.All(p => p["metadata"]?["ownerReferences"] is null), "orphaned pods");
        orphans.Count.ShouldBe(3);
        // A new set with the same selector adopts them instead of creating more.
        await Apply(ns, Frontend);
        var rs = await WaitFor($"/apis/apps/v1/namespaces/{ns}/replicasets/frontend", o => Int(o["status"]?["replicas"]) == 3, "adopted");
        (await Pods(ns)).ShouldAllBe(p => Str(p["metadata"]!["ownerReferences"]![0], "uid") == Str(rs["metadata"], "uid"));
        (await Kubectl.Run("delete", "replicaset", "frontend", "-n", ns)).Succeeded();
        await WaitForList($"/api/v1/namespaces/{ns}/pods", l => l.Count == 0, "pods collected");
    }
}
