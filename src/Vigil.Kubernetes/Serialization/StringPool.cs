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

    private static readonly ConcurrentDictionary<string, string> Pool = new(Utf8StringComparer.Instance);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<byte>> Lookup = Pool.GetAlternateLookup<ReadOnlySpan<byte>>();

    public static string Intern(string value)
    {
        if (value.Length == 0)
        {
            return string.Empty;
        }

        if (value.Length > MaxLength)
        {
            return value;
        }

        if (Pool.TryGetValue(value, out var pooled))
        {
            return pooled;
        }

        return Pool.Count < MaxEntries ? Pool.GetOrAdd(value, value) : value;
    }

    /// <summary>Reads the current string token, pooled when short; a pooled value is found from its UTF-8 bytes without decoding.</summary>
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

        if (!reader.ValueIsEscaped && !reader.HasValueSequence && reader.ValueSpan.Length <= MaxLength)
        {
            if (reader.ValueSpan.Length == 0)
            {
                return string.Empty;
            }

            if (Lookup.TryGetValue(reader.ValueSpan, out var pooled))
            {
                return pooled;
            }
        }

        return Intern(reader.GetString()!);
    }
}

/// <summary>Compares and hashes strings by their UTF-8 encoding, so they can be looked up from raw JSON bytes.</summary>
internal sealed class Utf8StringComparer : IEqualityComparer<string>, IAlternateEqualityComparer<ReadOnlySpan<byte>, string>
{
    public static readonly Utf8StringComparer Instance = new();

    public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

    public int GetHashCode(string obj)
    {
        Span<byte> buffer = stackalloc byte[StringPool.MaxLength * 3];
        var written = Encoding.UTF8.GetBytes(obj, buffer);
        return Hash(buffer[..written]);
    }

    public bool Equals(ReadOnlySpan<byte> alternate, string other)
    {
        if (alternate.Length < other.Length || alternate.Length > other.Length * 3)
        {
            return false;
        }

        if (alternate.Length == other.Length)
        {
            // Same length: equal only if every char is ASCII and every byte its code (a byte of 0x80 or more is part
            // of a multi-byte sequence, never a char of its own).
            for (var i = 0; i < alternate.Length; i++)
            {
                if (other[i] >= 0x80 || alternate[i] != other[i])
                {
                    return false;
                }
            }

            return true;
        }

        Span<byte> buffer = stackalloc byte[StringPool.MaxLength * 3];
        var written = Encoding.UTF8.GetBytes(other, buffer);
        return alternate.SequenceEqual(buffer[..written]);
    }

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public string Create(ReadOnlySpan<byte> alternate) => Encoding.UTF8.GetString(alternate);

    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = default(HashCode);
        hash.AddBytes(bytes);
        return hash.ToHashCode();
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
