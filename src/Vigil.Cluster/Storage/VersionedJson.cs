using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Storage;

/// <summary>
/// Serializes an object as the store keeps it (compact, <see cref="JsonDefaults.Compact"/>) with <c>metadata.resourceVersion</c>
/// left blank where <see cref="ObjectStore"/> will set it, then splices the version in: the bytes are those
/// <c>JsonSerializer.SerializeToUtf8Bytes(node, JsonDefaults.Compact)</c> gives after the version is set, property order included
/// (an existing <c>resourceVersion</c> keeps its place, a missing one comes last in <c>metadata</c>, a missing <c>metadata</c>
/// last in the object). Per thread: <see cref="Prepare"/> and <see cref="Complete"/> run on the same thread, one commit at a time.
/// </summary>
internal static class VersionedJson
{
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JsonDefaults.Compact.Encoder,
        Indented = false,
        MaxDepth = JsonDefaults.Compact.MaxDepth == 0 ? 64 : JsonDefaults.Compact.MaxDepth,
        SkipValidation = true,
    };

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// Serializes <paramref name="node"/> into this thread's buffer with an empty resourceVersion string; returns the offset of
    /// that string's opening quote, or -1 when the general path must be taken (case-insensitive nodes, anything unexpected).
    /// Does not change <paramref name="node"/>.
    /// </summary>
    public static int Prepare(JsonObject node)
    {
        if (node.Options?.PropertyNameCaseInsensitive == true) return -1;
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(8192);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, Options);
        writer.Reset(buffer);
        try
        {
            var offset = -1;
            writer.WriteStartObject();
            foreach (var (key, value) in node)
            {
                writer.WritePropertyName(key);
                if (key == "metadata")
                {
                    var meta = value as JsonObject;
                    if (meta?.Options?.PropertyNameCaseInsensitive == true) return -1;
                    offset = WriteMetadata(writer, buffer, meta);
                }
                else
                {
                    WriteValue(writer, value);
                }
            }
            if (offset < 0)
            {
                writer.WritePropertyName("metadata"u8);
                offset = WriteMetadata(writer, buffer, null);
            }
            writer.WriteEndObject();
            writer.Flush();
            return offset;
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or ArgumentException or NotSupportedException)
        {
            // The general path serializes again and reports the failure as it always has.
            return -1;
        }
    }

    /// <summary>The prepared bytes with <paramref name="resourceVersion"/> in place.</summary>
    public static byte[] Complete(int offset, long resourceVersion)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(resourceVersion, digits, out var length);
        var prepared = t_buffer!.WrittenSpan;
        var json = new byte[prepared.Length + length];
        var head = offset + 1; // through the opening quote
        prepared[..head].CopyTo(json);
        digits[..length].CopyTo(json.AsSpan(head));
        prepared[head..].CopyTo(json.AsSpan(head + length));
        return json;
    }

    private static int WriteMetadata(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, JsonObject? meta)
    {
        var offset = -1;
        writer.WriteStartObject();
        if (meta is not null)
        {
            foreach (var (key, value) in meta)
            {
                writer.WritePropertyName(key);
                if (key == "resourceVersion") offset = WriteBlank(writer, buffer);
                else WriteValue(writer, value);
            }
        }
        if (offset < 0)
        {
            writer.WritePropertyName("resourceVersion"u8);
            offset = WriteBlank(writer, buffer);
        }
        writer.WriteEndObject();
        return offset;
    }

    private static int WriteBlank(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer)
    {
        writer.Flush();
        var offset = buffer.WrittenCount;
        writer.WriteStringValue(""u8);
        return offset;
    }

    // As JsonObject.WriteTo writes a property's value.
    private static void WriteValue(Utf8JsonWriter writer, JsonNode? value)
    {
        if (value is null) writer.WriteNullValue();
        else value.WriteTo(writer, JsonDefaults.Compact);
    }
}
