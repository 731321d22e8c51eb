using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Serialization;

/// <summary>
/// Parses request bodies into mutable JSON. Unlike <see cref="JsonNode.Parse(string, JsonNodeOptions?, JsonDocumentOptions)"/>
/// it accepts duplicate fields (the last wins, as Go's decoder does) and reports them, for strict field validation.
/// </summary>
public static class JsonBody
{
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8, List<string>? duplicates = null)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 });
        try
        {
            if (!reader.Read()) throw ApiException.BadRequest("the request body is empty");
            var node = ReadValue(ref reader, "", duplicates);
            if (reader.Read()) throw ApiException.BadRequest("json: invalid character after top-level value");
            return node;
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"json parse error: {e.Message}");
        }
    }

    public static JsonNode? Parse(string text, List<string>? duplicates = null) => Parse(Encoding.UTF8.GetBytes(text), duplicates);

    private static JsonNode? ReadValue(ref Utf8JsonReader reader, string path, List<string>? duplicates)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new JsonObject();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    var childPath = path.Length == 0 ? name : path + "." + name;
                    var value = ReadValue(ref reader, childPath, duplicates);
                    if (obj.ContainsKey(name))
                    {
                        duplicates?.Add(childPath);
                        obj.Remove(name);
                    }
                    obj[name] = value;
                }
                return obj;
            case JsonTokenType.StartArray:
                var arr = new JsonArray();
                var index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    arr.Add(ReadValue(ref reader, $"{path}[{index++}]", duplicates));
                return arr;
            case JsonTokenType.String:
                return JsonValue.Create(reader.GetString());
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var l)) return JsonValue.Create(l);
                return JsonValue.Create(reader.GetDouble());
            case JsonTokenType.True:
                return JsonValue.Create(true);
            case JsonTokenType.False:
                return JsonValue.Create(false);
            case JsonTokenType.Null:
                return null;
            default:
                throw ApiException.BadRequest($"json: unexpected token {reader.TokenType}");
        }
    }
}
