using System.Text.Json;

namespace Vigil.Bench.Client;

#pragma warning disable CA1002, CA2227, CA1056 // A plain DTO baseline, shaped the way a simple client would write it.

/// <summary>
/// The baseline of the decode benchmark: the same modelled pod fields as Vigil's models, as plain DTOs that
/// System.Text.Json fills by reflection, with no extension data, no pooling and no custom converters.
/// </summary>
public sealed class PlainPodList
{
    public string? Kind { get; set; }
    public string? ApiVersion { get; set; }
    public PlainListMeta? Metadata { get; set; }
    public List<PlainPod>? Items { get; set; }
}

public sealed class PlainListMeta
{
    public string? ResourceVersion { get; set; }
    public string? Continue { get; set; }
}

public sealed class PlainPod
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public PlainObjectMeta? Metadata { get; set; }
    public PlainPodSpec? Spec { get; set; }
    public PlainPodStatus? Status { get; set; }
}

public sealed class PlainObjectMeta
{
    public string? Name { get; set; }
    public string? GenerateName { get; set; }
    public string? Namespace { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
    public long? Generation { get; set; }
    public DateTimeOffset? CreationTimestamp { get; set; }
    public DateTimeOffset? DeletionTimestamp { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public List<PlainOwnerReference>? OwnerReferences { get; set; }
    public List<string>? Finalizers { get; set; }
    public List<PlainManagedFields>? ManagedFields { get; set; }
}

public sealed class PlainOwnerReference
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string? Name { get; set; }
    public string? Uid { get; set; }
    public bool? Controller { get; set; }
    public bool? BlockOwnerDeletion { get; set; }
}

public sealed class PlainManagedFields
{
    public string? Manager { get; set; }
    public string? Operation { get; set; }
    public string? ApiVersion { get; set; }
    public DateTimeOffset? Time { get; set; }
    public string? FieldsType { get; set; }
    public JsonElement? FieldsV1 { get; set; }
    public string? Subresource { get; set; }
}

public sealed class PlainPodSpec
{
    public List<PlainContainer>? Containers { get; set; }
    public List<PlainVolume>? Volumes { get; set; }
    public string? NodeName { get; set; }
    public Dictionary<string, string>? NodeSelector { get; set; }
    public string? ServiceAccountName { get; set; }
    public string? RestartPolicy { get; set; }
    public long? TerminationGracePeriodSeconds { get; set; }
    public string? SchedulerName { get; set; }
    public int? Priority { get; set; }
    public List<PlainToleration>? Tolerations { get; set; }
    public JsonElement? Affinity { get; set; }
}

public sealed class PlainContainer
{
    public string? Name { get; set; }
    public string? Image { get; set; }
    public string? ImagePullPolicy { get; set; }
    public List<string>? Command { get; set; }
    public List<string>? Args { get; set; }
    public List<PlainContainerPort>? Ports { get; set; }
    public List<PlainEnvVar>? Env { get; set; }
    public PlainResources? Resources { get; set; }
    public List<PlainVolumeMount>? VolumeMounts { get; set; }
    public PlainProbe? ReadinessProbe { get; set; }
    public PlainProbe? LivenessProbe { get; set; }
}

public sealed class PlainContainerPort
{
    public string? Name { get; set; }
    public int? ContainerPort { get; set; }
    public string? Protocol { get; set; }
}

public sealed class PlainEnvVar
{
    public string? Name { get; set; }
    public string? Value { get; set; }
    public JsonElement? ValueFrom { get; set; }
}

public sealed class PlainResources
{
    public Dictionary<string, string>? Requests { get; set; }
    public Dictionary<string, string>? Limits { get; set; }
}

public sealed class PlainVolumeMount
{
    public string? Name { get; set; }
    public string? MountPath { get; set; }
    public bool? ReadOnly { get; set; }
}

public sealed class PlainProbe
{
    public JsonElement? HttpGet { get; set; }
    public int? PeriodSeconds { get; set; }
    public int? TimeoutSeconds { get; set; }
    public int? FailureThreshold { get; set; }
    public int? SuccessThreshold { get; set; }
}

public sealed class PlainVolume
{
    public string? Name { get; set; }
    public JsonElement? ConfigMap { get; set; }
    public JsonElement? Secret { get; set; }
}

public sealed class PlainToleration
{
    public string? Key { get; set; }
    public string? Operator { get; set; }
    public string? Effect { get; set; }
    public long? TolerationSeconds { get; set; }
}

public sealed class PlainPodStatus
{
    public string? Phase { get; set; }
    public List<PlainCondition>? Conditions { get; set; }
    public string? HostIP { get; set; }
    public string? PodIP { get; set; }
    public DateTimeOffset? StartTime { get; set; }
    public List<PlainContainerStatus>? ContainerStatuses { get; set; }
    public string? QosClass { get; set; }
}

public sealed class PlainCondition
{
    public string? Type { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? LastTransitionTime { get; set; }
    public DateTimeOffset? LastProbeTime { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
}

public sealed class PlainContainerStatus
{
    public string? Name { get; set; }
    public bool? Ready { get; set; }
    public int? RestartCount { get; set; }
    public string? Image { get; set; }
    public string? ImageID { get; set; }
    public string? ContainerID { get; set; }
    public bool? Started { get; set; }
    public JsonElement? State { get; set; }
    public JsonElement? LastState { get; set; }
}
