using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vigil.Cluster.Api;
using Vigil.Cluster.Serialization;
using Vigil.Detection;
using Vigil.Detection.Detectors;
using Vigil.Diagnosis;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Embedded.Evaluation;

/// <summary>A scenario file that cannot be used: the file, the key and what is wrong with it.</summary>
public sealed class ScenarioFormatException(string file, string key, string problem)
    : Exception($"{file}: {(key.Length == 0 ? "" : key + ": ")}{problem}")
{
    public string File { get; } = file;
    public string Key { get; } = key;
}

/// <summary>
/// Reads Scenario files strictly: every key is known, every value has the right type, the manifests parse, and the
/// expectations name real categories and detectors. A mistake is a <see cref="ScenarioFormatException"/> naming the file
/// and the key, never a scenario that quietly tests less than it says.
/// </summary>
public static partial class ScenarioLoader
{
    public const string ApiVersion = "vigil.io/v1alpha1";
    public const string Kind = "Scenario";

    /// <summary>The deadline of an expected incident that names none.</summary>
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromMinutes(10);

    private static readonly string[] Categories = [.. Enum.GetNames<Category>().Select(n => n.ToLowerInvariant())];

    /// <summary>
    /// Every scenario under the given files and directories (directories searched recursively for *.yaml and *.yml),
    /// in path order. Names must be unique.
    /// </summary>
    public static IReadOnlyList<Scenario> Load(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
                files.AddRange(Directory.EnumerateFiles(path, "*.*", SearchOption.AllDirectories)
                    .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal));
            else if (System.IO.File.Exists(path)) files.Add(path);
            else throw new ScenarioFormatException(path, "", "no such file or directory");
        }
        var scenarios = new List<Scenario>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var scenario = Parse(System.IO.File.ReadAllText(file), file);
            if (names.TryGetValue(scenario.Name, out var other))
                throw new ScenarioFormatException(file, "metadata.name", $"\"{scenario.Name}\" is also the name of the scenario in {other}");
            names[scenario.Name] = file;
            scenarios.Add(scenario);
        }
        return scenarios;
    }

    /// <summary>One scenario from its YAML text; <paramref name="file"/> names it in errors.</summary>
    public static Scenario Parse(string yaml, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ScenarioFormatException(file, "", $"not valid YAML (line {e.Start.Line}): {e.Message}");
        }
        if (stream.Documents.Count != 1) throw new ScenarioFormatException(file, "", $"expected one YAML document, found {stream.Documents.Count}");
        return new Reader(file).Scenario(stream.Documents[0].RootNode);
    }

    /// <summary>A duration as Kubernetes writes them: <c>90s</c>, <c>2m</c>, <c>1m30s</c>, <c>1h</c>, <c>500ms</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var m = DurationPattern().Match(text.Trim());
        if (!m.Success || text.Trim().Length == 0) return false;
        foreach (Capture c in m.Groups["part"].Captures)
        {
            var part = DurationPartPattern().Match(c.Value);
            var n = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            duration += part.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                "s" => TimeSpan.FromSeconds(n),
                _ => TimeSpan.FromMilliseconds(n),
            };
        }
        return true;
    }

    [GeneratedRegex(@"^(?<part>[0-9]+(\.[0-9]+)?(ms|h|m|s))+$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(ms|h|m|s)$")]
    private static partial Regex DurationPartPattern();

    /// <summary>Walks the document, knowing the key path for every error.</summary>
    private sealed class Reader(string file)
    {
        public Scenario Scenario(YamlNode root)
        {
            var top = Map(root, "", ["apiVersion", "kind", "metadata", "spec"]);
            var apiVersion = RequiredString(top, "apiVersion", "");
            if (apiVersion != ApiVersion) throw Error("apiVersion", $"must be {ApiVersion}, not \"{apiVersion}\"");
            var kind = RequiredString(top, "kind", "");
            if (kind != Kind) throw Error("kind", $"must be {Kind}, not \"{kind}\"");
            var metadata = Map(Required(top, "metadata", ""), "metadata", ["name", "labels", "annotations"]);
            var name = RequiredString(metadata, "name", "metadata");
            if (!NamePattern().IsMatch(name)) throw Error("metadata.name", $"\"{name}\" must be a lowercase DNS label (letters, digits and '-')");
            foreach (var key in new[] { "labels", "annotations" })
                if (metadata.TryGetValue(key, out var strings)) StringMap(strings, $"metadata.{key}");

            var spec = Map(Required(top, "spec", ""), "spec", ["nodes", "manifests", "then", "expect", "config"]);
            int? nodes = null;
            if (spec.TryGetValue("nodes", out var nodesNode))
            {
                nodes = Integer(nodesNode, "spec.nodes");
                if (nodes is < 0 or > 500) throw Error("spec.nodes", "must be between 0 and 500");
            }
            var manifests = RequiredString(spec, "manifests", "spec");
            var declaresNodes = Manifests(manifests, "spec.manifests").Any(o => o["kind"]?.GetValue<string>() == "Node");

            var steps = new List<ScenarioStep>();
            if (spec.TryGetValue("then", out var thenNode))
            {
                var items = Sequence(thenNode, "spec.then");
                for (var i = 0; i < items.Count; i++)
                {
                    var key = $"spec.then[{i}]";
                    var step = Map(items[i], key, ["after", "manifests"]);
                    var after = Duration(Required(step, "after", key), key + ".after");
                    var stepManifests = RequiredString(step, "manifests", key);
                    Manifests(stepManifests, key + ".manifests");
                    steps.Add(new ScenarioStep(after, stepManifests));
                }
            }

            var expect = Map(Required(spec, "expect", "spec"), "spec.expect", ["incidents", "noOtherIncidents"]);
            var incidents = new List<ExpectedIncident>();
            var list = Sequence(Required(expect, "incidents", "spec.expect"), "spec.expect.incidents");
            for (var i = 0; i < list.Count; i++) incidents.Add(Incident(list[i], $"spec.expect.incidents[{i}]"));
            var noOther = expect.TryGetValue("noOtherIncidents", out var noOtherNode) && Boolean(noOtherNode, "spec.expect.noOtherIncidents");
            if (incidents.Count == 0 && !noOther)
                throw Error("spec.expect", "expects no incident and allows any: set noOtherIncidents: true for a cluster that must stay quiet, or list the incidents");

            var detectors = new Dictionary<string, DetectorOptions>(StringComparer.Ordinal);
            if (spec.TryGetValue("config", out var configNode))
            {
                var config = Map(configNode, "spec.config", ["detectors"]);
                if (config.TryGetValue("detectors", out var detectorsNode))
                    foreach (var (detector, settings) in Map(detectorsNode, "spec.config.detectors", null))
                        detectors[detector] = Detector(detector, settings, $"spec.config.detectors.{detector}");
            }

            return new Scenario
            {
                Name = name,
                File = file,
                Nodes = nodes,
                Manifests = manifests,
                DeclaresNodes = declaresNodes,
                Then = steps,
                ExpectedIncidents = incidents,
                NoOtherIncidents = noOther,
                Detectors = detectors,
            };
        }

        private ExpectedIncident Incident(YamlNode node, string key)
        {
            var map = Map(node, key, ["category", "reason", "resource", "within"]);
            var category = RequiredString(map, "category", key);
            if (!Categories.Contains(category, StringComparer.Ordinal))
                throw Error(key + ".category", $"\"{category}\" is not one of {string.Join('|', Categories.Where(c => c != "unknown").Append("unknown"))}");
            var resource = Map(Required(map, "resource", key), key + ".resource", ["kind", "namespace", "name"]);
            var kind = RequiredString(resource, "kind", key + ".resource");
            var name = RequiredString(resource, "name", key + ".resource");
            var ns = resource.TryGetValue("namespace", out var nsNode) ? String(nsNode, key + ".resource.namespace") : null;
            if (ns is null && !ClusterScopedKinds.Contains(kind))
                throw Error(key + ".resource.namespace", $"is required for a {kind} (only {string.Join(", ", ClusterScopedKinds)} are cluster-scoped)");
            if (ns is not null && ClusterScopedKinds.Contains(kind))
                throw Error(key + ".resource.namespace", $"a {kind} is cluster-scoped and has no namespace");
            var within = map.TryGetValue("within", out var withinNode) ? Duration(withinNode, key + ".within") : DefaultWithin;
            if (within <= TimeSpan.Zero) throw Error(key + ".within", "must be positive");
            string? reason = map.TryGetValue("reason", out var reasonNode) ? String(reasonNode, key + ".reason") : null;
            return new ExpectedIncident
            {
                Category = Enum.Parse<Category>(category, ignoreCase: true),
                Reason = reason,
                Resource = new ResourceRef(kind, ns, name),
                Within = within,
            };
        }

        private static readonly string[] ClusterScopedKinds = ["Node", "Namespace", "PersistentVolume", "StorageClass"];

        private DetectorOptions Detector(string name, YamlNode node, string key)
        {
            if (!DetectorCatalog.Defaults.TryGetValue(name, out var defaults))
                throw Error(key, $"no detector is named \"{name}\" (known: {string.Join(", ", DetectorCatalog.Defaults.Keys)})");
            var map = Map(node, key, ["enabled", "severity", "threshold", "count", "window", "cooldown"]);
            var options = defaults;
            if (map.TryGetValue("enabled", out var enabled)) options = options with { Enabled = Boolean(enabled, key + ".enabled") };
            if (map.TryGetValue("severity", out var severity))
            {
                var text = String(severity, key + ".severity");
                if (!Enum.TryParse<Severity>(text, ignoreCase: true, out var parsed) || int.TryParse(text, CultureInfo.InvariantCulture, out _))
                    throw Error(key + ".severity", $"\"{text}\" is not one of info|warning|critical");
                options = options with { Severity = parsed };
            }
            if (map.TryGetValue("threshold", out var threshold)) options = options with { Threshold = Duration(threshold, key + ".threshold") };
            if (map.TryGetValue("count", out var count))
            {
                var n = Integer(count, key + ".count");
                if (n < 0) throw Error(key + ".count", "must not be negative");
                options = options with { Count = n };
            }
            if (map.TryGetValue("window", out var window)) options = options with { Window = Duration(window, key + ".window") };
            if (map.TryGetValue("cooldown", out var cooldown)) options = options with { Cooldown = Duration(cooldown, key + ".cooldown") };
            return options;
        }

        /// <summary>Parses manifests as the cluster will, so a broken one is reported with its scenario key, before any cluster starts.</summary>
        private List<JsonObject> Manifests(string yaml, string key)
        {
            List<JsonNode> docs;
            try
            {
                docs = YamlJson.ParseDocuments(yaml);
            }
            catch (ApiException e)
            {
                throw Error(key, e.Message);
            }
            var objects = new List<JsonObject>();
            for (var i = 0; i < docs.Count; i++)
            {
                if (docs[i] is not JsonObject obj || obj["kind"] is not JsonValue || obj["apiVersion"] is not JsonValue)
                    throw Error(key, $"document {i + 1} is not a Kubernetes object (apiVersion and kind are required)");
                objects.Add(obj);
            }
            if (objects.Count == 0) throw Error(key, "contains no object");
            return objects;
        }

        private Dictionary<string, YamlNode> Map(YamlNode node, string key, string[]? allowed)
        {
            if (node is not YamlMappingNode mapping) throw Error(key, $"must be a mapping (line {node.Start.Line})");
            var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (k, v) in mapping.Children)
            {
                var name = (k as YamlScalarNode)?.Value ?? throw Error(key, $"has a key that is not a string (line {k.Start.Line})");
                var path = key.Length == 0 ? name : $"{key}.{name}";
                if (allowed is not null && !allowed.Contains(name, StringComparer.Ordinal))
                    throw Error(path, $"unknown key (line {k.Start.Line}); allowed here: {string.Join(", ", allowed)}");
                if (!result.TryAdd(name, v)) throw Error(path, $"appears twice (line {k.Start.Line})");
            }
            return result;
        }

        private List<YamlNode> Sequence(YamlNode node, string key) =>
            node is YamlSequenceNode seq ? [.. seq.Children] : throw Error(key, $"must be a list (line {node.Start.Line})");

        private void StringMap(YamlNode node, string key)
        {
            foreach (var (k, v) in Map(node, key, null)) String(v, $"{key}.{k}");
        }

        private YamlNode Required(Dictionary<string, YamlNode> map, string name, string parent) =>
            map.TryGetValue(name, out var node) ? node : throw Error(parent.Length == 0 ? name : $"{parent}.{name}", "is required");

        private string RequiredString(Dictionary<string, YamlNode> map, string name, string parent)
        {
            var key = parent.Length == 0 ? name : $"{parent}.{name}";
            var value = String(Required(map, name, parent), key);
            return value.Length == 0 ? throw Error(key, "must not be empty") : value;
        }

        private string String(YamlNode node, string key) =>
            node is YamlScalarNode { Value: { } value } ? value : throw Error(key, $"must be a string (line {node.Start.Line})");

        private int Integer(YamlNode node, string key) =>
            node is YamlScalarNode { Value: { } v } && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
                : throw Error(key, $"must be an integer (line {node.Start.Line})");

        private bool Boolean(YamlNode node, string key) =>
            node is YamlScalarNode { Value: "true" or "false" } s ? s.Value == "true" : throw Error(key, $"must be true or false (line {node.Start.Line})");

        private TimeSpan Duration(YamlNode node, string key)
        {
            var text = String(node, key);
            return TryParseDuration(text, out var d) ? d : throw Error(key, $"\"{text}\" is not a duration such as 90s, 2m, 1m30s or 1h");
        }

        private ScenarioFormatException Error(string key, string problem) => new(file, key, problem);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex NamePattern();
}
