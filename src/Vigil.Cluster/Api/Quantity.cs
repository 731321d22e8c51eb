using System.Globalization;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Api;

/// <summary>
/// A Kubernetes resource quantity ("100m", "1.5", "128Mi", "2G", "1e3"), held exactly as thousandths (millis) of a unit
/// so CPU millicores and memory bytes compare and add without rounding surprises.
/// </summary>
public readonly record struct Quantity(decimal Value) : IComparable<Quantity>
{
    public static Quantity Zero => new(0);

    /// <summary>The value in thousandths of a unit, rounded up (how the scheduler counts millicores).</summary>
    public long Millis => (long)Math.Ceiling(Value * 1000m);

    /// <summary>The value in whole units, rounded up (how bytes are counted).</summary>
    public long Units => (long)Math.Ceiling(Value);

    public static Quantity Parse(string text) =>
        TryParse(text, out var q) ? q : throw ApiException.BadRequest($"quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': \"{text}\"");

    public static bool TryParse(string? text, out Quantity quantity)
    {
        quantity = Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        var end = 0;
        while (end < text.Length && (char.IsAsciiDigit(text[end]) || text[end] is '.' or '+' or '-')) end++;
        var number = text[..end];
        var suffix = text[end..];
        if (!decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)) return false;
        decimal multiplier;
        switch (suffix)
        {
            case "": multiplier = 1; break;
            case "n": multiplier = 0.000000001m; break;
            case "u": multiplier = 0.000001m; break;
            case "m": multiplier = 0.001m; break;
            case "k": multiplier = 1_000m; break;
            case "M": multiplier = 1_000_000m; break;
            case "G": multiplier = 1_000_000_000m; break;
            case "T": multiplier = 1_000_000_000_000m; break;
            case "P": multiplier = 1_000_000_000_000_000m; break;
            case "E": multiplier = 1_000_000_000_000_000_000m; break;
            case "Ki": multiplier = 1024m; break;
            case "Mi": multiplier = 1024m * 1024; break;
            case "Gi": multiplier = 1024m * 1024 * 1024; break;
            case "Ti": multiplier = 1024m * 1024 * 1024 * 1024; break;
            case "Pi": multiplier = 1024m * 1024 * 1024 * 1024 * 1024; break;
            case "Ei": multiplier = 1024m * 1024 * 1024 * 1024 * 1024 * 1024; break;
            default:
                if ((suffix.StartsWith('e') || suffix.StartsWith('E')) && int.TryParse(suffix[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exp) && Math.Abs(exp) <= 18)
                {
                    multiplier = exp >= 0 ? Pow10(exp) : 1m / Pow10(-exp);
                    break;
                }
                return false;
        }
        quantity = new Quantity(value * multiplier);
        return true;
    }

    /// <summary>Reads a quantity from a JSON value (string or number); zero when absent or malformed.</summary>
    public static Quantity From(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) && TryParse(s, out var q) => q,
        JsonValue v when v.TryGetValue<decimal>(out var d) => new Quantity(d),
        _ => Zero,
    };

    public static Quantity operator +(Quantity a, Quantity b) => new(a.Value + b.Value);
    public static Quantity operator -(Quantity a, Quantity b) => new(a.Value - b.Value);
    public static bool operator <(Quantity a, Quantity b) => a.Value < b.Value;
    public static bool operator >(Quantity a, Quantity b) => a.Value > b.Value;
    public static bool operator <=(Quantity a, Quantity b) => a.Value <= b.Value;
    public static bool operator >=(Quantity a, Quantity b) => a.Value >= b.Value;

    public int CompareTo(Quantity other) => Value.CompareTo(other.Value);

    /// <summary>CPU in the canonical form kubectl shows ("250m", "2").</summary>
    public string ToCpuString() => Value == decimal.Truncate(Value) ? ((long)Value).ToString(CultureInfo.InvariantCulture) : $"{Millis}m";

    /// <summary>Memory in binary units when exact ("128Mi"), bytes otherwise.</summary>
    public string ToMemoryString()
    {
        var bytes = Units;
        foreach (var (suffix, size) in new[] { ("Gi", 1L << 30), ("Mi", 1L << 20), ("Ki", 1L << 10) })
            if (bytes != 0 && bytes % size == 0) return (bytes / size).ToString(CultureInfo.InvariantCulture) + suffix;
        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    private static decimal Pow10(int n)
    {
        var r = 1m;
        for (var i = 0; i < n; i++) r *= 10;
        return r;
    }
}
