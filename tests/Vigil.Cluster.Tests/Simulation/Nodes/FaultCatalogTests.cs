using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Nodes;

/// <summary>
/// examples/faults: each manifest, applied with kubectl as it is, produces the status and Events its comments claim.
/// </summary>
public sealed class FaultCatalogTests(FastNodeClusterFixture fx) : IClassFixture<FastNodeClusterFixture>
{
    internal static string Example(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vigil.slnx"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("repository root"), "examples", "faults", name);
    }

    private async Task ApplyExample(string name) => (await fx.Kubectl.Run("apply", "-f", Example(name))).Succeeded();

    private static string Message(JsonObject e) => e["message"]!.GetValue<string>();

    [Fact]
    public async Task Crash_loop()
    {
        await ApplyExample("crash-loop.yaml");
        const string ns = "fault-crash-loop";
        var pod = await fx.WaitPod(ns, "crash-loop", p => p.WaitingReason("app") == "CrashLoopBackOff" && p.RestartCount("app") >= 2, "CrashLoopBackOff, 2 restarts", 60);
        pod.Phase().ShouldBe("Running");
        pod.ConditionStatus("Ready").ShouldBe("False");
        var c = pod.Container("app")!;
        c["state"]!["waiting"]!["message"]!.GetValue<string>().ShouldMatch(@"^back-off \d+s restarting failed container=app pod=crash-loop_fault-crash-loop\(.+\)$");
        c["lastState"]!["terminated"]!["exitCode"]!.GetValue<int>().ShouldBe(1);
        c["lastState"]!["terminated"]!["reason"]!.GetValue<string>().ShouldBe("Error");
        Message(await fx.WaitEvent(ns, "crash-loop", "BackOff")).ShouldStartWith("Back-off restarting failed container app in pod crash-loop_fault-crash-loop(");
        (await fx.Kubectl.Run("get", "pod", "crash-loop", "-n", ns)).Stdout.ShouldMatch(@"crash-loop\s+0/1\s+(CrashLoopBackOff|Error|Running)\s+[2-9]");
        var previous = await fx.Kubectl.Run("logs", "crash-loop", "-n", ns, "--previous");
        previous.Succeeded().Stdout.ShouldEndWith("panic: runtime error: invalid memory address or nil pointer dereference\n");
    }

    [Fact]
    public async Task Oom_killed()
    {
        await ApplyExample("oom-killed.yaml");
        const string ns = "fault-oom-killed";
        var pod = await fx.WaitPod(ns, "oom-killed", p => p.RestartCount("app") >= 1
            && p.Container("app")?["lastState"]?["terminated"]?["reason"]?.GetValue<string>() == "OOMKilled", "OOMKilled", 60);
        pod.Container("app")!["lastState"]!["terminated"]!["exitCode"]!.GetValue<int>().ShouldBe(137);
        pod["status"]!["qosClass"]!.GetValue<string>().ShouldBe("Burstable");
        var oom = await fx.WaitEvent("default", pod.NodeName()!, "OOMKilling", "(app)", kind: "Node");
        Message(oom).ShouldStartWith("Memory cgroup out of memory: Killed process ");
        oom["source"]!["component"]!.GetValue<string>().ShouldBe("kernel-monitor");
        await fx.WaitPod(ns, "oom-killed", p => p.WaitingReason("app") == "CrashLoopBackOff", "CrashLoopBackOff", 60);
        Message(await fx.WaitEvent(ns, "oom-killed", "BackOff")).ShouldStartWith("Back-off restarting failed container app in pod oom-killed_fault-oom-killed(");
    }

    [Fact]
    public async Task Image_pull_failure()
    {
        await ApplyExample("image-pull-failure.yaml");
        const string ns = "fault-image-pull";
        var pod = await fx.WaitPod(ns, "image-pull-failure", p => p.WaitingReason("api") == "ErrImagePull", "ErrImagePull");
        pod.Phase().ShouldBe("Pending");
        pod.Container("api")!["state"]!["waiting"]!["message"]!.GetValue<string>()
            .ShouldStartWith("failed to pull and unpack image \"registry.invalid/payments/api:3.1.0\": failed to resolve reference");
        pod = await fx.WaitPod(ns, "image-pull-failure", p => p.WaitingReason("api") == "ImagePullBackOff", "ImagePullBackOff");
        pod.Container("api")!["state"]!["waiting"]!["message"]!.GetValue<string>().ShouldStartWith("Back-off pulling image \"registry.invalid/payments/api:3.1.0\": ErrImagePull: ");
        await fx.WaitEvent(ns, "image-pull-failure", "Pulling", "Pulling image \"registry.invalid/payments/api:3.1.0\"");
        await fx.WaitEvent(ns, "image-pull-failure", "Failed", "Failed to pull image \"registry.invalid/payments/api:3.1.0\": ");
        await fx.WaitEvent(ns, "image-pull-failure", "Failed", "Error: ErrImagePull");
        await fx.WaitEvent(ns, "image-pull-failure", "BackOff", "Back-off pulling image \"registry.invalid/payments/api:3.1.0\"");
        await fx.WaitEvent(ns, "image-pull-failure", "Failed", "Error: ImagePullBackOff");
        var logs = await fx.Kubectl.Run("logs", "image-pull-failure", "-n", ns);
        logs.Stderr.ShouldMatch("container \"api\" in pod \"image-pull-failure\" is waiting to start: (trying and failing to pull image|image can't be pulled)");
    }

    [Fact]
    public async Task Unschedulable()
    {
        await ApplyExample("unschedulable.yaml");
        const string ns = "fault-unschedulable";
        var pod = await fx.WaitPod(ns, "unschedulable", p => p.Condition("PodScheduled")?["reason"]?.GetValue<string>() == "Unschedulable", "Unschedulable");
        pod.Phase().ShouldBe("Pending");
        pod.NodeName().ShouldBeNull();
        const string pattern = @"^0/(\d+) nodes are available: \1 Insufficient cpu\. preemption: 0/\1 nodes are available: \1 No preemption victims found for incoming pod\.$";
        pod.Condition("PodScheduled")!["message"]!.GetValue<string>().ShouldMatch(pattern);
        var failed = await fx.WaitEvent(ns, "unschedulable", "FailedScheduling");
        Message(failed).ShouldMatch(pattern);
        failed["source"]!["component"]!.GetValue<string>().ShouldBe("default-scheduler");
    }

    [Fact]
    public async Task Failing_probe()
    {
        await ApplyExample("failing-probe.yaml");
        const string ns = "fault-failing-probe";
        var notReady = await fx.WaitPod(ns, "not-ready", p => p.Phase() == "Running", "Running");
        Message(await fx.WaitEvent(ns, "not-ready", "Unhealthy")).ShouldBe("Readiness probe failed: HTTP probe failed with statuscode: 503");
        notReady = (await fx.Pod(ns, "not-ready"))!;
        notReady.ConditionStatus("Ready").ShouldBe("False");
        notReady.Condition("ContainersReady")!["message"]!.GetValue<string>().ShouldBe("containers with unready status: [web]");
        notReady.RestartCount("web").ShouldBe(0);
        (await fx.Kubectl.Run("get", "pod", "not-ready", "-n", ns)).Stdout.ShouldMatch(@"not-ready\s+0/1\s+Running\s+0");

        var notLive = await fx.WaitPod(ns, "not-live", p => p.RestartCount("web") >= 1, "restarted", 60);
        notLive.Container("web")!["lastState"]!["terminated"]!["exitCode"]!.GetValue<int>().ShouldBe(137);
        Message(await fx.WaitEvent(ns, "not-live", "Unhealthy")).ShouldBe("Liveness probe failed: HTTP probe failed with statuscode: 500");
        await fx.WaitEvent(ns, "not-live", "Killing", "Container web failed liveness probe, will be restarted");
    }
}

/// <summary>examples/faults/bad-node.yaml, in a cluster of its own: the node it adds changes every scheduling message.</summary>
public sealed class BadNodeFaultTests(NodeClusterFixture fx) : IClassFixture<NodeClusterFixture>
{
    private static string Message(JsonObject e) => e["message"]!.GetValue<string>();

    private async Task ApplyExample(string name) => (await fx.Kubectl.Run("apply", "-f", FaultCatalogTests.Example(name))).Succeeded();

    [Fact]
    public async Task Bad_node()
    {
        await ApplyExample("bad-node.yaml");
        const string ns = "fault-bad-node";
        // Its toleration of the NoExecute taint lasts 60 s (3 s real here): look at the pod that runs there first.
        var evicted = await fx.WaitPod(ns, "evicted-from-bad-node", p => p.Phase() == "Running", "Running on the bad node");
        evicted.NodeName().ShouldBe("bad-node");
        evicted.ConditionStatus("Ready").ShouldBe("False");
        var node = await fx.WaitNode("bad-node", n => n.ConditionStatus("Ready") == "False" && n["spec"]?["taints"] is JsonArray { Count: 2 }, "NotReady and tainted");
        node.Condition("Ready")!["reason"]!.GetValue<string>().ShouldBe("KubeletNotReady");
        node["spec"]!["taints"]!.AsArray().Select(t => $"{t!["key"]}:{t["effect"]}").ShouldBe(["node.kubernetes.io/not-ready:NoSchedule", "node.kubernetes.io/not-ready:NoExecute"]);
        (await fx.Kubectl.Run("get", "node", "bad-node")).Stdout.ShouldMatch(@"bad-node\s+NotReady");

        var stuck = await fx.WaitPod(ns, "stuck-on-bad-node", p => p.Condition("PodScheduled")?["reason"]?.GetValue<string>() == "Unschedulable", "Unschedulable");
        stuck.Condition("PodScheduled")!["message"]!.GetValue<string>()
            .ShouldMatch(@"^0/(\d+) nodes are available: 1 node\(s\) had untolerated taint \{node\.kubernetes\.io/not-ready: \}, \d+ node\(s\) didn't match Pod's node affinity/selector\. preemption: 0/\1 nodes are available: \1 Preemption is not helpful for scheduling\.$");
        await fx.WaitEvent(ns, "stuck-on-bad-node", "FailedScheduling", "had untolerated taint {node.kubernetes.io/not-ready: }");

        Message(await fx.WaitEvent(ns, "evicted-from-bad-node", "TaintManagerEviction", seconds: 30)).ShouldBe("Marking for deletion Pod fault-bad-node/evicted-from-bad-node");
        await Eventually.True(async () => await fx.Pod(ns, "evicted-from-bad-node") is null, TimeSpan.FromSeconds(20), "evicted pod deleted");
    }
}
