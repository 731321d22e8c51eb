using Vigil.Detection.Detectors;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Pipeline;

/// <summary>Detectors' lookups answered from the shared informers' caches: no API call on the hot path.</summary>
internal sealed class InformerClusterView(SharedInformerFactory informers) : IClusterView
{
    public T? Get<T>(string? ns, string name) where T : KubernetesObject, IKubernetesResource =>
        informers.For<T>().Indexer.Get(ns, name);

    public IEnumerable<T> List<T>(string? ns = null) where T : KubernetesObject, IKubernetesResource
    {
        var indexer = informers.For<T>().Indexer;
        return ns is null ? indexer.List() : indexer.ByIndex(Indexer<T>.NamespaceIndex, ns);
    }
}
