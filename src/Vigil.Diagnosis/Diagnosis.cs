using Vigil.Detection;

namespace Vigil.Diagnosis;

/// <summary>The kind of root cause, as Vigil groups them (and as scenarios and sinks filter them).</summary>
public enum Category
{
    Unknown,
    Scheduling,
    Storage,
    Application,
    Networking,
    Resources,
    Node,
    Configuration,
}

/// <summary>One step a person can take, with the command to run when there is one.</summary>
public sealed record RemediationStep(string Description, string? Command = null);

/// <summary>
/// Why an incident happened: root cause, category, severity, confidence, whether it is systemic, how far it reaches,
/// what to do about it, which resources are involved, which analyzer and rule said so, and the evidence lines behind it.
/// </summary>
public sealed record Diagnosis
{
    public required Incident Incident { get; init; }

    public required string RootCause { get; init; }

    public required Category Category { get; init; }

    public required Severity Severity { get; init; }

    /// <summary>0 to 1.</summary>
    public required double Confidence { get; init; }

    /// <summary>True when the cause is shared infrastructure (a node, storage, quota) rather than one workload.</summary>
    public bool Systemic { get; init; }

    /// <summary>How far it reaches, e.g. "3 pods of Deployment shop/api".</summary>
    public required string BlastRadius { get; init; }

    public IReadOnlyList<RemediationStep> RemediationSteps { get; init; } = [];

    public IReadOnlyList<ResourceRef> RelatedResources { get; init; } = [];

    /// <summary>The analyzer that produced it (<c>rules</c>, or an LLM provider).</summary>
    public required string Analyzer { get; init; }

    /// <summary>The rule that explains it (<c>OOMKilled</c>, <c>ImagePullFailure</c>...), matched by scenarios' <c>reason</c>.</summary>
    public required string Reason { get; init; }

    /// <summary>The evidence lines that support the conclusion.</summary>
    public IReadOnlyList<string> SupportingEvidence { get; init; } = [];

    /// <summary>Sections collected by Gatherer resources, passed on to sinks as they were gathered (redacted).</summary>
    public IReadOnlyList<EvidenceSection> CustomEvidence { get; init; } = [];

    public required DateTimeOffset DiagnosedAt { get; init; }
}
