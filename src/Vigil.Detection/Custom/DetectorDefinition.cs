using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Custom;

/// <summary>
/// A user's detector, as declared by a <c>Detector</c> resource (vigil.io/v1alpha1): which kind it watches, the CEL
/// condition that says a fault holds, and how the resulting signal is raised.
/// </summary>
/// <param name="Namespace">Where the Detector resource lives; it watches this namespace unless it is the system namespace.</param>
/// <param name="Name">The resource's name; the detector's name is <c>cel:namespace/name</c>.</param>
/// <param name="Resource">The watched resource's plural name (<c>pods</c>, <c>nodes</c>, ...), see <see cref="WatchedResource"/>.</param>
/// <param name="Condition">A CEL expression over the object returning bool.</param>
public sealed record DetectorDefinition(string Namespace, string Name, string Resource, string Condition)
{
    public string Description { get; init; } = "";

    /// <summary>Values the condition reads as <c>params.key</c> (strings, as in the resource).</summary>
    public IReadOnlyDictionary<string, string> Params { get; init; } = Signal.EmptyMap;

    public Severity Severity { get; init; } = Severity.Warning;

    public TimeSpan Cooldown { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Which namespaces it watches when declared in the system namespace (null: only its own namespace).</summary>
    public LabelSelector? NamespaceSelector { get; init; }

    /// <summary>The detector's name in signals, metrics and events.</summary>
    public string DetectorName => $"cel:{Namespace}/{Name}";
}
