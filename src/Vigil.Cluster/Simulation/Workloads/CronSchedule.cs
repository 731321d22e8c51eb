using System.Globalization;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// A cron schedule as the CronJob controller reads it (robfig/cron's standard parser): five fields (minute, hour,
/// day of month, month, day of week) with lists, ranges, steps and month/day names; <c>?</c> as <c>*</c>; the
/// descriptors <c>@yearly</c>, <c>@annually</c>, <c>@monthly</c>, <c>@weekly</c>, <c>@daily</c>, <c>@midnight</c>,
/// <c>@hourly</c> and <c>@every &lt;duration&gt;</c>; evaluated in a time zone. When both day fields are restricted a
/// time matches either; when one is <c>*</c> both must.
/// </summary>
public sealed class CronSchedule
{
    private const ulong StarBit = 1UL << 63;
    private readonly ulong _minute, _hour, _dom, _month, _dow;
    private readonly TimeSpan? _every;
    private readonly TimeZoneInfo _zone;

    private static readonly Dictionary<string, int> Months = new(StringComparer.OrdinalIgnoreCase)
    {
        ["jan"] = 1, ["feb"] = 2, ["mar"] = 3, ["apr"] = 4, ["may"] = 5, ["jun"] = 6,
        ["jul"] = 7, ["aug"] = 8, ["sep"] = 9, ["oct"] = 10, ["nov"] = 11, ["dec"] = 12,
    };

    private static readonly Dictionary<string, int> Days = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sun"] = 0, ["mon"] = 1, ["tue"] = 2, ["wed"] = 3, ["thu"] = 4, ["fri"] = 5, ["sat"] = 6,
    };

    private CronSchedule(ulong minute, ulong hour, ulong dom, ulong month, ulong dow, TimeSpan? every, TimeZoneInfo zone)
    {
        (_minute, _hour, _dom, _month, _dow, _every, _zone) = (minute, hour, dom, month, dow, every, zone);
    }

    /// <summary>Parses a schedule; throws <see cref="FormatException"/> with robfig/cron's wording on errors.</summary>
    public static CronSchedule Parse(string spec, TimeZoneInfo? zone = null)
    {
        zone ??= TimeZoneInfo.Utc;
        spec = spec.Trim();
        if (spec.StartsWith("TZ=", StringComparison.Ordinal) || spec.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = spec.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0) throw new FormatException("missing fields after time zone");
            var name = spec[(spec.IndexOf('=', StringComparison.Ordinal) + 1)..space];
            zone = FindZone(name) ?? throw new FormatException($"provided bad location {name}: unknown time zone {name}");
            spec = spec[(space + 1)..].Trim();
        }
        if (spec.StartsWith('@'))
        {
            var standard = spec.ToLowerInvariant() switch
            {
                "@yearly" or "@annually" => "0 0 1 1 *",
                "@monthly" => "0 0 1 * *",
                "@weekly" => "0 0 * * 0",
                "@daily" or "@midnight" => "0 0 * * *",
                "@hourly" => "0 * * * *",
                _ => null,
            };
            if (standard is not null) return Parse(standard, zone);
            if (spec.StartsWith("@every ", StringComparison.Ordinal))
            {
                var d = GoDuration(spec["@every ".Length..].Trim());
                if (d < TimeSpan.FromSeconds(1)) d = TimeSpan.FromSeconds(1);
                return new CronSchedule(0, 0, 0, 0, 0, d, zone);
            }
            throw new FormatException($"unrecognized descriptor: {spec}");
        }
        var fields = spec.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5) throw new FormatException($"expected exactly 5 fields, found {fields.Length}: [{string.Join(' ', fields)}]");
        return new CronSchedule(
            Field(fields[0], 0, 59, null),
            Field(fields[1], 0, 23, null),
            Field(fields[2], 1, 31, null),
            Field(fields[3], 1, 12, Months),
            Field(fields[4], 0, 6, Days),
            null, zone);
    }

    public static TimeZoneInfo? FindZone(string name)
    {
        if (name is "UTC" or "Etc/UTC" or "") return TimeZoneInfo.Utc;
        if (name == "Local") return null;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    private static ulong Field(string field, int min, int max, Dictionary<string, int>? names)
    {
        ulong bits = 0;
        foreach (var expr in field.Split(','))
        {
            var rangeAndStep = expr.Split('/');
            var lowHigh = rangeAndStep[0].Split('-');
            int start, end;
            ulong extra = 0;
            if (lowHigh[0] is "*" or "?")
            {
                start = min;
                end = max;
                extra = StarBit;
            }
            else
            {
                start = Value(lowHigh[0], names);
                end = lowHigh.Length switch
                {
                    1 => start,
                    2 => Value(lowHigh[1], names),
                    _ => throw new FormatException($"too many hyphens: {expr}"),
                };
            }
            var step = 1;
            if (rangeAndStep.Length == 2)
            {
                step = Value(rangeAndStep[1], null);
                if (lowHigh.Length == 1) end = max;
                if (step > 1) extra = 0;
            }
            else if (rangeAndStep.Length > 2) throw new FormatException($"too many slashes: {expr}");
            if (start < min) throw new FormatException($"beginning of range ({start}) below minimum ({min}): {expr}");
            if (end > max) throw new FormatException($"end of range ({end}) above maximum ({max}): {expr}");
            if (start > end) throw new FormatException($"beginning of range ({start}) beyond end of range ({end}): {expr}");
            if (step == 0) throw new FormatException($"step of range should be a positive number: {expr}");
            for (var i = start; i <= end; i += step) bits |= 1UL << i;
            bits |= extra;
        }
        return bits;
    }

    private static int Value(string text, Dictionary<string, int>? names)
    {
        if (names is not null && names.TryGetValue(text, out var v)) return v;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        throw new FormatException($"failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": invalid syntax");
    }

    /// <summary>A Go duration (<c>1h30m</c>, <c>90s</c>, <c>1.5h</c>).</summary>
    private static TimeSpan GoDuration(string text)
    {
        var total = TimeSpan.Zero;
        var i = 0;
        if (text.Length == 0) throw new FormatException($"failed to parse duration {text}");
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
            if (start == i) throw new FormatException($"failed to parse duration {text}");
            var number = double.Parse(text[start..i], CultureInfo.InvariantCulture);
            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.') i++;
            total += text[unitStart..i] switch
            {
                "h" => TimeSpan.FromHours(number),
                "m" => TimeSpan.FromMinutes(number),
                "s" => TimeSpan.FromSeconds(number),
                "ms" => TimeSpan.FromMilliseconds(number),
                "us" or "µs" => TimeSpan.FromTicks((long)(number * 10)),
                "ns" => TimeSpan.FromTicks((long)(number / 100)),
                _ => throw new FormatException($"failed to parse duration {text}"),
            };
        }
        return total;
    }

    /// <summary>The first activation strictly after <paramref name="after"/>; <see cref="DateTimeOffset.MinValue"/> when none within five years.</summary>
    public DateTimeOffset Next(DateTimeOffset after)
    {
        if (_every is { } every)
        {
            var whole = new DateTimeOffset(after.UtcTicks - after.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
            return whole + TimeSpan.FromSeconds(Math.Floor(every.TotalSeconds));
        }
        // Work in the zone's wall-clock time, as robfig/cron does with a location.
        var t = TimeZoneInfo.ConvertTime(after, _zone).DateTime;
        t = new DateTime(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Unspecified).AddSeconds(1);
        var added = false;
        var yearLimit = t.Year + 5;
        while (true)
        {
            if (t.Year > yearLimit) return DateTimeOffset.MinValue;
            var wrapped = false;
            while ((1UL << t.Month & _month) == 0)
            {
                if (!added)
                {
                    added = true;
                    t = new DateTime(t.Year, t.Month, 1);
                }
                t = t.AddMonths(1);
                if (t.Month == 1)
                {
                    wrapped = true;
                    break;
                }
            }
            if (wrapped) continue;
            while (!DayMatches(t))
            {
                if (!added)
                {
                    added = true;
                    t = t.Date;
                }
                t = t.AddDays(1);
                if (t.Day == 1)
                {
                    wrapped = true;
                    break;
                }
            }
            if (wrapped) continue;
            while ((1UL << t.Hour & _hour) == 0)
            {
                if (!added)
                {
                    added = true;
                    t = new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0);
                }
                t = t.AddHours(1);
                if (t.Hour == 0)
                {
                    wrapped = true;
                    break;
                }
            }
            if (wrapped) continue;
            while ((1UL << t.Minute & _minute) == 0)
            {
                if (!added)
                {
                    added = true;
                    t = new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0);
                }
                t = t.AddMinutes(1);
                if (t.Minute == 0)
                {
                    wrapped = true;
                    break;
                }
            }
            if (wrapped) continue;
            while (t.Second != 0)
            {
                if (!added)
                {
                    added = true;
                    t = new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second);
                }
                t = t.AddSeconds(1);
                if (t.Second == 0)
                {
                    wrapped = true;
                    break;
                }
            }
            if (wrapped) continue;
            return ToUtc(t);
        }
    }

    private DateTimeOffset ToUtc(DateTime local)
    {
        // A wall-clock time skipped by a daylight-saving change runs at the first valid time after it.
        while (_zone.IsInvalidTime(local)) local = local.AddMinutes(1);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, _zone), TimeSpan.Zero);
    }

    private bool DayMatches(DateTime t)
    {
        var domMatch = (1UL << t.Day & _dom) != 0;
        var dowMatch = (1UL << (int)t.DayOfWeek & _dow) != 0;
        if ((_dom & StarBit) != 0 || (_dow & StarBit) != 0) return domMatch && dowMatch;
        return domMatch || dowMatch;
    }
}
