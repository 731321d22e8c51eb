using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Models;

/// <summary>Anything with apiVersion, kind and metadata: typed models, <see cref="UnstructuredObject"/> and <see cref="PartialObjectMetadata"/>.</summary>
public interface IKubernetesObject
{
    string? ApiVersion { get; set; }

    string? Kind { get; set; }

    ObjectMeta Metadata { get; set; }
}

/// <summary>A typed model that knows which API resource it is served from.</summary>
public interface IKubernetesResource : IKubernetesObject
{
    static abstract ResourceType ResourceType { get; }
}

/// <summary>Base of the typed models: apiVersion, kind, metadata and every field the model doesn't know.</summary>
public abstract class KubernetesObject : IKubernetesObject
{
    [JsonPropertyOrder(-3)]
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? ApiVersion { get; set; }

    [JsonPropertyOrder(-2)]
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Kind { get; set; }

    [JsonPropertyOrder(-1)]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>A list of objects (<c>PodList</c>, <c>PartialObjectMetadataList</c>, ...).</summary>
public sealed class KubernetesList<T>
    where T : class
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public ListMeta Metadata { get; set; } = new();

    public IList<T> Items { get; set; } = [];

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>
/// <c>meta.k8s.io/v1</c> PartialObjectMetadata: an object reduced to its metadata, served to metadata-only clients.
/// It deliberately keeps no unknown top-level fields, so a server that ignores the metadata-only Accept header
/// costs no memory for spec and status.
/// </summary>
public sealed class PartialObjectMetadata : IKubernetesObject
{
    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? ApiVersion { get; set; }

    [JsonConverter(typeof(PooledStringJsonConverter))]
    public string? Kind { get; set; }

    public ObjectMeta Metadata { get; set; } = new();
}
