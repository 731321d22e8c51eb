using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vigil.Cluster.Api;
using Vigil.Cluster.Controllers;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Serialization;
using Vigil.Cluster.Server;
using Vigil.Cluster.Simulation;
using Vigil.Cluster.Simulation.Workloads;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster;

/// <summary>
/// The simulated cluster: an HTTP API server on 127.0.0.1 speaking the Kubernetes protocol, with the controllers that are
/// part of the apiserver's own semantics (CRD registration, namespace termination, garbage collection). Start it with
/// <see cref="StartAsync"/>; dispose it to stop.
/// </summary>
public sealed class SimulatedCluster : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<IAsyncDisposable> _components = [];

    private SimulatedCluster(WebApplication app, ResourceOperations operations, ClusterOptions options, Uri address, ClusterCertificates certificates)
    {
        _app = app;
        Certificates = certificates;
        Operations = operations;
        Options = options;
        Address = address;
    }

    /// <summary>Where the API server listens, e.g. http://127.0.0.1:41234.</summary>
    public Uri Address { get; }

    /// <summary>The bearer token the server accepts.</summary>
    public string Token => Options.Token!;

    public ClusterOptions Options { get; }

    /// <summary>The cluster CA and serving certificate; clients trust <see cref="ClusterCertificates.Authority"/>.</summary>
    public ClusterCertificates Certificates { get; }

    /// <summary>The simulation's shared context, when <see cref="ClusterOptions.Simulate"/> is on.</summary>
    public SimulationContext? Simulation { get; private set; }

    /// <summary>The cluster clock: timestamps the cluster writes and every simulated delay run on it.</summary>
    public TimeProvider Clock => Operations.Time;

    /// <summary>In-process access to the server's objects, with the same semantics as the HTTP API.</summary>
    public ResourceOperations Operations { get; }

    public static async Task<SimulatedCluster> StartAsync(ClusterOptions? options = null, TimeProvider? time = null, ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new ClusterOptions();
        options.Token ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        time ??= options.Speed == 1 ? TimeProvider.System : new ClusterClock(options.Speed);
        var registry = new ResourceRegistry();
        var store = new ObjectStore(new StoreOptions { HistoryPerResource = options.HistoryPerResource });
        var operations = new ResourceOperations(store, registry, time);
        var crds = new CustomResourceDefinitions(operations);
        operations.AddAdmissionPlugin(new ServiceIpAllocator());
        var logs = new SwitchableLogSource(new AnnotationLogSource());
        var context = new SimulationContext(operations, time, options, logs);
        // The controllers' hub is only started when simulating; the admission plugins read through it either way.
        var hub = new ControllerHub(context);
        if (options.Simulate) ApiServerAdmission.AddNodeLifecyclePlugins(operations);
        var admission = ApiServerAdmission.Register(hub);
        Bootstrap(operations);
        var certificates = ClusterCertificates.Create(time);
        var handler = new ApiRequestHandler(operations, options, logs, certificates);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // The process that embeds the cluster decides what a signal means (vigil cluster stops on SIGTERM and Ctrl-C);
        // the host's console lifetime would otherwise swallow SIGTERM and stop only the web server.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        if (loggerFactory is not null) builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port, listen => listen.UseHttps(https =>
            {
                https.ServerCertificate = certificates.Serving;
                // Client certificates are optional: a request is authenticated by a cluster-issued certificate or a bearer token.
                https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate;
                https.AllowAnyClientCertificate();
            }));
            k.Limits.MaxRequestBodySize = null; // the handler enforces the limit with a Status error
            k.Limits.MinResponseDataRate = null; // watches idle for long periods
            // Like kube-apiserver (--http2-max-streams-per-connection): many watches share one HTTP/2 connection.
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = new Uri(app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        var cluster = new SimulatedCluster(app, operations, options, address, certificates);
        cluster._components.Add(new NamespaceController(operations));
        cluster._components.Add(new GarbageCollector(operations));
        _ = crds;
        if (options.Simulate)
        {
            cluster.Simulation = context;
            cluster._components.AddRange(NodeSimulation.Start(context));
            cluster._components.AddRange(WorkloadSimulation.Start(hub, admission));
        }
        return cluster;
    }

    /// <summary>The namespaces every cluster starts with, and their default service accounts.</summary>
    private static void Bootstrap(ResourceOperations operations)
    {
        var nsType = operations.Registry.Find("", "v1", "namespaces")!;
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
            operations.Create(nsType, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, WriteOptions.Default);
    }

    /// <summary>Writes a kubeconfig with a cluster, user and context named <c>vigil</c> pointing at this server.</summary>
    public void WriteKubeconfig(string path, string contextName = "vigil")
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, KubeconfigYaml(contextName));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public string KubeconfigYaml(string contextName = "vigil") => YamlJson.ToYaml(new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Config",
        ["clusters"] = new JsonArray(new JsonObject
        {
            ["name"] = contextName,
            ["cluster"] = new JsonObject
            {
                ["server"] = Address.ToString().TrimEnd('/'),
                ["certificate-authority-data"] = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(Certificates.AuthorityPem)),
            },
        }),
        ["users"] = new JsonArray(new JsonObject { ["name"] = contextName, ["user"] = new JsonObject { ["token"] = Token } }),
        ["contexts"] = new JsonArray(new JsonObject { ["name"] = contextName, ["context"] = new JsonObject { ["cluster"] = contextName, ["user"] = contextName, ["namespace"] = "default" } }),
        ["current-context"] = contextName,
    });

    /// <summary>Applies a multi-document manifest (create, or update when the object exists).</summary>
    public IReadOnlyList<JsonObject> Apply(string yaml) => ManifestApplier.Apply(Operations, yaml);

    private int _disposed;

    /// <summary>A host lifetime that leaves process signals alone.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        for (var i = _components.Count - 1; i >= 0; i--) await _components[i].DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificates.Dispose();
    }
}
