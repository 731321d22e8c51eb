using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vigil.Delivery;
using Vigil.Kubernetes;
using Vigil.Operator.Metrics;
using Vigil.Operator.Pipeline;
using Vigil.Operator.Sharding;

namespace Vigil.Operator.Hosting;

/// <summary>
/// The long-running operator: the pipeline, plus a minimal Kestrel server with <c>/metrics</c> (Prometheus text format),
/// <c>/healthz</c> (the process is alive) and <c>/readyz</c> (informers synced and the API server reached recently; 503 with
/// the reason otherwise). <see cref="StopAsync"/> stops in order: readiness fails, watches close, diagnoses in flight finish,
/// sink queues drain (bounded by the shutdown timeout), and only then does the HTTP server stop.
/// </summary>
public sealed partial class OperatorHost : IAsyncDisposable
{
    private readonly WebApplication _web;
    private readonly ApiReachability _api;
    private readonly ILogger _logger;
    private readonly TimeSpan _shutdownTimeout;
    private volatile bool _stopping;
    private bool _stopped;

    private OperatorHost(DiagnosisPipeline pipeline, Replica replica, WebApplication web, ApiReachability api, Uri address, TimeSpan shutdownTimeout, ILogger logger)
    {
        Pipeline = pipeline;
        Replica = replica;
        _web = web;
        _api = api;
        Address = address;
        _shutdownTimeout = shutdownTimeout;
        _logger = logger;
    }

    public DiagnosisPipeline Pipeline { get; }

    /// <summary>This operator among its peers: member Lease, leadership, shard assignment.</summary>
    public Replica Replica { get; }

    /// <summary>The address /metrics, /healthz and /readyz are served at (the real port when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>Null when ready; otherwise why not.</summary>
    public string? NotReadyReason
    {
        get
        {
            if (_stopping) return "shutting down";
            var unsynced = Pipeline.InformerSync.Where(s => !s.Synced).Select(s => s.Kind).ToList();
            if (unsynced.Count > 0) return $"informers not synced: {string.Join(", ", unsynced)}";
            return _api.Problem;
        }
    }

    /// <summary>
    /// Starts the HTTP endpoints (so /healthz answers at once), the API server probe, then the pipeline, which returns once
    /// its informers have listed everything. <paramref name="configurePipeline"/> runs before watching starts (subscribe to events there).
    /// </summary>
    public static async Task<OperatorHost> StartAsync(KubernetesClient client, PipelineOptions pipelineOptions, IEnumerable<ISink> sinks, OperatorOptions options,
        TimeProvider time, ILoggerFactory loggerFactory, Action<DiagnosisPipeline>? configurePipeline = null, CancellationToken cancellationToken = default)
    {
        if (!ListenAddress.TryParse(options.MetricsAddress, out var endpoint, out var error)) throw new ArgumentException($"metrics address: {error}", nameof(options));
        var logger = loggerFactory.CreateLogger<OperatorHost>();
        var identity = options.Identity ?? Replica.DefaultIdentity();
        if (options.Sharding.Enabled)
        {
            pipelineOptions.Scope = WatchScope.Assigned;
            options.Sharding.ExcludedNamespaces = [.. pipelineOptions.Filters.ExcludedNamespaces];
        }
        var pipeline = new DiagnosisPipeline(client, pipelineOptions, sinks, time, loggerFactory.CreateLogger<DiagnosisPipeline>());
        if (options.Sharding.Enabled) pipeline.Ledger = new IncidentLedger(client, pipelineOptions.SystemNamespace, identity);
        var replica = new Replica(client, pipeline, options.Sharding, pipelineOptions.SystemNamespace, identity, time, loggerFactory.CreateLogger<Replica>());
        configurePipeline?.Invoke(pipeline);
        var api = new ApiReachability(client, options.ApiProbeInterval, options.ApiStaleAfter, time, logger);
        WebApplication? web = null;
        try
        {
            web = BuildWeb(endpoint, loggerFactory);
            OperatorHost? host = null;
            web.MapGet("/healthz", () => Results.Text("ok\n"));
            web.MapGet("/readyz", () => host!.NotReadyReason is { } reason ? Results.Text(reason + "\n", statusCode: StatusCodes.Status503ServiceUnavailable) : Results.Text("ok\n"));
            web.MapGet("/metrics", () => Results.Text(MetricsExporter.Render(pipeline, api, replica), PrometheusTextWriter.ContentType));
            await web.StartAsync(cancellationToken);
            var address = new Uri(web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            host = new OperatorHost(pipeline, replica, web, api, address, pipelineOptions.ShutdownTimeout, logger);
            LogListening(logger, address.ToString());
            api.Start();
            await pipeline.StartAsync(cancellationToken);
            await replica.StartAsync(cancellationToken);
            return host;
        }
        catch
        {
            await replica.DisposeAsync();
            await pipeline.DisposeAsync();
            await api.DisposeAsync();
            if (web is not null) await web.DisposeAsync();
            throw;
        }
    }

    private static WebApplication BuildWeb(IPEndPoint endpoint, ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        // The operator's own log: request logging stays off, server errors go where everything else goes.
        builder.Services.AddSingleton(loggerFactory);
        // The operator owns the process lifetime (signals, ordered shutdown); the web host must neither listen for
        // SIGTERM nor print "Press Ctrl+C to shut down".
        builder.Services.AddSingleton<IHostLifetime, ProcessOwnedLifetime>();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(endpoint);
        });
        return builder.Build();
    }

    /// <summary>Runs until <paramref name="stop"/> fires, then stops in order (see <see cref="StopAsync"/>).</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
        }
        await StopAsync();
    }

    /// <summary>Readiness fails first (load balancers and rollouts stop counting on us), then the pipeline stops in order, then HTTP.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        _stopping = true;
        LogStopping(_logger, _shutdownTimeout.TotalSeconds);
        // Leadership goes first (a successor takes over at once) and no new shard map is applied; the member Lease stays
        // renewed while the pipeline drains, so this replica's namespaces move only once its ledger is written.
        await Replica.StopFollowingAsync();
        await Pipeline.StopAsync(_shutdownTimeout);
        await Replica.DisposeAsync();
        await _api.DisposeAsync();
        using var httpTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _web.StopAsync(httpTimeout.Token);
        LogStopped(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Pipeline.DisposeAsync();
        await _web.DisposeAsync();
    }

    private sealed class ProcessOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "serving /metrics, /healthz and /readyz at {Address}")]
    private static partial void LogListening(ILogger logger, string address);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "stopping (shutdown timeout {TimeoutSeconds} s)")]
    private static partial void LogStopping(ILogger logger, double timeoutSeconds);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "stopped")]
    private static partial void LogStopped(ILogger logger);
}
