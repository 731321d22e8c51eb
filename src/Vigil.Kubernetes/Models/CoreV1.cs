using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Models;

#pragma warning disable CA1724 // Type names like Namespace/Service/Node follow the Kubernetes kinds.

/// <summary>Fields every nested model carries: whatever it does not model, to be written back unchanged.</summary>
public abstract class ExtensibleModel
{
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class Pod : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new(string.Empty, "v1", "pods", "Pod", true);
    public PodSpec? Spec { get; set; }
    public PodStatus? Status { get; set; }
}

public sealed class PodTemplateSpec : ExtensibleModel
{
    public ObjectMeta? Metadata { get; set; }
    public PodSpec? Spec { get; set; }
}

public sealed class PodSpec : ExtensibleModel
{
    public IList<Container>? InitContainers { get; set; }
    public IList<Container>? Containers { get; set; }
    public IList<EphemeralContainer>? EphemeralContainers { get; set; }
    public IList<Volume>? Volumes { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? NodeName { get; set; }
    public IDictionary<string, string>? NodeSelector { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? ServiceAccountName { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? RestartPolicy { get; set; }
    public long? TerminationGracePeriodSeconds { get; set; }
    public long? ActiveDeadlineSeconds { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? SchedulerName { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? PriorityClassName { get; set; }
    public int? Priority { get; set; }
    public IList<Toleration>? Tolerations { get; set; }
    public JsonElement? Affinity { get; set; }
    public bool? HostNetwork { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? DnsPolicy { get; set; }
    public bool? EnableServiceLinks { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? PreemptionPolicy { get; set; }
}

public class Container : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Name { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Image { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? ImagePullPolicy { get; set; }
    public IList<string>? Command { get; set; }
    public IList<string>? Args { get; set; }
    public string? WorkingDir { get; set; }
    public IList<ContainerPort>? Ports { get; set; }
    public IList<EnvVar>? Env { get; set; }
    public ResourceRequirements? Resources { get; set; }
    public IList<VolumeMount>? VolumeMounts { get; set; }
    public Probe? LivenessProbe { get; set; }
    public Probe? ReadinessProbe { get; set; }
    public Probe? StartupProbe { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? RestartPolicy { get; set; }
    public bool? Stdin { get; set; }
    public bool? Tty { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? TerminationMessagePath { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? TerminationMessagePolicy { get; set; }
}

public sealed class EphemeralContainer : Container
{
    public string? TargetContainerName { get; set; }
}

public sealed class ContainerPort : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Name { get; set; }
    [JsonPropertyName("containerPort")]
    public int? Port { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Protocol { get; set; }
    public int? HostPort { get; set; }
}

public sealed class EnvVar : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Name { get; set; }
    public string? Value { get; set; }
    public JsonElement? ValueFrom { get; set; }
}

public sealed class ResourceRequirements : ExtensibleModel
{
    public IDictionary<string, Quantity>? Requests { get; set; }
    public IDictionary<string, Quantity>? Limits { get; set; }
}

public sealed class VolumeMount : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Name { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? MountPath { get; set; }
    public bool? ReadOnly { get; set; }
    public string? SubPath { get; set; }
}

/// <summary>A pod volume; the source (configMap, secret, persistentVolumeClaim, ...) stays as extension data except for the common ones.</summary>
public sealed class Volume : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Name { get; set; }
    public JsonElement? PersistentVolumeClaim { get; set; }
    public JsonElement? ConfigMap { get; set; }
    public JsonElement? Secret { get; set; }
    public JsonElement? EmptyDir { get; set; }
}

public sealed class Probe : ExtensibleModel
{
    public JsonElement? HttpGet { get; set; }
    public JsonElement? Exec { get; set; }
    public JsonElement? TcpSocket { get; set; }
    public int? InitialDelaySeconds { get; set; }
    public int? PeriodSeconds { get; set; }
    public int? TimeoutSeconds { get; set; }
    public int? FailureThreshold { get; set; }
    public int? SuccessThreshold { get; set; }
}

public sealed class Toleration : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Key { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Operator { get; set; }
    public string? Value { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Effect { get; set; }
    public long? TolerationSeconds { get; set; }
}

public sealed class PodStatus : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Phase { get; set; }
    public IList<Condition>? Conditions { get; set; }
    public string? Message { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Reason { get; set; }
    public string? NominatedNodeName { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? HostIP { get; set; }
    public string? PodIP { get; set; }
    public IList<PodIP>? PodIPs { get; set; }
    public Time? StartTime { get; set; }
    public IList<ContainerStatus>? InitContainerStatuses { get; set; }
    public IList<ContainerStatus>? ContainerStatuses { get; set; }
    public IList<ContainerStatus>? EphemeralContainerStatuses { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? QosClass { get; set; }
}

public sealed class PodIP : ExtensibleModel
{
    public string? Ip { get; set; }
}

public sealed class ContainerStatus : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Name { get; set; }
    public ContainerState? State { get; set; }
    public ContainerState? LastState { get; set; }
    public bool? Ready { get; set; }
    public int? RestartCount { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Image { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? ImageID { get; set; }
    public string? ContainerID { get; set; }
    public bool? Started { get; set; }
}

public sealed class ContainerState : ExtensibleModel
{
    public ContainerStateWaiting? Waiting { get; set; }
    public ContainerStateRunning? Running { get; set; }
    public ContainerStateTerminated? Terminated { get; set; }
}

public sealed class ContainerStateWaiting : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Reason { get; set; }
    public string? Message { get; set; }
}

public sealed class ContainerStateRunning : ExtensibleModel
{
    public Time? StartedAt { get; set; }
}

public sealed class ContainerStateTerminated : ExtensibleModel
{
    public int? ExitCode { get; set; }
    public int? Signal { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Reason { get; set; }
    public string? Message { get; set; }
    public Time? StartedAt { get; set; }
    public Time? FinishedAt { get; set; }
    public string? ContainerID { get; set; }
}

public sealed class Node : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new(string.Empty, "v1", "nodes", "Node", false);
    public NodeSpec? Spec { get; set; }
    public NodeStatus? Status { get; set; }
}

public sealed class NodeSpec : ExtensibleModel
{
    public string? PodCIDR { get; set; }
    public IList<string>? PodCIDRs { get; set; }
    public string? ProviderID { get; set; }
    public bool? Unschedulable { get; set; }
    public IList<Taint>? Taints { get; set; }
}

public sealed class Taint : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Key { get; set; }
    public string? Value { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Effect { get; set; }
    public Time? TimeAdded { get; set; }
}

public sealed class NodeStatus : ExtensibleModel
{
    public IDictionary<string, Quantity>? Capacity { get; set; }
    public IDictionary<string, Quantity>? Allocatable { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Phase { get; set; }
    public IList<Condition>? Conditions { get; set; }
    public IList<NodeAddress>? Addresses { get; set; }
    public NodeSystemInfo? NodeInfo { get; set; }
}

public sealed class NodeAddress : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Type { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Address { get; set; }
}

public sealed class NodeSystemInfo : ExtensibleModel
{
    public string? MachineID { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? KernelVersion { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? OsImage { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? ContainerRuntimeVersion { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? KubeletVersion { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? OperatingSystem { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Architecture { get; set; }
}

public sealed class Namespace : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new(string.Empty, "v1", "namespaces", "Namespace", false);
    public NamespaceSpec? Spec { get; set; }
    public NamespaceStatus? Status { get; set; }
}

public sealed class NamespaceSpec : ExtensibleModel
{
    public IList<string>? Finalizers { get; set; }
}

public sealed class NamespaceStatus : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Phase { get; set; }
    public IList<Condition>? Conditions { get; set; }
}

public sealed class ConfigMap : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new(string.Empty, "v1", "configmaps", "ConfigMap", true);
    public IDictionary<string, string>? Data { get; set; }
    public IDictionary<string, byte[]>? BinaryData { get; set; }
    public bool? Immutable { get; set; }
}

public sealed class Secret : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new(string.Empty, "v1", "secrets", "Secret", true);
    public IDictionary<string, byte[]>? Data { get; set; }
    public IDictionary<string, string>? StringData { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Type { get; set; }
    public bool? Immutable { get; set; }
}

public sealed class Service : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new(string.Empty, "v1", "services", "Service", true);
    public ServiceSpec? Spec { get; set; }
    public ServiceStatus? Status { get; set; }
}

public sealed class ServiceSpec : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Type { get; set; }
    public IDictionary<string, string>? Selector { get; set; }
    public IList<ServicePort>? Ports { get; set; }
    public string? ClusterIP { get; set; }
    public IList<string>? ClusterIPs { get; set; }
    public IList<string>? ExternalIPs { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? SessionAffinity { get; set; }
}

public sealed class ServicePort : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Name { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Protocol { get; set; }
    public int? Port { get; set; }
    public IntOrString? TargetPort { get; set; }
    public int? NodePort { get; set; }
}

public sealed class ServiceStatus : ExtensibleModel
{
    public JsonElement? LoadBalancer { get; set; }
    public IList<Condition>? Conditions { get; set; }
}

public sealed class Event : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new(string.Empty, "v1", "events", "Event", true);
    public ObjectReference? InvolvedObject { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Reason { get; set; }
    public string? Message { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Type { get; set; }
    public EventSource? Source { get; set; }
    public Time? FirstTimestamp { get; set; }
    public Time? LastTimestamp { get; set; }
    public int? Count { get; set; }
    public MicroTime? EventTime { get; set; }
    public string? Action { get; set; }
    public string? ReportingComponent { get; set; }
    public string? ReportingInstance { get; set; }
    public ObjectReference? Related { get; set; }
    public JsonElement? Series { get; set; }
}

public sealed class EventSource : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Component { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Host { get; set; }
}

public sealed class ObjectReference : ExtensibleModel
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string? Namespace { get; set; }
    public string? Name { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
    public string? FieldPath { get; set; }
}

public sealed class PersistentVolumeClaim : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new(string.Empty, "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true);
    public PersistentVolumeClaimSpec? Spec { get; set; }
    public PersistentVolumeClaimStatus? Status { get; set; }
}

public sealed class PersistentVolumeClaimSpec : ExtensibleModel
{
    public IList<string>? AccessModes { get; set; }
    public ResourceRequirements? Resources { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? StorageClassName { get; set; }
    public string? VolumeName { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? VolumeMode { get; set; }
    public LabelSelector? Selector { get; set; }
}

public sealed class PersistentVolumeClaimStatus : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Phase { get; set; }
    public IList<string>? AccessModes { get; set; }
    public IDictionary<string, Quantity>? Capacity { get; set; }
    public IList<Condition>? Conditions { get; set; }
}

public sealed class PersistentVolume : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new(string.Empty, "v1", "persistentvolumes", "PersistentVolume", false);
    public PersistentVolumeSpec? Spec { get; set; }
    public PersistentVolumeStatus? Status { get; set; }
}

public sealed class PersistentVolumeSpec : ExtensibleModel
{
    public IDictionary<string, Quantity>? Capacity { get; set; }
    public IList<string>? AccessModes { get; set; }
    public ObjectReference? ClaimRef { get; set; }
    public string? PersistentVolumeReclaimPolicy { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? StorageClassName { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? VolumeMode { get; set; }
}

public sealed class PersistentVolumeStatus : ExtensibleModel
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Phase { get; set; }
    public string? Message { get; set; }
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Reason { get; set; }
}

public sealed class ResourceQuota : KubernetesObject, IKubernetesResource
{
    public static ResourceType ResourceType { get; } = new(string.Empty, "v1", "resourcequotas", "ResourceQuota", true);
    public ResourceQuotaSpec? Spec { get; set; }
    public ResourceQuotaStatus? Status { get; set; }
}

public sealed class ResourceQuotaSpec : ExtensibleModel
{
    public IDictionary<string, Quantity>? Hard { get; set; }
    public IList<string>? Scopes { get; set; }
}

public sealed class ResourceQuotaStatus : ExtensibleModel
{
    public IDictionary<string, Quantity>? Hard { get; set; }
    public IDictionary<string, Quantity>? Used { get; set; }
}
