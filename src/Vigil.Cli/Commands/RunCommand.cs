using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Operator.Configuration;
using Vigil.Operator.Hosting;

namespace Vigil.Cli.Commands;

/// <summary>
/// <c>vigil run</c>: the operator against a cluster until SIGTERM or Ctrl-C. Exit codes: 0 clean stop, 1 runtime failure,
/// 2 bad configuration or usage (the error names the key or file).
/// </summary>
internal static partial class RunCommand
{
    public const int Ok = 0;
    public const int RuntimeFailure = 1;
    public const int BadConfiguration = 2;

    public static Command Create()
    {
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Kubeconfig file to use (default: in-cluster when running in a pod, else KUBECONFIG or ~/.kube/config)." };
        var context = new Option<string?>("--context") { Description = "Kubeconfig context to use instead of current-context." };
        var config = new Option<string?>("--config") { Description = "Vigil configuration file (YAML, kind VigilConfig; see docs/configuration.md). Defaults apply without it." };
        var metrics = new Option<string?>("--metrics-address") { Description = "host:port for /metrics, /healthz and /readyz (overrides operator.metricsAddress; default 127.0.0.1:9090; port 0 picks one)." };
        var logLevel = new Option<string>("--log-level") { Description = "Least severe log entry written: debug, info, warning or error.", DefaultValueFactory = _ => "info" };
        logLevel.AcceptOnlyFromAmong("debug", "info", "warning", "error");
        var command = new Command("run", "Run the operator against a cluster: detect faults, diagnose them, deliver diagnoses (JSON logs on stdout), until SIGTERM or Ctrl-C. " +
                                         "Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad configuration or usage.")
        {
            kubeconfig, context, config, metrics, logLevel,
        };
        // Synchronous on purpose: the command handles SIGTERM/SIGINT itself, so that draining may take the configured
        // shutdown timeout instead of System.CommandLine's two-second termination grace.
        command.SetAction(result => RunAsync(result.GetValue(kubeconfig), result.GetValue(context), result.GetValue(config), result.GetValue(metrics), result.GetValue(logLevel)!)
            .GetAwaiter().GetResult());
        return command;
    }

    private static async Task<int> RunAsync(string? kubeconfigPath, string? contextName, string? configPath, string? metricsAddress, string logLevel)
    {
        VigilConfig config;
        try
        {
            config = configPath is null ? VigilConfig.Default() : VigilConfig.Load(configPath);
        }
        catch (ConfigException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return BadConfiguration;
        }
        if (metricsAddress is not null)
        {
            if (!ListenAddress.TryParse(metricsAddress, out _, out var problem)) return Fail($"--metrics-address: {problem}");
            config.Operator.MetricsAddress = metricsAddress;
        }

        KubernetesClientConfiguration clientConfig;
        try
        {
            clientConfig = kubeconfigPath is not null
                ? KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = [kubeconfigPath], Context = contextName }, TimeProvider.System)
                : contextName is null ? KubernetesClientConfiguration.Default() : KubernetesClientConfiguration.FromKubeConfig(contextName);
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException)
        {
            return Fail($"kubeconfig: {e.Message}");
        }

        clientConfig = clientConfig with { Qps = config.Operator.ApiQps, Burst = config.Operator.ApiBurst };

        var stdout = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true });
        using var loggerFactory = LoggerFactory.Create(b =>
        {
            b.ClearProviders();
            b.SetMinimumLevel(LogLevel.Trace);
            // Request-by-request and hosting chatter stays out of the operator's log; their warnings and errors do not.
            b.AddFilter("Microsoft", LogLevel.Warning);
            b.AddProvider(new JsonLineLoggerProvider(stdout, Level(logLevel), TimeProvider.System));
        });
        var logger = loggerFactory.CreateLogger("Vigil.Run");

        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext c)
        {
            // Handled here: the runtime must not end the process before the ordered shutdown has drained.
            c.Cancel = true;
            LogSignal(logger, c.Signal.ToString());
            stop.Cancel();
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        using var client = new KubernetesClient(clientConfig, TimeProvider.System, loggerFactory);
        var instance = Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName;
        try
        {
            var sinks = config.Sinks.Create(client, stdout, instance);
            LogStarting(logger, clientConfig.Server.ToString(), clientConfig.ContextName ?? "", configPath ?? "(defaults)", string.Join(",", sinks.Select(s => s.Name)));
            OperatorHost host;
            try
            {
                host = await OperatorHost.StartAsync(client, config.Pipeline, sinks, config.Operator, TimeProvider.System, loggerFactory, cancellationToken: stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Stopped while the informers were still listing: nothing was accepted yet.
                LogStoppedBeforeStart(logger);
                return Ok;
            }
            await using (host)
            {
                LogRunning(logger, host.Address.ToString());
                await host.RunAsync(stop.Token);
            }
            return Ok;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogFailed(logger, e);
            return RuntimeFailure;
        }
    }

    private static LogLevel Level(string name) => name switch
    {
        "debug" => LogLevel.Debug,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => LogLevel.Information,
    };

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return BadConfiguration;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "starting against {Server} (context {Context}, config {Config}, sinks {Sinks})")]
    private static partial void LogStarting(ILogger logger, string server, string context, string config, string sinks);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "running; metrics at {MetricsAddress}metrics")]
    private static partial void LogRunning(ILogger logger, string metricsAddress);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "{Signal} received: stopping")]
    private static partial void LogSignal(ILogger logger, string signal);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "stopped before the caches were synced")]
    private static partial void LogStoppedBeforeStart(ILogger logger);

    [LoggerMessage(EventId = 104, Level = LogLevel.Critical, Message = "operator failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
