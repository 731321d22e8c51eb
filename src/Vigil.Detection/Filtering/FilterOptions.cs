using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Filtering;

/// <summary>Which signals Vigil keeps: namespaces it ignores or selects, and times it stays quiet.</summary>
public sealed class FilterOptions
{
    /// <summary>Namespaces whose signals are dropped: exact names or globs (<c>kube-*</c>, <c>team-?-ci</c>).</summary>
    public List<string> ExcludedNamespaces { get; } = [];

    /// <summary>When set, only signals from namespaces whose labels match are kept (<c>env in (prod,staging),!sandbox</c>).</summary>
    public LabelSelector? NamespaceSelector { get; set; }

    /// <summary>Periods when some detectors or namespaces are silenced.</summary>
    public List<SuppressionWindow> Suppressions { get; } = [];
}

/// <summary>Why a signal was dropped (the <c>reason</c> label of <c>vigil_signals_dropped_total</c>).</summary>
public static class DropReason
{
    public const string NamespaceExcluded = "namespace_excluded";
    public const string NamespaceSelector = "namespace_selector";
    public const string Annotation = "annotation";
    public const string Suppressed = "suppressed";
    public const string Cooldown = "cooldown";
    public const string PolicyExclude = "policy_exclude";
    public const string PolicySuppress = "policy_suppress";
}
