using System.Globalization;
using System.Text;

namespace Vigil.Cluster.Serialization.Protobuf;

/// <summary>The JSON spellings Go's apimachinery uses for times and durations.</summary>
internal static class GoFormat
{
    private const long NanosPerSecond = 1_000_000_000;

    // DateTimeOffset's range, 0001-01-01T00:00:00Z … 9999-12-31T23:59:59Z, in Unix seconds.
    private const long MinUnixSeconds = -62_135_596_800;
    private const long MaxUnixSeconds = 253_402_300_799;

    /// <summary>
    /// metav1.Time: <c>time.RFC3339</c> in UTC, whole seconds (the protobuf decoder drops the nanoseconds,
    /// as Go's <c>Time.Unmarshal</c> does). Null when outside the years 1–9999.
    /// </summary>
    public static string? Rfc3339(long seconds)
    {
        if (seconds is < MinUnixSeconds or > MaxUnixSeconds) return null;
        return DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>metav1.MicroTime: <c>2006-01-02T15:04:05.000000Z07:00</c> in UTC; the nanoseconds are truncated to microseconds.</summary>
    public static string? Rfc3339Micro(long seconds, long nanos)
    {
        // time.Unix normalises nanoseconds outside [0, 1e9) into the seconds.
        seconds += Math.DivRem(nanos, NanosPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += NanosPerSecond;
        }
        if (seconds is < MinUnixSeconds or > MaxUnixSeconds) return null;
        var time = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
        return time.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture)
            + "." + (rest / 1000).ToString("D6", CultureInfo.InvariantCulture) + "Z";
    }

    /// <summary>Go's <c>time.Duration.String()</c>: "0s", "1.5µs", "100ms", "2m0s", "1h0m0.5s", "-3s".</summary>
    public static string Duration(long nanoseconds)
    {
        if (nanoseconds == 0) return "0s";
        var negative = nanoseconds < 0;
        // Magnitude as unsigned, so that long.MinValue works too.
        var u = negative ? (ulong)(-(nanoseconds + 1)) + 1 : (ulong)nanoseconds;
        var text = new StringBuilder();
        if (negative) text.Append('-');
        if (u < NanosPerSecond)
        {
            var (digits, unit) = u switch
            {
                < 1_000 => (0, "ns"),
                < 1_000_000 => (3, "\u00B5s"),
                _ => (6, "ms"),
            };
            AppendWithFraction(text, u, digits);
            text.Append(unit);
            return text.ToString();
        }
        var wholeSeconds = u / NanosPerSecond;
        var hours = wholeSeconds / 3600;
        var minutes = wholeSeconds / 60 % 60;
        if (hours > 0) text.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        if (hours > 0 || minutes > 0) text.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        AppendWithFraction(text, u % (60 * (ulong)NanosPerSecond), 9);
        text.Append('s');
        return text.ToString();
    }

    /// <summary>value / 10^digits, then the fraction without trailing zeros (and no point when it is zero).</summary>
    private static void AppendWithFraction(StringBuilder text, ulong value, int digits)
    {
        ulong scale = 1;
        for (var i = 0; i < digits; i++) scale *= 10;
        text.Append((value / scale).ToString(CultureInfo.InvariantCulture));
        var fraction = value % scale;
        if (fraction == 0) return;
        text.Append('.').Append(fraction.ToString(new string('0', digits), CultureInfo.InvariantCulture).TrimEnd('0'));
    }
}
