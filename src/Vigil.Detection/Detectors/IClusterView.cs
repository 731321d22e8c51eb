using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Detectors;

/// <summary>What detectors may look up besides the object they evaluate: the operator's informer caches.</summary>
public interface IClusterView
{
    T? Get<T>(string? ns, string name) where T : KubernetesObject, IKubernetesResource;

    IEnumerable<T> List<T>(string? ns = null) where T : KubernetesObject, IKubernetesResource;
}
