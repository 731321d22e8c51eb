using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Selectors;

/// <summary>A Kubernetes label selector (<c>labelSelector</c> query text, or a LabelSelector object).</summary>
/// <remarks>
/// Immutable and thread-safe. Requirements are validated and precompiled when the selector is built, sorted by key
/// as apimachinery sorts them; <see cref="Matches(IReadOnlyDictionary{string, string})"/> does not allocate.
/// </remarks>
public sealed class LabelSelector
{
    private readonly LabelRequirement[] _requirements;
    private readonly bool _nothing;

    private LabelSelector(LabelRequirement[] requirements, bool nothing = false)
    {
        _requirements = requirements;
        _nothing = nothing;
    }

    /// <summary>Matches every object.</summary>
    public static LabelSelector Everything { get; } = new([]);

    /// <summary>Matches no object (apimachinery <c>labels.Nothing()</c>: what a nil LabelSelector object means to controllers).</summary>
    public static LabelSelector Nothing { get; } = new([], nothing: true);

    /// <summary>True when the selector does not restrict anything. <see cref="Nothing"/> is not empty.</summary>
    public bool IsEmpty => !_nothing && _requirements.Length == 0;

    /// <summary>True for <see cref="Nothing"/>.</summary>
    public bool MatchesNothing => _nothing;

    /// <summary>The requirements, sorted by key.</summary>
    public IReadOnlyList<LabelRequirement> Requirements => _requirements;

    /// <summary>Parses selector text (<c>a=b,c!=d,e in (f,g),!h</c>); throws a BadRequest ApiException naming the problem.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return Everything;
        if (!LabelSelectorParser.TryParse(text, out var requirements, out var error))
            throw ApiException.BadRequest(error);
        return requirements.Count == 0 ? Everything : new LabelSelector(SortByKey(requirements));
    }

    /// <summary>
    /// Builds a selector from a LabelSelector object (<c>matchLabels</c>, <c>matchExpressions</c>), as
    /// <c>metav1.LabelSelectorAsSelector</c> does: an object with no terms matches everything. A null object also
    /// matches everything here; use <see cref="FromObjectOrNothing"/> for the controller meaning of a nil selector.
    /// Throws a BadRequest ApiException for invalid keys, values or operators.
    /// </summary>
    public static LabelSelector FromObject(JsonObject? selector)
    {
        if (selector is null) return Everything;
        var requirements = new List<LabelRequirement>();

        if (selector["matchLabels"] is { } matchLabelsNode)
        {
            if (matchLabelsNode is not JsonObject matchLabels)
                throw ApiException.BadRequest("matchLabels: must be an object of label keys to values");
            foreach (var (key, valueNode) in matchLabels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var value = AsString(valueNode, $"matchLabels[{key}]");
                requirements.Add(LabelRequirement.Create(key, LabelSelectorOperator.Equal, [value]));
            }
        }

        if (selector["matchExpressions"] is { } expressionsNode)
        {
            if (expressionsNode is not JsonArray expressions)
                throw ApiException.BadRequest("matchExpressions: must be a list of label selector requirements");
            for (var i = 0; i < expressions.Count; i++)
            {
                if (expressions[i] is not JsonObject expression)
                    throw ApiException.BadRequest($"matchExpressions[{i}]: must be a label selector requirement");
                var key = expression["key"] is null ? "" : AsString(expression["key"], $"matchExpressions[{i}].key");
                var op = expression["operator"] is null ? "" : AsString(expression["operator"], $"matchExpressions[{i}].operator");
                var values = new List<string>();
                if (expression["values"] is { } valuesNode)
                {
                    if (valuesNode is not JsonArray valuesArray)
                        throw ApiException.BadRequest($"matchExpressions[{i}].values: must be a list of strings");
                    for (var j = 0; j < valuesArray.Count; j++)
                        values.Add(AsString(valuesArray[j], $"matchExpressions[{i}].values[{j}]"));
                }
                var selectionOp = op switch
                {
                    "In" => LabelSelectorOperator.In,
                    "NotIn" => LabelSelectorOperator.NotIn,
                    "Exists" => LabelSelectorOperator.Exists,
                    "DoesNotExist" => LabelSelectorOperator.DoesNotExist,
                    _ => throw ApiException.BadRequest($"{LabelValidation.GoQuote(op)} is not a valid label selector operator"),
                };
                requirements.Add(LabelRequirement.Create(key, selectionOp, values));
            }
        }

        return requirements.Count == 0 ? Everything : new LabelSelector(SortByKey(requirements));
    }

    /// <summary>Like <see cref="FromObject"/>, but a null object selects nothing (<c>LabelSelectorAsSelector(nil)</c>).</summary>
    public static LabelSelector FromObjectOrNothing(JsonObject? selector) => selector is null ? Nothing : FromObject(selector);

    /// <summary>
    /// A selector requiring every label of the set (a Service's or ReplicationController's <c>selector</c> map),
    /// without validation, as <c>labels.SelectorFromSet</c>. An empty or null set selects everything.
    /// </summary>
    public static LabelSelector FromSet(IReadOnlyDictionary<string, string>? set)
    {
        if (set is null || set.Count == 0) return Everything;
        return new LabelSelector(SortByKey(set.Select(p => LabelRequirement.Unvalidated(p.Key, p.Value)).ToList()));
    }

    /// <summary>True when every requirement holds for the labels (null: no labels).</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        if (_nothing) return false;
        if (_requirements.Length == 0) return true;
        labels ??= EmptyLabels;
        foreach (var requirement in _requirements)
            if (!requirement.Matches(labels))
                return false;
        return true;
    }

    /// <summary>True when every requirement holds for a <c>metadata.labels</c> JSON object (null: no labels).</summary>
    public bool Matches(JsonObject? labels)
    {
        if (_nothing) return false;
        foreach (var requirement in _requirements)
            if (!requirement.Matches(labels))
                return false;
        return true;
    }

    /// <summary>True when the selector matches the labels of an object (its <c>metadata.labels</c>).</summary>
    public bool MatchesObject(JsonObject obj) => Matches(obj["metadata"]?["labels"] as JsonObject);

    /// <summary>The single value the selector requires for <paramref name="label"/> (<c>=</c>, <c>==</c>, or <c>in</c> with one value).</summary>
    public string? RequiredValue(string label)
    {
        foreach (var r in _requirements)
        {
            if (!string.Equals(r.Key, label, StringComparison.Ordinal)) continue;
            return r.Operator is LabelSelectorOperator.Equal or LabelSelectorOperator.DoubleEqual or LabelSelectorOperator.In
                   && r.Values.Count == 1
                ? r.Values[0]
                : null;
        }
        return null;
    }

    /// <summary>The canonical text: requirements sorted by key, joined by commas (<c>a=b,c in (d,e),!f</c>).</summary>
    public override string ToString() => string.Join(",", _requirements.Select(r => r.ToString()));

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();

    /// <summary>apimachinery sorts requirements by key; a stable sort keeps same-key requirements in their given order.</summary>
    private static LabelRequirement[] SortByKey(List<LabelRequirement> requirements) =>
        [.. requirements.OrderBy(r => r.Key, StringComparer.Ordinal)];

    private static string AsString(JsonNode? node, string path) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw ApiException.BadRequest($"{path}: must be a string");
}
