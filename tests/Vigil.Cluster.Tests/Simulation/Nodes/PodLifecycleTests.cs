using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Nodes;

/// <summary>Ordinary pods, applied with kubectl, scheduled and run by the simulated kubelets.</summary>
public sealed class PodLifecycleTests(NodeClusterFixture fx) : IClassFixture<NodeClusterFixture>
{
    [Fact]
    public async Task A_pod_is_scheduled_pulled_started_and_becomes_ready()
    {
        await fx.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              labels: {app: web}
            spec:
              containers:
              - name: nginx
                image: nginx:1.25
            """);
        var pod = await fx.WaitPod("default", "web", p => p.Phase() == "Running" && p.IsReady(), "Running and Ready");
        pod.NodeName().ShouldStartWith("node-");
        pod.ConditionStatus("PodScheduled").ShouldBe("True");
        pod.ConditionStatus("Initialized").ShouldBe("True");
        pod.ConditionStatus("ContainersReady").ShouldBe("True");
        pod.ConditionStatus("PodReadyToStartContainers").ShouldBe("True");
        pod["status"]!["podIP"]!.GetValue<string>().ShouldStartWith("10.");
        pod["status"]!["hostIP"]!.GetValue<string>().ShouldStartWith("172.");
        pod["status"]!["startTime"].ShouldNotBeNull();
        pod["status"]!["qosClass"]!.GetValue<string>().ShouldBe("BestEffort");
        var c = pod.Container("nginx")!;
        c["ready"]!.GetValue<bool>().ShouldBeTrue();
        c["started"]!.GetValue<bool>().ShouldBeTrue();
        c["image"]!.GetValue<string>().ShouldBe("docker.io/library/nginx:1.25");
        c["imageID"]!.GetValue<string>().ShouldStartWith("docker.io/library/nginx@sha256:");
        c["containerID"]!.GetValue<string>().ShouldStartWith("containerd://");

        var scheduled = await fx.WaitEvent("default", "web", "Scheduled");
        scheduled["message"]!.GetValue<string>().ShouldBe($"Successfully assigned default/web to {pod.NodeName()}");
        scheduled["source"]!["component"]!.GetValue<string>().ShouldBe("default-scheduler");
        await fx.WaitEvent("default", "web", "Pulling", "Pulling image \"nginx:1.25\"");
        await fx.WaitEvent("default", "web", "Pulled", "Successfully pulled image \"nginx:1.25\" in ");
        var created = await fx.WaitEvent("default", "web", "Created", "Created container: nginx");
        created["source"]!["component"]!.GetValue<string>().ShouldBe("kubelet");
        created["source"]!["host"]!.GetValue<string>().ShouldBe(pod.NodeName());
        created["involvedObject"]!["fieldPath"]!.GetValue<string>().ShouldBe("spec.containers{nginx}");
        await fx.WaitEvent("default", "web", "Started", "Started container nginx");

        var table = await fx.Kubectl.Run("get", "pod", "web", "-o", "wide");
        table.Succeeded().Stdout.ShouldContain("Running");
    }
}
