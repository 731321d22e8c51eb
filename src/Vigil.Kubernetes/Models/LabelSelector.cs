using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Kubernetes.Models;

/// <summary>
/// <c>metav1.LabelSelector</c>, usable client-side: parse the string form (<c>app=web,tier in (a,b),!legacy</c>),
/// match labels, and print the string form for <c>labelSelector=</c>.
/// </summary>
public sealed class LabelSelector
{
    public IDictionary<string, string>? MatchLabels { get; set; }

    public IList<LabelSelectorRequirement>? MatchExpressions { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>Selects everything (an empty selector).</summary>
    [JsonIgnore]
    public bool IsEmpty => (MatchLabels is null || MatchLabels.Count == 0) && (MatchExpressions is null || MatchExpressions.Count == 0);

    public static LabelSelector Parse(string text) => LabelSelectorParser.Parse(text);

    public bool Matches(IDictionary<string, string>? labels)
    {
        if (MatchLabels is not null)
        {
            foreach (var (key, value) in MatchLabels)
            {
                if (labels is null || !labels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
                {
                    return false;
                }
            }
        }

        if (MatchExpressions is not null)
        {
            foreach (var requirement in MatchExpressions)
            {
                if (!requirement.Matches(labels))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The string form, with terms sorted by key as <c>labels.Selector.String()</c> does.</summary>
    public override string ToString()
    {
        var terms = new List<(string Key, string Text)>();
        if (MatchLabels is not null)
        {
            terms.AddRange(MatchLabels.Select(pair => (pair.Key, $"{pair.Key}={pair.Value}")));
        }

        if (MatchExpressions is not null)
        {
            terms.AddRange(MatchExpressions.Select(requirement => (requirement.Key ?? string.Empty, requirement.ToString())));
        }

        return string.Join(",", terms.OrderBy(term => term.Key, StringComparer.Ordinal).Select(term => term.Text));
    }
}

/// <summary>One term of a label selector.</summary>
public sealed class LabelSelectorRequirement
{
    public string? Key { get; set; }

    /// <summary>In, NotIn, Exists, DoesNotExist; client-side parsing also yields Gt and Lt.</summary>
    public string? Operator { get; set; }

    public IList<string>? Values { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }

    public bool Matches(IDictionary<string, string>? labels)
    {
        var key = Key ?? string.Empty;
        string? actual = null;
        var present = labels is not null && labels.TryGetValue(key, out actual);
        var values = Values ?? [];
        switch (Operator)
        {
            case LabelSelectorOperators.In:
                return present && values.Contains(actual!, StringComparer.Ordinal);
            case LabelSelectorOperators.NotIn:
                return !present || !values.Contains(actual!, StringComparer.Ordinal);
            case LabelSelectorOperators.Exists:
                return present;
            case LabelSelectorOperators.DoesNotExist:
                return !present;
            case LabelSelectorOperators.GreaterThan:
            case LabelSelectorOperators.LessThan:
                if (!present || values.Count != 1
                    || !long.TryParse(actual, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var have)
                    || !long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bound))
                {
                    return false;
                }

                return Operator == LabelSelectorOperators.GreaterThan ? have > bound : have < bound;
            default:
                throw new InvalidOperationException($"Unknown label selector operator '{Operator}'.");
        }
    }

    public override string ToString()
    {
        var key = Key ?? string.Empty;
        var values = Values ?? [];
        return Operator switch
        {
            LabelSelectorOperators.In when values.Count == 1 => $"{key}={values[0]}",
            LabelSelectorOperators.In => $"{key} in ({string.Join(",", values.Order(StringComparer.Ordinal))})",
            LabelSelectorOperators.NotIn when values.Count == 1 => $"{key}!={values[0]}",
            LabelSelectorOperators.NotIn => $"{key} notin ({string.Join(",", values.Order(StringComparer.Ordinal))})",
            LabelSelectorOperators.Exists => key,
            LabelSelectorOperators.DoesNotExist => "!" + key,
            LabelSelectorOperators.GreaterThan => $"{key}>{values.FirstOrDefault()}",
            LabelSelectorOperators.LessThan => $"{key}<{values.FirstOrDefault()}",
            _ => throw new InvalidOperationException($"Unknown label selector operator '{Operator}'."),
        };
    }
}

public static class LabelSelectorOperators
{
    public const string In = "In";
    public const string NotIn = "NotIn";
    public const string Exists = "Exists";
    public const string DoesNotExist = "DoesNotExist";
    public const string GreaterThan = "Gt";
    public const string LessThan = "Lt";
}

/// <summary>Parses the label selector string grammar of <c>labels.Parse</c>.</summary>
internal static class LabelSelectorParser
{
    public static LabelSelector Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var selector = new LabelSelector();
        var requirements = new List<LabelSelectorRequirement>();
        foreach (var term in SplitTerms(text))
        {
            requirements.Add(ParseTerm(term, text));
        }

        if (requirements.Count > 0)
        {
            selector.MatchExpressions = requirements;
        }

        return selector;
    }

    private static List<string> SplitTerms(string text)
    {
        var terms = new List<string>();
        var depth = 0;
        var current = new StringBuilder();
        foreach (var c in text)
        {
            if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
            }

            if (c == ',' && depth == 0)
            {
                terms.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        terms.Add(current.ToString());
        return text.Trim().Length == 0 ? [] : terms.Select(t => t.Trim()).ToList();
    }

    private static LabelSelectorRequirement ParseTerm(string term, string whole)
    {
        if (term.Length == 0)
        {
            throw Invalid(whole, "empty term");
        }

        if (term[0] == '!')
        {
            return new LabelSelectorRequirement { Key = ValidKey(term[1..].Trim(), whole), Operator = LabelSelectorOperators.DoesNotExist };
        }

        var setMatch = FindSetOperator(term);
        if (setMatch is { } set)
        {
            var key = ValidKey(term[..set.Index].Trim(), whole);
            var rest = term[(set.Index + set.Length)..].Trim();
            if (!rest.StartsWith('(') || !rest.EndsWith(')'))
            {
                throw Invalid(whole, $"'{term}' needs a parenthesised value list");
            }

            var values = rest[1..^1].Split(',').Select(v => ValidValue(v.Trim(), whole)).ToList();
            return new LabelSelectorRequirement { Key = key, Operator = set.Operator, Values = values };
        }

        foreach (var (symbol, op) in new[] { ("!=", LabelSelectorOperators.NotIn), ("==", LabelSelectorOperators.In), ("=", LabelSelectorOperators.In), (">", LabelSelectorOperators.GreaterThan), ("<", LabelSelectorOperators.LessThan) })
        {
            var index = term.IndexOf(symbol, StringComparison.Ordinal);
            if (index > 0)
            {
                var key = ValidKey(term[..index].Trim(), whole);
                var value = ValidValue(term[(index + symbol.Length)..].Trim(), whole);
                if (op is LabelSelectorOperators.GreaterThan or LabelSelectorOperators.LessThan && !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                {
                    throw Invalid(whole, $"'{value}' must be an integer for {symbol}");
                }

                return new LabelSelectorRequirement { Key = key, Operator = op, Values = [value] };
            }
        }

        return new LabelSelectorRequirement { Key = ValidKey(term, whole), Operator = LabelSelectorOperators.Exists };
    }

    private static (int Index, int Length, string Operator)? FindSetOperator(string term)
    {
        var parenthesis = term.IndexOf('(', StringComparison.Ordinal);
        if (parenthesis < 0)
        {
            return null;
        }

        var head = term[..parenthesis].TrimEnd();
        if (head.EndsWith(" notin", StringComparison.Ordinal))
        {
            return (head.Length - 6, 6, LabelSelectorOperators.NotIn);
        }

        if (head.EndsWith(" in", StringComparison.Ordinal))
        {
            return (head.Length - 3, 3, LabelSelectorOperators.In);
        }

        return null;
    }

    private static string ValidKey(string key, string whole)
    {
        if (key.Length == 0 || key.Length > 316 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/')))
        {
            throw Invalid(whole, $"'{key}' is not a valid label key");
        }

        return key;
    }

    private static string ValidValue(string value, string whole)
    {
        if (value.Length > 63 || value.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw Invalid(whole, $"'{value}' is not a valid label value");
        }

        return value;
    }

    private static FormatException Invalid(string whole, string why) => new($"Label selector '{whole}' is not valid: {why}.");
}
