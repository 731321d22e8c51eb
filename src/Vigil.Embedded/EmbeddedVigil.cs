using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Delivery;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Authentication;
using Vigil.Kubernetes.Configuration;
using Vigil.Operator.Pipeline;

namespace Vigil.Embedded;

/// <summary>
/// A simulated cluster and Vigil's pipeline in one process, the pipeline talking to the cluster over HTTPS exactly as it
/// would to a real one. Used by <c>vigil demo</c>, <c>vigil eval</c>, end-to-end tests and benchmarks.
/// The pipeline runs on the cluster's clock, so detector thresholds and correlation windows scale with the cluster's speed.
/// </summary>
public sealed class EmbeddedVigil : IAsyncDisposable
{
    private EmbeddedVigil(SimulatedCluster cluster, KubernetesClient client, DiagnosisPipeline pipeline)
    {
        Cluster = cluster;
        Client = client;
        Pipeline = pipeline;
    }

    public SimulatedCluster Cluster { get; }

    /// <summary>Vigil's client for the cluster (HTTPS, bearer token, the cluster CA trusted).</summary>
    public KubernetesClient Client { get; }

    public DiagnosisPipeline Pipeline { get; }

    /// <summary>
    /// Starts the cluster, then the pipeline against it. <paramref name="beforeStart"/> runs after the cluster is up and
    /// before the pipeline starts watching (apply manifests, subscribe to <see cref="DiagnosisPipeline.Diagnosed"/>).
    /// </summary>
    public static async Task<EmbeddedVigil> StartAsync(
        ClusterOptions clusterOptions,
        PipelineOptions pipelineOptions,
        Func<KubernetesClient, IEnumerable<ISink>>? sinks = null,
        ILoggerFactory? loggerFactory = null,
        Func<EmbeddedVigil, Task>? beforeStart = null,
        CancellationToken cancellationToken = default)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        var cluster = await SimulatedCluster.StartAsync(clusterOptions, cancellationToken: cancellationToken);
        KubernetesClient? client = null;
        DiagnosisPipeline? pipeline = null;
        try
        {
            // The client keeps real time: request timeouts and retries are about the network, not the simulation.
            client = new KubernetesClient(ClientConfiguration(cluster), TimeProvider.System, loggerFactory);
            pipeline = new DiagnosisPipeline(client, pipelineOptions, sinks?.Invoke(client) ?? [], cluster.Clock, loggerFactory.CreateLogger<DiagnosisPipeline>());
            var embedded = new EmbeddedVigil(cluster, client, pipeline);
            if (beforeStart is not null) await beforeStart(embedded);
            await pipeline.StartAsync(cancellationToken);
            return embedded;
        }
        catch
        {
            if (pipeline is not null) await pipeline.DisposeAsync();
            client?.Dispose();
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>How Vigil's client reaches a simulated cluster: its address, its CA, its token.</summary>
    public static KubernetesClientConfiguration ClientConfiguration(SimulatedCluster cluster) => new()
    {
        Server = cluster.Address,
        Namespace = "default",
        CertificateAuthority = [X509CertificateLoader.LoadCertificate(cluster.Certificates.Authority.RawData)],
        Credentials = new StaticCredentialProvider(new Credential(BearerToken: cluster.Token)),
        // The embedded cluster has no other clients to protect; client-side throttling would only distort timings.
        Qps = 1_000,
        Burst = 2_000,
        ContextName = "vigil",
    };

    /// <summary>Stops the pipeline first (draining accepted incidents), then the cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        await Pipeline.DisposeAsync();
        Client.Dispose();
        await Cluster.DisposeAsync();
    }
}
