using System.Globalization;
using System.Text;

namespace Vigil.Operator.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4: for each family one <c># HELP</c> and one <c># TYPE</c> line
/// followed by its samples; label values escaped (<c>\\</c>, <c>\"</c>, <c>\n</c>); histograms as cumulative
/// <c>_bucket{le=...}</c> series ending in <c>+Inf</c>, then <c>_sum</c> and <c>_count</c>.
/// </summary>
public sealed class PrometheusTextWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);

    public void Family(string name, string type, string help)
    {
        if (!_families.Add(name)) throw new InvalidOperationException($"metric family {name} written twice");
        _text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, double value, params (string Name, string Value)[] labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0) _text.Append(',');
                _text.Append(labels[i].Name).Append("=\"").Append(EscapeLabel(labels[i].Value)).Append('"');
            }
            _text.Append('}');
        }
        _text.Append(' ').Append(Format(value)).Append('\n');
    }

    public void Histogram(string name, HistogramSnapshot snapshot, params (string Name, string Value)[] labels)
    {
        foreach (var (bound, count) in snapshot.Buckets)
            Sample(name + "_bucket", count, [.. labels, ("le", Format(bound))]);
        Sample(name + "_sum", snapshot.Sum, labels);
        Sample(name + "_count", snapshot.Count, labels);
    }

    public override string ToString() => _text.ToString();

    public static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    public static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeHelp(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
