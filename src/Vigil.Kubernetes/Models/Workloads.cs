using System.Text.Json.Serialization;
using System.Text.Json;

using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Models;

public sealed class Deployment : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("apps", "v1", "deployments", "Deployment", true);
    public DeploymentSpec? Spec { get; set; }
    public DeploymentStatus? Status { get; set; }
}

public sealed class DeploymentSpec : ExtensibleModel
{
    public int? Replicas { get; set; }
    public LabelSelector? Selector { get; set; }
    public PodTemplateSpec? Template { get; set; }
    public DeploymentStrategy? Strategy { get; set; }
    public int? MinReadySeconds { get; set; }
    public int? RevisionHistoryLimit { get; set; }
    public bool? Paused { get; set; }
    public int? ProgressDeadlineSeconds { get; set; }
}

public sealed class DeploymentStrategy : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Type { get; set; }
    public RollingUpdate? RollingUpdate { get; set; }
}

public sealed class RollingUpdate : ExtensibleModel
{
    public IntOrString? MaxUnavailable { get; set; }
    public IntOrString? MaxSurge { get; set; }
    public int? Partition { get; set; }
}

/// <summary>Status shared by the replicated workload kinds (Deployment, ReplicaSet, StatefulSet).</summary>
public sealed class DeploymentStatus : ExtensibleModel
{
    public long? ObservedGeneration { get; set; }
    public int? Replicas { get; set; }
    public int? UpdatedReplicas { get; set; }
    public int? ReadyReplicas { get; set; }
    public int? AvailableReplicas { get; set; }
    public int? UnavailableReplicas { get; set; }
    public IList<Condition>? Conditions { get; set; }
    public int? CollisionCount { get; set; }
}

public sealed class ReplicaSet : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("apps", "v1", "replicasets", "ReplicaSet", true);
    public ReplicaSetSpec? Spec { get; set; }
    public ReplicaSetStatus? Status { get; set; }
}

public sealed class ReplicaSetSpec : ExtensibleModel
{
    public int? Replicas { get; set; }
    public int? MinReadySeconds { get; set; }
    public LabelSelector? Selector { get; set; }
    public PodTemplateSpec? Template { get; set; }
}

public sealed class ReplicaSetStatus : ExtensibleModel
{
    public int? Replicas { get; set; }
    public int? FullyLabeledReplicas { get; set; }
    public int? ReadyReplicas { get; set; }
    public int? AvailableReplicas { get; set; }
    public long? ObservedGeneration { get; set; }
    public IList<Condition>? Conditions { get; set; }
}

public sealed class StatefulSet : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("apps", "v1", "statefulsets", "StatefulSet", true);
    public StatefulSetSpec? Spec { get; set; }
    public StatefulSetStatus? Status { get; set; }
}

public sealed class StatefulSetSpec : ExtensibleModel
{
    public int? Replicas { get; set; }
    public LabelSelector? Selector { get; set; }
    public PodTemplateSpec? Template { get; set; }
    public IList<PersistentVolumeClaim>? VolumeClaimTemplates { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? ServiceName { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? PodManagementPolicy { get; set; }
    public DeploymentStrategy? UpdateStrategy { get; set; }
    public int? MinReadySeconds { get; set; }
}

public sealed class StatefulSetStatus : ExtensibleModel
{
    public long? ObservedGeneration { get; set; }
    public int? Replicas { get; set; }
    public int? ReadyReplicas { get; set; }
    public int? CurrentReplicas { get; set; }
    public int? UpdatedReplicas { get; set; }
    public int? AvailableReplicas { get; set; }
    public string? CurrentRevision { get; set; }
    public string? UpdateRevision { get; set; }
    public IList<Condition>? Conditions { get; set; }
}

public sealed class DaemonSet : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("apps", "v1", "daemonsets", "DaemonSet", true);
    public DaemonSetSpec? Spec { get; set; }
    public DaemonSetStatus? Status { get; set; }
}

public sealed class DaemonSetSpec : ExtensibleModel
{
    public LabelSelector? Selector { get; set; }
    public PodTemplateSpec? Template { get; set; }
    public DeploymentStrategy? UpdateStrategy { get; set; }
    public int? MinReadySeconds { get; set; }
}

public sealed class DaemonSetStatus : ExtensibleModel
{
    public int? CurrentNumberScheduled { get; set; }
    public int? NumberMisscheduled { get; set; }
    public int? DesiredNumberScheduled { get; set; }
    public int? NumberReady { get; set; }
    public int? UpdatedNumberScheduled { get; set; }
    public int? NumberAvailable { get; set; }
    public int? NumberUnavailable { get; set; }
    public long? ObservedGeneration { get; set; }
    public IList<Condition>? Conditions { get; set; }
}

public sealed class Job : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("batch", "v1", "jobs", "Job", true);
    public JobSpec? Spec { get; set; }
    public JobStatus? Status { get; set; }
}

public sealed class JobSpec : ExtensibleModel
{
    public int? Parallelism { get; set; }
    public int? Completions { get; set; }
    public long? ActiveDeadlineSeconds { get; set; }
    public int? BackoffLimit { get; set; }
    public LabelSelector? Selector { get; set; }
    public bool? ManualSelector { get; set; }
    public PodTemplateSpec? Template { get; set; }
    public int? TtlSecondsAfterFinished { get; set; }
    public bool? Suspend { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? CompletionMode { get; set; }
}

public sealed class JobStatus : ExtensibleModel
{
    public IList<Condition>? Conditions { get; set; }
    public Time? StartTime { get; set; }
    public Time? CompletionTime { get; set; }
    public int? Active { get; set; }
    public int? Succeeded { get; set; }
    public int? Failed { get; set; }
    public int? Ready { get; set; }
}

public sealed class CronJob : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("batch", "v1", "cronjobs", "CronJob", true);
    public CronJobSpec? Spec { get; set; }
    public CronJobStatus? Status { get; set; }
}

public sealed class CronJobSpec : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Schedule { get; set; }
    public string? TimeZone { get; set; }
    public long? StartingDeadlineSeconds { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? ConcurrencyPolicy { get; set; }
    public bool? Suspend { get; set; }
    public JobTemplateSpec? JobTemplate { get; set; }
    public int? SuccessfulJobsHistoryLimit { get; set; }
    public int? FailedJobsHistoryLimit { get; set; }
}

public sealed class JobTemplateSpec : ExtensibleModel
{
    public ObjectMeta? Metadata { get; set; }
    public JobSpec? Spec { get; set; }
}

public sealed class CronJobStatus : ExtensibleModel
{
    public IList<ObjectReference>? Active { get; set; }
    public Time? LastScheduleTime { get; set; }
    public Time? LastSuccessfulTime { get; set; }
}

public sealed class StorageClass : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false);
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Provisioner { get; set; }
    public IDictionary<string, string>? Parameters { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? ReclaimPolicy { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? VolumeBindingMode { get; set; }
    public bool? AllowVolumeExpansion { get; set; }
}

public sealed class HorizontalPodAutoscaler : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true);
    public HorizontalPodAutoscalerSpec? Spec { get; set; }
    public HorizontalPodAutoscalerStatus? Status { get; set; }
}

public sealed class HorizontalPodAutoscalerSpec : ExtensibleModel
{
    public CrossVersionObjectReference? ScaleTargetRef { get; set; }
    public int? MinReplicas { get; set; }
    public int? MaxReplicas { get; set; }
    public IList<JsonElement>? Metrics { get; set; }
    public JsonElement? Behavior { get; set; }
}

public sealed class CrossVersionObjectReference : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? ApiVersion { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Kind { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Name { get; set; }
}

public sealed class HorizontalPodAutoscalerStatus : ExtensibleModel
{
    public long? ObservedGeneration { get; set; }
    public Time? LastScaleTime { get; set; }
    public int? CurrentReplicas { get; set; }
    public int? DesiredReplicas { get; set; }
    public IList<JsonElement>? CurrentMetrics { get; set; }
    public IList<Condition>? Conditions { get; set; }
}

public sealed class PodDisruptionBudget : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true);
    public PodDisruptionBudgetSpec? Spec { get; set; }
    public PodDisruptionBudgetStatus? Status { get; set; }
}

public sealed class PodDisruptionBudgetSpec : ExtensibleModel
{
    public IntOrString? MinAvailable { get; set; }
    public IntOrString? MaxUnavailable { get; set; }
    public LabelSelector? Selector { get; set; }
    public string? UnhealthyPodEvictionPolicy { get; set; }
}

public sealed class PodDisruptionBudgetStatus : ExtensibleModel
{
    public long? ObservedGeneration { get; set; }
    public IDictionary<string, Time>? DisruptedPods { get; set; }
    public int? DisruptionsAllowed { get; set; }
    public int? CurrentHealthy { get; set; }
    public int? DesiredHealthy { get; set; }
    public int? ExpectedPods { get; set; }
    public IList<Condition>? Conditions { get; set; }
}

public sealed class Lease : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new("coordination.k8s.io", "v1", "leases", "Lease", true);
    public LeaseSpec? Spec { get; set; }
}

public sealed class LeaseSpec : ExtensibleModel
{
    public string? HolderIdentity { get; set; }
    public int? LeaseDurationSeconds { get; set; }
    public MicroTime? AcquireTime { get; set; }
    public MicroTime? RenewTime { get; set; }
    public int? LeaseTransitions { get; set; }
}

/// <summary>policy/v1 Eviction, posted to a pod's <c>eviction</c> subresource.</summary>
public sealed class Eviction : KubernetesObject
{
    public DeleteOptions? DeleteOptions { get; set; }
}

/// <summary>autoscaling/v1 Scale, the <c>scale</c> subresource.</summary>
public sealed class Scale : KubernetesObject
{
    public ScaleSpec? Spec { get; set; }
    public ScaleStatus? Status { get; set; }
}

public sealed class ScaleSpec : ExtensibleModel
{
    public int? Replicas { get; set; }
}

public sealed class ScaleStatus : ExtensibleModel
{
    public int? Replicas { get; set; }
    public string? Selector { get; set; }
}
