using System.Collections.Concurrent;
using System.Globalization;

namespace Vigil.Cel.Library;

/// <summary>Timestamps (RFC 3339) and durations (Go syntax: "1h30m", "1.5s", "-300ms").</summary>
internal static class Time
{
    public static CelValue ParseTimestamp(string s)
    {
        // yyyy-mm-ddThh:mm:ss[.fraction](Z|±hh:mm)
        var bad = CelValue.Error($"timestamp parse error: '{s}' is not an RFC 3339 timestamp");
        if (s.Length < 20) return bad;
        var p = 0;
        if (!Digits(s, ref p, 4, out var year) || !Char(s, ref p, '-') || !Digits(s, ref p, 2, out var month) || !Char(s, ref p, '-')
            || !Digits(s, ref p, 2, out var day))
            return bad;
        if (!Char(s, ref p, 'T') && !Char(s, ref p, 't')) return bad;
        if (!Digits(s, ref p, 2, out var hour) || !Char(s, ref p, ':') || !Digits(s, ref p, 2, out var minute) || !Char(s, ref p, ':')
            || !Digits(s, ref p, 2, out var second))
            return bad;
        var nanos = 0;
        if (p < s.Length && s[p] == '.')
        {
            p++;
            var start = p;
            while (p < s.Length && char.IsAsciiDigit(s[p])) p++;
            var frac = s[start..p];
            if (frac.Length is 0 or > 9) return bad;
            nanos = int.Parse(frac.PadRight(9, '0'), CultureInfo.InvariantCulture);
        }
        if (p >= s.Length) return bad;
        long offsetSeconds = 0;
        if (s[p] is 'Z' or 'z') p++;
        else if (s[p] is '+' or '-')
        {
            var sign = s[p] == '-' ? -1 : 1;
            p++;
            if (!Digits(s, ref p, 2, out var oh) || !Char(s, ref p, ':') || !Digits(s, ref p, 2, out var om) || oh > 23 || om > 59) return bad;
            offsetSeconds = sign * (oh * 3600L + om * 60L);
        }
        else return bad;
        if (p != s.Length) return bad;
        if (year < 1) return CelValue.Error($"timestamp out of range: '{s}'");
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return bad;
        var dt = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc);
        var seconds = (dt.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond - offsetSeconds;
        var result = CelValue.Timestamp(seconds, nanos);
        return result.IsError ? CelValue.Error($"timestamp out of range: '{s}'") : result;
    }

    private static bool Digits(string s, ref int p, int n, out int value)
    {
        value = 0;
        if (p + n > s.Length) return false;
        for (var i = 0; i < n; i++)
        {
            var c = s[p + i];
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        p += n;
        return true;
    }

    private static bool Char(string s, ref int p, char c)
    {
        if (p >= s.Length || s[p] != c) return false;
        p++;
        return true;
    }

    public static CelValue ParseDuration(string s)
    {
        var bad = CelValue.Error($"duration parse error: '{s}' is not a duration such as \"1h30m\" or \"2.5s\"");
        var p = 0;
        var negative = false;
        if (p < s.Length && s[p] is '-' or '+')
        {
            negative = s[p] == '-';
            p++;
        }
        if (p == s.Length) return bad;
        if (s[p..] == "0") return CelValue.Duration(0, 0);
        Int128 total = 0;
        while (p < s.Length)
        {
            var start = p;
            while (p < s.Length && char.IsAsciiDigit(s[p])) p++;
            var whole = s[start..p];
            var frac = "";
            if (p < s.Length && s[p] == '.')
            {
                p++;
                var fs = p;
                while (p < s.Length && char.IsAsciiDigit(s[p])) p++;
                frac = s[fs..p];
            }
            if (whole.Length == 0 && frac.Length == 0) return bad;
            var us = p;
            while (p < s.Length && !char.IsAsciiDigit(s[p]) && s[p] != '.') p++;
            long unit = s[us..p] switch
            {
                "ns" => 1,
                "us" or "µs" or "μs" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60_000_000_000,
                "h" => 3_600_000_000_000,
                _ => 0,
            };
            if (unit == 0) return bad;
            if (whole.Length > 20 || !Int128.TryParse(whole.Length == 0 ? "0" : whole, NumberStyles.None, CultureInfo.InvariantCulture, out var w)) return bad;
            total += w * unit;
            if (frac.Length > 0)
            {
                // fraction of the unit, truncated to nanoseconds
                if (frac.Length > 18) frac = frac[..18];
                var f = Int128.Parse(frac, CultureInfo.InvariantCulture);
                Int128 scale = 1;
                for (var i = 0; i < frac.Length; i++) scale *= 10;
                total += f * unit / scale;
            }
            if (total > (Int128)long.MaxValue * 2) return CelValue.Error($"duration out of range: '{s}'");
        }
        var result = CelValue.DurationFromNanos(negative ? -total : total);
        return result.IsError ? CelValue.Error($"duration out of range: '{s}'") : result;
    }

    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> Zones = new(StringComparer.Ordinal);

    private static bool TryOffset(CelValue ts, string zone, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (zone.Length == 0 || zone == "UTC" || zone == "Z") return true;
        var z = zone;
        var sign = 1;
        if (z[0] is '+' or '-')
        {
            sign = z[0] == '-' ? -1 : 1;
            z = z[1..];
        }
        if (z.Length == 5 && z[2] == ':' && int.TryParse(z.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            && int.TryParse(z.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m))
        {
            offset = TimeSpan.FromMinutes(sign * (h * 60 + m));
            return true;
        }
        var tz = Zones.GetOrAdd(zone, static name =>
        {
            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(name);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                return null;
            }
        });
        if (tz is null) return false;
        var utc = DateTime.UnixEpoch.AddSeconds(ts.Seconds);
        offset = tz.GetUtcOffset(utc);
        return true;
    }

    public static CelValue Accessor(string name, CelValue v, CelValue? zone)
    {
        if (v.Kind == CelValueKind.Duration && zone is null)
        {
            var nanos = v.TotalNanos;
            return name switch
            {
                "getHours" => CelValue.Int((long)(nanos / 3_600_000_000_000)),
                "getMinutes" => CelValue.Int((long)(nanos / 60_000_000_000)),
                "getSeconds" => CelValue.Int((long)(nanos / 1_000_000_000)),
                "getMilliseconds" => CelValue.Int((long)(nanos / 1_000_000 % 1000)),
                _ => Err.NoOverload(name, v),
            };
        }
        if (v.Kind != CelValueKind.Timestamp || (zone is { } z && z.Kind != CelValueKind.String))
            return zone is { } zz ? Err.NoOverload(name, v, zz) : Err.NoOverload(name, v);
        var offset = TimeSpan.Zero;
        if (zone is { } zoneValue && !TryOffset(v, (string)zoneValue.Ref!, out offset))
            return CelValue.Error($"unknown time zone '{(string)zoneValue.Ref!}'");
        var seconds = v.Seconds + (long)offset.TotalSeconds;
        var days = Math.DivRem(seconds - CelValue.MinTimestampSeconds, 86400, out var secondOfDay);
        if (secondOfDay < 0)
        {
            days--;
            secondOfDay += 86400;
        }
        if (days < 0 || days >= DateTime.MaxValue.Ticks / TimeSpan.TicksPerDay) return CelValue.Error("timestamp out of range in that time zone");
        var date = DateTime.MinValue.AddDays(days);
        return name switch
        {
            "getFullYear" => CelValue.Int(date.Year),
            "getMonth" => CelValue.Int(date.Month - 1),
            "getDate" => CelValue.Int(date.Day),
            "getDayOfMonth" => CelValue.Int(date.Day - 1),
            "getDayOfWeek" => CelValue.Int((int)date.DayOfWeek),
            "getDayOfYear" => CelValue.Int(date.DayOfYear - 1),
            "getHours" => CelValue.Int(secondOfDay / 3600),
            "getMinutes" => CelValue.Int(secondOfDay / 60 % 60),
            "getSeconds" => CelValue.Int(secondOfDay % 60),
            "getMilliseconds" => CelValue.Int(v.Nanos / 1_000_000),
            _ => Err.NoOverload(name, v),
        };
    }
}
