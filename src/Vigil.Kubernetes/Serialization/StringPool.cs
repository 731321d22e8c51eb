using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Kubernetes.Serialization;

/// <summary>
/// Shares the instances of strings that repeat across objects (namespaces, kinds, label keys and values, owner
/// names): caches of many objects hold one copy of each instead of one per object. Lookups go by the decoded
/// characters, so a string already pooled costs no allocation. The pool stops growing at <see cref="MaxEntries"/>,
/// and only short strings are pooled.
/// </summary>
internal static class StringPool
{
    public const int MaxEntries = 1 << 17;
    public const int MaxLength = 64;

    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup = Pool.GetAlternateLookup<ReadOnlySpan<char>>();

    public static string Intern(ReadOnlySpan<char> value)
    {
        if (value.Length == 0)
        {
            return string.Empty;
        }

        if (value.Length > MaxLength)
        {
            return value.ToString();
        }

        if (Lookup.TryGetValue(value, out var pooled))
        {
            return pooled;
        }

        var created = value.ToString();
        return Pool.Count < MaxEntries ? Pool.GetOrAdd(created, created) : created;
    }

    /// <summary>Reads the current string token, pooled when short.</summary>
    public static string? ReadString(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
        {
            throw new JsonException($"Expected a string, not {reader.TokenType}.");
        }

        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > MaxLength * 3 || reader.ValueIsEscaped || reader.HasValueSequence)
        {
            var text = reader.GetString()!;
            return text.Length <= MaxLength ? Intern(text) : text;
        }

        Span<char> buffer = stackalloc char[MaxLength * 3];
        var written = Encoding.UTF8.GetChars(reader.ValueSpan, buffer);
        return Intern(buffer[..written]);
    }
}

/// <summary>Reads strings through <see cref="StringPool"/>; for fields whose values repeat across objects.</summary>
public sealed class PooledStringJsonConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => StringPool.ReadString(ref reader);

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }
}
