using System.Text;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Serialization.Protobuf;

/// <summary>
/// Turns the protobuf encoding of a Kubernetes message into the JSON Go's encoding/json would write for the
/// struct the apiserver decodes it into:
/// <list type="bullet">
/// <item>pointer fields present on the wire are kept even when zero (<c>replicas: 0</c>);</item>
/// <item>value fields are always on the wire; their zero values are left out where the Go field has omitempty;</item>
/// <item>fields without omitempty are written even when absent: zero values, or null for nil slices, maps and pointers;</item>
/// <item>value structs are always objects (<c>"status": {}</c>), as Go writes them;</item>
/// <item>inline embedded structs merge into their parent; maps become objects; bytes become base64;</item>
/// <item>Time, MicroTime, Duration, Quantity, IntOrString, RawExtension and FieldsV1 take their JSON forms.</item>
/// </list>
/// Fields the table does not know are skipped, as Go's generated code skips them. Repeated occurrences of a
/// message field merge and of a scalar field replace, as in protobuf.
/// </summary>
internal static class ProtobufJsonDecoder
{
    /// <summary>The deepest nesting of messages (and embedded envelopes) accepted; real objects use about a dozen.</summary>
    public const int MaxDepth = 64;

    public static void DecodeInto(JsonObject target, ProtoMessage message, ReadOnlySpan<byte> data, int depth)
    {
        if (depth > MaxDepth)
            throw ApiException.BadRequest($"the protobuf request body nests messages more than {MaxDepth} levels deep");
        var reader = new ProtobufReader(data, message.FullName);
        while (!reader.AtEnd)
        {
            var (number, wire) = reader.ReadKey();
            if (!message.Fields.TryGetValue(number, out var field))
            {
                reader.Skip(number, wire);
                continue;
            }
            if (field.Type.Kind == ProtoKind.Map)
                ReadMapEntry(ref reader, target, field, wire, depth);
            else if (field.Repeated)
                ReadRepeated(ref reader, target, field, wire, depth);
            else if (field.Type.Kind == ProtoKind.Message)
                ReadMessageField(ref reader, target, field, wire, depth);
            else
                ReadScalarField(ref reader, target, field, wire);
        }
    }

    private static void ReadMessageField(ref ProtobufReader reader, JsonObject target, ProtoField field, WireType wire, int depth)
    {
        var message = field.Type.Message!;
        var data = ExpectLengthDelimited(ref reader, field, wire);
        if (field.Inline)
        {
            DecodeInto(target, message, data, depth + 1);
            return;
        }
        if (message.Special == ProtoSpecial.None && target[field.Name] is JsonObject existing)
        {
            DecodeInto(existing, message, data, depth + 1);
            return;
        }
        target[field.Name] = MessageValue(message, data, depth + 1);
    }

    private static void ReadScalarField(ref ProtobufReader reader, JsonObject target, ProtoField field, WireType wire)
    {
        var (value, isZero) = ReadScalar(ref reader, field.Type.Kind, wire, field);
        if (isZero && !field.NoOmitEmpty && (!field.Pointer || field.Type.Kind == ProtoKind.Bytes))
        {
            // omitempty leaves out a value field holding its zero value, and an empty []byte.
            target.Remove(field.Name);
            return;
        }
        target[field.Name] = value;
    }

    private static void ReadRepeated(ref ProtobufReader reader, JsonObject target, ProtoField field, WireType wire, int depth)
    {
        if (target[field.Name] is not JsonArray array)
        {
            array = [];
            target[field.Name] = array;
        }
        var kind = field.Type.Kind;
        if (kind == ProtoKind.Message)
        {
            array.Add(MessageValue(field.Type.Message!, ExpectLengthDelimited(ref reader, field, wire), depth + 1));
            return;
        }
        if (wire == WireType.LengthDelimited && IsPackable(kind))
        {
            // Packed encoding: a run of values in one length-delimited field.
            var packed = new ProtobufReader(reader.ReadLengthDelimited(), $"packed field {field.Name}");
            var elementWire = WireTypeOf(kind);
            while (!packed.AtEnd)
                array.Add(ReadScalar(ref packed, kind, elementWire, field).Value);
            return;
        }
        array.Add(ReadScalar(ref reader, kind, wire, field).Value);
    }

    private static void ReadMapEntry(ref ProtobufReader reader, JsonObject target, ProtoField field, WireType wire, int depth)
    {
        var entry = new ProtobufReader(ExpectLengthDelimited(ref reader, field, wire), $"an entry of map {field.Name}");
        var keyType = field.MapKey!;
        var valueType = field.MapValue!;
        string key = "";
        JsonNode? value = null;
        var valueSeen = false;
        while (!entry.AtEnd)
        {
            var (number, entryWire) = entry.ReadKey();
            if (number == 1 && keyType.Kind != ProtoKind.Message)
            {
                key = MapKey(ReadScalar(ref entry, keyType.Kind, entryWire, field).Value);
            }
            else if (number == 2)
            {
                valueSeen = true;
                if (valueType.Kind == ProtoKind.Message)
                    value = MessageValue(valueType.Message!, ExpectLengthDelimited(ref entry, field, entryWire), depth + 1);
                else
                    value = ReadScalar(ref entry, valueType.Kind, entryWire, field).Value;
            }
            else
            {
                entry.Skip(number, entryWire);
            }
        }
        if (!valueSeen)
        {
            // A missing value is the zero value of its type.
            value = valueType.Kind == ProtoKind.Message ? MessageValue(valueType.Message!, [], depth + 1) : ZeroOf(valueType.Kind);
        }
        if (target[field.Name] is not JsonObject map)
        {
            map = [];
            target[field.Name] = map;
        }
        map[key] = value;
    }

    /// <summary>
    /// Adds what Go's JSON writes for fields that were not on the wire: value structs (always written) and
    /// fields without omitempty (zero, or null for nil slices, maps and pointers).
    /// </summary>
    public static void AddUnset(JsonObject target, ProtoMessage message, int depth)
    {
        foreach (var field in message.InOrder)
        {
            if (field.Inline)
            {
                AddUnset(target, field.Type.Message!, depth + 1);
                continue;
            }
            if (target.ContainsKey(field.Name)) continue;
            if (field.IsValueStruct)
                target[field.Name] = MessageValue(field.Type.Message!, [], depth + 1);
            else if (field.NoOmitEmpty)
                target[field.Name] = field.Repeated || field.Pointer || field.Type.Kind is ProtoKind.Map or ProtoKind.Bytes ? null : ZeroOf(field.Type.Kind);
        }
    }

    /// <summary>The JSON of a message value: its special form, or an object of its fields.</summary>
    public static JsonNode? MessageValue(ProtoMessage message, ReadOnlySpan<byte> data, int depth)
    {
        if (depth > MaxDepth)
            throw ApiException.BadRequest($"the protobuf request body nests messages more than {MaxDepth} levels deep");
        switch (message.Special)
        {
            case ProtoSpecial.None:
                var obj = new JsonObject();
                DecodeInto(obj, message, data, depth);
                AddUnset(obj, message, depth);
                return obj;
            case ProtoSpecial.Time:
            {
                // An empty Time is Go's zero time, which metav1.Time writes as null.
                if (data.IsEmpty) return null;
                var (seconds, _) = ReadSecondsNanos(message, data);
                return GoFormat.Rfc3339(seconds) ?? throw ApiException.BadRequest($"the protobuf request body holds a time ({seconds} s since 1970) outside the years 1-9999");
            }
            case ProtoSpecial.MicroTime:
            {
                if (data.IsEmpty) return null;
                var (seconds, nanos) = ReadSecondsNanos(message, data);
                return GoFormat.Rfc3339Micro(seconds, nanos) ?? throw ApiException.BadRequest($"the protobuf request body holds a time ({seconds} s since 1970) outside the years 1-9999");
            }
            case ProtoSpecial.Duration:
            {
                var fields = ReadFlat(message, data);
                return GoFormat.Duration(fields.TryGetValue(1, out var d) ? d.GetValue<long>() : 0);
            }
            case ProtoSpecial.Quantity:
            {
                // A zero Quantity is written as "0".
                var fields = ReadFlat(message, data);
                return fields.TryGetValue(1, out var s) && s.GetValue<string>().Length > 0 ? s.GetValue<string>() : "0";
            }
            case ProtoSpecial.IntOrString:
            {
                var fields = ReadFlat(message, data);
                var type = fields.TryGetValue(1, out var t) ? t.GetValue<long>() : 0;
                return type switch
                {
                    0 => JsonValue.Create(fields.TryGetValue(2, out var i) ? i.GetValue<int>() : 0),
                    1 => JsonValue.Create(fields.TryGetValue(3, out var s) ? s.GetValue<string>() : ""),
                    _ => throw ApiException.BadRequest($"the protobuf request body holds an IntOrString of unknown type {type}"),
                };
            }
            case ProtoSpecial.RawExtension:
            case ProtoSpecial.FieldsV1:
            {
                var raw = RawBytes(message, data);
                return raw.IsEmpty ? null : EmbeddedJson(raw, message, depth);
            }
            case ProtoSpecial.Array:
            {
                var holder = new JsonObject();
                DecodeInto(holder, message, data, depth);
                // A nil slice is JSON null.
                if (holder["items"] is not JsonArray items) return null;
                holder.Remove("items");
                return items;
            }
            default:
                throw new InvalidOperationException($"unhandled special message {message.Special}");
        }
    }

    private static JsonNode? EmbeddedJson(ReadOnlySpan<byte> raw, ProtoMessage message, int depth)
    {
        if (raw.StartsWith(KubernetesProtobuf.Magic))
            return KubernetesProtobuf.DecodeEnvelope(raw, depth + 1);
        // RawExtension and FieldsV1 hold JSON; Go writes it back out verbatim.
        try
        {
            return JsonBody.Parse(raw);
        }
        catch (ApiException e)
        {
            throw ApiException.BadRequest($"the {message.FullName[(message.FullName.LastIndexOf('.') + 1)..]} in the protobuf request body is not valid JSON: {e.Message}");
        }
    }

    private static ReadOnlySpan<byte> RawBytes(ProtoMessage message, ReadOnlySpan<byte> data)
    {
        var reader = new ProtobufReader(data, message.FullName);
        ReadOnlySpan<byte> raw = [];
        while (!reader.AtEnd)
        {
            var (number, wire) = reader.ReadKey();
            if (number == 1 && wire == WireType.LengthDelimited) raw = reader.ReadLengthDelimited();
            else if (number == 1) throw reader.Malformed($"wrong wire type {(int)wire} for field 1 (raw)");
            else reader.Skip(number, wire);
        }
        return raw;
    }

    private static (long Seconds, long Nanos) ReadSecondsNanos(ProtoMessage message, ReadOnlySpan<byte> data)
    {
        var fields = ReadFlat(message, data);
        return (fields.TryGetValue(1, out var s) ? s.GetValue<long>() : 0, fields.TryGetValue(2, out var n) ? n.GetValue<int>() : 0);
    }

    /// <summary>The scalar fields of a small special message, by number (last occurrence wins).</summary>
    private static Dictionary<int, JsonValue> ReadFlat(ProtoMessage message, ReadOnlySpan<byte> data)
    {
        var values = new Dictionary<int, JsonValue>();
        var reader = new ProtobufReader(data, message.FullName);
        while (!reader.AtEnd)
        {
            var (number, wire) = reader.ReadKey();
            if (message.Fields.TryGetValue(number, out var field) && field.Type.Kind is not (ProtoKind.Message or ProtoKind.Map) && !field.Repeated)
                values[number] = (JsonValue)ReadScalar(ref reader, field.Type.Kind, wire, field).Value!;
            else
                reader.Skip(number, wire);
        }
        return values;
    }

    /// <summary>Reads one scalar; reports whether it is its type's zero value (for omitempty).</summary>
    private static (JsonNode? Value, bool IsZero) ReadScalar(ref ProtobufReader reader, ProtoKind kind, WireType wire, ProtoField field)
    {
        var expected = WireTypeOf(kind);
        if (wire != expected)
            throw reader.Malformed($"wrong wire type {(int)wire} for field {field.Number} ({field.Name}), expected {(int)expected}");
        switch (kind)
        {
            case ProtoKind.Int32:
            case ProtoKind.Enum:
            {
                var v = unchecked((int)reader.ReadVarint());
                return (JsonValue.Create(v), v == 0);
            }
            case ProtoKind.Int64:
            {
                var v = unchecked((long)reader.ReadVarint());
                return (JsonValue.Create(v), v == 0);
            }
            case ProtoKind.UInt32:
            {
                var v = unchecked((uint)reader.ReadVarint());
                return (JsonValue.Create(v), v == 0);
            }
            case ProtoKind.UInt64:
            {
                var v = reader.ReadVarint();
                return (JsonValue.Create(v), v == 0);
            }
            case ProtoKind.SInt32:
            {
                var raw = unchecked((uint)reader.ReadVarint());
                var v = (int)(raw >> 1) ^ -(int)(raw & 1);
                return (JsonValue.Create(v), v == 0);
            }
            case ProtoKind.SInt64:
            {
                var raw = reader.ReadVarint();
                var v = (long)(raw >> 1) ^ -(long)(raw & 1);
                return (JsonValue.Create(v), v == 0);
            }
            case ProtoKind.Bool:
            {
                var v = reader.ReadVarint() != 0;
                return (JsonValue.Create(v), !v);
            }
            case ProtoKind.Fixed32:
            {
                var v = reader.ReadFixed32();
                return (JsonValue.Create(v), v == 0);
            }
            case ProtoKind.SFixed32:
            {
                var v = unchecked((int)reader.ReadFixed32());
                return (JsonValue.Create(v), v == 0);
            }
            case ProtoKind.Fixed64:
            {
                var v = reader.ReadFixed64();
                return (JsonValue.Create(v), v == 0);
            }
            case ProtoKind.SFixed64:
            {
                var v = unchecked((long)reader.ReadFixed64());
                return (JsonValue.Create(v), v == 0);
            }
            case ProtoKind.Double:
            {
                var v = BitConverter.UInt64BitsToDouble(reader.ReadFixed64());
                if (!double.IsFinite(v)) throw reader.Malformed($"field {field.Name} holds {v}, which JSON cannot represent");
                return (JsonValue.Create(v), v == 0);
            }
            case ProtoKind.Float:
            {
                var v = BitConverter.UInt32BitsToSingle(reader.ReadFixed32());
                if (!float.IsFinite(v)) throw reader.Malformed($"field {field.Name} holds {v}, which JSON cannot represent");
                return (JsonValue.Create((double)v), v == 0);
            }
            case ProtoKind.String:
            {
                // Go does not check UTF-8 here; its JSON encoder writes invalid bytes as U+FFFD, as this does.
                var v = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
                return (JsonValue.Create(v), v.Length == 0);
            }
            case ProtoKind.Bytes:
            {
                var bytes = reader.ReadLengthDelimited();
                return (JsonValue.Create(Convert.ToBase64String(bytes)), bytes.IsEmpty);
            }
            default:
                throw new InvalidOperationException($"{kind} is not a scalar");
        }
    }

    private static ReadOnlySpan<byte> ExpectLengthDelimited(ref ProtobufReader reader, ProtoField field, WireType wire)
    {
        if (wire != WireType.LengthDelimited)
            throw reader.Malformed($"wrong wire type {(int)wire} for field {field.Number} ({field.Name}), expected 2");
        return reader.ReadLengthDelimited();
    }

    private static WireType WireTypeOf(ProtoKind kind) => kind switch
    {
        ProtoKind.Double or ProtoKind.Fixed64 or ProtoKind.SFixed64 => WireType.Fixed64,
        ProtoKind.Float or ProtoKind.Fixed32 or ProtoKind.SFixed32 => WireType.Fixed32,
        ProtoKind.String or ProtoKind.Bytes or ProtoKind.Message or ProtoKind.Map => WireType.LengthDelimited,
        _ => WireType.Varint,
    };

    private static bool IsPackable(ProtoKind kind) => WireTypeOf(kind) != WireType.LengthDelimited;

    private static JsonNode? ZeroOf(ProtoKind kind) => kind switch
    {
        ProtoKind.String or ProtoKind.Bytes => JsonValue.Create(""),
        ProtoKind.Bool => JsonValue.Create(false),
        ProtoKind.Double or ProtoKind.Float => JsonValue.Create(0.0),
        _ => JsonValue.Create(0),
    };

    /// <summary>Go's JSON writes map keys as strings, numbers in decimal.</summary>
    private static string MapKey(JsonNode? key) => key switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => "",
    };
}
