using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Patching.Internal;

/// <summary>Renders JSON the way Go's <c>fmt</c> prints decoded JSON, so error messages read like the real apiserver's.</summary>
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
        Write(sb, node);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, JsonNode? node)
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
                    Write(sb, v);
                }
                sb.Append(']');
                break;
            case JsonArray a:
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0) sb.Append(' ');
                    Write(sb, a[i]);
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

    /// <summary>RFC 3339 with whole seconds in UTC, as metav1.Time serialises.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
