using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;


namespace Vigil.Cluster.Serialization;

/// <summary>
/// How the apiserver's Go code renders JSON values as text: <c>fmt.Print</c> for scalars (what client-go's JSONPath
/// printer uses for a <c>string</c> printer column) and <c>json.Marshal</c> for objects and arrays (sorted keys, HTML-safe escapes).
/// </summary>
internal static class GoFormat
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Go's <c>%q</c> for a string (close enough: JSON string escaping without HTML-safe escapes).</summary>
    public static string Quote(string s) => JsonSerializer.Serialize(s, Relaxed);

    /// <summary>Compact JSON with minimal escaping (as Go's encoder, minus its HTML escaping).</summary>
    public static string Json(JsonNode? node) => node is null ? "null" : node.ToJsonString(Relaxed);

    /// <summary>Go's <c>%v</c> of a value decoded into <c>interface{}</c>: <c>map[a:1 b:x]</c>, <c>[1 2]</c>, <c>&lt;nil&gt;</c>.</summary>
    public static string Value(JsonNode? node)
    {
        var sb = new StringBuilder();
        WriteValue(sb, node);
        return sb.ToString();
    }

    private static void WriteValue(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("<nil>");
                break;
            case JsonObject o:
                sb.Append("map[");
                var first = true;
                foreach (var (k, v) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first) sb.Append(' ');
                    first = false;
                    sb.Append(k).Append(':');
                    WriteValue(sb, v);
                }
                sb.Append(']');
                break;
            case JsonArray a:
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0) sb.Append(' ');
                    WriteValue(sb, a[i]);
                }
                sb.Append(']');
                break;
            default:
                var value = node.AsValue();
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        sb.Append(value.GetValue<string>());
                        break;
                    case JsonValueKind.True:
                        sb.Append("true");
                        break;
                    case JsonValueKind.False:
                        sb.Append("false");
                        break;
                    case JsonValueKind.Number:
                        sb.Append(value.ToJsonString());
                        break;
                    default:
                        sb.Append("<nil>");
                        break;
                }
                break;
        }
    }

    /// <summary>A value as JSONPath's <c>PrintResults</c> writes it; null for JSON null (which prints as nothing and becomes a null cell).</summary>
    public static string? Text(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject or JsonArray:
                var sb = new StringBuilder();
                Marshal(node, sb);
                return sb.ToString();
        }
        var value = (JsonValue)node;
        return value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => TryInteger(value, out var l) ? l.ToString(CultureInfo.InvariantCulture) : FormatFloatV(value.GetValue<double>()),
            _ => null,
        };
    }

    /// <summary>Whether a JSON number decodes to an int64 in Go's unstructured decoding (no fraction or exponent).</summary>
    public static bool TryInteger(JsonValue value, out long result)
    {
        if (value.TryGetValue<long>(out result)) return true;
        if (value.TryGetValue<int>(out var i))
        {
            result = i;
            return true;
        }
        if (value.TryGetValue<JsonElement>(out var element))
        {
            var raw = element.GetRawText();
            if (raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result))
                return true;
        }
        result = 0;
        return false;
    }

    /// <summary>Go's <c>fmt.Sprint(float64)</c>: shortest digits, %e when the decimal exponent is below -4 or at least 6.</summary>
    public static string FormatFloatV(double v)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsPositiveInfinity(v)) return "+Inf";
        if (double.IsNegativeInfinity(v)) return "-Inf";
        var (negative, digits, dp) = ShortestDigits(v);
        // strconv's shortest %g decides with precision 6: "if precision was the shortest possible, use precision 6".
        var exp = dp - 1;
        var body = exp < -4 || exp >= 6 ? Exponent(digits, exp, minExponentDigits: 2) : Fixed(digits, dp);
        return negative ? "-" + body : body;
    }

    /// <summary>Go's <c>encoding/json</c> float form: %f, or %e outside [1e-6, 1e21) with a one-digit-minimum exponent.</summary>
    public static string FormatFloatJson(double v)
    {
        if (v == 0) return "0";
        var (negative, digits, dp) = ShortestDigits(v);
        var abs = Math.Abs(v);
        var body = abs is < 1e-6 or >= 1e21 ? Exponent(digits, dp - 1, minExponentDigits: 1) : Fixed(digits, dp);
        return negative ? "-" + body : body;
    }

    /// <summary>The shortest round-trip decimal digits of a double and the position of the decimal point.</summary>
    private static (bool Negative, string Digits, int DecimalPoint) ShortestDigits(double v)
    {
        var shortest = v.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest.StartsWith('-');
        if (negative) shortest = shortest[1..];
        var ePos = shortest.IndexOfAny(['E', 'e']);
        var exponent = 0;
        var mantissa = shortest;
        if (ePos >= 0)
        {
            exponent = int.Parse(shortest.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissa = shortest[..ePos];
        }
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var fracPart = dot >= 0 ? mantissa[(dot + 1)..] : "";
        var all = intPart + fracPart;
        var dp = intPart.Length + exponent;
        var lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0')
        {
            lead++;
            dp--;
        }
        all = all[lead..].TrimEnd('0');
        if (all.Length == 0)
        {
            all = "0";
            dp = 1;
        }
        return (negative, all, dp);
    }

    private static string Fixed(string digits, int dp)
    {
        if (dp <= 0) return "0." + new string('0', -dp) + digits;
        if (dp >= digits.Length) return digits + new string('0', dp - digits.Length);
        return digits[..dp] + "." + digits[dp..];
    }

    private static string Exponent(string digits, int exp, int minExponentDigits)
    {
        var sb = new StringBuilder();
        sb.Append(digits[0]);
        if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
        sb.Append('e').Append(exp < 0 ? '-' : '+');
        var e = Math.Abs(exp).ToString(CultureInfo.InvariantCulture);
        if (e.Length < minExponentDigits) sb.Append('0', minExponentDigits - e.Length);
        return sb.Append(e).ToString();
    }

    /// <summary>Go's <c>json.Marshal</c> of an unstructured value: object keys sorted, HTML characters escaped.</summary>
    public static void Marshal(JsonNode? node, StringBuilder sb)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                return;
            case JsonObject obj:
                sb.Append('{');
                var first = true;
                foreach (var (key, child) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first) sb.Append(',');
                    first = false;
                    AppendString(key, sb);
                    sb.Append(':');
                    Marshal(child, sb);
                }
                sb.Append('}');
                return;
            case JsonArray arr:
                sb.Append('[');
                for (var i = 0; i < arr.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    Marshal(arr[i], sb);
                }
                sb.Append(']');
                return;
        }
        var value = (JsonValue)node;
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                AppendString(value.GetValue<string>(), sb);
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            case JsonValueKind.Number:
                sb.Append(TryInteger(value, out var l) ? l.ToString(CultureInfo.InvariantCulture) : FormatFloatJson(value.GetValue<double>()));
                break;
            default:
                sb.Append("null");
                break;
        }
    }

    private static void AppendString(string s, StringBuilder sb)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
