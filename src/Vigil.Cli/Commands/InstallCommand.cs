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
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Path to the kubeconfig (default: $KUBECONFIG, then ~/.kube/config)." };
        var context = new Option<string?>("--context") { Description = "The kubeconfig context to use (default: its current context)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Ask the API server to validate without persisting anything." };
        var print = new Option<bool>("--print") { Description = "Print the CRDs as YAML instead of applying them (for kubectl apply -f - or GitOps)." };
        var crds = new Command("crds", "Install or upgrade Vigil's CustomResourceDefinitions (Detector, Gatherer, Policy, Sink) with server-side apply.")
        {
            kubeconfig, context, dryRun, print,
        };
        crds.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(print))
            {
                foreach (var (_, yaml) in CrdInstaller.Manifests()) Console.Write(yaml.TrimEnd() + "\n---\n");
                return 0;
            }
            KubernetesClientConfiguration configuration;
            try
            {
                var path = result.GetValue(kubeconfig);
                configuration = KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = path is null ? null : [path], Context = result.GetValue(context) }, TimeProvider.System);
            }
            catch (Exception e) when (e is KubeConfigException or IOException)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
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
