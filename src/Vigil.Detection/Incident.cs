namespace Vigil.Detection;

/// <summary>Whether an incident still needs attention.</summary>
public enum IncidentState
{
    Open,
    Resolved,
}

/// <summary>
/// Signals that belong together (same owner, same node, a namespace storm, the same fingerprint again), with a primary
/// resource that the incident is about and how often it has occurred.
/// </summary>
public sealed record Incident
{
    public required string Id { get; init; }

    /// <summary>Stable across re-occurrences and replicas: the primary resource and the rule (or the lone signal's fingerprint).</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The correlation rule that grouped the signals (<c>NodeCascade</c>, <c>Owner</c>, ...), or null for a lone signal.</summary>
    public string? CorrelationRule { get; init; }

    public required ResourceRef PrimaryResource { get; init; }

    public required IReadOnlyList<Signal> Signals { get; init; }

    /// <summary>The highest severity among the signals.</summary>
    public Severity Severity => Signals.Count == 0 ? Severity.Info : Signals.Max(s => s.Severity);

    public required DateTimeOffset FirstSeen { get; init; }

    public required DateTimeOffset LastSeen { get; init; }

    /// <summary>How many times the incident's signals have been observed, re-occurrences included.</summary>
    public int Occurrences { get; init; } = 1;

    public IncidentState State { get; init; } = IncidentState.Open;

    /// <summary>Every distinct resource the signals are about (the primary included).</summary>
    public IReadOnlyList<ResourceRef> AffectedResources =>
        [.. Signals.Select(s => s.Resource).Prepend(PrimaryResource).DistinctBy(r => r.Key)];
}
