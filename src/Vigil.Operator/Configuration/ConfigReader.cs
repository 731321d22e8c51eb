using System.Globalization;
using System.Text.RegularExpressions;
using Vigil.Detection;
using YamlDotNet.RepresentationModel;

namespace Vigil.Operator.Configuration;

/// <summary>
/// Reads a YAML tree while collecting errors with their key paths. Every key a section asks for is known; keys present but
/// never asked for are reported as unknown (typo protection), with the nearest known key suggested.
/// </summary>
internal sealed partial class ConfigReader
{
    private readonly List<ConfigError> _errors = [];
    private readonly List<Section> _sections = [];

    public IReadOnlyList<ConfigError> Errors => _errors;

    /// <summary>Every key path asked for, normalised (<c>detectors.&lt;name&gt;.threshold</c>, <c>sinks.webhooks[].url</c>).</summary>
    public SortedSet<string> KnownKeys { get; } = new(StringComparer.Ordinal);

    public void Error(string path, string message, YamlNode? node = null) => _errors.Add(new ConfigError(path, message, node is null ? 0 : (int)node.Start.Line));

    /// <summary>The section at <paramref name="path"/>, or null (and an error) when the node is not a mapping.</summary>
    public Section? Open(YamlNode? node, string path)
    {
        if (node is null || IsNull(node)) return null;
        if (node is not YamlMappingNode map)
        {
            Error(path, "must be a mapping of keys to values", node);
            return null;
        }
        var section = new Section(this, map, path);
        _sections.Add(section);
        return section;
    }

    /// <summary>Adds a section made by hand (with its own schema path) to the unknown-key check.</summary>
    public void Register(Section section) => _sections.Add(section);

    /// <summary>Reports keys no section asked for. Call once, after everything was read.</summary>
    public void ReportUnknownKeys()
    {
        foreach (var section in _sections)
            foreach (var (key, node) in section.Entries)
                if (!section.Asked.Contains(key) && !section.IsDictionary)
                {
                    var near = Nearest(key, section.Asked);
                    Error(Join(section.Path, key), near is null ? "unknown key" : $"unknown key (did you mean {near}?)", node);
                }
        _errors.Sort((a, b) => a.Line.CompareTo(b.Line));
    }

    internal static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    internal static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" };

    internal static string Normalise(string path) => Index().Replace(path, "[]");

    /// <summary>The known key closest to a misspelt one (edit distance at most 3), or null.</summary>
    internal static string? Nearest(string key, IEnumerable<string> known) =>
        known.Select(k => (Key: k, Distance: Distance(key.ToLowerInvariant(), k.ToLowerInvariant()))).Where(x => x.Distance <= 3).OrderBy(x => x.Distance).Select(x => x.Key).FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }

    [GeneratedRegex(@"\[\d+\]", RegexOptions.CultureInvariant)]
    private static partial Regex Index();

    /// <summary>One mapping in the file. Each accessor marks its key as known and returns null when the key is absent or wrong.</summary>
    internal sealed class Section(ConfigReader reader, YamlMappingNode map, string path)
    {
        public string Path { get; } = path;

        public HashSet<string> Asked { get; } = new(StringComparer.Ordinal);

        /// <summary>A mapping whose keys are names (detectors, headers): not checked against <see cref="Asked"/>.</summary>
        public bool IsDictionary { get; set; }

        /// <summary>The normalised path keys are recorded under (<c>detectors.&lt;name&gt;</c> for a detector's section).</summary>
        public string? SchemaPath { get; init; }

        public IEnumerable<(string Key, YamlNode Value)> Entries =>
            map.Children.Select(c => (c.Key is YamlScalarNode { Value: { } k } ? k : c.Key.ToString(), c.Value));

        /// <param name="leaf">False for sections and lists of sections: only the keys inside them are recorded as known.</param>
        public YamlNode? Node(string key, bool leaf = true)
        {
            Asked.Add(key);
            if (leaf) reader.KnownKeys.Add(Join(SchemaPath ?? Normalise(Path), key));
            var found = map.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: { } k } && k == key).Value;
            return found is null || IsNull(found) ? null : found;
        }

        private string At(string key) => Join(Path, key);

        public string? String(string key)
        {
            var node = Node(key);
            if (node is null) return null;
            if (node is YamlScalarNode { Value: { } s }) return s;
            reader.Error(At(key), "must be a string", node);
            return null;
        }

        public bool? Bool(string key)
        {
            if (Node(key) is not { } node) return null;
            if (node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "true" or "false" } s) return s.Value == "true";
            reader.Error(At(key), $"{Show(node)} is not true or false", node);
            return null;
        }

        public int? Int(string key, int min, int max = int.MaxValue)
        {
            if (Node(key) is not { } node) return null;
            if (node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: { } s } && int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            {
                if (n >= min && n <= max) return n;
                reader.Error(At(key), max == int.MaxValue ? $"{n} is too small (at least {min})" : $"{n} is out of range ({min} to {max})", node);
                return null;
            }
            reader.Error(At(key), $"{Show(node)} is not a whole number", node);
            return null;
        }

        public TimeSpan? Duration(string key, bool allowZero = true)
        {
            if (Node(key) is not { } node) return null;
            if (node is YamlScalarNode { Value: { } s } && Durations.TryParse(s, out var d))
            {
                if (d > TimeSpan.Zero || (allowZero && d == TimeSpan.Zero)) return d;
                reader.Error(At(key), $"{Show(node)} must be longer than zero", node);
                return null;
            }
            reader.Error(At(key), $"{Show(node)} is not a duration ({Durations.Hint})", node);
            return null;
        }

        public Severity? Severity(string key)
        {
            if (String(key) is not { } s) return null;
            if (Enum.TryParse<Severity>(s, ignoreCase: true, out var severity) && !s.Any(char.IsDigit)) return severity;
            reader.Error(At(key), $"\"{s}\" is not a severity (info, warning, critical)", Node(key));
            return null;
        }

        public DateTimeOffset? Time(string key)
        {
            if (String(key) is not { } s) return null;
            if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) && s.Contains('T', StringComparison.Ordinal)) return t;
            reader.Error(At(key), $"\"{s}\" is not a time (RFC 3339, e.g. 2026-11-22T02:00:00Z)", Node(key));
            return null;
        }

        /// <summary>A list of strings; a single string is accepted as a list of one.</summary>
        public List<string>? Strings(string key)
        {
            if (Node(key) is not { } node) return null;
            if (node is YamlScalarNode { Value: { } one }) return [one];
            if (node is YamlSequenceNode seq)
            {
                var list = new List<string>();
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    if (seq.Children[i] is YamlScalarNode { Value: { } s } && !IsNull(seq.Children[i])) list.Add(s);
                    else reader.Error($"{At(key)}[{i}]", "must be a string", seq.Children[i]);
                }
                return list;
            }
            reader.Error(At(key), "must be a list of strings", node);
            return null;
        }

        public Section? Child(string key, bool leaf = false) => reader.Open(Node(key, leaf), At(key));

        /// <summary>A list of mappings, each opened as a section at <c>key[i]</c>.</summary>
        public List<Section> Sections(string key)
        {
            if (Node(key, leaf: false) is not { } node) return [];
            if (node is not YamlSequenceNode seq)
            {
                reader.Error(At(key), "must be a list", node);
                return [];
            }
            var list = new List<Section>();
            for (var i = 0; i < seq.Children.Count; i++)
                if (reader.Open(seq.Children[i], $"{At(key)}[{i}]") is { } s) list.Add(s);
            return list;
        }

        /// <summary>A mapping of names to values (headers): every key is allowed.</summary>
        public Dictionary<string, string>? Map(string key)
        {
            var section = Child(key, leaf: true);
            if (section is null) return null;
            section.IsDictionary = true;
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in section.Entries)
            {
                if (v is YamlScalarNode { Value: { } s }) result[k] = s;
                else reader.Error(Join(section.Path, k), "must be a string", v);
            }
            return result;
        }

        public void Error(string key, string message) => reader.Error(At(key), message, map.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: { } k } && k == key).Value ?? map);

        private static string Show(YamlNode node) => node is YamlScalarNode { Value: { } s } ? $"\"{s}\"" : "this value";
    }
}
