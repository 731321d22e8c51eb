using System.Collections.Frozen;
using System.Text.Json;

namespace Vigil.Cluster.Serialization.Protobuf;

/// <summary>What a field or map key/value holds on the wire.</summary>
internal enum ProtoKind
{
    Double,
    Float,
    Int64,
    UInt64,
    Int32,
    UInt32,
    Fixed64,
    Fixed32,
    SFixed64,
    SFixed32,
    SInt64,
    SInt32,
    Bool,
    String,
    Bytes,
    Enum,
    Message,
    Map,
}

/// <summary>Messages whose JSON form is not an object of their fields.</summary>
internal enum ProtoSpecial
{
    None,
    Time,
    MicroTime,
    Duration,
    Quantity,
    IntOrString,
    RawExtension,
    FieldsV1,
    /// <summary>A named Go slice type (<c>type Verbs []string</c>): one repeated field, a JSON array.</summary>
    Array,
}

/// <summary>The type of a map key or value: a scalar kind, or a message.</summary>
internal sealed class ProtoType(ProtoKind kind, string? messageName)
{
    public ProtoKind Kind { get; } = kind;
    public string? MessageName { get; } = messageName;
    public ProtoMessage? Message { get; set; }
}

internal sealed class ProtoField
{
    public required int Number { get; init; }
    /// <summary>The JSON name (go-to-protobuf names proto fields after the JSON tag; the exceptions are fixed in the data).</summary>
    public required string Name { get; init; }
    public required ProtoType Type { get; init; }
    public ProtoType? MapKey { get; init; }
    public ProtoType? MapValue { get; init; }
    public bool Repeated { get; init; }
    /// <summary>A Go pointer (gogoproto.nullable): present on the wire means set, even to a zero value.</summary>
    public bool Pointer { get; init; }
    /// <summary>An embedded struct tagged <c>json:",inline"</c>: its fields belong to the enclosing JSON object.</summary>
    public bool Inline { get; init; }
    /// <summary>The Go field has no omitempty: Go's JSON writes it even when zero (<c>"port": 0</c>) or nil (<c>"rules": null</c>).</summary>
    public bool NoOmitEmpty { get; init; }

    /// <summary>A Go value struct (not a pointer): Go's JSON always writes it, omitempty or not.</summary>
    public bool IsValueStruct => Type.Kind == ProtoKind.Message && !Pointer && !Repeated && !Inline;
}

internal sealed class ProtoMessage(string fullName, FrozenDictionary<int, ProtoField> fields, ProtoSpecial special)
{
    public string FullName { get; } = fullName;
    public FrozenDictionary<int, ProtoField> Fields { get; } = fields;
    public ProtoSpecial Special { get; } = special;

    /// <summary>The fields by number, which is the order of the Go struct in practice.</summary>
    public IReadOnlyList<ProtoField> InOrder { get; } = [.. fields.Values.OrderBy(f => f.Number)];

    public bool Has(string jsonName) => InOrder.Any(f => f.Name == jsonName);
}

/// <summary>
/// The field tables of the built-in Kubernetes API packages, extracted from kubectl's embedded
/// FileDescriptorProtos by tools/protogen/extract.py into the embedded resource protobuf-types.json.
/// </summary>
internal static class ProtobufTypes
{
    public const string ResourceName = "protobuf-types.json";
    public const string MetaPackage = "k8s.io.apimachinery.pkg.apis.meta.v1";

    private static readonly Lazy<Tables> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private sealed record Tables(FrozenDictionary<string, ProtoMessage> Messages, FrozenDictionary<string, string> GroupVersions);

    public static FrozenDictionary<string, ProtoMessage> Messages => Loaded.Value.Messages;

    /// <summary>group/version ("v1", "apps/v1") → proto package ("k8s.io.api.apps.v1").</summary>
    public static FrozenDictionary<string, string> GroupVersions => Loaded.Value.GroupVersions;

    public static ProtoMessage? Message(string fullName) => Messages.GetValueOrDefault(fullName);

    private static readonly FrozenDictionary<string, ProtoSpecial> Specials = new Dictionary<string, ProtoSpecial>
    {
        [MetaPackage + ".Time"] = ProtoSpecial.Time,
        [MetaPackage + ".MicroTime"] = ProtoSpecial.MicroTime,
        [MetaPackage + ".Duration"] = ProtoSpecial.Duration,
        [MetaPackage + ".FieldsV1"] = ProtoSpecial.FieldsV1,
        ["k8s.io.apimachinery.pkg.api.resource.Quantity"] = ProtoSpecial.Quantity,
        ["k8s.io.apimachinery.pkg.api.resource.QuantityValue"] = ProtoSpecial.Quantity,
        ["k8s.io.apimachinery.pkg.util.intstr.IntOrString"] = ProtoSpecial.IntOrString,
        ["k8s.io.apimachinery.pkg.runtime.RawExtension"] = ProtoSpecial.RawExtension,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static Tables Load()
    {
        var assembly = typeof(ProtobufTypes).Assembly;
        using var stream = assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} not found");
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;

        var groupVersions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var gv in root.GetProperty("groupVersions").EnumerateObject())
            groupVersions[gv.Name] = gv.Value.GetString()!;
        var arrays = root.GetProperty("arrays").EnumerateArray().Select(a => a.GetString()!).ToHashSet(StringComparer.Ordinal);

        var messages = new Dictionary<string, ProtoMessage>(StringComparer.Ordinal);
        var types = new List<ProtoType>();
        foreach (var message in root.GetProperty("messages").EnumerateObject())
        {
            var fields = new Dictionary<int, ProtoField>();
            foreach (var entry in message.Value.EnumerateArray())
            {
                var number = entry[0].GetInt32();
                var name = entry[1].GetString()!;
                var typeName = entry[2].GetString()!;
                var flags = entry.GetArrayLength() > 3 ? entry[3].GetString()! : "";
                ProtoType type;
                ProtoType? key = null, value = null;
                if (typeName.StartsWith("map<", StringComparison.Ordinal) && typeName.EndsWith('>'))
                {
                    var comma = typeName.IndexOf(',', StringComparison.Ordinal);
                    key = ParseType(typeName[4..comma]);
                    value = ParseType(typeName[(comma + 1)..^1]);
                    types.Add(key);
                    types.Add(value);
                    type = new ProtoType(ProtoKind.Map, null);
                }
                else
                {
                    type = ParseType(typeName);
                    types.Add(type);
                }
                fields[number] = new ProtoField
                {
                    Number = number,
                    Name = name,
                    Type = type,
                    MapKey = key,
                    MapValue = value,
                    Repeated = flags.Contains('r', StringComparison.Ordinal),
                    Pointer = flags.Contains('p', StringComparison.Ordinal),
                    Inline = flags.Contains('i', StringComparison.Ordinal),
                    NoOmitEmpty = flags.Contains('q', StringComparison.Ordinal),
                };
            }
            var special = arrays.Contains(message.Name) ? ProtoSpecial.Array : Specials.GetValueOrDefault(message.Name, ProtoSpecial.None);
            messages[message.Name] = new ProtoMessage(message.Name, fields.ToFrozenDictionary(), special);
        }

        foreach (var t in types)
        {
            if (t.MessageName is null) continue;
            t.Message = messages.GetValueOrDefault(t.MessageName)
                ?? throw new InvalidOperationException($"{ResourceName}: message {t.MessageName} is referenced but not defined");
        }
        return new Tables(messages.ToFrozenDictionary(StringComparer.Ordinal), groupVersions.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static ProtoType ParseType(string name) => name switch
    {
        "double" => new(ProtoKind.Double, null),
        "float" => new(ProtoKind.Float, null),
        "int64" => new(ProtoKind.Int64, null),
        "uint64" => new(ProtoKind.UInt64, null),
        "int32" => new(ProtoKind.Int32, null),
        "uint32" => new(ProtoKind.UInt32, null),
        "fixed64" => new(ProtoKind.Fixed64, null),
        "fixed32" => new(ProtoKind.Fixed32, null),
        "sfixed64" => new(ProtoKind.SFixed64, null),
        "sfixed32" => new(ProtoKind.SFixed32, null),
        "sint64" => new(ProtoKind.SInt64, null),
        "sint32" => new(ProtoKind.SInt32, null),
        "bool" => new(ProtoKind.Bool, null),
        "string" => new(ProtoKind.String, null),
        "bytes" => new(ProtoKind.Bytes, null),
        "enum" => new(ProtoKind.Enum, null),
        _ when name.Contains('.', StringComparison.Ordinal) => new(ProtoKind.Message, name),
        _ => throw new InvalidOperationException($"{ResourceName}: unknown field type \"{name}\""),
    };
}
