using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Authentication;
using Vigil.Kubernetes.Configuration;

namespace Vigil.Operator.Tests.Support;

/// <summary>A simulated API server without the simulation (objects change only when the test changes them), and a client for it.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private TestCluster(SimulatedCluster cluster, KubernetesClient client)
    {
        Cluster = cluster;
        Client = client;
    }

    public SimulatedCluster Cluster { get; }

    public KubernetesClient Client { get; }

    public static async Task<TestCluster> StartAsync()
    {
        var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
        var client = new KubernetesClient(new KubernetesClientConfiguration
        {
            Server = cluster.Address,
            Namespace = "default",
            CertificateAuthority = [X509CertificateLoader.LoadCertificate(cluster.Certificates.Authority.RawData)],
            Credentials = new StaticCredentialProvider(new Credential(BearerToken: cluster.Token)),
            MaxRetries = 0,
            RequestTimeout = TimeSpan.FromSeconds(5),
        });
        return new TestCluster(cluster, client);
    }

    /// <summary>A pod on node-1 in <paramref name="ns"/> (the namespace is created too).</summary>
    public void Pod(string ns, string name, string annotations = "{}") => Cluster.Apply($$"""
        apiVersion: v1
        kind: Namespace
        metadata: {name: {{ns}}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: {{name}}, namespace: {{ns}}, annotations: {{annotations}}}
        spec:
          nodeName: node-1
          containers: [{name: app, image: "shop/app:1"}]
        """);

    /// <summary>What the kubelet reports after the fourth crash.</summary>
    public void CrashLoop(string ns, string name)
    {
        var pods = Cluster.Operations.Registry.Find("", "v1", "pods")!;
        Cluster.Operations.Mutate(pods, ns, name, pod =>
        {
            pod["status"] = JsonNode.Parse("""
                {"phase":"Running","containerStatuses":[{"name":"app","ready":false,"restartCount":4,
                  "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 40s restarting failed container"}},
                  "lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}
                """);
            return true;
        }, "status");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Cluster.DisposeAsync();
    }
}

internal static class Wait
{
    /// <summary>Polls <paramref name="probe"/> until it holds, failing after <paramref name="timeout"/> (default 30 s).</summary>
    public static async Task Until(Func<Task<bool>> probe, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await probe())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    public static Task Until(Func<bool> probe, string what, TimeSpan? timeout = null) => Until(() => Task.FromResult(probe()), what, timeout);
}
