using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Detectors;

/// <summary>What detectors may look up besides the object they evaluate: the operator's informer caches.</summary>
public interface IClusterView
{
    T? Get<T>(string? ns, string name) where T : KubernetesObject, IKubernetesResource;

    IEnumerable<T> List<T>(string? ns = null) where T : KubernetesObject, IKubernetesResource;

    /// <summary>How many objects <see cref="List{T}"/> would return, without reading them (a compact cache decodes each it reads).</summary>
    int Count<T>(string? ns = null) where T : KubernetesObject, IKubernetesResource => List<T>(ns).Count();
}
