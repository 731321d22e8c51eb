using System.Net;
using System.Text.Json.Nodes;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Install;

/// <summary>
/// Applies rendered manifests with server-side apply, in the order given (the renderer puts the Namespace and CRDs
/// first), and says for each what kubectl would: created, configured or unchanged.
/// </summary>
public static class ManifestInstaller
{
    /// <summary>The field manager that owns what <c>vigil install</c> sets; running it again takes back fields others changed.</summary>
    public const string FieldManager = "vigil";

    /// <summary>
    /// Applies each manifest and calls <paramref name="report"/> with a kubectl-style line as soon as it is done
    /// (<c>deployment.apps/vigil configured</c>, with <c> (server dry run)</c> when <paramref name="dryRun"/>).
    /// Stops at the first object the server refuses, with everything before it applied.
    /// </summary>
    public static async Task ApplyAsync(KubernetesClient client, IEnumerable<Manifest> manifests, bool dryRun, Action<string> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(manifests);
        ArgumentNullException.ThrowIfNull(report);
        var suffix = dryRun ? " (server dry run)" : "";
        // On a dry run nothing is created, so a real API server refuses objects in a namespace the same run would create.
        var namespacesOnlyInDryRun = new HashSet<string>(StringComparer.Ordinal);
        foreach (var manifest in manifests)
        {
            var resources = client.Unstructured(manifest.Type);
            var ns = manifest.Type.Namespaced
                ? manifest.Namespace ?? throw new InvalidDataException($"{manifest.Source}: {manifest.Reference} has no namespace")
                : null;
            var before = await resources.TryGetAsync(manifest.Name, ns, cancellationToken);
            UnstructuredObject after;
            try
            {
                after = await resources.PatchAsync(manifest.Name, Patch.Apply(manifest.ToYaml()), ns,
                    new WriteOptions { FieldManager = FieldManager, Force = true, DryRun = dryRun }, cancellationToken: cancellationToken);
            }
            catch (KubernetesApiException e) when (dryRun && e.StatusCode == HttpStatusCode.NotFound && ns is not null && namespacesOnlyInDryRun.Contains(ns))
            {
                report($"{manifest.Reference} created{suffix}, not validated: namespace {ns} does not exist yet");
                continue;
            }
            if (before is null && manifest.Kind == "Namespace" && dryRun) namespacesOnlyInDryRun.Add(manifest.Name);
            var outcome = before is null ? "created" : SameObject(before, after) ? "unchanged" : "configured";
            report($"{manifest.Reference} {outcome}{suffix}");
        }
    }

    // What the object says, without what the server keeps about it (resourceVersion, managedFields, generation) or what
    // controllers report (status): equal before and after means the apply changed nothing.
    private static bool SameObject(UnstructuredObject before, UnstructuredObject after) =>
        JsonNode.DeepEquals(Comparable(before), Comparable(after));

    private static JsonObject Comparable(UnstructuredObject o)
    {
        var content = (JsonObject)o.Content.DeepClone();
        content.Remove("status");
        content["labels"] = Map(o.Metadata.Labels);
        content["annotations"] = Map(o.Metadata.Annotations);
        return content;
    }

    private static JsonObject Map(IDictionary<string, string>? values) =>
        new(values?.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)) ?? []);
}
