using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Operator.Install;

/// <summary>
/// Builds an overlay of deploy/ (embedded in the binary, so <c>vigil install</c> needs neither kubectl nor a checkout)
/// into the objects <c>kubectl kustomize deploy/overlays/NAME</c> prints. It implements only what our kustomizations
/// use, and refuses anything else by name instead of rendering it wrongly:
/// <list type="bullet">
/// <item><c>resources</c>: YAML files (several documents each) and directories holding a kustomization
/// (<c>kustomization.yaml</c> or <c>Kustomization</c>), built recursively.</item>
/// <item><c>patches</c> with only <c>path</c>: a strategic-merge patch naming its target by kind and name (and
/// namespace, when given). Maps merge, scalars replace, <c>null</c> deletes; lists are refused, since merging them
/// needs each field's merge key.</item>
/// <item><c>namespace</c>: sets metadata.namespace on every namespaced object (binding subjects are left as written).</item>
/// <item><c>labels</c> with <c>pairs</c> and <c>includeSelectors: false</c>: added to metadata.labels only.</item>
/// </list>
/// Applied in kustomize's order: a kustomization's resources are built first, then its patches, namespace and labels.
/// A test renders every overlay both ways and compares the objects, so the two cannot drift apart.
/// </summary>
public sealed class ManifestRenderer
{
    private const string Root = "deploy";
    private static readonly string[] KustomizationNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    private readonly IReadOnlyDictionary<string, string> _files;

    /// <param name="files">deploy/'s files by path from the repository root (<c>deploy/base/rbac.yaml</c>).</param>
    internal ManifestRenderer(IReadOnlyDictionary<string, string> files) => _files = files;

    /// <summary>The renderer over the deploy/ files built into this binary.</summary>
    public static ManifestRenderer Embedded { get; } = new(ReadEmbedded());

    /// <summary>The overlays under deploy/overlays: <c>single</c>, <c>sharded</c>.</summary>
    public IReadOnlyList<string> Overlays =>
        [.. _files.Keys
            .Where(p => p.StartsWith($"{Root}/overlays/", StringComparison.Ordinal))
            .Select(p => p.Split('/')[2])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    /// <summary>Every object of the overlay (CRDs and base included), Namespace and CRDs first as kustomize orders them.</summary>
    public IReadOnlyList<Manifest> Render(string overlay)
    {
        if (!Overlays.Contains(overlay)) throw new ArgumentException($"unknown overlay \"{overlay}\" (known: {string.Join(", ", Overlays)})", nameof(overlay));
        var manifests = Build($"{Root}/overlays/{overlay}");
        return [.. manifests
            .OrderBy(m => ManifestKinds.Rank(m.Kind))
            .ThenBy(m => m.Type.ApiVersion + "/" + m.Kind, StringComparer.Ordinal)
            .ThenBy(m => m.Namespace ?? "", StringComparer.Ordinal)
            .ThenBy(m => m.Name, StringComparer.Ordinal)];
    }

    private List<Manifest> Build(string directory)
    {
        var file = KustomizationNames.Select(n => $"{directory}/{n}").FirstOrDefault(_files.ContainsKey)
            ?? throw new InvalidDataException($"{directory}: no kustomization.yaml");
        var kustomization = Documents(file).SingleOrDefault() ?? throw new InvalidDataException($"{file}: expected one document");
        string? targetNamespace = null;
        YamlSequenceNode? resources = null, patches = null, labels = null;
        foreach (var (keyNode, value) in kustomization.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            switch (key)
            {
                case "apiVersion" or "kind":
                    break;
                case "namespace":
                    targetNamespace = ((YamlScalarNode)value).Value;
                    break;
                case "resources":
                    resources = Sequence(file, key, value);
                    break;
                case "patches":
                    patches = Sequence(file, key, value);
                    break;
                case "labels":
                    labels = Sequence(file, key, value);
                    break;
                default:
                    throw new NotSupportedException($"{file}: \"{key}\" is a kustomize feature vigil install does not implement (ManifestRenderer)");
            }
        }

        var manifests = new List<Manifest>();
        foreach (var entry in resources?.Children ?? [])
        {
            var path = Resolve(directory, ((YamlScalarNode)entry).Value ?? "");
            if (_files.ContainsKey(path)) manifests.AddRange(Documents(path).Select(d => new Manifest(d, path)));
            else if (_files.Keys.Any(p => p.StartsWith(path + "/", StringComparison.Ordinal))) manifests.AddRange(Build(path));
            else throw new InvalidDataException($"{file}: resource {entry} not found");
        }
        var duplicate = manifests.GroupBy(m => (m.Type, m.Namespace, m.Name)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"{file}: {duplicate.First().Reference} is defined more than once");

        foreach (var entry in patches?.Children ?? []) ApplyPatch(file, directory, entry, manifests);
        if (targetNamespace is not null)
            foreach (var m in manifests.Where(m => m.Type.Namespaced)) m.Metadata.Children[new YamlScalarNode("namespace")] = new YamlScalarNode(targetNamespace);
        foreach (var entry in labels?.Children ?? []) AddLabels(file, entry, manifests);
        return manifests;
    }

    private void ApplyPatch(string file, string directory, YamlNode entry, List<Manifest> manifests)
    {
        if (entry is not YamlMappingNode spec || spec.Children.Count != 1 || Manifest.Text(spec, "path") is not { } relative)
            throw new NotSupportedException($"{file}: only patches with a path (a strategic-merge patch file) are implemented");
        var path = Resolve(directory, relative);
        if (!_files.ContainsKey(path)) throw new InvalidDataException($"{file}: patch {relative} not found");
        foreach (var patch in Documents(path))
        {
            var kind = Manifest.Text(patch, "kind");
            var metadata = patch.Children.TryGetValue("metadata", out var m) ? m as YamlMappingNode : null;
            var name = metadata is null ? null : Manifest.Text(metadata, "name");
            var ns = metadata is null ? null : Manifest.Text(metadata, "namespace");
            var targets = manifests.Where(t => t.Kind == kind && t.Name == name && (ns is null || t.Namespace == ns)).ToList();
            if (targets.Count != 1) throw new InvalidDataException($"{path}: the patch must match exactly one object, {kind} {name} matches {targets.Count}");
            Merge(path, targets[0].Node, patch);
        }
    }

    // Strategic merge for maps and scalars; the keys naming the target (apiVersion, kind, metadata.name/namespace) are equal by construction.
    private static void Merge(string path, YamlMappingNode target, YamlMappingNode patch)
    {
        foreach (var (keyNode, value) in patch.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (key.StartsWith('$')) throw new NotSupportedException($"{path}: patch directive {key} is not implemented");
            if (value is YamlSequenceNode) throw new NotSupportedException($"{path}: patching the list {key} needs strategic-merge keys, which are not implemented");
            if (value is YamlScalarNode { Style: ScalarStyle.Plain, Value: "null" or "~" or "" })
                target.Children.Remove(keyNode);
            else if (value is YamlMappingNode child && target.Children.TryGetValue(keyNode, out var existing) && existing is YamlMappingNode into)
                Merge(path, into, child);
            else
                target.Children[keyNode] = value;
        }
    }

    private static void AddLabels(string file, YamlNode entry, List<Manifest> manifests)
    {
        if (entry is not YamlMappingNode spec) throw new InvalidDataException($"{file}: a labels entry must be a map");
        YamlMappingNode? pairs = null;
        foreach (var (keyNode, value) in spec.Children)
        {
            switch (((YamlScalarNode)keyNode).Value)
            {
                case "pairs":
                    pairs = value as YamlMappingNode ?? throw new InvalidDataException($"{file}: labels.pairs must be a map");
                    break;
                case "includeSelectors" or "includeTemplates" when value is YamlScalarNode { Value: "false" }:
                    break;
                default:
                    throw new NotSupportedException($"{file}: labels.{keyNode} is not implemented (only pairs on metadata.labels)");
            }
        }
        if (pairs is null) throw new InvalidDataException($"{file}: a labels entry without pairs");
        foreach (var m in manifests)
        {
            if (!m.Metadata.Children.TryGetValue("labels", out var existing) || existing is not YamlMappingNode target)
                m.Metadata.Children[new YamlScalarNode("labels")] = target = new YamlMappingNode();
            foreach (var (key, value) in pairs.Children) target.Children[key] = value;
        }
    }

    private List<YamlMappingNode> Documents(string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(_files[path]));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{path}: line {e.Start.Line}: {e.Message}", e);
        }
        return [.. stream.Documents.Select(d => d.RootNode).Where(n => n is not YamlScalarNode { Value: null or "" })
            .Select(n => n as YamlMappingNode ?? throw new InvalidDataException($"{path}: a document that is not a map"))];
    }

    private static YamlSequenceNode Sequence(string file, string key, YamlNode value) =>
        value as YamlSequenceNode ?? throw new InvalidDataException($"{file}: {key} must be a list");

    /// <summary><c>deploy/overlays/sharded</c> + <c>../../base</c> = <c>deploy/base</c>; nothing outside deploy/.</summary>
    private static string Resolve(string directory, string relative)
    {
        var parts = new List<string>(directory.Split('/'));
        foreach (var part in relative.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                if (parts.Count <= 1) throw new InvalidDataException($"{directory}: {relative} leaves deploy/");
                parts.RemoveAt(parts.Count - 1);
            }
            else
            {
                parts.Add(part);
            }
        }
        return string.Join('/', parts);
    }

    private static Dictionary<string, string> ReadEmbedded()
    {
        var assembly = typeof(ManifestRenderer).Assembly;
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Root + "/", StringComparison.Ordinal)))
            files[name.Replace('\\', '/')] = Read(assembly, name);
        return files;
    }

    internal static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
