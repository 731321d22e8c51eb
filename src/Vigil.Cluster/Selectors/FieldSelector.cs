namespace Vigil.Cluster.Selectors;

/// <summary>A Kubernetes field selector: terms of <c>field=value</c>, <c>field==value</c>, <c>field!=value</c>.</summary>
public sealed class FieldSelector
{
    public static FieldSelector Everything { get; } = new();

    public bool IsEmpty => true;

    /// <summary>The field paths the selector names (to check them against a resource's selectable fields).</summary>
    public IReadOnlyList<string> Fields => [];

    public static FieldSelector Parse(string? text) => string.IsNullOrWhiteSpace(text) ? Everything : throw new NotImplementedException();

    public bool Matches(IReadOnlyDictionary<string, string> fields) => true;

    /// <summary>The value the selector requires for <paramref name="field"/> with <c>=</c>, if any (e.g. <c>metadata.name</c>).</summary>
    public string? RequiredValue(string field) => null;
}
