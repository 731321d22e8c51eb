using System.Globalization;
using System.Text;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Selectors;

/// <summary>One term of a field selector: <c>field=value</c> (or <c>==</c>) or <c>field!=value</c>.</summary>
public sealed record FieldRequirement(string Field, bool Equal, string Value)
{
    /// <summary>The term as apimachinery prints it, with <c>\</c>, <c>,</c> and <c>=</c> in the value escaped.</summary>
    public override string ToString() => Field + (Equal ? "=" : "!=") + FieldSelector.EscapeValue(Value);
}

/// <summary>A Kubernetes field selector: terms of <c>field=value</c>, <c>field==value</c>, <c>field!=value</c>.</summary>
/// <remarks>
/// Parsed as apimachinery's <c>fields.ParseSelector</c>: terms split at unescaped commas and sorted, each split at its first
/// operator, values unescaped (<c>\,</c> <c>\=</c> <c>\\</c>). A field an object does not have reads as the empty string.
/// </remarks>
public sealed class FieldSelector
{
    private readonly FieldRequirement[] _terms;

    private FieldSelector(FieldRequirement[] terms) => _terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    public bool IsEmpty => _terms.Length == 0;

    /// <summary>The terms, sorted as apimachinery sorts them.</summary>
    public IReadOnlyList<FieldRequirement> Requirements => _terms;

    /// <summary>The field paths the selector names (to check them against a resource's selectable fields).</summary>
    public IReadOnlyList<string> Fields => _terms.Select(t => t.Field).ToArray();

    /// <summary>Parses field selector text; throws a BadRequest ApiException with apimachinery's message on bad syntax.</summary>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return Everything;
        var parts = SplitTerms(text);
        parts.Sort(StringComparer.Ordinal);
        var terms = new List<FieldRequirement>(parts.Count);
        foreach (var part in parts)
        {
            if (part.Length == 0) continue;
            if (!TrySplitTerm(part, out var lhs, out var op, out var rhs))
                throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            terms.Add(new FieldRequirement(lhs, op != "!=", UnescapeValue(rhs)));
        }
        return terms.Count == 0 ? Everything : new FieldSelector([.. terms]);
    }

    /// <summary>A selector of one <c>field=value</c> term (apimachinery <c>OneTermEqualSelector</c>).</summary>
    public static FieldSelector OneTermEqual(string field, string value) => new([new FieldRequirement(field, true, value)]);

    /// <summary>True when every term holds; a field missing from <paramref name="fields"/> has the value "".</summary>
    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        foreach (var term in _terms)
        {
            var actual = fields.TryGetValue(term.Field, out var v) ? v : "";
            if (string.Equals(actual, term.Value, StringComparison.Ordinal) != term.Equal)
                return false;
        }
        return true;
    }

    /// <summary>The value the selector requires for <paramref name="field"/> with <c>=</c>, if any (e.g. <c>metadata.name</c>).</summary>
    public string? RequiredValue(string field)
    {
        foreach (var term in _terms)
            if (term.Equal && string.Equals(term.Field, field, StringComparison.Ordinal))
                return term.Value;
        return null;
    }

    /// <summary>A copy with each term's field renamed (as apimachinery's <c>Transform</c> with a field label conversion).</summary>
    public FieldSelector WithFields(Func<string, string> rename) =>
        IsEmpty ? this : new FieldSelector([.. _terms.Select(t => t with { Field = rename(t.Field) })]);

    public override string ToString() => string.Join(",", _terms.Select(t => t.ToString()));

    /// <summary>Escapes <c>\</c>, <c>,</c> and <c>=</c> in a value (apimachinery <c>fields.EscapeValue</c>).</summary>
    public static string EscapeValue(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', ',', '=') < 0) return value;
        var sb = new StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (c is '\\' or ',' or '=') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Removes the escapes from a value; an unknown escape or an unescaped <c>,</c> or <c>=</c> is an error.</summary>
    public static string UnescapeValue(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', ',', '=') < 0) return value;
        var sb = new StringBuilder(value.Length);
        var inSlash = false;
        foreach (var c in value)
        {
            if (inSlash)
            {
                if (c is not ('\\' or ',' or '='))
                    throw ApiException.BadRequest($"invalid field selector: invalid escape sequence: \\{c}");
                sb.Append(c);
                inSlash = false;
                continue;
            }
            switch (c)
            {
                case '\\':
                    inSlash = true;
                    break;
                case ',' or '=':
                    // Go formats the rune with %v, which prints its code point.
                    throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture,
                        $"invalid field selector: unescapedRune character in value: {(int)c}"));
                default:
                    sb.Append(c);
                    break;
            }
        }
        if (inSlash) throw ApiException.BadRequest("invalid field selector: invalid escape sequence: \\");
        return sb.ToString();
    }

    /// <summary>Splits at commas that are not escaped; escapes stay in the terms.</summary>
    private static List<string> SplitTerms(string selector)
    {
        var terms = new List<string>(1);
        var start = 0;
        var inSlash = false;
        for (var i = 0; i < selector.Length; i++)
        {
            var c = selector[i];
            if (inSlash)
                inSlash = false;
            else if (c == '\\')
                inSlash = true;
            else if (c == ',')
            {
                terms.Add(selector[start..i]);
                start = i + 1;
            }
        }
        terms.Add(selector[start..]);
        return terms;
    }

    /// <summary>Splits a term at the first position where <c>!=</c>, <c>==</c> or <c>=</c> starts (tried in that order).</summary>
    private static bool TrySplitTerm(string term, out string lhs, out string op, out string rhs)
    {
        for (var i = 0; i < term.Length; i++)
        {
            foreach (var candidate in TermOperators)
            {
                if (term.AsSpan(i).StartsWith(candidate, StringComparison.Ordinal))
                {
                    lhs = term[..i];
                    op = candidate;
                    rhs = term[(i + candidate.Length)..];
                    return true;
                }
            }
        }
        lhs = op = rhs = "";
        return false;
    }

    private static readonly string[] TermOperators = ["!=", "==", "="];
}
