using Vigil.Detection.Detectors;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Bench.Pipeline;

/// <summary>
/// The operator's informer caches without the informers: one <see cref="Indexer{T}"/> per kind (the same store a
/// shared informer keeps, with its namespace index), answering the detectors' lookups as the pipeline's view does.
/// </summary>
internal sealed class CacheView : IClusterView
{
    private readonly Dictionary<Type, object> _indexers = [];

    public Indexer<T> For<T>() where T : KubernetesObject, IKubernetesResource
    {
        if (!_indexers.TryGetValue(typeof(T), out var indexer)) _indexers[typeof(T)] = indexer = new Indexer<T>();
        return (Indexer<T>)indexer;
    }

    public T? Get<T>(string? ns, string name) where T : KubernetesObject, IKubernetesResource => For<T>().Get(ns, name);

    public IEnumerable<T> List<T>(string? ns = null) where T : KubernetesObject, IKubernetesResource =>
        ns is null ? For<T>().List() : For<T>().ByIndex(Indexer<T>.NamespaceIndex, ns);
}
