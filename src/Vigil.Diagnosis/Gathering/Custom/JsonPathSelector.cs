using System.Globalization;
using System.Text.Json.Nodes;

namespace Vigil.Diagnosis.Gathering.Custom;

/// <summary>
/// The part of kubectl's JSONPath that gatherers need: <c>{.status}</c>, <c>{.spec.replicas}</c>,
/// <c>{.items[*].status}</c>, <c>{.items[0].metadata.name}</c>, <c>{.metadata.labels.app}</c> (braces optional).
/// Parsed once when the Gatherer is declared; an unsupported expression is refused then.
/// </summary>
public sealed class JsonPathSelector
{
    private readonly IReadOnlyList<Step> _steps;

    private abstract record Step;
    private sealed record Field(string Name) : Step;
    private sealed record Index(int At) : Step;
    private sealed record All : Step;

    private JsonPathSelector(IReadOnlyList<Step> steps, string text)
    {
        _steps = steps;
        Text = text;
    }

    public string Text { get; }

    /// <summary>Parses an expression; throws <see cref="FormatException"/> saying what is not supported.</summary>
    public static JsonPathSelector Parse(string text)
    {
        var body = text.Trim();
        if (body.StartsWith('{') && body.EndsWith('}')) body = body[1..^1].Trim();
        if (body.StartsWith('$')) body = body[1..];
        if (body.Length == 0 || body == ".") return new JsonPathSelector([], text);
        if (!body.StartsWith('.') && !body.StartsWith('[')) throw new FormatException($"\"{text}\" must start with . (e.g. {{.status}})");
        var steps = new List<Step>();
        var i = 0;
        while (i < body.Length)
        {
            if (body[i] == '.')
            {
                var end = body.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = body.Length;
                var name = body[(i + 1)..end];
                if (name.Length == 0) throw new FormatException($"\"{text}\": empty field name at {i + 1}");
                if (name.AsSpan().IndexOfAny("?@()=<>!*, ") >= 0) throw new FormatException($"\"{text}\": filters and functions are not supported (field \"{name}\")");
                steps.Add(new Field(name));
                i = end;
            }
            else if (body[i] == '[')
            {
                var close = body.IndexOf(']', i);
                if (close < 0) throw new FormatException($"\"{text}\": [ without ]");
                var inside = body[(i + 1)..close].Trim();
                if (inside == "*") steps.Add(new All());
                else if (int.TryParse(inside, NumberStyles.None, CultureInfo.InvariantCulture, out var at)) steps.Add(new Index(at));
                else if (inside.Length > 2 && inside[0] is '\'' or '"' && inside[^1] == inside[0]) steps.Add(new Field(inside[1..^1]));
                else throw new FormatException($"\"{text}\": [{inside}] is not supported (use [*], [0] or ['key'])");
                i = close + 1;
            }
            else throw new FormatException($"\"{text}\": unexpected '{body[i]}' at {i + 1}");
        }
        return new JsonPathSelector(steps, text);
    }

    /// <summary>The values the expression selects (several after a <c>[*]</c>); nothing when a field is missing.</summary>
    public IReadOnlyList<JsonNode?> Select(JsonNode? root)
    {
        IEnumerable<JsonNode?> current = [root];
        foreach (var step in _steps)
        {
            current = step switch
            {
                Field f => current.Select(n => n is JsonObject o && o.TryGetPropertyValue(f.Name, out var v) ? (true, v) : (false, null)).Where(x => x.Item1).Select(x => x.Item2),
                Index ix => current.Select(n => n is JsonArray a && ix.At < a.Count ? (true, a[ix.At]) : (false, null)).Where(x => x.Item1).Select(x => x.Item2),
                _ => current.SelectMany(n => n is JsonArray a ? a.AsEnumerable() : n is JsonObject o ? o.Select(kv => kv.Value) : []),
            };
        }
        return [.. current];
    }
}
