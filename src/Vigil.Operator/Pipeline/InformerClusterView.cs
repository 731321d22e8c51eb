using Vigil.Detection.Detectors;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Pipeline;

/// <summary>Detectors' lookups answered from the shared informers' caches: no API call on the hot path.</summary>
internal sealed class InformerClusterView(SharedInformerFactory informers) : IClusterView
{
    /// <summary>
    /// Vigil's own diagnoses, written back as Events, are output, not input: they are neither cached nor evaluated, which
    /// at a high fault rate saves decoding (and holding) one Event per diagnosis.
    /// </summary>
    public const string EventFieldSelector = "reason!=" + Delivery.Sinks.KubernetesEventSink.Reason;

    /// <summary>The informer every reader of <typeparamref name="T"/> shares (one list+watch per kind).</summary>
    public static SharedInformer<T> Informer<T>(SharedInformerFactory informers) where T : KubernetesObject, IKubernetesResource =>
        informers.For<T>(fieldSelector: typeof(T) == typeof(Event) ? EventFieldSelector : null, transform: CacheProjections.For<T>(informers));

    public T? Get<T>(string? ns, string name) where T : KubernetesObject, IKubernetesResource =>
        Informer<T>(informers).Indexer.Get(ns, name);

    public IEnumerable<T> List<T>(string? ns = null) where T : KubernetesObject, IKubernetesResource
    {
        var indexer = Informer<T>(informers).Indexer;
        return ns is null ? indexer.List() : indexer.ByIndex(Indexer<T>.NamespaceIndex, ns);
    }
}
