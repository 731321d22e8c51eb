using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Filtering;

public enum PolicyAction
{
    /// <summary>Matching signals are never raised.</summary>
    Exclude,

    /// <summary>Matching signals are dropped while the schedule is open (always, without a schedule).</summary>
    Suppress,
}

/// <summary>
/// A rule declared by a <c>Policy</c> resource: which signals it drops (detectors, namespace labels, the resource's
/// labels, owner-name globs) and when. A policy in Vigil's own namespace applies cluster-wide; one anywhere else applies
/// only to its own namespace, so a team can quiet its namespace without being able to silence anyone else's.
/// </summary>
public sealed record SignalPolicy(string Namespace, string Name, PolicyAction Action)
{
    /// <summary>Detector names it applies to; empty: all.</summary>
    public IReadOnlyList<string> Detectors { get; init; } = [];

    /// <summary>Labels the signal's namespace must have (system-namespace policies only).</summary>
    public LabelSelector? NamespaceSelector { get; init; }

    /// <summary>Labels the signal's resource must have.</summary>
    public LabelSelector? ResourceSelector { get; init; }

    /// <summary>Globs over the owning workload's name; empty: any.</summary>
    public IReadOnlyList<NamespacePattern> OwnerNames { get; init; } = [];

    /// <summary>When a Suppress policy is in force; null: always.</summary>
    public SuppressionWindow? Schedule { get; init; }

    /// <summary>Null: applies to every namespace (a system-namespace policy); otherwise only to this one.</summary>
    public string? OnlyNamespace { get; init; }

    public string Key => $"{Namespace}/{Name}";

    /// <summary>The <c>reason</c> label of <c>vigil_signals_dropped_total</c> for signals it drops.</summary>
    public string DropReason => Action == PolicyAction.Exclude ? Filtering.DropReason.PolicyExclude : Filtering.DropReason.PolicySuppress;

    public bool IsActive(DateTimeOffset now) => Schedule is null || Schedule.IsActive(now);

    public bool Matches(Signal signal, IDictionary<string, string>? namespaceLabels, DateTimeOffset now)
    {
        var ns = signal.Resource.Namespace;
        if (OnlyNamespace is not null && ns != OnlyNamespace) return false;
        if (Detectors.Count > 0 && !Detectors.Contains(signal.Source, StringComparer.OrdinalIgnoreCase)) return false;
        if (NamespaceSelector is { IsEmpty: false } nsSelector && (ns is null || !nsSelector.Matches(namespaceLabels))) return false;
        if (ResourceSelector is { IsEmpty: false } resourceSelector && !resourceSelector.Matches(new Dictionary<string, string>(signal.Labels, StringComparer.Ordinal))) return false;
        if (OwnerNames.Count > 0 && !(signal.Attributes.TryGetValue(Signal.Attribute.OwnerName, out var owner) && OwnerNames.Any(p => p.Matches(owner)))) return false;
        return IsActive(now);
    }
}
