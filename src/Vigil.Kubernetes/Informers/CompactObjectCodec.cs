using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Informers;

/// <summary>
/// Turns a cached object into a <see cref="CompactJson"/> document and back, through its JSON contract: lossless for
/// every field the contract serializes. A cache holding the documents costs a fraction of the memory of the objects,
/// at the price of decoding each object it hands out (a fresh copy each time).
/// </summary>
public sealed class CompactObjectCodec<T>(JsonTypeInfo<T> contract)
    where T : class
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_json;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public byte[] Encode(T obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var (json, writer) = Buffers();
        JsonSerializer.Serialize(writer, obj, contract);
        writer.Flush();
        return CompactJson.Encode(json.WrittenSpan);
    }

    public T Decode(byte[] document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var (json, writer) = Buffers();
        CompactJson.Decode(document, writer);
        writer.Flush();
        return JsonSerializer.Deserialize(json.WrittenSpan, contract) ?? throw new InvalidOperationException("a compact document decoded to null");
    }

    public static void Release(byte[] document) => CompactJson.Release(document);

    private static (ArrayBufferWriter<byte> Json, Utf8JsonWriter Writer) Buffers()
    {
        var json = t_json ??= new ArrayBufferWriter<byte>(4096);
        json.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(json, CompactJson.WriterOptions);
        writer.Reset(json);
        return (json, writer);
    }
}
