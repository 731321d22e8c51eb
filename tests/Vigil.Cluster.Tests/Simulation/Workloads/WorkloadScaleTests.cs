using System.Diagnostics;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;
using Xunit.Abstractions;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>A quick check that the controllers keep up: 300 pods through ten Deployments (three nodes hold 330) become available in bounded time.</summary>
public sealed class WorkloadScaleTests(WorkloadFixture fx, ITestOutputHelper output) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    [Fact]
    public async Task Three_hundred_pods_through_ten_deployments_become_available()
    {
        var ns = await Namespace("scale");
        var manifest = string.Join("\n---\n", Enumerable.Range(0, 10).Select(i => $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: app-{{i}}
            spec:
              replicas: 30
              selector:
                matchLabels: {app: app-{{i}}}
              template:
                metadata:
                  labels: {app: app-{{i}}}
                spec:
                  containers:
                  - name: app
                    image: nginx:1.25
            """));
        var clock = Stopwatch.StartNew();
        await Apply(ns, manifest);
        await WaitForList($"/apis/apps/v1/namespaces/{ns}/deployments",
            l => l.Count == 10 && l.All(d => Int(d["status"]?["availableReplicas"]) == 30 && HasCondition(d, "Progressing", "True", "NewReplicaSetAvailable")),
            "all available", TimeSpan.FromSeconds(60));
        output.WriteLine($"300 pods available after {clock.Elapsed.TotalSeconds:F1} s");
        (await Pods(ns)).Count.ShouldBe(300);
    }
}
