using System.Text.Json.Nodes;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Tests.Extensions;

/// <summary>A simulated cluster with Vigil's CRDs, a client over HTTPS and an informer factory, for resource reconciler tests.</summary>
internal sealed class VigilResourceCluster : IAsyncDisposable
{
    private VigilResourceCluster(SimulatedCluster cluster, KubernetesClient client)
    {
        Cluster = cluster;
        Client = client;
        Informers = new SharedInformerFactory(client, TimeSpan.Zero);
        Namespaces = Informers.For<Namespace>();
    }

    public SimulatedCluster Cluster { get; }
    public KubernetesClient Client { get; }
    public SharedInformerFactory Informers { get; }
    public SharedInformer<Namespace> Namespaces { get; }

    public static async Task<VigilResourceCluster> StartAsync()
    {
        var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
        foreach (var crd in Directory.EnumerateFiles(Repo.Path("deploy", "crds"), "*.yaml")) cluster.Apply(File.ReadAllText(crd));
        cluster.Apply("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop, labels: {team: shop}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: vigil-system}
            """);
        return new VigilResourceCluster(cluster, new KubernetesClient(Configuration(cluster)));
    }

    public async Task StartInformersAsync()
    {
        Informers.Start();
        await Informers.WaitForCacheSyncAsync(CancellationToken.None);
    }

    public async Task<JsonObject> StatusWhen(ResourceType type, string ns, string name, Func<JsonObject, bool> done)
    {
        var resources = Client.Unstructured(type);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var status = (await resources.GetAsync(name, ns))["status"] as JsonObject;
            if (status is not null && done(status)) return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"status of {ns}/{name} never matched; last: {status?.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    public static string? Condition(JsonObject status, string type, string field = "status") =>
        (status["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type)?[field]?.GetValue<string>();

    private static KubernetesClientConfiguration Configuration(SimulatedCluster cluster) => new()
    {
        Server = cluster.Address,
        CertificateAuthority = [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(cluster.Certificates.Authority.RawData)],
        Credentials = new Kubernetes.Authentication.StaticCredentialProvider(new Kubernetes.Authentication.Credential(BearerToken: cluster.Token)),
    };

    public async ValueTask DisposeAsync()
    {
        await Informers.DisposeAsync();
        Client.Dispose();
        await Cluster.DisposeAsync();
    }
}

internal static class Repo
{
    public static string Path(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Vigil.slnx"))) dir = dir.Parent;
        return System.IO.Path.Combine([dir?.FullName ?? throw new DirectoryNotFoundException("repository root"), .. parts]);
    }
}
