using System.Reflection;
using System.Text.Json.Nodes;
using Vigil.Cluster;
using Vigil.Cluster.Api;
using Vigil.Cluster.Serialization;

namespace Vigil.Cli.Demo;

/// <summary>One manifest file the demo deploys: examples/demo/*.yaml or examples/faults/*.yaml, carried inside the vigil assembly.</summary>
internal sealed record DemoManifest(string Name, string Yaml)
{
    /// <summary>The file name without its extension: <c>oom-killed</c>.</summary>
    public string Stem => Path.GetFileNameWithoutExtension(Name);
}

/// <summary>What was deployed: the namespaces the healthy workloads and the faults went to.</summary>
internal sealed record DeployedDemo(IReadOnlyList<string> ShopNamespaces, IReadOnlyList<string> FaultNamespaces, int Objects);

/// <summary>
/// The demo's workloads: the healthy shop (examples/demo) and the fault catalog (examples/faults). Faults written without a
/// namespace (so that <c>kubectl apply -n</c> can place them anywhere) each get their own, <c>fault-&lt;file&gt;</c>, so the
/// catalog's objects cannot collide and every incident names the fault it comes from.
/// </summary>
internal static class DemoManifests
{
    public static IReadOnlyList<DemoManifest> Shop => Load("demo/");

    public static IReadOnlyList<DemoManifest> Faults => Load("faults/");

    private static List<DemoManifest> Load(string prefix)
    {
        var assembly = typeof(DemoManifests).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new DemoManifest(n[prefix.Length..], Read(assembly, n)))];
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"resource {name} is missing from the vigil assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Applies the shop and, unless <paramref name="faults"/> is false, every fault, in file-name order.</summary>
    public static DeployedDemo Deploy(SimulatedCluster cluster, bool faults)
    {
        var objects = 0;
        var shop = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var manifest in Shop)
            foreach (var applied in cluster.Apply(manifest.Yaml))
            {
                objects++;
                if (Meta.Namespace(applied) is { } ns) shop.Add(ns);
            }
        var faultNamespaces = new List<string>();
        if (faults)
        {
            foreach (var manifest in Faults)
            {
                var (ns, count) = DeployFault(cluster, manifest);
                objects += count;
                faultNamespaces.Add(ns);
            }
        }
        return new DeployedDemo([.. shop], faultNamespaces, objects);
    }

    /// <summary>Applies one fault file, document by document (a file may update what an earlier document created), in its namespace.</summary>
    private static (string Namespace, int Objects) DeployFault(SimulatedCluster cluster, DemoManifest manifest)
    {
        var documents = YamlJson.ParseDocuments(manifest.Yaml).OfType<JsonObject>().ToList();
        var declared = documents.FirstOrDefault(d => Meta.Str(d, "kind") == "Namespace" && Meta.Str(d, "apiVersion") == "v1");
        var ns = declared is not null ? Meta.Name(declared)! : $"fault-{manifest.Stem}";
        if (declared is null)
            cluster.Apply($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels: {{vigil.io/demo: fault}}\n");
        var count = 0;
        foreach (var document in documents)
        {
            var apiVersion = Meta.Str(document, "apiVersion") ?? "";
            var kind = Meta.Str(document, "kind") ?? "";
            var type = cluster.Operations.Registry.FindByKind(apiVersion, kind);
            if (type is { Namespaced: true } && Meta.Namespace(document) is null)
                ((JsonObject)(document["metadata"] ??= new JsonObject()))["namespace"] = ns;
            // JSON is YAML: the applier takes the document as it now is.
            count += cluster.Apply(document.ToJsonString()).Count;
        }
        return (ns, count);
    }
}
