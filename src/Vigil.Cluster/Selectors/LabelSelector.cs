using System.Text.Json.Nodes;

namespace Vigil.Cluster.Selectors;

/// <summary>A Kubernetes label selector (<c>labelSelector</c> query text, or a LabelSelector object).</summary>
public sealed class LabelSelector
{
    public static LabelSelector Everything { get; } = new();

    public bool IsEmpty => true;

    /// <summary>Parses selector text (<c>a=b,c!=d,e in (f,g),!h</c>); throws a BadRequest ApiException naming the problem.</summary>
    public static LabelSelector Parse(string? text) => string.IsNullOrWhiteSpace(text) ? Everything : throw new NotImplementedException();

    /// <summary>Builds a selector from a LabelSelector object (<c>matchLabels</c>, <c>matchExpressions</c>).</summary>
    public static LabelSelector FromObject(JsonObject? selector) => selector is null ? Everything : throw new NotImplementedException();

    public bool Matches(IReadOnlyDictionary<string, string> labels) => true;

    public override string ToString() => "";
}
