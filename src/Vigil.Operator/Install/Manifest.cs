using Vigil.Kubernetes.Models;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Vigil.Operator.Install;

/// <summary>
/// One object of the rendered install, kept as the YAML it was written in (scalar styles and all), so that the server
/// reads exactly what <c>kubectl apply -k</c> would send.
/// </summary>
public sealed class Manifest
{
    internal Manifest(YamlMappingNode node, string source)
    {
        Node = node;
        Source = source;
        var apiVersion = Text(node, "apiVersion") ?? throw new InvalidDataException($"{source}: an object without apiVersion");
        var kind = Text(node, "kind") ?? throw new InvalidDataException($"{source}: an object without kind");
        Type = ManifestKinds.Find(apiVersion, kind)
            ?? throw new NotSupportedException($"{source}: {apiVersion} {kind} is not a kind the installer knows (add it to ManifestKinds)");
        if (Metadata.Children.ContainsKey("generateName") || Name.Length == 0) throw new InvalidDataException($"{source}: {kind} without metadata.name");
    }

    internal YamlMappingNode Node { get; }

    /// <summary>The file the object came from, for error messages.</summary>
    public string Source { get; }

    public ResourceType Type { get; }

    public string Kind => Type.Kind;

    public string Name => Text(Metadata, "name") ?? string.Empty;

    public string? Namespace => Text(Metadata, "namespace");

    /// <summary>How kubectl names the object in its output: <c>deployment.apps/vigil</c>, <c>namespace/vigil-system</c>.</summary>
    public string Reference => $"{Type.Kind.ToLowerInvariant()}{(Type.Group.Length == 0 ? "" : "." + Type.Group)}/{Name}";

    internal YamlMappingNode Metadata => Node.Children.TryGetValue("metadata", out var m) && m is YamlMappingNode map
        ? map
        : throw new InvalidDataException($"{Source}: {Kind} without metadata");

    /// <summary>The object as one YAML document (no <c>---</c>).</summary>
    public string ToYaml()
    {
        using var writer = new StringWriter();
        var emitter = new Emitter(writer, new EmitterSettings(bestIndent: 2, bestWidth: int.MaxValue, isCanonical: false, maxSimpleKeyLength: 1024));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        Emit(emitter, Node);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    /// <summary>Several objects as one stream, <c>---</c> between them, as <c>kubectl apply -f -</c> reads it.</summary>
    public static string ToYaml(IEnumerable<Manifest> manifests) =>
        string.Join("---\n", manifests.Select(m => m.ToYaml()));

    internal static string? Text(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    // Block style throughout (flow maps like {name: x} in the files come out as blocks); scalars keep their style and
    // tag, so a quoted "9090" stays a string and a plain 9090 a number.
    private static void Emit(IEmitter emitter, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                emitter.Emit(new MappingStart(null, null, isImplicit: true, map.Children.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in map.Children)
                {
                    Emit(emitter, key);
                    Emit(emitter, value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case YamlSequenceNode sequence:
                emitter.Emit(new SequenceStart(null, null, isImplicit: true, sequence.Children.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in sequence.Children) Emit(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case YamlScalarNode scalar:
                var implicitTag = scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific;
                emitter.Emit(new Scalar(AnchorName.Empty, implicitTag ? TagName.Empty : scalar.Tag, scalar.Value ?? string.Empty, scalar.Style, implicitTag, implicitTag));
                break;
            default:
                throw new NotSupportedException($"YAML node {node.NodeType} (aliases are not used in deploy/)");
        }
    }
}
