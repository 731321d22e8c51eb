using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using Spectre.Console;
using Vigil.Cli.Demo;
using Vigil.Cluster.Api;
using Vigil.Cluster.Server;
using Vigil.Delivery;
using Vigil.Delivery.Sinks;
using Vigil.Embedded;
using Vigil.Operator.Pipeline;
using static System.FormattableString;

namespace Vigil.Cli.Commands;

/// <summary>
/// <c>vigil demo</c>: Vigil's main job on a fresh machine. A simulated cluster with a healthy shop and the fault catalog,
/// the diagnosis pipeline watching it over HTTPS, and the diagnoses shown as they arrive.
/// </summary>
internal static class DemoCommand
{
    /// <summary>
    /// Cluster seconds per real second by default. At 1 the first diagnoses (the OOM kill, the used-up quota) arrive about
    /// 40 s after start (38 s measured): the detectors fire at once and the correlator waits its 30 s window. The slowest faults need their
    /// detectors' thresholds (5 minutes for a pod that cannot be scheduled), so the whole catalog takes about 6 minutes;
    /// <c>--speed 10</c> shows it in under a minute.
    /// </summary>
    public const double DefaultSpeed = 1;

    public static Command Create()
    {
        var duration = new Option<double?>("--duration") { HelpName = "SECONDS", Description = "Stop by itself after this many seconds (default: run until Ctrl-C or SIGTERM)." };
        var port = new Option<int>("--port") { HelpName = "P", Description = "Port of the simulated cluster on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 0 };
        var kubeconfig = new Option<string>("--kubeconfig")
        {
            HelpName = "PATH",
            Description = "Where to write the kubeconfig for the demo's cluster (context 'vigil'), for kubectl.",
            DefaultValueFactory = _ => Path.Combine(".vigil", "kubeconfig"),
        };
        var speed = new Option<double>("--speed")
        {
            HelpName = "N",
            Description = "Cluster seconds per real second: thresholds, back-offs and deadlines pass this many times faster. At 1 the first diagnosis arrives in about 40 s and the whole fault catalog in about 6 minutes.",
            DefaultValueFactory = _ => DefaultSpeed,
        };
        var noFaults = new Option<bool>("--no-faults") { Description = "Deploy only the healthy shop: a quiet cluster, where Vigil should find nothing." };
        var command = new Command("demo",
            "Run Vigil against a simulated cluster with a healthy shop and a catalog of faults, and show the diagnoses as they arrive "
            + "(a live view in a terminal, one line per diagnosis otherwise). Runs until Ctrl-C, SIGTERM or --duration.")
        {
            duration, port, kubeconfig, speed, noFaults,
        };
        command.SetAction((result, cancellationToken) => RunAsync(new DemoSettings(
            result.GetValue(duration), result.GetValue(port), result.GetValue(kubeconfig)!, result.GetValue(speed), result.GetValue(noFaults)), cancellationToken));
        return command;
    }

    private sealed record DemoSettings(double? Duration, int Port, string Kubeconfig, double Speed, bool NoFaults);

    private static async Task<int> RunAsync(DemoSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Duration is { } d && !(d > 0 && double.IsFinite(d))) return Fail("--duration must be a positive number of seconds");
        if (!(settings.Speed > 0 && double.IsFinite(settings.Speed))) return Fail("--speed must be a positive number");
        if (settings.Port is < 0 or > 65535) return Fail("--port must be between 0 and 65535");

        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        var terminal = !Console.IsOutputRedirected;
        var board = new IncidentBoard();
        // Diagnoses arrive on the dispatcher's thread: the first one's time is set once, atomically.
        var firstDiagnosisTicks = new StrongBox<long>(-1);
        board.Diagnosed += _ => Interlocked.CompareExchange(ref firstDiagnosisTicks.Value, time.GetElapsedTime(started).Ticks, -1);
        var path = Path.GetFullPath(settings.Kubeconfig);
        // Subscribed before the pipeline starts, so no diagnosis can come before its line is written.
        using var plain = terminal ? null : new PlainLineView(Console.Out, board, time, started);

        EmbeddedVigil vigil;
        try
        {
            vigil = await EmbeddedVigil.StartAsync(
                new ClusterOptions { Port = settings.Port, Speed = settings.Speed, Nodes = 3 },
                new PipelineOptions(),
                // The live view takes the log sink's place; Kubernetes Events are written as `vigil run` writes them.
                sinks: client => [board, new KubernetesEventSink(client, "vigil-demo")],
                beforeStart: v =>
                {
                    v.Pipeline.IncidentChanged += board.OnIncidentChanged;
                    WriteKubeconfig(v, path);
                    var deployed = DemoManifests.Deploy(v.Cluster, faults: !settings.NoFaults);
                    // Printed before the pipeline starts: the header always comes before the first diagnosis.
                    PrintHeader(v, deployed, path, settings);
                    return Task.CompletedTask;
                },
                cancellationToken: cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (IOException e) when (settings.Port != 0)
        {
            return Fail($"cannot serve on 127.0.0.1:{settings.Port.ToString(CultureInfo.InvariantCulture)}: {e.Message}");
        }
        catch (ApiException e)
        {
            return Fail($"a demo manifest was refused: {e.Message}");
        }
        catch (KubeconfigNotWrittenException e)
        {
            return Fail(e.Message);
        }

        await using (vigil)
        {
            var stop = StopAsync(settings.Duration, time, cancellationToken);
            if (terminal)
            {
                var view = new TerminalLiveView(AnsiConsole.Console, board, new DemoHeader(vigil.Cluster.Address, path, settings.Speed),
                    () => DemoCounters.From(vigil), vigil.Cluster.Clock, time, started);
                await view.RunAsync(stop);
            }
            else
            {
                await stop;
            }
            // The summary is the last line: diagnoses finishing while the pipeline drains are not printed after it.
            plain?.Dispose();

            var counters = DemoCounters.From(vigil);
            var snapshot = board.Snapshot();
            var first = Interlocked.Read(ref firstDiagnosisTicks.Value);
            Console.WriteLine(Invariant($"stopped after {PlainLineView.Elapsed(time.GetElapsedTime(started)).TrimStart('+')}: {Count(snapshot.Diagnoses, "diagnosis", "diagnoses")}")
                + (first >= 0 ? Invariant($" (the first after {TimeSpan.FromTicks(first).TotalSeconds:0} s)") : "")
                + Invariant($", {Count(snapshot.Resolved, "incident", "incidents")} resolved, {Count(counters.EventsDelivered, "diagnosis", "diagnoses")} written as Kubernetes Events"));
        }
        return 0;
    }

    private static void PrintHeader(EmbeddedVigil vigil, DeployedDemo deployed, string kubeconfig, DemoSettings settings)
    {
        Console.WriteLine($"Simulated cluster serving at {vigil.Cluster.Address} (speed {settings.Speed.ToString("0.##", CultureInfo.InvariantCulture)}x, 3 nodes)");
        Console.WriteLine($"kubeconfig written to {kubeconfig}");
        Console.WriteLine($"  export KUBECONFIG={kubeconfig}");
        Console.WriteLine($"Deployed {deployed.Objects.ToString(CultureInfo.InvariantCulture)} objects: the shop (namespace {string.Join(", ", deployed.ShopNamespaces)})"
            + (deployed.FaultNamespaces.Count == 0 ? ", no faults" : $" and {deployed.FaultNamespaces.Count.ToString(CultureInfo.InvariantCulture)} faults ({string.Join(", ", deployed.FaultNamespaces)})"));
        Console.WriteLine($"Vigil is watching with {vigil.Pipeline.Engine.Detectors.Count.ToString(CultureInfo.InvariantCulture)} detectors; diagnoses appear as they arrive"
            + (settings.Duration is { } seconds ? $" for {seconds.ToString("0.##", CultureInfo.InvariantCulture)} s." : ". Ctrl-C stops."));
    }

    private static void WriteKubeconfig(EmbeddedVigil vigil, string path)
    {
        try
        {
            vigil.Cluster.WriteKubeconfig(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeconfigNotWrittenException($"cannot write the kubeconfig {path}: {e.Message}", e);
        }
    }

    /// <summary>Tells the start-up failure "the kubeconfig could not be written" apart from the cluster's own I/O errors.</summary>
    private sealed class KubeconfigNotWrittenException(string message, Exception inner) : Exception(message, inner);

    /// <summary>Completes when the duration has passed or the process is told to stop (Ctrl-C, SIGTERM); never faults.</summary>
    private static async Task StopAsync(double? duration, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(duration is { } s ? TimeSpan.FromSeconds(s) : Timeout.InfiniteTimeSpan, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string Count(long n, string one, string many) => Invariant($"{n} {(n == 1 ? one : many)}");

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }
}
