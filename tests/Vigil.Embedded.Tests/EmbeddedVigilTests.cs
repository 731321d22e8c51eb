using Vigil.Cluster.Server;
using Vigil.Detection.Correlation;
using Vigil.Operator.Pipeline;

namespace Vigil.Embedded.Tests;

public sealed class EmbeddedVigilTests
{
    [Fact]
    public async Task An_image_that_cannot_be_pulled_is_diagnosed_through_the_simulated_kubelet()
    {
        var diagnosed = new TaskCompletionSource<Diagnosis.Diagnosis>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var vigil = await EmbeddedVigil.StartAsync(
            new ClusterOptions { Speed = 20, Nodes = 1 },
            new PipelineOptions { Correlation = new CorrelationOptions { Window = TimeSpan.Zero }, RescanInterval = TimeSpan.FromSeconds(5) },
            beforeStart: v =>
            {
                v.Pipeline.Diagnosed += d => diagnosed.TrySetResult(d);
                v.Cluster.Apply("""
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: web, namespace: default}
                    spec:
                      containers: [{name: web, image: "registry.invalid/web:1"}]
                    """);
                return Task.CompletedTask;
            });

        var diagnosis = await diagnosed.Task.WaitAsync(TimeSpan.FromSeconds(60));
        diagnosis.Category.ShouldBe(Diagnosis.Category.Configuration);
        diagnosis.RootCause.ShouldContain("registry.invalid/web:1");
    }
}
