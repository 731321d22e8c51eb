using System.CommandLine;
using System.Diagnostics;
using Vigil.Delivery;
using Vigil.Detection;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Http;
using Vigil.Operator.Extensions;

namespace Vigil.Cli.Commands;

/// <summary><c>vigil sink test NAME</c>: send a synthetic diagnosis through a Sink resource and report what happened.</summary>
internal static class SinkCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The Sink resource's name." };
        var ns = new Option<string>("--namespace", "-n") { Description = "The Sink's namespace.", DefaultValueFactory = _ => "vigil-system" };
        var connection = new KubeconfigOptions();
        var severity = new Option<string>("--severity") { Description = "Severity of the test diagnosis: critical, warning or info (a sink drops what is below its filter).", DefaultValueFactory = _ => "critical" };
        var test = new Command("test", """
            Send a synthetic diagnosis through a configured Sink, exactly as the operator would build it (secrets, template,
            SSRF rules), and report the result. Exit codes: 0 delivered, 1 not delivered or the Sink is invalid, 2 usage error.
            """)
        {
            name, ns, connection.Kubeconfig, connection.Context, severity,
        };
        test.SetAction(async (result, cancellationToken) =>
        {
            if (!Enum.TryParse<Severity>(result.GetValue(severity), ignoreCase: true, out var level) || !Enum.IsDefined(level))
                return await Fail(2, $"--severity must be critical, warning or info, not \"{result.GetValue(severity)}\"");
            if (connection.Load(result, out var error) is not { } configuration) return await Fail(2, error!);
            using var client = new KubernetesClient(configuration);
            var key = $"{result.GetValue(ns)}/{result.GetValue(name)}";
            CountingSink sink;
            try
            {
                var resource = await client.Unstructured(SinkResources.ResourceType).GetAsync(result.GetValue(name)!, result.GetValue(ns), cancellationToken);
                sink = await SinkFactory.BuildAsync(client, resource, TimeProvider.System, cancellationToken);
            }
            catch (NotFoundException)
            {
                return await Fail(1, $"sink {key} not found (kubectl get sinks -A lists them)");
            }
            catch (InvalidResourceException e)
            {
                return await Fail(1, $"sink {key} is invalid: {e.Message}");
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException)
            {
                return await Fail(1, e.Message);
            }
            using var _ = sink.Inner as IDisposable;
            if (level < sink.MinimumSeverity)
                return await Fail(1, $"sink {key} only delivers {sink.MinimumSeverity.ToString().ToLowerInvariant()} and above; a {level.ToString().ToLowerInvariant()} diagnosis would be dropped");
            var watch = Stopwatch.StartNew();
            try
            {
                await sink.SendAsync(SyntheticDiagnosis.Create(DateTimeOffset.UtcNow, level), cancellationToken);
            }
            catch (Exception e) when (e is SinkException or HttpRequestException or TaskCanceledException)
            {
                return await Fail(1, $"sink {key} did not deliver: {sink.LastResult}");
            }
            Console.WriteLine($"delivered a test diagnosis through sink {key} ({sink.Name}) in {watch.ElapsedMilliseconds} ms");
            return 0;
        });
        return new Command("sink", "Work with Sink resources.") { test };
    }

    private static async Task<int> Fail(int code, string message)
    {
        await Console.Error.WriteLineAsync($"error: {message}");
        return code;
    }
}
