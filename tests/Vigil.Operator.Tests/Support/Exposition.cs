using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Operator.Tests.Support;

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4, for tests: it throws on anything a scraper could
/// reject or misread: a sample without a TYPE, a family declared twice or interleaved with another, a bad name or escape,
/// a duplicate series, a histogram whose buckets are not cumulative or lack +Inf, or whose _count is not its +Inf bucket.
/// </summary>
internal sealed partial class Exposition
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public sealed class Family(string name, string type)
    {
        public string Name { get; } = name;
        public string Type { get; } = type;
        public string? Help { get; set; }
        public List<Sample> Samples { get; } = [];
    }

    public Dictionary<string, Family> Families { get; } = new(StringComparer.Ordinal);

    /// <summary>The value of one series; throws when it is absent.</summary>
    public double Value(string name, params (string Name, string Value)[] labels) =>
        Find(name, labels) ?? throw new KeyNotFoundException($"no sample {name}{{{string.Join(",", labels.Select(l => $"{l.Name}=\"{l.Value}\""))}}}");

    public double? Find(string name, params (string Name, string Value)[] labels) =>
        Families.Values.SelectMany(f => f.Samples).FirstOrDefault(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value))?.Value;

    public static Exposition Parse(string text)
    {
        var result = new Exposition();
        if (text.Length > 0 && !text.EndsWith('\n')) throw new FormatException("the exposition must end with a line feed");
        Family? current = null;
        var closed = new HashSet<string>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            lineNo++;
            string Where() => $"line {lineNo}: {line}";
            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                var name = space < 0 ? rest : rest[..space];
                var arg = space < 0 ? "" : rest[(space + 1)..];
                if (!MetricName().IsMatch(name)) throw new FormatException($"bad metric name, {Where()}");
                if (closed.Contains(name)) throw new FormatException($"family {name} appears in two places, {Where()}");
                if (current is not null && current.Name != name)
                {
                    closed.Add(current.Name);
                    current = null;
                }
                if (line[2] == 'T')
                {
                    if (arg is not ("counter" or "gauge" or "histogram" or "summary" or "untyped")) throw new FormatException($"bad type, {Where()}");
                    if (result.Families.ContainsKey(name)) throw new FormatException($"second TYPE for {name}, {Where()}");
                    current = new Family(name, arg) { Help = current?.Name == name ? current.Help : null };
                    result.Families[name] = current;
                }
                else
                {
                    if (current?.Help is not null) throw new FormatException($"second HELP for {name}, {Where()}");
                    if (Unescape(arg, help: true) is null) throw new FormatException($"bad escape in HELP, {Where()}");
                    // HELP may come before TYPE; the family is created by TYPE, which must follow before samples.
                    if (current is null)
                    {
                        current = new Family(name, "pending") { Help = arg };
                        continue;
                    }
                    current.Help = arg;
                }
                continue;
            }
            if (line.StartsWith('#')) continue;
            if (line.Length == 0) throw new FormatException($"empty line, {Where()}");
            var sample = ParseSample(line) ?? throw new FormatException($"malformed sample, {Where()}");
            var family = FamilyOf(result, sample.Name) ?? throw new FormatException($"sample without a TYPE, {Where()}");
            if (current is null || current.Name != family.Name) throw new FormatException($"sample of {family.Name} outside its family's block, {Where()}");
            var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            if (!series.Add(key)) throw new FormatException($"duplicate series {key}, {Where()}");
            if (family.Type == "counter" && (sample.Value < 0 || double.IsNaN(sample.Value))) throw new FormatException($"negative counter, {Where()}");
            family.Samples.Add(sample);
        }
        foreach (var f in result.Families.Values.Where(f => f.Type == "histogram")) CheckHistogram(f);
        return result;
    }

    private static Family? FamilyOf(Exposition e, string sampleName)
    {
        if (e.Families.TryGetValue(sampleName, out var f) && f.Type != "histogram") return f;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && e.Families.TryGetValue(sampleName[..^suffix.Length], out var h) && h.Type == "histogram") return h;
        return null;
    }

    private static void CheckHistogram(Family f)
    {
        foreach (var group in f.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))))
        {
            var buckets = group.Where(s => s.Name == f.Name + "_bucket").ToList();
            if (buckets.Count == 0) throw new FormatException($"{f.Name}{{{group.Key}}} has no buckets");
            var bounds = buckets.Select(b => b.Labels.TryGetValue("le", out var le) ? ParseValue(le) ?? throw new FormatException($"{f.Name}: le \"{le}\" is not a number") : throw new FormatException($"{f.Name}: bucket without le")).ToList();
            for (var i = 1; i < buckets.Count; i++)
            {
                if (bounds[i] <= bounds[i - 1]) throw new FormatException($"{f.Name}{{{group.Key}}}: le not increasing");
                if (buckets[i].Value < buckets[i - 1].Value) throw new FormatException($"{f.Name}{{{group.Key}}}: buckets not cumulative");
            }
            if (!double.IsPositiveInfinity(bounds[^1])) throw new FormatException($"{f.Name}{{{group.Key}}}: last bucket is not +Inf");
            var count = group.SingleOrDefault(s => s.Name == f.Name + "_count") ?? throw new FormatException($"{f.Name}{{{group.Key}}}: no _count");
            _ = group.SingleOrDefault(s => s.Name == f.Name + "_sum") ?? throw new FormatException($"{f.Name}{{{group.Key}}}: no _sum");
            if (count.Value != buckets[^1].Value) throw new FormatException($"{f.Name}{{{group.Key}}}: _count {count.Value} is not the +Inf bucket {buckets[^1].Value}");
        }
    }

    private static Sample? ParseSample(string line)
    {
        var m = SampleLine().Match(line);
        if (!m.Success) return null;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (m.Groups["labels"].Success && m.Groups["labels"].Value.Length > 0)
        {
            var body = m.Groups["labels"].Value;
            var pos = 0;
            while (pos < body.Length)
            {
                var lm = LabelPair().Match(body, pos);
                if (!lm.Success || lm.Index != pos) return null;
                var value = Unescape(lm.Groups["value"].Value, help: false);
                if (value is null || !labels.TryAdd(lm.Groups["name"].Value, value)) return null;
                pos += lm.Length;
                if (pos < body.Length)
                {
                    if (body[pos] != ',') return null;
                    pos++;
                }
            }
        }
        var number = ParseValue(m.Groups["value"].Value);
        return number is null ? null : new Sample(m.Groups["name"].Value, labels, number.Value);
    }

    private static double? ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null,
    };

    /// <summary>Undoes the escapes the format allows (<c>\\</c>, <c>\n</c>, and <c>\"</c> in label values); null on any other.</summary>
    private static string? Unescape(string text, bool help)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                if (!help && text[i] is '"' or '\n') return null;
                sb.Append(text[i]);
                continue;
            }
            if (++i >= text.Length) return null;
            switch (text[i])
            {
                case '\\': sb.Append('\\'); break;
                case 'n': sb.Append('\n'); break;
                case '"' when !help: sb.Append('"'); break;
                default: return null;
            }
        }
        return sb.ToString();
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( -?\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(\\.|[^""\\])*)""")]
    private static partial Regex LabelPair();
}
