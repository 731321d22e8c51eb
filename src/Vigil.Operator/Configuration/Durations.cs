using System.Globalization;
using System.Text.RegularExpressions;

namespace Vigil.Operator.Configuration;

/// <summary>Durations as Kubernetes and Go write them: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>1h30m</c>, <c>0</c>.</summary>
public static partial class Durations
{
    public const string Hint = "use 30s, 5m, 1h";

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (text == "0") return true;
        var match = Pattern().Match(text);
        if (!match.Success) return false;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unitStart = part.Value.IndexOfAny(['m', 's', 'h']);
            var number = double.Parse(part.Value[..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            value += part.Value[unitStart..] switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "s" => TimeSpan.FromSeconds(number),
                "m" => TimeSpan.FromMinutes(number),
                _ => TimeSpan.FromHours(number),
            };
        }
        return true;
    }

    /// <summary>The shortest form that parses back to the same value (<c>1h30m</c>, <c>45s</c>, <c>250ms</c>, <c>0s</c>).</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero) return "0s";
        var parts = new List<string>();
        if (value.Hours + value.Days * 24 > 0) parts.Add($"{value.Hours + value.Days * 24}h");
        if (value.Minutes > 0) parts.Add($"{value.Minutes}m");
        if (value.Seconds > 0) parts.Add($"{value.Seconds}s");
        if (value.Milliseconds > 0) parts.Add($"{value.Milliseconds}ms");
        return string.Concat(parts);
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|s|m|h))+$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
