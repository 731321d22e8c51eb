using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Tests.Fixtures;
using Vigil.Kubernetes.Watch;

namespace Vigil.Kubernetes.Tests.Watch;

[Collection(ClusterCollection.Name)]
public sealed class WatchAgainstServerTests(ClusterFixture fixture) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly KubernetesClient _client = fixture.Client();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Streams_changes_after_the_list_version()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var configMaps = _client.Resource<ConfigMap>();
        await configMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "before", Namespace = ns } });
        var list = await configMaps.ListAsync(ns);

        using var cts = new CancellationTokenSource(Patience);
        var events = new List<WatchEvent<ConfigMap>>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in configMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion }, cts.Token))
            {
                events.Add(e);
                if (e.Type == WatchEventType.Deleted)
                {
                    return;
                }
            }
        });

        var created = await configMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "after", Namespace = ns } });
        created.Data = new Dictionary<string, string> { ["k"] = "v" };
        await configMaps.UpdateAsync(created);
        await configMaps.DeleteAsync("after", ns);
        await watching.WaitAsync(Patience);

        events.Select(e => (e.Type, e.Object.Metadata.Name)).ShouldBe([(WatchEventType.Added, "after"), (WatchEventType.Modified, "after"), (WatchEventType.Deleted, "after")]);
        events[1].Object.Data!["k"].ShouldBe("v");
    }

    [Fact]
    public async Task Watch_from_zero_starts_with_synthetic_adds_and_ends_at_timeout()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var configMaps = _client.Resource<ConfigMap>();
        await configMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "one", Namespace = ns } });
        var events = new List<WatchEvent<ConfigMap>>();
        await foreach (var e in configMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = "0", TimeoutSeconds = 1 }).WithCancellation(new CancellationTokenSource(Patience).Token))
        {
            events.Add(e);
        }

        events.Single().Type.ShouldBe(WatchEventType.Added);
        events.Single().Object.Metadata.Name.ShouldBe("one");
    }

    [Fact]
    public async Task Too_old_version_is_a_typed_410()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { HistoryPerResource = 3 });
        using var client = new KubernetesClient(fixture.Configuration(server: cluster.Address) with { Credentials = new Vigil.Kubernetes.Authentication.StaticCredentialProvider(new(BearerToken: cluster.Token)), CertificateAuthority = [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(cluster.Certificates.Authority.RawData)] });
        var configMaps = client.Resource<ConfigMap>();
        var first = await configMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "c0", Namespace = "default" } });
        for (var i = 1; i < 10; i++)
        {
            await configMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = $"c{i}", Namespace = "default" } });
        }

        await Should.ThrowAsync<ResourceExpiredException>(async () =>
        {
            await foreach (var unused in configMaps.WatchAsync("default", new WatchOptions { ResourceVersion = first.Metadata.ResourceVersion }).WithCancellation(new CancellationTokenSource(Patience).Token))
            {
            }
        });
    }
}
