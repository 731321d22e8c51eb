using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Install;

/// <summary>
/// Installs or upgrades Vigil's CustomResourceDefinitions (the files of deploy/crds, embedded in the binary) with
/// server-side apply, so running it again is harmless and fields other managers own are left alone.
/// </summary>
public static class CrdInstaller
{
    /// <summary>The same manager as <c>vigil install</c>: both own the CRDs' fields, so either may update what the other wrote.</summary>
    public const string FieldManager = ManifestInstaller.FieldManager;

    private const string Prefix = "deploy/crds/";

    private static readonly ResourceType Crds = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", Namespaced: false);

    /// <summary>The CRDs, by file name (<c>vigil.io_detectors.yaml</c>), as YAML.</summary>
    public static IReadOnlyList<(string Name, string Yaml)> Manifests()
    {
        var assembly = typeof(CrdInstaller).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => (n[Prefix.Length..], ManifestRenderer.Read(assembly, n)))];
    }

    /// <summary>Applies every CRD; returns one kubectl-style line per CRD (<c>customresourcedefinition.apiextensions.k8s.io/detectors.vigil.io applied</c>).</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(KubernetesClient client, bool dryRun, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        foreach (var (file, yaml) in Manifests())
        {
            var name = file["vigil.io_".Length..^".yaml".Length] + ".vigil.io";
            await client.Unstructured(Crds).PatchAsync(name, Patch.Apply(yaml), options: new WriteOptions { FieldManager = FieldManager, Force = true, DryRun = dryRun },
                cancellationToken: cancellationToken);
            lines.Add($"customresourcedefinition.apiextensions.k8s.io/{name} {(dryRun ? "applied (server dry run)" : "applied")}");
        }
        return lines;
    }
}
