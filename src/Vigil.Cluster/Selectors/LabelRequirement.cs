using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Selectors;

/// <summary>The operators of a label selector requirement (apimachinery <c>selection.Operator</c>).</summary>
public enum LabelSelectorOperator
{
    /// <summary><c>k in (a,b)</c>; also <c>matchExpressions</c> In.</summary>
    In,

    /// <summary><c>k notin (a,b)</c>: the label is missing or has none of the values.</summary>
    NotIn,

    /// <summary><c>k=v</c>.</summary>
    Equal,

    /// <summary><c>k==v</c>.</summary>
    DoubleEqual,

    /// <summary><c>k!=v</c>: the label is missing or has another value.</summary>
    NotEqual,

    /// <summary><c>k</c>.</summary>
    Exists,

    /// <summary><c>!k</c>.</summary>
    DoesNotExist,

    /// <summary><c>k&gt;n</c>: the label is an integer greater than n.</summary>
    GreaterThan,

    /// <summary><c>k&lt;n</c>: the label is an integer less than n.</summary>
    LessThan,
}

/// <summary>
/// One validated term of a label selector, precompiled for matching: matching reads the labels and compares,
/// it never allocates.
/// </summary>
public sealed class LabelRequirement
{
    /// <summary>Above this many values, In/NotIn look values up in a set instead of scanning them.</summary>
    private const int LinearScanLimit = 8;

    private readonly string[] _values;
    private readonly HashSet<string>? _valueSet;
    private readonly long _bound;

    private LabelRequirement(string key, LabelSelectorOperator op, string[] values)
    {
        Key = key;
        Operator = op;
        _values = values;
        if (values.Length > LinearScanLimit) _valueSet = new HashSet<string>(values, StringComparer.Ordinal);
        if (op is LabelSelectorOperator.GreaterThan or LabelSelectorOperator.LessThan)
            _bound = long.Parse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }

    public string Key { get; }

    public LabelSelectorOperator Operator { get; }

    /// <summary>The values as given (parsed selectors: sorted and without duplicates).</summary>
    public IReadOnlyList<string> Values => _values;

    /// <summary>
    /// Validates and builds a requirement as apimachinery's <c>NewRequirement</c> does; throws a BadRequest ApiException
    /// whose message is the aggregated field errors (<c>key: Invalid value: ...</c>, <c>values[0][k]: Invalid value: ...</c>).
    /// </summary>
    public static LabelRequirement Create(string key, LabelSelectorOperator op, IReadOnlyList<string> values) =>
        TryCreate(key, op, values, out var requirement, out var error) ? requirement : throw Api.ApiException.BadRequest(error);

    internal static bool TryCreate(string key, LabelSelectorOperator op, IReadOnlyList<string> values, out LabelRequirement requirement, out string error)
    {
        var errs = new List<string>();
        var keyErrors = LabelValidation.LabelKeyErrors(key);
        if (keyErrors.Count > 0) errs.Add(LabelValidation.InvalidValue("key", key, string.Join("; ", keyErrors)));

        switch (op)
        {
            case LabelSelectorOperator.In or LabelSelectorOperator.NotIn:
                if (values.Count == 0)
                    errs.Add(LabelValidation.InvalidValues("values", values, "for 'in', 'notin' operators, values set can't be empty"));
                break;
            case LabelSelectorOperator.Equal or LabelSelectorOperator.DoubleEqual or LabelSelectorOperator.NotEqual:
                if (values.Count != 1)
                    errs.Add(LabelValidation.InvalidValues("values", values, "exact-match compatibility requires one single value"));
                break;
            case LabelSelectorOperator.Exists or LabelSelectorOperator.DoesNotExist:
                if (values.Count != 0)
                    errs.Add(LabelValidation.InvalidValues("values", values, "values set must be empty for exists and does not exist"));
                break;
            case LabelSelectorOperator.GreaterThan or LabelSelectorOperator.LessThan:
                if (values.Count != 1)
                    errs.Add(LabelValidation.InvalidValues("values", values, "for 'Gt', 'Lt' operators, exactly one value is required"));
                for (var i = 0; i < values.Count; i++)
                    if (!IsInt64(values[i]))
                        errs.Add(LabelValidation.InvalidValue($"values[{i}]", values[i], "for 'Gt', 'Lt' operators, the value must be an integer"));
                break;
        }

        for (var i = 0; i < values.Count; i++)
        {
            var valueErrors = LabelValidation.LabelValueErrors(values[i]);
            if (valueErrors.Count > 0)
                errs.Add(LabelValidation.InvalidValue($"values[{i}][{key}]", values[i], string.Join("; ", valueErrors)));
        }

        if (errs.Count > 0)
        {
            requirement = null!;
            error = LabelValidation.Aggregate(errs);
            return false;
        }
        requirement = new LabelRequirement(key, op, [.. values]);
        error = "";
        return true;
    }

    /// <summary>Builds an <c>=</c> requirement without validating it (apimachinery <c>SelectorFromSet</c>).</summary>
    internal static LabelRequirement Unvalidated(string key, string value) => new(key, LabelSelectorOperator.Equal, [value]);

    /// <summary>Go's <c>strconv.ParseInt(s, 10, 64)</c>: optional sign, decimal digits, nothing else.</summary>
    internal static bool IsInt64(string s) => TryParseInt64(s.AsSpan(), out _);

    private static bool TryParseInt64(ReadOnlySpan<char> s, out long value) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        switch (Operator)
        {
            case LabelSelectorOperator.In or LabelSelectorOperator.Equal or LabelSelectorOperator.DoubleEqual:
                return labels.TryGetValue(Key, out var v) && HasValue(v);
            case LabelSelectorOperator.NotIn or LabelSelectorOperator.NotEqual:
                return !labels.TryGetValue(Key, out var nv) || !HasValue(nv);
            case LabelSelectorOperator.Exists:
                return labels.ContainsKey(Key);
            case LabelSelectorOperator.DoesNotExist:
                return !labels.ContainsKey(Key);
            case LabelSelectorOperator.GreaterThan or LabelSelectorOperator.LessThan:
                return labels.TryGetValue(Key, out var iv) && CompareInteger(iv.AsSpan());
            default:
                return false;
        }
    }

    /// <summary>Matches against a <c>metadata.labels</c> JSON object (null: no labels).</summary>
    public bool Matches(JsonObject? labels)
    {
        JsonNode? node = null;
        var present = labels is not null && labels.TryGetPropertyValue(Key, out node);
        switch (Operator)
        {
            case LabelSelectorOperator.In or LabelSelectorOperator.Equal or LabelSelectorOperator.DoubleEqual:
                return present && HasValue(node);
            case LabelSelectorOperator.NotIn or LabelSelectorOperator.NotEqual:
                return !present || !HasValue(node);
            case LabelSelectorOperator.Exists:
                return present;
            case LabelSelectorOperator.DoesNotExist:
                return !present;
            case LabelSelectorOperator.GreaterThan or LabelSelectorOperator.LessThan:
                return present && node is JsonValue jv && jv.TryGetValue<string>(out var s) && CompareInteger(s.AsSpan());
            default:
                return false;
        }
    }

    private bool HasValue(string value)
    {
        if (_valueSet is not null) return _valueSet.Contains(value);
        foreach (var v in _values)
            if (string.Equals(v, value, StringComparison.Ordinal))
                return true;
        return false;
    }

    private bool HasValue(JsonNode? node)
    {
        if (node is not JsonValue value) return false;
        // Parsed documents hold JsonElements: compare in place rather than materialising a string per object.
        if (value.TryGetValue<JsonElement>(out var element))
        {
            if (element.ValueKind != JsonValueKind.String) return false;
            if (_valueSet is not null) return _valueSet.Contains(element.GetString()!);
            foreach (var v in _values)
                if (element.ValueEquals(v))
                    return true;
            return false;
        }
        return value.TryGetValue<string>(out var s) && HasValue(s);
    }

    private bool CompareInteger(ReadOnlySpan<char> value) =>
        TryParseInt64(value, out var n) && (Operator == LabelSelectorOperator.GreaterThan ? n > _bound : n < _bound);

    /// <summary>The canonical form apimachinery prints: <c>!k</c>, <c>k</c>, <c>k=v</c>, <c>k in (a,b)</c> (values sorted).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Operator == LabelSelectorOperator.DoesNotExist) sb.Append('!');
        sb.Append(Key);
        switch (Operator)
        {
            case LabelSelectorOperator.Exists or LabelSelectorOperator.DoesNotExist:
                return sb.ToString();
            case LabelSelectorOperator.Equal: sb.Append('='); break;
            case LabelSelectorOperator.DoubleEqual: sb.Append("=="); break;
            case LabelSelectorOperator.NotEqual: sb.Append("!="); break;
            case LabelSelectorOperator.GreaterThan: sb.Append('>'); break;
            case LabelSelectorOperator.LessThan: sb.Append('<'); break;
            case LabelSelectorOperator.In: sb.Append(" in ("); break;
            case LabelSelectorOperator.NotIn: sb.Append(" notin ("); break;
        }
        if (_values.Length == 1)
        {
            sb.Append(_values[0]);
        }
        else
        {
            var sorted = (string[])_values.Clone();
            Array.Sort(sorted, StringComparer.Ordinal);
            sb.AppendJoin(',', sorted);
        }
        if (Operator is LabelSelectorOperator.In or LabelSelectorOperator.NotIn) sb.Append(')');
        return sb.ToString();
    }
}
