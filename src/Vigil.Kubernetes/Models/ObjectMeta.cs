using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Models;

/// <summary><c>metav1.ObjectMeta</c>. Fields not modelled here are kept in <see cref="ExtensionData"/> and written back.</summary>
public sealed class ObjectMeta
{
    public string? Name { get; set; }

    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? GenerateName { get; set; }

    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Namespace { get; set; }

    public string? Uid { get; set; }

    public string? ResourceVersion { get; set; }

    public long? Generation { get; set; }

    public Time? CreationTimestamp { get; set; }

    public Time? DeletionTimestamp { get; set; }

    public long? DeletionGracePeriodSeconds { get; set; }

    [JsonConverter(typeof(StringMapJsonConverter))]
    public IDictionary<string, string>? Labels { get; set; }

    [JsonConverter(typeof(StringMapJsonConverter))]
    public IDictionary<string, string>? Annotations { get; set; }

    public IList<OwnerReference>? OwnerReferences { get; set; }

    public IList<string>? Finalizers { get; set; }

    public IList<ManagedFieldsEntry>? ManagedFields { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>The label value, or null.</summary>
    public string? Label(string key) => Labels is not null && Labels.TryGetValue(key, out var value) ? value : null;

    /// <summary>The annotation value, or null.</summary>
    public string? Annotation(string key) => Annotations is not null && Annotations.TryGetValue(key, out var value) ? value : null;

    public void SetLabel(string key, string value) => (Labels ??= new StringMap())[key] = value;

    public void SetAnnotation(string key, string value) => (Annotations ??= new StringMap())[key] = value;
}

/// <summary><c>metav1.OwnerReference</c>: links a dependent to its owner for garbage collection.</summary>
public sealed class OwnerReference
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? ApiVersion { get; set; }

    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Kind { get; set; }

    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Name { get; set; }

    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Uid { get; set; }

    public bool? Controller { get; set; }

    public bool? BlockOwnerDeletion { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>A controller reference to <paramref name="owner"/> (<c>metav1.NewControllerRef</c>).</summary>
    public static OwnerReference ControllerOf(IKubernetesObject owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return new OwnerReference
        {
            ApiVersion = owner.ApiVersion,
            Kind = owner.Kind,
            Name = owner.Metadata.Name,
            Uid = owner.Metadata.Uid,
            Controller = true,
            BlockOwnerDeletion = true,
        };
    }
}

/// <summary><c>metav1.ManagedFieldsEntry</c>, kept opaque apart from who manages what.</summary>
public sealed class ManagedFieldsEntry
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Manager { get; set; }

    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Operation { get; set; }

    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? ApiVersion { get; set; }

    public Time? Time { get; set; }

    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? FieldsType { get; set; }

    public JsonElement? FieldsV1 { get; set; }

    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Subresource { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary><c>metav1.ListMeta</c>.</summary>
public sealed class ListMeta
{
    public string? ResourceVersion { get; set; }

    public string? Continue { get; set; }

    public long? RemainingItemCount { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary><c>metav1.Condition</c>, the standard condition shape (also used, with fewer fields, by most built-in kinds).</summary>
public sealed class Condition
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Type { get; set; }

    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Status { get; set; }

    public long? ObservedGeneration { get; set; }

    public Time? LastTransitionTime { get; set; }

    public Time? LastHeartbeatTime { get; set; }

    public Time? LastProbeTime { get; set; }

    public Time? LastUpdateTime { get; set; }

    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Reason { get; set; }

    public string? Message { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }

    [JsonIgnore]
    public bool IsTrue => string.Equals(Status, "True", StringComparison.Ordinal);
}

/// <summary>Helpers over condition lists.</summary>
public static class Conditions
{
    public static Condition? Find(this IEnumerable<Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => string.Equals(c.Type, type, StringComparison.Ordinal));

    public static bool IsTrue(this IEnumerable<Condition>? conditions, string type) => conditions.Find(type)?.IsTrue == true;
}
