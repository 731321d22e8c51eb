using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Delivery.Sinks;
using Vigil.Detection.Correlation;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Authentication;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Operator.Pipeline;

namespace Vigil.Operator.Tests;

public sealed class PipelineEndToEndTests
{
    [Fact]
    public async Task A_crash_looping_pod_is_detected_diagnosed_from_its_logs_and_reported_as_a_Kubernetes_event()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
        cluster.Apply("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop}
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: api-1
              namespace: shop
              annotations:
                sim.vigil.io/logs: "starting\nERROR: dial tcp: lookup postgres.shop.svc.cluster.local: no such host"
            spec:
              nodeName: node-1
              containers: [{name: api, image: "shop/api:2"}]
            """);
        using var client = new KubernetesClient(new KubernetesClientConfiguration
        {
            Server = cluster.Address,
            Namespace = "default",
            CertificateAuthority = [X509CertificateLoader.LoadCertificate(cluster.Certificates.Authority.RawData)],
            Credentials = new StaticCredentialProvider(new Credential(BearerToken: cluster.Token)),
        });
        var options = new PipelineOptions { Correlation = new CorrelationOptions { Window = TimeSpan.Zero }, RescanInterval = TimeSpan.FromSeconds(1) };
        var diagnosed = new TaskCompletionSource<Diagnosis.Diagnosis>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pipeline = new DiagnosisPipeline(client, options, [new KubernetesEventSink(client, "vigil-test")], TimeProvider.System, NullLogger<DiagnosisPipeline>.Instance);
        pipeline.Diagnosed += d => diagnosed.TrySetResult(d);
        await pipeline.StartAsync(CancellationToken.None);
        pipeline.Synced.ShouldBeTrue();

        // What the kubelet would report after the fourth crash.
        var pods = cluster.Operations.Registry.Find("", "v1", "pods")!;
        cluster.Operations.Mutate(pods, "shop", "api-1", pod =>
        {
            pod["status"] = JsonNode.Parse("""
                {"phase":"Running","containerStatuses":[{"name":"api","ready":false,"restartCount":4,
                  "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 40s restarting failed container"}},
                  "lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}
                """);
            return true;
        }, "status");

        var diagnosis = await diagnosed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        diagnosis.Reason.ShouldBe("CrashLoop");
        diagnosis.Category.ShouldBe(Diagnosis.Category.Networking);
        diagnosis.RootCause.ShouldContain("no such host");

        var events = await Eventually(async () => (await client.Resource<Event>().ListAsync("shop", new ListOptions { LabelSelector = "vigil.io/category=networking" })).Items,
            items => items.Count > 0);
        events[0].Reason.ShouldBe("VigilDiagnosis");
        events[0].InvolvedObject!.Name.ShouldBe("api-1");
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> probe, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met");
            await Task.Delay(50);
        }
    }
}
