using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Models;

/// <summary>
/// A small string-to-string map kept as one array of pairs, in insertion order: labels and annotations, which are
/// usually a handful of entries, at a fraction of a Dictionary's memory. Lookups are linear and ordinal.
/// </summary>
public sealed class StringMap : IDictionary<string, string>, IReadOnlyDictionary<string, string>
{
    private string[] _pairs;
    private int _count;

    public StringMap()
        : this(0)
    {
    }

    public StringMap(int capacity)
    {
        _pairs = capacity == 0 ? [] : new string[capacity * 2];
    }

    public int Count => _count;

    public bool IsReadOnly => false;

    public ICollection<string> Keys => [.. Enumerate().Select(p => p.Key)];

    public ICollection<string> Values => [.. Enumerate().Select(p => p.Value)];

    IEnumerable<string> IReadOnlyDictionary<string, string>.Keys => Keys;

    IEnumerable<string> IReadOnlyDictionary<string, string>.Values => Values;

    public string this[string key]
    {
        get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"'{key}' is not in the map.");
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            ArgumentNullException.ThrowIfNull(value);
            var index = IndexOf(key);
            if (index >= 0)
            {
                _pairs[(index * 2) + 1] = value;
            }
            else
            {
                Append(key, value);
            }
        }
    }

    public void Add(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (IndexOf(key) >= 0)
        {
            throw new ArgumentException($"'{key}' is already in the map.", nameof(key));
        }

        Append(key, value);
    }

    public void Add(KeyValuePair<string, string> item) => Add(item.Key, item.Value);

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool Contains(KeyValuePair<string, string> item) => TryGetValue(item.Key, out var value) && value == item.Value;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        var index = IndexOf(key);
        value = index >= 0 ? _pairs[(index * 2) + 1] : null;
        return index >= 0;
    }

    public bool Remove(string key)
    {
        var index = IndexOf(key);
        if (index < 0)
        {
            return false;
        }

        Array.Copy(_pairs, (index + 1) * 2, _pairs, index * 2, (_count - index - 1) * 2);
        _count--;
        _pairs[_count * 2] = null!;
        _pairs[(_count * 2) + 1] = null!;
        return true;
    }

    public bool Remove(KeyValuePair<string, string> item) => Contains(item) && Remove(item.Key);

    public void Clear()
    {
        Array.Clear(_pairs);
        _count = 0;
    }

    public void CopyTo(KeyValuePair<string, string>[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        foreach (var pair in Enumerate())
        {
            array[arrayIndex++] = pair;
        }
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Enumerate().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Drops spare capacity.</summary>
    internal void TrimExcess()
    {
        if (_pairs.Length != _count * 2)
        {
            Array.Resize(ref _pairs, _count * 2);
        }
    }

    private IEnumerable<KeyValuePair<string, string>> Enumerate()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return new KeyValuePair<string, string>(_pairs[i * 2], _pairs[(i * 2) + 1]);
        }
    }

    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_pairs[i * 2], key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private void Append(string key, string value)
    {
        if (_pairs.Length < (_count + 1) * 2)
        {
            Array.Resize(ref _pairs, Math.Max(4, _pairs.Length * 2));
        }

        _pairs[_count * 2] = key;
        _pairs[(_count * 2) + 1] = value;
        _count++;
    }
}

/// <summary>Reads a JSON object of strings into a <see cref="StringMap"/>, pooling keys and short values.</summary>
public sealed class StringMapJsonConverter : JsonConverter<IDictionary<string, string>>
{
    public override IDictionary<string, string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected an object of strings, not {reader.TokenType}.");
        }

        var map = new StringMap(4);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = StringPool.ReadString(ref reader)!;
            reader.Read();
            var value = reader.TokenType == JsonTokenType.Null ? string.Empty : StringPool.ReadString(ref reader)!;
            map[key] = value;
        }

        map.TrimExcess();
        return map;
    }

    public override void Write(Utf8JsonWriter writer, IDictionary<string, string> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        foreach (var (key, item) in value)
        {
            writer.WriteString(key, item);
        }

        writer.WriteEndObject();
    }
}
