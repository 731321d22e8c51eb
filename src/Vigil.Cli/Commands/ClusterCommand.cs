using System.CommandLine;
using System.Runtime.InteropServices;
using Vigil.Cluster;
using Vigil.Cluster.Api;
using Vigil.Cluster.Server;

namespace Vigil.Cli.Commands;

/// <summary><c>vigil cluster</c>: the simulated cluster alone, in the foreground.</summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 0 };
        var kubeconfig = new Option<string>("--kubeconfig")
        {
            Description = "Where to write the kubeconfig for this cluster (context 'vigil').",
            DefaultValueFactory = _ => Path.Combine(".vigil", "kubeconfig"),
        };
        var load = new Option<string[]>("--load") { Description = "Manifest files or directories to apply at start (repeatable).", AllowMultipleArgumentsPerToken = true };
        var qps = new Option<double?>("--max-requests-per-second") { Description = "Request budget; beyond it the server answers 429 with Retry-After." };
        var nodes = new Option<int>("--nodes") { Description = "Nodes to create at start (more can come from manifests).", DefaultValueFactory = _ => 3 };
        var speed = new Option<double>("--speed") { Description = "Cluster seconds per real second: simulated delays (back-offs, probes, deadlines) run this many times faster.", DefaultValueFactory = _ => 1 };
        var heartbeat = new Option<double>("--heartbeat-interval") { Description = "Seconds (cluster time) between each kubelet's Lease renewals.", DefaultValueFactory = _ => 10 };
        var history = new Option<int>("--watch-history") { Description = "Changes kept per resource for watches; older versions answer 410 Expired.", DefaultValueFactory = _ => 10_000 };
        var command = new Command("cluster", "Run the simulated Kubernetes cluster: an API server on 127.0.0.1 that kubectl and any Kubernetes client can use.")
        {
            port, kubeconfig, load, nodes, speed, heartbeat, qps, history,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            // SIGTERM (what `kill`, systemd and container runtimes send) stops the cluster like Ctrl-C: cleanly, exit 0.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
            {
                signal.Cancel = true;
                stop.Cancel();
            });
            cancellationToken = stop.Token;
            var options = new ClusterOptions
            {
                Port = result.GetValue(port),
                RequestsPerSecond = result.GetValue(qps),
                HistoryPerResource = result.GetValue(history),
                Nodes = result.GetValue(nodes),
                Speed = result.GetValue(speed),
                HeartbeatInterval = TimeSpan.FromSeconds(result.GetValue(heartbeat) is var h && h > 0 && double.IsFinite(h) ? h : 10),
            };
            if (options.Nodes < 0) return Fail("--nodes must be 0 or more");
            if (!(options.Speed > 0)) return Fail("--speed must be a positive number");
            if (!(result.GetValue(heartbeat) > 0) || !double.IsFinite(result.GetValue(heartbeat))) return Fail("--heartbeat-interval must be a positive number of seconds");
            await using var cluster = await SimulatedCluster.StartAsync(options, cancellationToken: cancellationToken);
            var path = Path.GetFullPath(result.GetValue(kubeconfig)!);
            cluster.WriteKubeconfig(path);
            foreach (var file in ManifestFiles(result.GetValue(load) ?? []))
            {
                try
                {
                    var applied = cluster.Apply(await File.ReadAllTextAsync(file, cancellationToken));
                    Console.WriteLine($"applied {applied.Count} object(s) from {file}");
                }
                catch (ApiException e)
                {
                    await Console.Error.WriteLineAsync($"error: {file}: {e.Message}");
                    return 1;
                }
            }
            Console.WriteLine($"Simulated cluster serving at {cluster.Address}");
            Console.WriteLine($"kubeconfig written to {path}");
            Console.WriteLine($"  export KUBECONFIG={path}");
            Console.WriteLine("Press Ctrl-C (or send SIGTERM) to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        });
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }

    /// <summary>Files named directly, and the .yaml, .yml and .json files of named directories, in name order.</summary>
    internal static IEnumerable<string> ManifestFiles(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (var f in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                             .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
                             .Order(StringComparer.Ordinal))
                    yield return f;
            }
            else if (File.Exists(path)) yield return path;
            else throw new FileNotFoundException($"no such manifest file or directory: {path}", path);
        }
    }
}
