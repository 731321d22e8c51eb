using System.Globalization;
using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Detectors;

/// <summary>A node whose Ready condition has not been True for the threshold.</summary>
public sealed class NodeNotReady(DetectorOptions options) : Detector<Node>(options)
{
    public override string Name => nameof(NodeNotReady);

    protected override IEnumerable<Finding> Evaluate(Node node, DateTimeOffset now, IClusterView cluster)
    {
        var ready = PodFacts.Condition(node.Status?.Conditions, "Ready");
        if (ready is null || ready.Status == "True") yield break;
        yield return new Finding("NodeNotReady", Ref(node), $"Node is {(ready.Status == "Unknown" ? "unreachable" : "not ready")}: {ready.Reason} {ready.Message}".TrimEnd(),
            ready.LastTransitionTime?.Value);
    }
}

/// <summary>A node under memory, disk or PID pressure.</summary>
public sealed class NodePressure(DetectorOptions options) : Detector<Node>(options)
{
    public override string Name => nameof(NodePressure);

    protected override IEnumerable<Finding> Evaluate(Node node, DateTimeOffset now, IClusterView cluster)
    {
        foreach (var type in new[] { "MemoryPressure", "DiskPressure", "PIDPressure" })
            if (PodFacts.Condition(node.Status?.Conditions, type) is { Status: "True" } c)
                yield return new Finding(type, Ref(node), $"Node has {type}: {c.Message}".TrimEnd(' ', ':'), c.LastTransitionTime?.Value);
    }
}

/// <summary>A PersistentVolumeClaim Pending for the threshold.</summary>
public sealed class PVCStuckBinding(DetectorOptions options) : Detector<PersistentVolumeClaim>(options)
{
    public override string Name => nameof(PVCStuckBinding);

    protected override IEnumerable<Finding> Evaluate(PersistentVolumeClaim claim, DateTimeOffset now, IClusterView cluster)
    {
        if (claim.Status?.Phase is not (null or "Pending") || claim.Metadata.DeletionTimestamp is not null) yield break;
        // A claim waiting for its first consumer is not stuck until a pod uses it.
        if (claim.Metadata.Annotations?.ContainsKey("volume.kubernetes.io/selected-node") != true
            && claim.Spec?.StorageClassName is { } cls && cluster.Get<StorageClass>(null, cls) is { } sc
            && sc.VolumeBindingMode == "WaitForFirstConsumer")
            yield break;
        yield return new Finding("PVCStuckBinding", Ref(claim), $"PersistentVolumeClaim has been Pending (storage class {claim.Spec?.StorageClassName ?? "<default>"})",
            claim.Metadata.CreationTimestamp?.Value)
        { Attributes = new Dictionary<string, string> { ["storageClass"] = claim.Spec?.StorageClassName ?? "" } };
    }
}

/// <summary>A namespace with more pods than the count.</summary>
public sealed class HighPodCount(DetectorOptions options) : Detector<Namespace>(options)
{
    public override string Name => nameof(HighPodCount);

    protected override IEnumerable<Finding> Evaluate(Namespace ns, DateTimeOffset now, IClusterView cluster)
    {
        var count = cluster.Count<Pod>(ns.Metadata.Name);
        if (count > Options.Count)
            yield return new Finding("HighPodCount", Ref(ns), $"Namespace has {count} pods (more than {Options.Count})");
    }
}

/// <summary>A Job past its activeDeadlineSeconds.</summary>
public sealed class JobDeadlineExceeded(DetectorOptions options) : Detector<Job>(options)
{
    public override string Name => nameof(JobDeadlineExceeded);

    protected override IEnumerable<Finding> Evaluate(Job job, DateTimeOffset now, IClusterView cluster)
    {
        if (PodFacts.Condition(job.Status?.Conditions, "Complete") is { Status: "True" }) yield break;
        var failed = PodFacts.Condition(job.Status?.Conditions, "Failed");
        var deadline = job.Spec?.ActiveDeadlineSeconds is { } seconds && job.Status?.StartTime is { } start ? start.Value.AddSeconds(seconds) : (DateTimeOffset?)null;
        if (failed is { Status: "True", Reason: "DeadlineExceeded" } || (failed?.Status != "True" && deadline <= now))
            yield return new Finding("DeadlineExceeded", Ref(job), $"Job ran longer than its activeDeadlineSeconds ({job.Spec?.ActiveDeadlineSeconds} s)", deadline)
            { Attributes = JobOwner(job) };
    }

    internal static Dictionary<string, string> JobOwner(Job job)
    {
        var owner = job.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        return owner is { Kind: "CronJob", Name: { } name }
            ? new Dictionary<string, string> { [Signal.Attribute.OwnerKind] = "CronJob", [Signal.Attribute.OwnerName] = name }
            : [];
    }
}

/// <summary>A Job that failed for a reason other than its deadline (its backoff limit, most often).</summary>
public sealed class JobFailed(DetectorOptions options) : Detector<Job>(options)
{
    public override string Name => nameof(JobFailed);

    protected override IEnumerable<Finding> Evaluate(Job job, DateTimeOffset now, IClusterView cluster)
    {
        if (PodFacts.Condition(job.Status?.Conditions, "Failed") is { Status: "True" } failed && failed.Reason != "DeadlineExceeded")
            yield return new Finding(failed.Reason ?? "JobFailed", Ref(job), $"Job failed: {failed.Message ?? failed.Reason} ({job.Status?.Failed ?? 0} failed pods)",
                failed.LastTransitionTime?.Value) { Attributes = JobDeadlineExceeded.JobOwner(job) };
    }
}

/// <summary>A CronJob whose most recent Job failed.</summary>
public sealed class CronJobFailing(DetectorOptions options) : Detector<CronJob>(options)
{
    public override string Name => nameof(CronJobFailing);

    protected override IEnumerable<Finding> Evaluate(CronJob cron, DateTimeOffset now, IClusterView cluster)
    {
        var latest = cluster.List<Job>(cron.Metadata.Namespace)
            .Where(j => j.Metadata.OwnerReferences?.Any(o => o.Kind == "CronJob" && o.Uid == cron.Metadata.Uid) == true)
            .MaxBy(j => j.Metadata.CreationTimestamp?.Value);
        if (latest is not null && PodFacts.Condition(latest.Status?.Conditions, "Failed") is { Status: "True" } failed)
            yield return new Finding("CronJobFailing", Ref(cron), $"The latest run, Job {latest.Metadata.Name}, failed: {failed.Reason}", failed.LastTransitionTime?.Value);
    }
}

/// <summary>A Deployment whose rollout exceeded its progress deadline.</summary>
public sealed class DeploymentRolloutStalled(DetectorOptions options) : Detector<Deployment>(options)
{
    public override string Name => nameof(DeploymentRolloutStalled);

    protected override IEnumerable<Finding> Evaluate(Deployment deployment, DateTimeOffset now, IClusterView cluster)
    {
        if (PodFacts.Condition(deployment.Status?.Conditions, "Progressing") is { Status: "False", Reason: "ProgressDeadlineExceeded" } c)
            yield return new Finding("ProgressDeadlineExceeded", Ref(deployment), $"Rollout stalled: {c.Message}", c.LastTransitionTime?.Value);
    }
}

/// <summary>A Deployment, StatefulSet or DaemonSet with fewer available replicas than desired for the threshold.</summary>
public sealed class ReplicasUnavailable(DetectorOptions options) : IDetector
{
    public string Name => nameof(ReplicasUnavailable);

    public string Kind => "Workload";

    public DetectorOptions Options { get; } = options;

    /// <summary>Evaluated for each of these kinds.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["Deployment", "StatefulSet", "DaemonSet"];

    public IEnumerable<Finding> Evaluate(KubernetesObject obj, DateTimeOffset now, IClusterView cluster)
    {
        var (desired, available, paused) = obj switch
        {
            Deployment d => (d.Spec?.Replicas ?? 1, d.Status?.AvailableReplicas ?? 0, d.Spec?.Paused == true),
            StatefulSet s => (s.Spec?.Replicas ?? 1, s.Status?.AvailableReplicas ?? s.Status?.ReadyReplicas ?? 0, false),
            DaemonSet ds => (ds.Status?.DesiredNumberScheduled ?? 0, ds.Status?.NumberAvailable ?? 0, false),
            _ => (0, 0, true),
        };
        if (paused || available >= desired || obj.Metadata.DeletionTimestamp is not null) yield break;
        var kind = obj.Kind ?? obj.GetType().Name;
        yield return new Finding("ReplicasUnavailable", new ResourceRef(kind, obj.Metadata.Namespace, obj.Metadata.Name ?? "", obj.Metadata.Uid, obj.ApiVersion),
            $"{kind} has {available.ToString(CultureInfo.InvariantCulture)} of {desired.ToString(CultureInfo.InvariantCulture)} replicas available",
            Since(obj));
    }

    /// <summary>Since when the workload has been short: the Available condition's transition, or its creation.</summary>
    private static DateTimeOffset? Since(KubernetesObject obj)
    {
        var conditions = obj switch { Deployment d => d.Status?.Conditions, StatefulSet s => s.Status?.Conditions, DaemonSet ds => ds.Status?.Conditions, _ => null };
        return PodFacts.Condition(conditions, "Available") is { Status: "False" } c ? c.LastTransitionTime?.Value : obj.Metadata.CreationTimestamp?.Value;
    }
}

/// <summary>An HPA held at its maximum while it wants more.</summary>
public sealed class HPAMaxedOut(DetectorOptions options) : Detector<HorizontalPodAutoscaler>(options)
{
    public override string Name => nameof(HPAMaxedOut);

    protected override IEnumerable<Finding> Evaluate(HorizontalPodAutoscaler hpa, DateTimeOffset now, IClusterView cluster)
    {
        var limited = PodFacts.Condition(hpa.Status?.Conditions, "ScalingLimited");
        var atMax = hpa.Status?.CurrentReplicas is { } current && hpa.Spec?.MaxReplicas is { } max && current >= max;
        if (limited is { Status: "True", Reason: "TooManyReplicas" } || (atMax && limited?.Status == "True"))
            yield return new Finding("HPAMaxedOut", Ref(hpa), $"HorizontalPodAutoscaler is at its maximum of {hpa.Spec?.MaxReplicas} replicas and wants more: {limited?.Message}".TrimEnd(' ', ':'),
                limited?.LastTransitionTime?.Value)
            {
                Attributes = hpa.Spec?.ScaleTargetRef is { Kind: { } kind, Name: { } name }
                    ? new Dictionary<string, string> { [Signal.Attribute.OwnerKind] = kind, [Signal.Attribute.OwnerName] = name }
                    : Signal.EmptyMap,
            };
    }
}

/// <summary>A ResourceQuota with a resource used up to its hard limit.</summary>
public sealed class QuotaExhausted(DetectorOptions options) : Detector<ResourceQuota>(options)
{
    public override string Name => nameof(QuotaExhausted);

    protected override IEnumerable<Finding> Evaluate(ResourceQuota quota, DateTimeOffset now, IClusterView cluster)
    {
        var hard = quota.Status?.Hard ?? quota.Spec?.Hard;
        var used = quota.Status?.Used;
        if (hard is null || used is null) yield break;
        var full = hard.Where(h => used.TryGetValue(h.Key, out var u) && u.CompareTo(h.Value) >= 0).Select(h => $"{h.Key} {used[h.Key]}/{h.Value}").ToList();
        if (full.Count > 0)
            yield return new Finding("QuotaExhausted", Ref(quota), $"ResourceQuota is exhausted: {string.Join(", ", full)}");
    }
}

/// <summary>A PodDisruptionBudget that allows no disruption while a node hosting its pods is being drained.</summary>
public sealed class PDBBlockingEviction(DetectorOptions options) : Detector<PodDisruptionBudget>(options)
{
    public override string Name => nameof(PDBBlockingEviction);

    protected override IEnumerable<Finding> Evaluate(PodDisruptionBudget pdb, DateTimeOffset now, IClusterView cluster)
    {
        if (pdb.Status?.DisruptionsAllowed is not 0 || pdb.Spec?.Selector is not { } selector) yield break;
        var pods = cluster.List<Pod>(pdb.Metadata.Namespace).Where(p => selector.Matches(p.Metadata.Labels)).ToList();
        var draining = pods.Select(p => p.Spec?.NodeName).Where(n => n is not null).Distinct()
            .Select(n => cluster.Get<Node>(null, n!)).Where(n => n?.Spec?.Unschedulable == true).Select(n => n!.Metadata.Name).ToList();
        if (draining.Count == 0) yield break;
        yield return new Finding("PDBBlockingEviction", Ref(pdb),
            $"PodDisruptionBudget allows 0 disruptions ({pdb.Status.CurrentHealthy}/{pdb.Status.DesiredHealthy} healthy) while node {string.Join(", ", draining)} is being drained");
    }
}
