using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Tables;

/// <summary>
/// The Kubernetes JSONPath subset printer columns use (client-go <c>util/jsonpath</c> with missing keys allowed):
/// <c>.a.b</c>, <c>['a.b']</c>, escaped dots (<c>a\.b</c>), <c>[n]</c> (negative from the end), <c>[a:b]</c>, <c>[*]</c>,
/// <c>.*</c>, <c>..name</c>, unions <c>[0,2]</c>, and filters <c>[?(@.type=="Ready")]</c> with
/// <c>== != &lt; &lt;= &gt; &gt;=</c> or bare existence.
/// </summary>
internal sealed class JsonPath
{
    private readonly Step[] _steps;

    private JsonPath(Step[] steps) => _steps = steps;

    /// <summary>Parses a path (the braces client-go wraps a printer column's path in are optional); null when it is not valid.</summary>
    public static JsonPath? TryParse(string text)
    {
        var s = text.Trim();
        if (s.StartsWith('{') && s.EndsWith('}')) s = s[1..^1].Trim();
        var pos = 0;
        if (pos < s.Length && s[pos] == '$') pos++;
        var steps = new List<Step>();
        if (!TryParseSteps(s, ref pos, steps, stopAt: null) || pos != s.Length) return null;
        return new JsonPath([.. steps]);
    }

    /// <summary>Every value the path selects, in document order; empty when nothing matches.</summary>
    public List<JsonNode?> Find(JsonNode? root)
    {
        var current = new List<JsonNode?> { root };
        foreach (var step in _steps)
        {
            var next = new List<JsonNode?>();
            foreach (var node in current)
                if (!step.Apply(node, next))
                    return [];
            current = next;
            if (current.Count == 0) break;
        }
        return current;
    }

    // ---- Parsing ----

    private static bool TryParseSteps(string s, ref int pos, List<Step> steps, char? stopAt)
    {
        while (pos < s.Length)
        {
            var c = s[pos];
            if (stopAt is { } stop && IsFilterTerminator(c, stop)) return true;
            if (c == '.')
            {
                if (pos + 1 < s.Length && s[pos + 1] == '.')
                {
                    pos += 2;
                    var name = ReadName(s, ref pos);
                    if (name.Length == 0) return false;
                    steps.Add(new RecursiveStep(name == "*" ? null : name));
                    continue;
                }
                pos++;
                if (pos >= s.Length || s[pos] == '.' || s[pos] == '[')
                {
                    // A lone '.' (the whole object) selects the current node.
                    continue;
                }
                var field = ReadName(s, ref pos);
                steps.Add(field == "*" ? new WildcardStep() : new FieldStep(field));
            }
            else if (c == '[')
            {
                if (!TryParseBracket(s, ref pos, out var step)) return false;
                steps.Add(step);
            }
            else if (char.IsWhiteSpace(c) && stopAt is not null)
            {
                return true;
            }
            else
            {
                // client-go also accepts a bare first field ("{spec.x}" is ".spec.x").
                if (steps.Count > 0) return false;
                var field = ReadName(s, ref pos);
                if (field.Length == 0) return false;
                steps.Add(new FieldStep(field));
            }
        }
        return true;
    }

    private static bool IsFilterTerminator(char c, char stop) => c == stop || c is '=' or '!' or '<' or '>';

    /// <summary>A field name up to the next '.', '[' or other terminator; a backslash keeps the next character.</summary>
    private static string ReadName(string s, ref int pos)
    {
        var sb = new StringBuilder();
        while (pos < s.Length)
        {
            var c = s[pos];
            if (c == '\\' && pos + 1 < s.Length)
            {
                sb.Append(s[pos + 1]);
                pos += 2;
                continue;
            }
            if (c is '.' or '[' or ']' or ',' or '$' or '@' or '{' or '}' or '(' or ')' or '=' or '!' or '<' or '>' || char.IsWhiteSpace(c)) break;
            sb.Append(c);
            pos++;
        }
        return sb.ToString();
    }

    private static bool TryParseBracket(string s, ref int pos, out Step step)
    {
        step = null!;
        var close = FindClosingBracket(s, pos);
        if (close < 0) return false;
        var inner = s[(pos + 1)..close].Trim();
        pos = close + 1;
        if (inner == "*")
        {
            step = new WildcardStep();
            return true;
        }
        if (inner.StartsWith("?(", StringComparison.Ordinal) && inner.EndsWith(')'))
        {
            var filter = inner[2..^1];
            if (!TryParseFilter(filter, out var filterStep)) return false;
            step = filterStep;
            return true;
        }
        if (inner.Length > 0 && inner[0] is '\'' or '"')
        {
            var names = new List<string>();
            var i = 0;
            while (i < inner.Length)
            {
                if (!TryReadQuoted(inner, ref i, out var name)) return false;
                names.Add(name);
                while (i < inner.Length && char.IsWhiteSpace(inner[i])) i++;
                if (i < inner.Length)
                {
                    if (inner[i] != ',') return false;
                    i++;
                    while (i < inner.Length && char.IsWhiteSpace(inner[i])) i++;
                }
            }
            step = names.Count == 1 ? new FieldStep(names[0]) : new UnionFieldStep([.. names]);
            return true;
        }
        if (inner.Contains(':', StringComparison.Ordinal))
        {
            var parts = inner.Split(':');
            if (parts.Length > 3) return false;
            var bounds = new int?[3];
            for (var i = 0; i < parts.Length; i++)
            {
                var part = parts[i].Trim();
                if (part.Length == 0) continue;
                if (!int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return false;
                bounds[i] = n;
            }
            if (bounds[2] is 0) return false;
            step = new SliceStep(bounds[0], bounds[1], bounds[2] ?? 1);
            return true;
        }
        var indices = new List<int>();
        foreach (var part in inner.Split(','))
        {
            if (!int.TryParse(part.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return false;
            indices.Add(n);
        }
        step = new IndexStep([.. indices]);
        return true;
    }

    private static int FindClosingBracket(string s, int open)
    {
        var depth = 0;
        char? quote = null;
        for (var i = open; i < s.Length; i++)
        {
            var c = s[i];
            if (quote is { } q)
            {
                if (c == '\\') i++;
                else if (c == q) quote = null;
                continue;
            }
            switch (c)
            {
                case '\'' or '"': quote = c; break;
                case '[': depth++; break;
                case ']':
                    if (--depth == 0) return i;
                    break;
            }
        }
        return -1;
    }

    private static bool TryReadQuoted(string s, ref int pos, out string value)
    {
        value = "";
        if (pos >= s.Length || s[pos] is not ('\'' or '"')) return false;
        var quote = s[pos++];
        var sb = new StringBuilder();
        while (pos < s.Length && s[pos] != quote)
        {
            if (s[pos] == '\\' && pos + 1 < s.Length) pos++;
            sb.Append(s[pos++]);
        }
        if (pos >= s.Length) return false;
        pos++;
        value = sb.ToString();
        return true;
    }

    private static bool TryParseFilter(string text, out FilterStep step)
    {
        step = null!;
        var s = text.Trim();
        if (!TryParseOperand(s, out var left, out var consumed)) return false;
        var rest = s[consumed..].TrimStart();
        if (rest.Length == 0)
        {
            step = new FilterStep(left, null, null);
            return true;
        }
        string? op = null;
        foreach (var candidate in new[] { "==", "!=", "<=", ">=", "<", ">" })
            if (rest.StartsWith(candidate, StringComparison.Ordinal))
            {
                op = candidate;
                break;
            }
        if (op is null) return false;
        rest = rest[op.Length..].TrimStart();
        if (!TryParseOperand(rest, out var right, out var used) || rest[used..].Trim().Length != 0) return false;
        step = new FilterStep(left, op, right);
        return true;
    }

    /// <summary>A filter operand: <c>@.path</c>, a quoted string, a number, or <c>true</c>/<c>false</c>.</summary>
    private static bool TryParseOperand(string s, out Operand operand, out int consumed)
    {
        operand = null!;
        consumed = 0;
        if (s.Length == 0) return false;
        if (s[0] == '@')
        {
            var pos = 1;
            var steps = new List<Step>();
            if (!TryParseSteps(s, ref pos, steps, stopAt: ')')) return false;
            operand = new PathOperand([.. steps]);
            consumed = pos;
            return true;
        }
        if (s[0] is '\'' or '"')
        {
            var pos = 0;
            if (!TryReadQuoted(s, ref pos, out var text)) return false;
            operand = new LiteralOperand(JsonValue.Create(text));
            consumed = pos;
            return true;
        }
        var end = 0;
        while (end < s.Length && !char.IsWhiteSpace(s[end]) && s[end] is not ('=' or '!' or '<' or '>')) end++;
        var word = s[..end];
        if (word is "true" or "false")
        {
            operand = new LiteralOperand(JsonValue.Create(word == "true"));
        }
        else if (double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            operand = new LiteralOperand(JsonValue.Create(number));
        }
        else
        {
            return false;
        }
        consumed = end;
        return true;
    }

    // ---- Steps ----

    private abstract class Step
    {
        /// <summary>Adds what the step selects from <paramref name="node"/>; false when the whole evaluation fails (as a Go error would).</summary>
        public abstract bool Apply(JsonNode? node, List<JsonNode?> results);
    }

    private sealed class FieldStep(string name) : Step
    {
        public override bool Apply(JsonNode? node, List<JsonNode?> results)
        {
            if (node is JsonObject obj && obj.TryGetPropertyValue(name, out var value)) results.Add(value);
            return true;
        }
    }

    private sealed class UnionFieldStep(string[] names) : Step
    {
        public override bool Apply(JsonNode? node, List<JsonNode?> results)
        {
            if (node is JsonObject obj)
                foreach (var name in names)
                    if (obj.TryGetPropertyValue(name, out var value))
                        results.Add(value);
            return true;
        }
    }

    private sealed class WildcardStep : Step
    {
        public override bool Apply(JsonNode? node, List<JsonNode?> results)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (_, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal)) results.Add(value);
                    break;
                case JsonArray arr:
                    results.AddRange(arr);
                    break;
            }
            return true;
        }
    }

    private sealed class RecursiveStep(string? name) : Step
    {
        public override bool Apply(JsonNode? node, List<JsonNode?> results)
        {
            Walk(node, results);
            return true;
        }

        private void Walk(JsonNode? node, List<JsonNode?> results)
        {
            switch (node)
            {
                case JsonObject obj:
                    if (name is null)
                        results.AddRange(obj.Select(p => p.Value));
                    else if (obj.TryGetPropertyValue(name, out var value))
                        results.Add(value);
                    foreach (var (_, child) in obj) Walk(child, results);
                    break;
                case JsonArray arr:
                    if (name is null) results.AddRange(arr);
                    foreach (var child in arr) Walk(child, results);
                    break;
            }
        }
    }

    private sealed class IndexStep(int[] indices) : Step
    {
        public override bool Apply(JsonNode? node, List<JsonNode?> results)
        {
            if (node is not JsonArray arr) return false;
            foreach (var index in indices)
            {
                var i = index < 0 ? index + arr.Count : index;
                if (i < 0 || i >= arr.Count) return false;
                results.Add(arr[i]);
            }
            return true;
        }
    }

    private sealed class SliceStep(int? start, int? end, int step) : Step
    {
        public override bool Apply(JsonNode? node, List<JsonNode?> results)
        {
            if (node is not JsonArray arr) return false;
            var n = arr.Count;
            var from = Normalize(start ?? 0, n);
            var to = Normalize(end ?? n, n);
            if (step > 0)
                for (var i = from; i < to; i += step) results.Add(arr[i]);
            else
                for (var i = Math.Min(to, n) - 1; i >= from; i += step) results.Add(arr[i]);
            return true;
        }

        private static int Normalize(int i, int n) => Math.Clamp(i < 0 ? i + n : i, 0, n);
    }

    private abstract class Operand
    {
        public abstract List<JsonNode?> Evaluate(JsonNode? current);
    }

    private sealed class PathOperand(Step[] steps) : Operand
    {
        public override List<JsonNode?> Evaluate(JsonNode? current) => new JsonPath(steps).Find(current);
    }

    private sealed class LiteralOperand(JsonNode value) : Operand
    {
        public override List<JsonNode?> Evaluate(JsonNode? current) => [value];
    }

    private sealed class FilterStep(Operand left, string? op, Operand? right) : Step
    {
        public override bool Apply(JsonNode? node, List<JsonNode?> results)
        {
            if (node is not JsonArray arr) return false;
            foreach (var item in arr)
            {
                var lefts = left.Evaluate(item);
                if (op is null)
                {
                    if (lefts.Count > 0) results.Add(item);
                    continue;
                }
                if (lefts.Count == 0) continue;
                if (lefts.Count > 1) return false;
                var rights = right!.Evaluate(item);
                if (rights.Count == 0) continue;
                var pass = Compare(lefts[0], op, rights[0]);
                if (pass is null) return false;
                if (pass.Value) results.Add(item);
            }
            return true;
        }

        /// <summary>Compares like Go templates: same kinds only; strings and numbers order, booleans only equal. Null: incomparable.</summary>
        private static bool? Compare(JsonNode? a, string op, JsonNode? b)
        {
            var ka = Kind(a);
            var kb = Kind(b);
            if (ka == JsonValueKind.Number && kb == JsonValueKind.Number)
            {
                var x = a!.GetValue<double>();
                var y = b!.GetValue<double>();
                return op switch
                {
                    "==" => x == y,
                    "!=" => x != y,
                    "<" => x < y,
                    "<=" => x <= y,
                    ">" => x > y,
                    ">=" => x >= y,
                    _ => null,
                };
            }
            if (ka == JsonValueKind.String && kb == JsonValueKind.String)
            {
                var c = string.CompareOrdinal(a!.GetValue<string>(), b!.GetValue<string>());
                return op switch
                {
                    "==" => c == 0,
                    "!=" => c != 0,
                    "<" => c < 0,
                    "<=" => c <= 0,
                    ">" => c > 0,
                    ">=" => c >= 0,
                    _ => null,
                };
            }
            if (ka is JsonValueKind.True or JsonValueKind.False && kb is JsonValueKind.True or JsonValueKind.False)
            {
                return op switch
                {
                    "==" => ka == kb,
                    "!=" => ka != kb,
                    _ => null,
                };
            }
            return null;
        }

        private static JsonValueKind Kind(JsonNode? n) => n?.GetValueKind() ?? JsonValueKind.Null;
    }
}
