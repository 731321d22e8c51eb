using System.Globalization;
using System.Text;

namespace Vigil.Cel.Library;

/// <summary>string.format(list): %s %d %f %e %x %X %o %b and %%, with an optional precision (%.3f).</summary>
internal static class Formatter
{
    public static CelValue Format(CelValue format, CelValue args)
    {
        if (format.Kind != CelValueKind.String || args.Kind != CelValueKind.List) return Err.NoOverload("format", format, args);
        var f = (string)format.Ref!;
        var list = (CelList)args.Ref!;
        var sb = new StringBuilder(f.Length + 16);
        var next = 0;
        for (var i = 0; i < f.Length; i++)
        {
            var c = f[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            i++;
            if (i >= f.Length) return CelValue.Error("could not parse formatting clause: unexpected end of string");
            if (f[i] == '%')
            {
                sb.Append('%');
                continue;
            }
            int? precision = null;
            if (f[i] == '.')
            {
                i++;
                var start = i;
                while (i < f.Length && char.IsAsciiDigit(f[i])) i++;
                if (i == start || i >= f.Length) return CelValue.Error("could not parse formatting clause: error parsing precision");
                precision = int.Parse(f.AsSpan(start, i - start), CultureInfo.InvariantCulture);
                if (precision > 100) return CelValue.Error("could not parse formatting clause: precision too large");
            }
            var verb = f[i];
            if ("sdfexXob".IndexOf(verb, StringComparison.Ordinal) < 0)
                return CelValue.Error($"could not parse formatting clause: unrecognized formatting clause \"{verb}\"");
            if (next >= list.Count) return CelValue.Error($"index {next} out of range");
            var arg = list[next++];
            var error = Clause(sb, verb, precision, arg);
            if (error is not null) return CelValue.Error("error during formatting: " + error);
            if (sb.Length > Limits.MaxStringLength) return CelValue.Error("format result is too large");
        }
        return CelValue.String(sb.ToString());
    }

    private static string TypeName(CelValue v) => v.Type().RuntimeType.ToString();

    private static string? Clause(StringBuilder sb, char verb, int? precision, CelValue arg)
    {
        switch (verb)
        {
            case 's':
                return AppendString(sb, arg);
            case 'd':
                switch (arg.Kind)
                {
                    case CelValueKind.Int: sb.Append(arg.Bits.ToString(CultureInfo.InvariantCulture)); return null;
                    case CelValueKind.Uint: sb.Append(arg.UintValue.ToString(CultureInfo.InvariantCulture)); return null;
                    case CelValueKind.Double when !double.IsFinite(arg.DoubleValue): sb.Append(NonFinite(arg.DoubleValue)); return null;
                    default: return $"decimal clause can only be used on integers, was given {TypeName(arg)}";
                }
            case 'f':
                if (arg.Kind != CelValueKind.Double) return $"fixed-point clause can only be used on doubles, was given {TypeName(arg)}";
                sb.Append(Fixed(arg.DoubleValue, precision ?? 6));
                return null;
            case 'e':
                if (arg.Kind != CelValueKind.Double) return $"scientific clause can only be used on doubles, was given {TypeName(arg)}";
                sb.Append(Scientific(arg.DoubleValue, precision ?? 6));
                return null;
            case 'x':
            case 'X':
            {
                string hex;
                switch (arg.Kind)
                {
                    case CelValueKind.Int:
                        hex = arg.Bits < 0 ? "-" + ((ulong)(-(arg.Bits + 1)) + 1).ToString("x", CultureInfo.InvariantCulture) : arg.Bits.ToString("x", CultureInfo.InvariantCulture);
                        break;
                    case CelValueKind.Uint: hex = arg.UintValue.ToString("x", CultureInfo.InvariantCulture); break;
                    case CelValueKind.String: hex = Convert.ToHexStringLower(Encoding.UTF8.GetBytes((string)arg.Ref!)); break;
                    case CelValueKind.Bytes: hex = Convert.ToHexStringLower((byte[])arg.Ref!); break;
                    default: return $"only integers, byte buffers, and strings can be formatted as hex, was given {TypeName(arg)}";
                }
                sb.Append(verb == 'X' ? hex.ToUpperInvariant() : hex);
                return null;
            }
            case 'o':
                switch (arg.Kind)
                {
                    case CelValueKind.Int:
                        if (arg.Bits < 0) sb.Append('-');
                        sb.Append(Convert.ToString(arg.Bits < 0 ? -arg.Bits : arg.Bits, 8));
                        return null;
                    case CelValueKind.Uint: sb.Append(ToBase(arg.UintValue, 8)); return null;
                    default: return $"octal clause can only be used on integers, was given {TypeName(arg)}";
                }
            default: // 'b'
                switch (arg.Kind)
                {
                    case CelValueKind.Int:
                        if (arg.Bits < 0) sb.Append('-');
                        sb.Append(ToBase(arg.Bits < 0 ? (ulong)(-(arg.Bits + 1)) + 1 : (ulong)arg.Bits, 2));
                        return null;
                    case CelValueKind.Uint: sb.Append(ToBase(arg.UintValue, 2)); return null;
                    case CelValueKind.Bool: sb.Append(arg.Bits != 0 ? '1' : '0'); return null;
                    default: return $"only integers and bools can be formatted as binary, was given {TypeName(arg)}";
                }
        }
    }

    private static string ToBase(ulong v, int b)
    {
        if (v == 0) return "0";
        var chars = new List<char>();
        while (v > 0)
        {
            chars.Add((char)('0' + (int)(v % (ulong)b)));
            v /= (ulong)b;
        }
        chars.Reverse();
        return new string([.. chars]);
    }

    private static string NonFinite(double d) => double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";

    private static string Fixed(double d, int precision)
    {
        if (!double.IsFinite(d)) return NonFinite(d);
        if (Math.Abs(d) < 1e15 && precision <= 15) d = Math.Round(d, precision, MidpointRounding.ToEven);
        return d.ToString("F" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static string Scientific(double d, int precision)
    {
        if (!double.IsFinite(d)) return NonFinite(d);
        var s = d.ToString((precision == 0 ? "0" : "0." + new string('0', precision)) + "e+00", CultureInfo.InvariantCulture);
        return s;
    }

    private static string? AppendString(StringBuilder sb, CelValue v)
    {
        switch (v.Kind)
        {
            case CelValueKind.String: sb.Append((string)v.Ref!); return null;
            case CelValueKind.Null: sb.Append("null"); return null;
            case CelValueKind.Bool: sb.Append(v.Bits != 0 ? "true" : "false"); return null;
            case CelValueKind.Int: sb.Append(v.Bits.ToString(CultureInfo.InvariantCulture)); return null;
            case CelValueKind.Uint: sb.Append(v.UintValue.ToString(CultureInfo.InvariantCulture)); return null;
            case CelValueKind.Double:
            {
                var d = v.DoubleValue;
                sb.Append(double.IsFinite(d) ? CelValue.FormatDouble(d) : NonFinite(d));
                return null;
            }
            case CelValueKind.Bytes: sb.Append(Encoding.UTF8.GetString((byte[])v.Ref!)); return null;
            case CelValueKind.Timestamp: sb.Append(CelFormat.Timestamp(v)); return null;
            case CelValueKind.Duration: sb.Append(CelFormat.Duration(v)); return null;
            case CelValueKind.Type: sb.Append(((CelType)v.Ref!).RuntimeType); return null;
            case CelValueKind.List:
            {
                sb.Append('[');
                var first = true;
                foreach (var item in (CelList)v.Ref!)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    if (AppendString(sb, item) is { } e) return e;
                }
                sb.Append(']');
                return null;
            }
            case CelValueKind.Map:
            {
                var entries = new List<(string Key, CelValue Value)>();
                foreach (var (k, item) in (CelMap)v.Ref!)
                {
                    var ks = new StringBuilder();
                    if (AppendString(ks, k) is { } e) return e;
                    entries.Add((ks.ToString(), item));
                }
                entries.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
                sb.Append('{');
                for (var i = 0; i < entries.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    sb.Append(entries[i].Key).Append(": ");
                    if (AppendString(sb, entries[i].Value) is { } e) return e;
                }
                sb.Append('}');
                return null;
            }
            case CelValueKind.Opaque: sb.Append(v.Ref); return null;
            default:
                return "string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given " + TypeName(v);
        }
    }
}
