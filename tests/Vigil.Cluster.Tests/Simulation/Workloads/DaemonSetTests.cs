using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>DaemonSets: a pod per eligible node, node selectors, taints, cordoned nodes, rolling updates, status.</summary>
public sealed class DaemonSetTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    private static string Agent(string image, string extraSpec = "") => $$"""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: agent
        spec:
          selector:
            matchLabels: {app: agent}
          template:
            metadata:
              labels: {app: agent}
            spec:
        {{extraSpec}}
              containers:
              - name: agent
                image: {{image}}
        """;

    private async Task<List<string>> NodeNames() =>
        (await List("/api/v1/nodes")).Select(Name).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task One_pod_runs_on_every_node_including_a_cordoned_one_and_updates_roll()
    {
        var ns = await Namespace("ds");
        var nodes = await NodeNames();
        nodes.Count.ShouldBeGreaterThanOrEqualTo(3);
        (await Kubectl.Run("cordon", nodes[0])).Succeeded();
        try
        {
            await Apply(ns, Agent("fluentd:1.16"));
            (await Kubectl.Run("rollout", "status", "daemonset/agent", "-n", ns, "--timeout=30s")).Succeeded().Stdout.ShouldContain("daemon set \"agent\" successfully rolled out");
            var ds = (await Get($"/apis/apps/v1/namespaces/{ns}/daemonsets/agent"))!;
            var st = ds["status"]!;
            Int(st["desiredNumberScheduled"]).ShouldBe(nodes.Count);
            Int(st["currentNumberScheduled"]).ShouldBe(nodes.Count);
            Int(st["numberReady"]).ShouldBe(nodes.Count);
            Int(st["updatedNumberScheduled"]).ShouldBe(nodes.Count);
            Int(st["numberAvailable"]).ShouldBe(nodes.Count);
            Int(st["numberMisscheduled"]).ShouldBe(0);
            var pods = await Pods(ns);
            pods.Select(p => Str(p["spec"], "nodeName")).Order(StringComparer.Ordinal).ShouldBe(nodes);
            var first = pods[0];
            Str(first["metadata"]!["labels"], "pod-template-generation").ShouldBe("1");
            Str(first["metadata"]!["labels"], "controller-revision-hash").ShouldNotBeNull();
            first["spec"]!["tolerations"]!.AsArray().Select(t => Str(t, "key")).ShouldContain("node.kubernetes.io/unschedulable");
            var term = first["spec"]!["affinity"]!["nodeAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!["nodeSelectorTerms"]![0]!["matchFields"]![0]!;
            Str(term, "key").ShouldBe("metadata.name");
            await WaitForEvent(ns, "agent", "SuccessfulCreate", $"Created pod: {Name(first)}");

            (await Kubectl.Run("set", "image", "daemonset/agent", "agent=fluentd:1.17", "-n", ns)).Succeeded();
            (await Kubectl.Run("rollout", "status", "daemonset/agent", "-n", ns, "--timeout=30s")).Succeeded();
            pods = await WaitForList($"/api/v1/namespaces/{ns}/pods", l => l.Count == nodes.Count && l.All(p => Str(p["metadata"]!["labels"], "pod-template-generation") == "2"), "updated pods");
            pods.ShouldAllBe(p => p["spec"]!["containers"]![0]!["image"]!.GetValue<string>() == "fluentd:1.17");
            (await List($"/apis/apps/v1/namespaces/{ns}/controllerrevisions")).Count.ShouldBe(2);
        }
        finally
        {
            await Kubectl.Run("uncordon", nodes[0]);
        }
    }

    [Fact]
    public async Task Node_selectors_and_untolerated_taints_keep_daemon_pods_off_nodes()
    {
        var ns = await Namespace("dssel");
        var nodes = await NodeNames();
        (await Kubectl.Run("label", "node", nodes[1], "disk=ssd", "--overwrite")).Succeeded();
        (await Kubectl.Run("label", "node", nodes[2], "disk=ssd", "--overwrite")).Succeeded();
        (await Kubectl.Run("taint", "node", nodes[2], "dedicated=db:NoSchedule", "--overwrite")).Succeeded();
        try
        {
            await Apply(ns, Agent("busybox:1.36", "      nodeSelector: {disk: ssd}"));
            var ds = await WaitFor($"/apis/apps/v1/namespaces/{ns}/daemonsets/agent", o => Int(o["status"]?["numberReady"]) == 1, "one ready");
            Int(ds["status"]!["desiredNumberScheduled"]).ShouldBe(1);
            var pods = await Pods(ns);
            pods.Count.ShouldBe(1);
            Str(pods[0]["spec"], "nodeName").ShouldBe(nodes[1]);

            // Tolerating the taint brings a pod to the tainted node too.
            (await Kubectl.Run("patch", "daemonset", "agent", "-n", ns, "--type=merge", "-p",
                """{"spec":{"template":{"spec":{"tolerations":[{"key":"dedicated","operator":"Equal","value":"db","effect":"NoSchedule"}]}}}}""")).Succeeded();
            ds = await WaitFor($"/apis/apps/v1/namespaces/{ns}/daemonsets/agent", o => Int(o["status"]?["numberReady"]) == 2 && Int(o["status"]?["desiredNumberScheduled"]) == 2 && Int(o["status"]?["updatedNumberScheduled"]) == 2 && Int(o["status"]?["numberAvailable"]) == 2, "two ready");
            (await Pods(ns)).Select(p => Str(p["spec"], "nodeName")).Order(StringComparer.Ordinal).ShouldBe([nodes[1], nodes[2]]);
        }
        finally
        {
            await Kubectl.Run("taint", "node", nodes[2], "dedicated=db:NoSchedule-");
            await Kubectl.Run("label", "node", nodes[1], "disk-");
            await Kubectl.Run("label", "node", nodes[2], "disk-");
        }
    }
}
