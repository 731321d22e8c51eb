using Vigil.Detection.Detectors;
using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Filtering;

/// <summary>
/// Decides whether a signal is kept, and if not, why. In order: the namespace is excluded; the namespace's labels do not
/// match the selector; the resource, one of its owners (pod → ReplicaSet → Deployment, Job → CronJob) or its namespace
/// carries <c>vigil.io/exclude: "true"</c> or names the detector in <c>vigil.io/exclude-detectors</c>; a suppression
/// window is open; a Policy resource matches. Lookups go to the cluster view (the informer caches), time to the injected clock.
/// </summary>
public sealed class SignalFilter(FilterOptions options, TimeProvider time)
{
    public const string ExcludeAnnotation = "vigil.io/exclude";
    public const string ExcludeDetectorsAnnotation = "vigil.io/exclude-detectors";

    // Deep enough for every built-in chain (Pod → ReplicaSet → Deployment); a bound against ownership cycles.
    private const int MaxOwnerDepth = 4;

    private readonly IReadOnlyList<NamespacePattern> _excluded = [.. options.ExcludedNamespaces.Select(p => new NamespacePattern(p))];

    public FilterOptions Options { get; } = options;

    /// <summary>The Policy resources in force (a snapshot per call); none by default.</summary>
    public Func<IReadOnlyList<SignalPolicy>> Policies { get; set; } = () => [];

    /// <summary>Called when a policy drops a signal (its status counts them).</summary>
    public Action<SignalPolicy, DateTimeOffset>? PolicyMatched { get; set; }

    /// <summary>The <see cref="DropReason"/> when the signal is dropped; null when it is kept.</summary>
    public string? Check(Signal signal, IClusterView cluster)
    {
        var ns = signal.Resource.Namespace;
        if (ns is not null && _excluded.Any(p => p.Matches(ns))) return DropReason.NamespaceExcluded;
        var nsObject = ns is null ? null : cluster.Get<Namespace>(null, ns);
        // A namespace not (yet) in the cache has no labels: a selector that requires one does not match.
        if (ns is not null && Options.NamespaceSelector is { IsEmpty: false } selector && !selector.Matches(nsObject?.Metadata.Labels)) return DropReason.NamespaceSelector;
        if (ExcludedByAnnotation(signal, cluster, nsObject)) return DropReason.Annotation;
        if (Options.Suppressions.Count > 0)
        {
            var now = time.GetUtcNow();
            if (Options.Suppressions.Any(w => w.Covers(signal.Source, ns) && w.IsActive(now))) return DropReason.Suppressed;
        }
        if (Policies() is { Count: > 0 } policies)
        {
            var now = time.GetUtcNow();
            // Exclude before Suppress, so a signal both would drop is counted as excluded.
            foreach (var policy in policies.OrderBy(p => p.Action))
            {
                if (!policy.Matches(signal, nsObject?.Metadata.Labels, now)) continue;
                PolicyMatched?.Invoke(policy, now);
                return policy.DropReason;
            }
        }
        return null;
    }

    private static bool ExcludedByAnnotation(Signal signal, IClusterView cluster, Namespace? ns)
    {
        var r = signal.Resource;
        var obj = Lookup(cluster, r.Kind, r.Namespace, r.Name);
        for (var depth = 0; obj is not null && depth <= MaxOwnerDepth; depth++)
        {
            if (Excludes(obj.Metadata, signal.Source)) return true;
            var owner = obj.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true) ?? obj.Metadata.OwnerReferences?.FirstOrDefault();
            obj = owner?.Kind is { } kind && owner.Name is { } name ? Lookup(cluster, kind, r.Namespace, name) : null;
        }
        // Detectors may name the owner without the pod being cached (e.g. a pod already deleted).
        if (signal.Attributes.TryGetValue(Signal.Attribute.OwnerKind, out var ownerKind) && signal.Attributes.TryGetValue(Signal.Attribute.OwnerName, out var ownerName)
            && Lookup(cluster, ownerKind, r.Namespace, ownerName) is { } named && Excludes(named.Metadata, signal.Source))
            return true;
        return ns is not null && Excludes(ns.Metadata, signal.Source);
    }

    private static bool Excludes(ObjectMeta meta, string detector)
    {
        if (meta.Annotations is null) return false;
        if (string.Equals(meta.Annotation(ExcludeAnnotation)?.Trim(), "true", StringComparison.OrdinalIgnoreCase)) return true;
        return meta.Annotation(ExcludeDetectorsAnnotation) is { } list
            && list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Any(d => string.Equals(d, detector, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The cached object of a kind Vigil watches, or null.</summary>
    private static KubernetesObject? Lookup(IClusterView cluster, string kind, string? ns, string name) => kind switch
    {
        "Pod" => cluster.Get<Pod>(ns, name),
        "ReplicaSet" => cluster.Get<ReplicaSet>(ns, name),
        "Deployment" => cluster.Get<Deployment>(ns, name),
        "StatefulSet" => cluster.Get<StatefulSet>(ns, name),
        "DaemonSet" => cluster.Get<DaemonSet>(ns, name),
        "Job" => cluster.Get<Job>(ns, name),
        "CronJob" => cluster.Get<CronJob>(ns, name),
        "Node" => cluster.Get<Node>(null, name),
        "PersistentVolumeClaim" => cluster.Get<PersistentVolumeClaim>(ns, name),
        "HorizontalPodAutoscaler" => cluster.Get<HorizontalPodAutoscaler>(ns, name),
        "ResourceQuota" => cluster.Get<ResourceQuota>(ns, name),
        "PodDisruptionBudget" => cluster.Get<PodDisruptionBudget>(ns, name),
        _ => null,
    };
}
