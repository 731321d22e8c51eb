namespace Vigil.Detection.Correlation;

public enum IncidentChangeKind
{
    /// <summary>A new incident: diagnose it and tell people.</summary>
    Opened,

    /// <summary>More signals, or the same ones again: the count and last-seen time moved.</summary>
    Updated,

    /// <summary>Every signal of the incident has cleared.</summary>
    Resolved,
}

public sealed record IncidentChange(IncidentChangeKind Kind, Incident Incident);
