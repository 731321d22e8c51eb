using System.Globalization;

namespace Vigil.Cluster.Tables;

/// <summary>apimachinery's <c>duration.HumanDuration</c>: the ages <c>kubectl get</c> prints (<c>5s</c>, <c>3m20s</c>, <c>2d3h</c>, <c>45d</c>).</summary>
public static class HumanDuration
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;
    private const long TicksPerMinute = TimeSpan.TicksPerMinute;
    private const long TicksPerHour = TimeSpan.TicksPerHour;

    /// <summary>Formats a duration with about two significant figures; up to a second in the future reads as <c>0s</c>.</summary>
    public static string Format(TimeSpan d)
    {
        var ticks = d.Ticks;
        // Go truncates towards zero; tolerate up to 2 seconds of clock skew.
        var seconds = ticks / TicksPerSecond;
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return Invariant($"{seconds}s");

        var minutes = ticks / TicksPerMinute;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? Invariant($"{minutes}m") : Invariant($"{minutes}m{s}s");
        }
        if (minutes < 60 * 3) return Invariant($"{minutes}m");

        var hours = ticks / TicksPerHour;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? Invariant($"{hours}h") : Invariant($"{hours}h{m}m");
        }
        if (hours < 48) return Invariant($"{hours}h");
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? Invariant($"{hours / 24}d") : Invariant($"{hours / 24}d{h}h");
        }
        if (hours < 24 * 365 * 2) return Invariant($"{hours / 24}d");
        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? Invariant($"{hours / 24 / 365}y") : Invariant($"{hours / 24 / 365}y{dy}d");
        }
        return Invariant($"{hours / 24 / 365}y");
    }

    /// <summary>The age of a timestamp at <paramref name="now"/>; <c>&lt;unknown&gt;</c> for a missing one (the printers' <c>translateTimestampSince</c>).</summary>
    public static string Since(DateTimeOffset? timestamp, DateTimeOffset now) =>
        timestamp is { } t && t != default ? Format(now - t) : "<unknown>";

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
