using System.CommandLine;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Operator.Install;

namespace Vigil.Cli.Commands;

/// <summary>
/// <c>vigil install</c>: the whole of deploy/ (CRDs, base and an overlay) into a cluster, or as YAML; and
/// <c>vigil install crds</c>: only Vigil's CustomResourceDefinitions.
/// </summary>
internal static class InstallCommand
{
    public static Command Create()
    {
        var connection = new KubeconfigOptions();
        var overlays = ManifestRenderer.Embedded.Overlays;
        var overlay = new Option<string>("--overlay")
        {
            Description = "Which of deploy/overlays to install: single (one replica watching every namespace) or sharded (three replicas that split the namespaces).",
            DefaultValueFactory = _ => "single",
            HelpName = "single|sharded",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Ask the API server to validate every object (server-side dry run) without persisting anything." };
        var print = new Option<bool>("--print") { Description = "Print the objects as one YAML stream instead of applying them (for kubectl apply -f - or GitOps); needs no cluster." };

        var install = new Command("install",
            "Install or upgrade Vigil: the CRDs, the vigil-system namespace, RBAC, config, Deployment, Service and PodDisruptionBudget "
            + "of deploy/ (built into vigil; the same objects as kubectl apply -k deploy/overlays/NAME), with server-side apply "
            + "(field manager vigil). The Namespace and CRDs go first; each object is reported created, configured or unchanged.")
        {
            connection.Kubeconfig, connection.Context, overlay, dryRun, print,
        };
        install.SetAction(async (result, cancellationToken) =>
        {
            var name = result.GetValue(overlay)!;
            if (!overlays.Contains(name))
            {
                await Console.Error.WriteLineAsync($"error: unknown overlay \"{name}\": use {string.Join(" or ", overlays)}");
                return 2;
            }
            if (result.GetValue(print) && result.GetValue(dryRun))
            {
                await Console.Error.WriteLineAsync("error: --print and --dry-run exclude each other (--print does not contact the cluster)");
                return 2;
            }
            var manifests = ManifestRenderer.Embedded.Render(name);
            if (result.GetValue(print))
            {
                Console.Write(Manifest.ToYaml(manifests));
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
                await ManifestInstaller.ApplyAsync(client, manifests, result.GetValue(dryRun), Console.WriteLine, cancellationToken);
                return 0;
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
                return 1;
            }
        });

        var crdDryRun = new Option<bool>("--dry-run") { Description = "Ask the API server to validate without persisting anything." };
        var crdPrint = new Option<bool>("--print") { Description = "Print the CRDs as YAML instead of applying them (for kubectl apply -f - or GitOps)." };
        var crds = new Command("crds", "Install or upgrade only Vigil's CustomResourceDefinitions (Detector, Gatherer, Policy, Sink) with server-side apply.")
        {
            connection.Kubeconfig, connection.Context, crdDryRun, crdPrint,
        };
        crds.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(crdPrint))
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
                foreach (var line in await CrdInstaller.ApplyAsync(client, result.GetValue(crdDryRun), cancellationToken)) Console.WriteLine(line);
                return 0;
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
                return 1;
            }
        });
        install.Add(crds);
        return install;
    }
}
