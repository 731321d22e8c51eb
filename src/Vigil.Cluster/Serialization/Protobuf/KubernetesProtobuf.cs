using System.Text;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Serialization.Protobuf;

/// <summary>
/// Decodes request bodies in Kubernetes' protobuf encoding (<c>application/vnd.kubernetes.protobuf</c>), which
/// kubectl's typed clients send for built-in kinds, into the JSON object the apiserver would see.
/// <para>
/// The body is the 4-byte prefix <c>k8s\x00</c> and a <c>runtime.Unknown</c>: typeMeta (1: apiVersion, kind),
/// raw (2: the object's own protobuf encoding), contentEncoding (3) and contentType (4), both empty for protobuf.
/// The object's message follows from apiVersion and kind; its field tables come from kubectl's embedded
/// descriptors (tools/protogen/extract.py).
/// </para>
/// </summary>
public static class KubernetesProtobuf
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";

    /// <summary>The prefix of every Kubernetes protobuf body: "k8s" and a zero byte.</summary>
    internal static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    private const string UnknownMessage = "k8s.io.apimachinery.pkg.runtime.Unknown";

    /// <summary>Option kinds every group/version registers (metav1.AddToGroupVersion); they are meta/v1 messages.</summary>
    private static readonly HashSet<string> OptionKinds = new(StringComparer.Ordinal)
    {
        "DeleteOptions", "CreateOptions", "UpdateOptions", "PatchOptions", "GetOptions", "ListOptions",
    };

    /// <summary>True for the media type of <see cref="ContentType"/>, with or without parameters.</summary>
    public static bool IsProtobuf(string? contentType) =>
        contentType is not null
        && contentType.Split(';')[0].Trim().Equals(ContentType, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Decodes a whole request body into a JSON object with <c>apiVersion</c> and <c>kind</c> set. Malformed or
    /// truncated data, an unknown kind or an unsupported encoding are an <see cref="ApiException"/> BadRequest.
    /// </summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body) => DecodeEnvelope(body, 0);

    /// <summary>The protobuf message of a built-in kind, e.g. ("apps/v1", "Deployment") → k8s.io.api.apps.v1.Deployment; null when unknown.</summary>
    public static string? MessageName(string apiVersion, string kind)
    {
        if (!ProtobufTypes.GroupVersions.TryGetValue(apiVersion, out var package)) return null;
        if (OptionKinds.Contains(kind)) return $"{ProtobufTypes.MetaPackage}.{kind}";
        // Only top-level kinds (those with object or list metadata), not every message of the package.
        return ProtobufTypes.Message($"{package}.{kind}") is { } message && message.Has("metadata") ? message.FullName : null;
    }

    internal static JsonObject DecodeEnvelope(ReadOnlySpan<byte> body, int depth)
    {
        if (depth > ProtobufJsonDecoder.MaxDepth)
            throw ApiException.BadRequest($"the protobuf request body nests messages more than {ProtobufJsonDecoder.MaxDepth} levels deep");
        if (body.IsEmpty) throw ApiException.BadRequest("the protobuf request body is empty");
        if (!body.StartsWith(Magic))
            throw ApiException.BadRequest("the request body is not in the Kubernetes protobuf encoding: it does not start with the prefix \"k8s\\x00\"");
        if (body.Length == Magic.Length) throw ApiException.BadRequest("the protobuf request body holds nothing after its \"k8s\\x00\" prefix");

        var reader = new ProtobufReader(body[Magic.Length..], UnknownMessage);
        string apiVersion = "", kind = "", contentEncoding = "", contentType = "";
        ReadOnlySpan<byte> raw = [];
        while (!reader.AtEnd)
        {
            var (number, wire) = reader.ReadKey();
            if (number is >= 1 and <= 4 && wire != WireType.LengthDelimited)
                throw reader.Malformed($"wrong wire type {(int)wire} for field {number}, expected 2");
            switch (number)
            {
                case 1:
                    (apiVersion, kind) = ReadTypeMeta(reader.ReadLengthDelimited());
                    break;
                case 2:
                    raw = reader.ReadLengthDelimited();
                    break;
                case 3:
                    contentEncoding = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
                    break;
                case 4:
                    contentType = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
                    break;
                default:
                    reader.Skip(number, wire);
                    break;
            }
        }

        if (kind.Length == 0) throw ApiException.BadRequest($"Object 'Kind' is missing in the protobuf request body (apiVersion \"{apiVersion}\")");
        if (apiVersion.Length == 0) throw ApiException.BadRequest($"Object 'apiVersion' is missing in the protobuf request body (kind \"{kind}\")");
        if (contentEncoding.Length > 0)
            throw ApiException.BadRequest($"the protobuf request body uses content encoding \"{contentEncoding}\", which is not supported");
        if (contentType.Length > 0 && !IsProtobuf(contentType))
            throw ApiException.BadRequest($"the protobuf request body wraps content of type \"{contentType}\", which is not supported");

        var messageName = MessageName(apiVersion, kind)
            ?? throw ApiException.BadRequest($"no kind \"{kind}\" is registered for version \"{apiVersion}\" in the protobuf encoding");
        var message = ProtobufTypes.Message(messageName)!;
        var result = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        ProtobufJsonDecoder.DecodeInto(result, message, raw, depth + 1);
        ProtobufJsonDecoder.AddUnset(result, message, depth + 1);
        return result;
    }

    private static (string ApiVersion, string Kind) ReadTypeMeta(ReadOnlySpan<byte> data)
    {
        var reader = new ProtobufReader(data, "k8s.io.apimachinery.pkg.runtime.TypeMeta");
        string apiVersion = "", kind = "";
        while (!reader.AtEnd)
        {
            var (number, wire) = reader.ReadKey();
            if (number is 1 or 2 && wire != WireType.LengthDelimited)
                throw reader.Malformed($"wrong wire type {(int)wire} for field {number}, expected 2");
            switch (number)
            {
                case 1: apiVersion = Encoding.UTF8.GetString(reader.ReadLengthDelimited()); break;
                case 2: kind = Encoding.UTF8.GetString(reader.ReadLengthDelimited()); break;
                default: reader.Skip(number, wire); break;
            }
        }
        return (apiVersion, kind);
    }
}
