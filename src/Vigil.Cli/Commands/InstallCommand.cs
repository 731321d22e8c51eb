using System.CommandLine;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Http;
using Vigil.Operator.Install;

namespace Vigil.Cli.Commands;

/// <summary><c>vigil install crds</c>: Vigil's CustomResourceDefinitions into a cluster.</summary>
internal static class InstallCommand
{
    public static Command Create()
    {
        var connection = new KubeconfigOptions();
        var dryRun = new Option<bool>("--dry-run") { Description = "Ask the API server to validate without persisting anything." };
        var print = new Option<bool>("--print") { Description = "Print the CRDs as YAML instead of applying them (for kubectl apply -f - or GitOps)." };
        var crds = new Command("crds", "Install or upgrade Vigil's CustomResourceDefinitions (Detector, Gatherer, Policy, Sink) with server-side apply.")
        {
            connection.Kubeconfig, connection.Context, dryRun, print,
        };
        crds.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(print))
            {
                foreach (var (_, yaml) in CrdInstaller.Manifests()) Console.Write(yaml.TrimEnd() + "\n---\n");
                return 0;
            }
            if (connection.Load(result, out var error) is not { } configuration)
            {
                await Console.Error.WriteLineAsync($"error: {error}");
                return 2;
            }
            using var client = new KubernetesClient(configuration);
            try
            {
                foreach (var line in await CrdInstaller.ApplyAsync(client, result.GetValue(dryRun), cancellationToken)) Console.WriteLine(line);
                return 0;
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
                return 1;
            }
        });
        return new Command("install", "Install Vigil's parts into a cluster.") { crds };
    }
}
