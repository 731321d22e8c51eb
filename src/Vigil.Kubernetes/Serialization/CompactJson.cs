using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Vigil.Kubernetes.Serialization;

/// <summary>
/// A compact, lossless encoding of a JSON document, for caches that hold many similar objects (an informer's pods):
/// about a tenth of the memory of the typed object graph the document decodes to.
/// <list type="bullet">
/// <item>Property names and short string values that repeat across objects (namespaces, kinds, label keys and values,
/// images, node and owner names, reasons) are ids into two <see cref="SharedStrings"/> tables, one byte when small.</item>
/// <item>Values unique to one object (its name, resourceVersion, IPs, messages) are inline UTF-8, not shared: a table
/// entry for them would cost more than it saves.</item>
/// <item>Timestamps in the API's form (<c>2026-11-22T17:32:00Z</c>), lowercase UUIDs and integers are stored as
/// numbers; any string that would not format back to exactly the same text stays a string.</item>
/// </list>
/// A document holds one reference on each shared string it uses, from <see cref="Encode"/> until
/// <see cref="Release"/>; it must be released exactly once and not read after. Reading a document while another
/// thread releases it is not safe: the owner of a document (an informer's cache) serializes the two.
/// </summary>
public static class CompactJson
{
    private const byte EndObject = 0;
    private const byte StartObject = 1;
    private const byte StartArray = 2;
    private const byte EndArray = 3;
    private const byte Null = 4;
    private const byte True = 5;
    private const byte False = 6;
    private const byte EmptyString = 7;
    private const byte SharedName = 8;    // + varint id (ids past the one-byte range)
    private const byte InlineName = 9;    // + varint length + UTF-8 (names too long to share)
    private const byte SharedValue = 10;  // + varint id
    private const byte InlineValue = 11;  // + varint length + UTF-8
    private const byte Integer = 12;      // + zigzag varint
    private const byte RawNumber = 13;    // + varint length + the number's text
    private const byte Timestamp = 14;    // + zigzag varint seconds since the Unix epoch
    private const byte Uuid = 15;         // + 16 bytes
    private const byte FirstShortName = 16;   // 16..127: shared name id 0..111
    private const byte FirstShortValue = 128; // 128..255: shared value id 0..127
    private const int ShortNames = FirstShortValue - FirstShortName;
    private const int ShortValues = 256 - FirstShortValue;
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>Property names: a schema's few hundred, plus label and annotation keys.</summary>
    public static SharedStrings Names { get; } = new();

    /// <summary>String values shared between documents.</summary>
    public static SharedStrings Values { get; } = new();

    // Values under these names are unique to their object, or nearly: stored inline rather than shared.
    private static readonly HashSet<int> UniqueValueNames = [.. new[] { "resourceVersion", "uid", "podIP", "ip", "message", "containerID", "note" }.Select(Names.Pin)];
    private static readonly int MetadataName = Names.Pin("metadata");
    private static readonly int NameName = Names.Pin("name");

    /// <summary>How decoded documents are written: no escaping beyond what JSON needs, no validation (they were valid).</summary>
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_output;

    [ThreadStatic]
    private static List<Frame>? t_frames;

    [ThreadStatic]
    private static byte[]? t_unescaped;

    /// <summary>Encodes one JSON value (an object, as a rule); the result holds references on shared strings.</summary>
    /// <exception cref="JsonException">The input is not valid JSON.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> json)
    {
        var output = t_output ??= new ArrayBufferWriter<byte>(1024);
        var frames = t_frames ??= [];
        output.ResetWrittenCount();
        frames.Clear();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            var lastName = -1;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        frames.Add(new Frame(reader.TokenType == JsonTokenType.StartArray, ValueName(frames, lastName)));
                        lastName = -1;
                        WriteByte(output, reader.TokenType == JsonTokenType.StartArray ? StartArray : StartObject);
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        lastName = -1;
                        WriteByte(output, reader.TokenType == JsonTokenType.EndArray ? EndArray : EndObject);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = Unescaped(ref reader);
                        if (name.Length > SharedStrings.MaxBytes)
                        {
                            lastName = -1;
                            WriteByte(output, InlineName);
                            WriteBytes(output, name);
                        }
                        else
                        {
                            lastName = Names.Acquire(name);
                            if (lastName < ShortNames) WriteByte(output, (byte)(FirstShortName + lastName));
                            else
                            {
                                WriteByte(output, SharedName);
                                WriteVarint(output, (ulong)lastName);
                            }
                        }

                        // Frames remember the name of the property they are the value of.
                        if (frames.Count > 0) frames[^1] = frames[^1] with { Last = lastName };
                        break;
                    case JsonTokenType.String:
                        WriteString(output, Unescaped(ref reader), IsUnique(frames));
                        break;
                    case JsonTokenType.Number:
                        WriteNumber(output, reader.ValueSpan);
                        break;
                    case JsonTokenType.True:
                        WriteByte(output, True);
                        break;
                    case JsonTokenType.False:
                        WriteByte(output, False);
                        break;
                    case JsonTokenType.Null:
                        WriteByte(output, Null);
                        break;
                    default:
                        throw new JsonException($"unexpected JSON token {reader.TokenType}");
                }
            }

            return output.WrittenSpan.ToArray();
        }
        catch
        {
            // Give back the references taken so far: what was written is a prefix of whole tokens.
            ReleaseTokens(output.WrittenSpan);
            throw;
        }
    }

    /// <summary>Writes the JSON that <paramref name="document"/> encodes.</summary>
    public static void Decode(ReadOnlySpan<byte> document, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> text = stackalloc byte[64];
        var i = 0;
        while (i < document.Length)
        {
            var tag = document[i++];
            switch (tag)
            {
                case >= FirstShortValue:
                    writer.WriteStringValue(Values[tag - FirstShortValue]);
                    break;
                case >= FirstShortName:
                    writer.WritePropertyName(Names[tag - FirstShortName]);
                    break;
                case StartObject:
                    writer.WriteStartObject();
                    break;
                case EndObject:
                    writer.WriteEndObject();
                    break;
                case StartArray:
                    writer.WriteStartArray();
                    break;
                case EndArray:
                    writer.WriteEndArray();
                    break;
                case Null:
                    writer.WriteNullValue();
                    break;
                case True:
                    writer.WriteBooleanValue(true);
                    break;
                case False:
                    writer.WriteBooleanValue(false);
                    break;
                case EmptyString:
                    writer.WriteStringValue(ReadOnlySpan<byte>.Empty);
                    break;
                case SharedName:
                    writer.WritePropertyName(Names[(int)ReadVarint(document, ref i)]);
                    break;
                case InlineName:
                    writer.WritePropertyName(ReadBytes(document, ref i));
                    break;
                case SharedValue:
                    writer.WriteStringValue(Values[(int)ReadVarint(document, ref i)]);
                    break;
                case InlineValue:
                    writer.WriteStringValue(ReadBytes(document, ref i));
                    break;
                case Integer:
                    writer.WriteNumberValue(Unzigzag(ReadVarint(document, ref i)));
                    break;
                case RawNumber:
                    writer.WriteRawValue(ReadBytes(document, ref i), skipInputValidation: true);
                    break;
                case Timestamp:
                    var at = DateTime.UnixEpoch.AddTicks(Unzigzag(ReadVarint(document, ref i)) * TimeSpan.TicksPerSecond);
                    at.TryFormat(text, out var written, TimestampFormat, CultureInfo.InvariantCulture);
                    writer.WriteStringValue(text[..written]);
                    break;
                case Uuid:
                    new Guid(document.Slice(i, 16)).TryFormat(text, out var length, "D");
                    i += 16;
                    writer.WriteStringValue(text[..length]);
                    break;
                default:
                    throw new InvalidOperationException($"not a compact JSON document: tag {tag} at {i - 1}");
            }
        }
    }

    /// <summary>Decodes <paramref name="document"/> into <paramref name="output"/> as UTF-8 JSON text.</summary>
    public static void Decode(ReadOnlySpan<byte> document, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        Decode(document, writer);
    }

    /// <summary>Drops the document's references on shared strings; it must not be read after.</summary>
    public static void Release(ReadOnlySpan<byte> document) => ReleaseTokens(document);

    private static void ReleaseTokens(ReadOnlySpan<byte> document)
    {
        var i = 0;
        while (i < document.Length)
        {
            var tag = document[i++];
            switch (tag)
            {
                case >= FirstShortValue:
                    Values.Release(tag - FirstShortValue);
                    break;
                case >= FirstShortName:
                    Names.Release(tag - FirstShortName);
                    break;
                case SharedName:
                    Names.Release((int)ReadVarint(document, ref i));
                    break;
                case SharedValue:
                    Values.Release((int)ReadVarint(document, ref i));
                    break;
                case InlineName or InlineValue or RawNumber:
                    ReadBytes(document, ref i);
                    break;
                case Integer or Timestamp:
                    ReadVarint(document, ref i);
                    break;
                case Uuid:
                    i += 16;
                    break;
                default:
                    break;
            }
        }
    }

    private static int ValueName(List<Frame> frames, int lastName) =>
        frames.Count == 0 ? -1 : frames[^1].IsArray ? frames[^1].Own : lastName;

    private static bool IsUnique(List<Frame> frames)
    {
        if (frames.Count == 0) return false;
        var top = frames[^1];
        var name = top.IsArray ? top.Own : top.Last;
        // An object's own name is unique; the names it refers to (owners, containers, claims) repeat across objects.
        return UniqueValueNames.Contains(name) || (name == NameName && !top.IsArray && top.Own == MetadataName);
    }

    /// <summary>The current token's text without JSON escapes (the reader's own bytes unless it had escapes).</summary>
    private static ReadOnlySpan<byte> Unescaped(scoped ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped) return reader.ValueSpan;
        var buffer = t_unescaped is { } b && b.Length >= reader.ValueSpan.Length ? b : t_unescaped = new byte[Math.Max(256, reader.ValueSpan.Length)];
        var written = reader.CopyString(buffer);
        return buffer.AsSpan(0, written);
    }

    private static void WriteString(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> value, bool unique)
    {
        if (value.Length == 0)
        {
            WriteByte(output, EmptyString);
        }
        else if (value.Length == 20 && TryTimestamp(value, out var seconds))
        {
            WriteByte(output, Timestamp);
            WriteVarint(output, Zigzag(seconds));
        }
        else if (value.Length == 36 && TryUuid(value, out var uuid))
        {
            WriteByte(output, Uuid);
            uuid.TryWriteBytes(output.GetSpan(16));
            output.Advance(16);
        }
        else if (!unique && value.Length <= SharedStrings.MaxBytes)
        {
            var id = Values.Acquire(value);
            if (id < ShortValues) WriteByte(output, (byte)(FirstShortValue + id));
            else
            {
                WriteByte(output, SharedValue);
                WriteVarint(output, (ulong)id);
            }
        }
        else
        {
            WriteByte(output, InlineValue);
            WriteBytes(output, value);
        }
    }

    private static void WriteNumber(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> text)
    {
        Span<byte> formatted = stackalloc byte[24];
        // Only when the integer formats back to the same text ("1e3", "1.0" and "-0" stay text).
        if (System.Buffers.Text.Utf8Parser.TryParse(text, out long value, out var consumed) && consumed == text.Length
            && value.TryFormat(formatted, out var written, default, CultureInfo.InvariantCulture) && formatted[..written].SequenceEqual(text))
        {
            WriteByte(output, Integer);
            WriteVarint(output, Zigzag(value));
            return;
        }

        WriteByte(output, RawNumber);
        WriteBytes(output, text);
    }

    private static bool TryTimestamp(ReadOnlySpan<byte> value, out long seconds)
    {
        seconds = 0;
        if (value[4] != '-' || value[10] != 'T' || value[19] != 'Z') return false;
        Span<char> chars = stackalloc char[20];
        for (var i = 0; i < 20; i++) chars[i] = (char)value[i];
        if (!DateTime.TryParseExact(chars, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)) return false;
        Span<byte> back = stackalloc byte[20];
        if (!at.TryFormat(back, out var written, TimestampFormat, CultureInfo.InvariantCulture) || !back[..written].SequenceEqual(value)) return false;
        seconds = (at - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond;
        return true;
    }

    private static bool TryUuid(ReadOnlySpan<byte> value, out Guid uuid)
    {
        uuid = default;
        if (value[8] != '-' || value[13] != '-') return false;
        Span<char> chars = stackalloc char[36];
        for (var i = 0; i < 36; i++) chars[i] = (char)value[i];
        if (!Guid.TryParseExact(chars, "D", out uuid)) return false;
        Span<byte> back = stackalloc byte[36];
        return uuid.TryFormat(back, out var written, "D") && back[..written].SequenceEqual(value);
    }

    private static void WriteByte(ArrayBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    private static void WriteBytes(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        WriteVarint(output, (ulong)bytes.Length);
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    private static void WriteVarint(ArrayBufferWriter<byte> output, ulong value)
    {
        var span = output.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[n++] = (byte)value;
        output.Advance(n);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> document, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = document[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }

    private static ReadOnlySpan<byte> ReadBytes(ReadOnlySpan<byte> document, ref int i)
    {
        var length = (int)ReadVarint(document, ref i);
        var bytes = document.Slice(i, length);
        i += length;
        return bytes;
    }

    private static ulong Zigzag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static long Unzigzag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    /// <summary>An object or array being encoded: the name it is the value of, and its last property name.</summary>
    private readonly record struct Frame(bool IsArray, int Own, int Last = -1);
}
