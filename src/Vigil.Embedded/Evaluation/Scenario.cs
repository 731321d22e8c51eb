using Vigil.Detection;
using Vigil.Detection.Detectors;
using Vigil.Diagnosis;

namespace Vigil.Embedded.Evaluation;

/// <summary>
/// A labelled fault: manifests applied to a fresh simulated cluster, later changes, and the incidents Vigil must diagnose
/// (or, for a healthy cluster, the silence it must keep). Loaded from a <c>vigil.io/v1alpha1</c> Scenario file by
/// <see cref="ScenarioLoader"/>; docs/evaluation.md describes the format.
/// </summary>
public sealed record Scenario
{
    public required string Name { get; init; }

    /// <summary>Where it was loaded from, for messages (empty for scenarios built in code).</summary>
    public string File { get; init; } = "";

    /// <summary>Nodes registered at start; null for the default (3, or 0 when the manifests declare Nodes).</summary>
    public int? Nodes { get; init; }

    /// <summary>Multi-document YAML applied at start.</summary>
    public required string Manifests { get; init; }

    public IReadOnlyList<ScenarioStep> Then { get; init; } = [];

    public IReadOnlyList<ExpectedIncident> ExpectedIncidents { get; init; } = [];

    /// <summary>Any diagnosis that matches no expected incident counts as a false positive.</summary>
    public bool NoOtherIncidents { get; init; }

    /// <summary>Detector settings replacing the defaults for this scenario (<c>spec.config.detectors</c>), by detector name.</summary>
    public IReadOnlyDictionary<string, DetectorOptions> Detectors { get; init; } = new Dictionary<string, DetectorOptions>();

    /// <summary>The nodes the cluster starts with: as declared, else none when the manifests bring their own, else 3.</summary>
    public int EffectiveNodes => Nodes ?? (DeclaresNodes ? 0 : 3);

    /// <summary>True when the start manifests contain a Node.</summary>
    public bool DeclaresNodes { get; init; }
}

/// <summary>Manifests applied (create or update) a while after the previous step, in cluster time.</summary>
public sealed record ScenarioStep(TimeSpan After, string Manifests);

/// <summary>An incident Vigil must diagnose: on this resource, in this category (and by this rule, when given), within the deadline.</summary>
public sealed record ExpectedIncident
{
    public required Category Category { get; init; }

    /// <summary>The analyzer rule that must explain it (<see cref="Diagnosis.Diagnosis.Reason"/>), or null for any.</summary>
    public string? Reason { get; init; }

    public required ResourceRef Resource { get; init; }

    /// <summary>Cluster time from the scenario's start.</summary>
    public TimeSpan Within { get; init; } = ScenarioLoader.DefaultWithin;

    /// <summary>True when the diagnosis is about this resource (kind, namespace, name).</summary>
    public bool IsAbout(Diagnosis.Diagnosis diagnosis) => SameResource(Resource, diagnosis.Incident.PrimaryResource);

    /// <summary>True when the diagnosis is about this resource, in this category, by this rule when one is expected.</summary>
    public bool Matches(Diagnosis.Diagnosis diagnosis) =>
        IsAbout(diagnosis) && diagnosis.Category == Category && (Reason is null || string.Equals(Reason, diagnosis.Reason, StringComparison.Ordinal));

    private static bool SameResource(ResourceRef expected, ResourceRef actual) =>
        string.Equals(expected.Kind, actual.Kind, StringComparison.Ordinal)
        && string.Equals(expected.Namespace ?? "", actual.Namespace ?? "", StringComparison.Ordinal)
        && string.Equals(expected.Name, actual.Name, StringComparison.Ordinal);

    public override string ToString() => $"{Resource.Key} {Category.ToString().ToLowerInvariant()}{(Reason is null ? "" : "/" + Reason)}";
}
