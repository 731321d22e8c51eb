using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Cel;

/// <summary>Conversion between .NET / JSON values and CEL values.</summary>
internal static class CelJson
{
    private const int MaxDepth = 1000;

    public static CelValue FromJsonText(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        return FromElement(doc.RootElement, 0);
    }

    public static CelValue FromObject(object? value) => FromObject(value, 0);

    private static CelValue FromObject(object? value, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException("value nests too deeply to convert to CEL");
        switch (value)
        {
            case null: return CelValue.Null;
            case CelValue v: return v;
            case bool b: return CelValue.Bool(b);
            case int i: return CelValue.Int(i);
            case long l: return CelValue.Int(l);
            case short s: return CelValue.Int(s);
            case sbyte sb: return CelValue.Int(sb);
            case byte by: return CelValue.Uint(by);
            case ushort us: return CelValue.Uint(us);
            case uint ui: return CelValue.Uint(ui);
            case ulong ul: return CelValue.Uint(ul);
            case double d: return CelValue.Double(d);
            case float f: return CelValue.Double(f);
            case decimal m: return CelValue.Double((double)m);
            case string str: return CelValue.String(str);
            case byte[] bytes: return CelValue.Bytes(bytes);
            case DateTimeOffset dto: return CelValue.Timestamp(dto);
            case DateTime dt: return CelValue.Timestamp(new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt));
            case TimeSpan ts: return CelValue.Duration(ts);
            case CelType t: return CelValue.Type(t);
            case CelList list: return CelValue.List(list);
            case CelMap map: return CelValue.Map(map);
            case JsonElement e: return FromElement(e, depth);
            case JsonDocument doc: return FromElement(doc.RootElement, depth);
            case JsonNode node: return FromNode(node, depth);
            case IDictionary dict:
            {
                var builder = new CelMap.Builder(dict.Count);
                foreach (DictionaryEntry entry in dict)
                {
                    var key = FromObject(entry.Key, depth + 1);
                    if (!CelMap.IsValidKey(key)) throw new ArgumentException($"unsupported map key type {key.Kind}");
                    builder.Set(key, FromObject(entry.Value, depth + 1));
                }
                return CelValue.Map(builder.Build());
            }
            case IEnumerable<KeyValuePair<string, object?>> pairs:
            {
                var builder = new CelMap.Builder();
                foreach (var (k, v) in pairs) builder.Set(CelValue.String(k), FromObject(v, depth + 1));
                return CelValue.Map(builder.Build());
            }
            case IEnumerable items:
            {
                var list = new List<CelValue>();
                foreach (var item in items) list.Add(FromObject(item, depth + 1));
                return CelValue.List(new CelList([.. list]));
            }
            default:
                throw new ArgumentException($"cannot convert a {value.GetType().Name} to a CEL value");
        }
    }

    public static CelValue FromElement(JsonElement e, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException("value nests too deeply to convert to CEL");
        switch (e.ValueKind)
        {
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                return CelValue.Null;
            case JsonValueKind.True: return CelValue.True;
            case JsonValueKind.False: return CelValue.False;
            case JsonValueKind.String: return CelValue.String(e.GetString()!);
            case JsonValueKind.Number:
                if (e.TryGetInt64(out var l)) return CelValue.Int(l);
                if (e.TryGetUInt64(out var u)) return CelValue.Uint(u);
                return CelValue.Double(e.GetDouble());
            case JsonValueKind.Array:
            {
                var items = new CelValue[e.GetArrayLength()];
                var i = 0;
                foreach (var item in e.EnumerateArray()) items[i++] = FromElement(item, depth + 1);
                return CelValue.List(new CelList(items));
            }
            default:
            {
                var builder = new CelMap.Builder();
                foreach (var p in e.EnumerateObject()) builder.Set(CelValue.String(p.Name), FromElement(p.Value, depth + 1));
                return CelValue.Map(builder.Build());
            }
        }
    }

    public static CelValue FromNode(JsonNode? node, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException("value nests too deeply to convert to CEL");
        switch (node)
        {
            case null: return CelValue.Null;
            case JsonObject obj:
            {
                var builder = new CelMap.Builder(obj.Count);
                foreach (var (k, v) in obj) builder.Set(CelValue.String(k), FromNode(v, depth + 1));
                return CelValue.Map(builder.Build());
            }
            case JsonArray arr:
            {
                var items = new CelValue[arr.Count];
                for (var i = 0; i < items.Length; i++) items[i] = FromNode(arr[i], depth + 1);
                return CelValue.List(new CelList(items));
            }
            default:
            {
                var value = (JsonValue)node;
                if (value.TryGetValue<JsonElement>(out var element)) return FromElement(element, depth);
                if (value.TryGetValue<string>(out var s)) return CelValue.String(s);
                if (value.TryGetValue<bool>(out var b)) return CelValue.Bool(b);
                if (value.TryGetValue<long>(out var l)) return CelValue.Int(l);
                if (value.TryGetValue<int>(out var i32)) return CelValue.Int(i32);
                if (value.TryGetValue<ulong>(out var u)) return CelValue.Uint(u);
                if (value.TryGetValue<double>(out var d)) return CelValue.Double(d);
                if (value.TryGetValue<float>(out var f)) return CelValue.Double(f);
                if (value.TryGetValue<decimal>(out var m)) return CelValue.Double((double)m);
                using var doc = JsonDocument.Parse(value.ToJsonString());
                return FromElement(doc.RootElement, depth);
            }
        }
    }

    public static JsonNode? ToNode(CelValue v)
    {
        switch (v.Kind)
        {
            case CelValueKind.Null: return null;
            case CelValueKind.Bool: return JsonValue.Create(v.Bits != 0);
            case CelValueKind.Int: return JsonValue.Create(v.Bits);
            case CelValueKind.Uint: return JsonValue.Create(v.UintValue);
            case CelValueKind.Double:
            {
                var d = v.DoubleValue;
                if (double.IsFinite(d)) return JsonValue.Create(d);
                return JsonValue.Create(CelValue.FormatDouble(d) switch { "+Inf" => "Infinity", "-Inf" => "-Infinity", var s => s });
            }
            case CelValueKind.String: return JsonValue.Create((string)v.Ref!);
            case CelValueKind.Bytes: return JsonValue.Create(Convert.ToBase64String((byte[])v.Ref!));
            case CelValueKind.Timestamp: return JsonValue.Create(CelFormat.Timestamp(v));
            case CelValueKind.Duration: return JsonValue.Create(CelFormat.Duration(v));
            case CelValueKind.Type: return JsonValue.Create(((CelType)v.Ref!).RuntimeType.ToString());
            case CelValueKind.List:
            {
                var arr = new JsonArray();
                foreach (var item in (CelList)v.Ref!) arr.Add(ToNode(item));
                return arr;
            }
            case CelValueKind.Map:
            {
                var obj = new JsonObject();
                foreach (var (k, item) in (CelMap)v.Ref!)
                    obj[k.Kind == CelValueKind.String ? (string)k.Ref! : k.ToString()] = ToNode(item);
                return obj;
            }
            case CelValueKind.Opaque:
                return ((ICelOpaque)v.Ref!).ToJsonValue() switch
                {
                    null => null,
                    CelValue inner => ToNode(inner),
                    var o => JsonValue.Create(o.ToString()),
                };
            case CelValueKind.Error: return new JsonObject { ["error"] = v.ErrorMessage };
            default: return new JsonObject { ["unknown"] = new JsonArray([.. v.UnknownAttributes.Select(a => (JsonNode?)JsonValue.Create(a))]) };
        }
    }

    public static string ToJsonText(CelValue v, bool indented)
    {
        var node = ToNode(v);
        return node is null ? "null" : node.ToJsonString(indented ? IndentedOptions : CompactOptions);
    }

    private static readonly JsonSerializerOptions IndentedOptions = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions CompactOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

/// <summary>Text renderings of values.</summary>
internal static class CelFormat
{
    public static string Timestamp(CelValue v)
    {
        var dt = DateTime.UnixEpoch.AddSeconds(v.Seconds);
        var sb = new StringBuilder(dt.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        AppendNanos(sb, v.Nanos);
        sb.Append('Z');
        return sb.ToString();
    }

    private static void AppendNanos(StringBuilder sb, int nanos)
    {
        if (nanos == 0) return;
        var frac = nanos.ToString("000000000", CultureInfo.InvariantCulture).TrimEnd('0');
        sb.Append('.').Append(frac);
    }

    public static string Duration(CelValue v)
    {
        var sb = new StringBuilder();
        var seconds = v.DurationSeconds;
        var nanos = v.DurationNanos;
        if (seconds < 0 || nanos < 0)
        {
            sb.Append('-');
            seconds = -seconds;
            nanos = -nanos;
        }
        sb.Append(seconds.ToString(CultureInfo.InvariantCulture));
        AppendNanos(sb, nanos);
        sb.Append('s');
        return sb.ToString();
    }

    public static void Write(StringBuilder sb, CelValue v)
    {
        switch (v.Kind)
        {
            case CelValueKind.Null: sb.Append("null"); break;
            case CelValueKind.Bool: sb.Append(v.Bits != 0 ? "true" : "false"); break;
            case CelValueKind.Int: sb.Append(v.Bits.ToString(CultureInfo.InvariantCulture)); break;
            case CelValueKind.Uint: sb.Append(v.UintValue.ToString(CultureInfo.InvariantCulture)).Append('u'); break;
            case CelValueKind.Double: sb.Append(CelValue.FormatDouble(v.DoubleValue)); break;
            case CelValueKind.String: Quote(sb, (string)v.Ref!); break;
            case CelValueKind.Bytes:
                sb.Append("b\"");
                foreach (var b in (byte[])v.Ref!)
                {
                    if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') sb.Append((char)b);
                    else sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
                }
                sb.Append('"');
                break;
            case CelValueKind.List:
            {
                sb.Append('[');
                var first = true;
                foreach (var item in (CelList)v.Ref!)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    Write(sb, item);
                }
                sb.Append(']');
                break;
            }
            case CelValueKind.Map:
            {
                sb.Append('{');
                var first = true;
                foreach (var (k, item) in (CelMap)v.Ref!)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    Write(sb, k);
                    sb.Append(": ");
                    Write(sb, item);
                }
                sb.Append('}');
                break;
            }
            case CelValueKind.Timestamp: sb.Append("timestamp(\"").Append(Timestamp(v)).Append("\")"); break;
            case CelValueKind.Duration: sb.Append("duration(\"").Append(Duration(v)).Append("\")"); break;
            case CelValueKind.Type: sb.Append(((CelType)v.Ref!).RuntimeType); break;
            case CelValueKind.Opaque: sb.Append(v.Ref); break;
            case CelValueKind.Error: sb.Append("error(").Append(v.ErrorMessage).Append(')'); break;
            default: sb.Append("unknown(").Append(string.Join(", ", v.UnknownAttributes)).Append(')'); break;
        }
    }

    public static void Quote(StringBuilder sb, string s)
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
                default:
                    if (c < 0x20) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
