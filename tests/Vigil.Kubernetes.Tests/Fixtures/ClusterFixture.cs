using Vigil.Cluster;
using Vigil.Kubernetes.Authentication;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Tests.Fixtures;

/// <summary>One simulated API server shared by a test collection; each test works in its own namespace.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private SimulatedCluster? _cluster;

    public SimulatedCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _cluster = await SimulatedCluster.StartAsync(new Vigil.Cluster.Server.ClusterOptions { Simulate = false });

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public KubernetesClientConfiguration Configuration(string @namespace = "default", Uri? server = null) => new()
    {
        Server = server ?? Cluster.Address,
        Namespace = @namespace,
        CertificateAuthority = [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Cluster.Certificates.Authority.RawData)],
        Credentials = new StaticCredentialProvider(new Credential(BearerToken: Cluster.Token)),
        Qps = 500,
        Burst = 1000,
        RequestTimeout = TimeSpan.FromSeconds(15),
    };

    public KubernetesClient Client(string @namespace = "default", TimeProvider? timeProvider = null) => new(Configuration(@namespace), timeProvider);

    /// <summary>Creates a namespace with a unique name for one test.</summary>
    public async Task<string> NewNamespaceAsync(KubernetesClient client, string prefix = "t")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..20];
        await client.Resource<Namespace>().CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        return name;
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "simulated cluster";
}
