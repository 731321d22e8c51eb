using System.Globalization;
using System.Text.RegularExpressions;

namespace Vigil.Operator.Extensions;

/// <summary>Durations as Kubernetes resources write them: <c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>500ms</c>.</summary>
internal static partial class GoDuration
{
    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text) || !Shape().IsMatch(text)) return false;
        foreach (Match m in Part().Matches(text))
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            value += m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                _ => TimeSpan.FromHours(n),
            };
        }
        return true;
    }
}
