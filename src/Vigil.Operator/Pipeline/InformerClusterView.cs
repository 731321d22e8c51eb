using System.Collections.Concurrent;
using Vigil.Detection.Detectors;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Pipeline;

/// <summary>
/// Detectors' lookups answered from the informers' caches: no API call on the hot path. A kind is cached either by one
/// cluster-wide informer (the factory's) or, when the pipeline watches only its assigned namespaces, by one informer per
/// namespace (<see cref="Scope{T}"/>); lookups in a namespace this replica does not watch find nothing.
/// </summary>
internal sealed class InformerClusterView(SharedInformerFactory informers) : IClusterView
{
    /// <summary>
    /// Vigil's own diagnoses, written back as Events, are output, not input: they are neither cached nor evaluated, which
    /// at a high fault rate saves decoding (and holding) one Event per diagnosis.
    /// </summary>
    public const string EventFieldSelector = "reason!=" + Delivery.Sinks.KubernetesEventSink.Reason;

    private readonly ConcurrentDictionary<Type, object> _scoped = new();

    /// <summary>The cluster-wide informer every reader of <typeparamref name="T"/> shares (one list+watch per kind).</summary>
    public static SharedInformer<T> Informer<T>(SharedInformerFactory informers) where T : KubernetesObject, IKubernetesResource =>
        informers.For<T>(fieldSelector: FieldSelector<T>(), transform: CacheProjections.For<T>(informers), compact: CacheProjections.Compacts<T>(informers));

    /// <summary>The informer of <typeparamref name="T"/> in one namespace, shaped like the cluster-wide one.</summary>
    public static SharedInformer<T> NamespaceInformer<T>(KubernetesClient client, SharedInformerFactory informers, string @namespace) where T : KubernetesObject, IKubernetesResource =>
        new(client.Resource<T>(), new InformerOptions<T>
        {
            Namespace = @namespace,
            FieldSelector = FieldSelector<T>(),
            Transform = CacheProjections.For<T>(informers),
            Compact = CacheProjections.Compacts<T>(informers),
        });

    private static string? FieldSelector<T>() => typeof(T) == typeof(Event) ? EventFieldSelector : null;

    /// <summary>From now on <typeparamref name="T"/> is read from per-namespace informers.</summary>
    public void Scope<T>(NamespacedInformerSet<T> set) where T : KubernetesObject, IKubernetesResource => _scoped[typeof(T)] = set;

    public T? Get<T>(string? ns, string name) where T : KubernetesObject, IKubernetesResource
    {
        if (_scoped.TryGetValue(typeof(T), out var scoped)) return ns is null ? null : ((NamespacedInformerSet<T>)scoped).Get(ns, name);
        return Informer<T>(informers).Indexer.Get(ns, name);
    }

    public IEnumerable<T> List<T>(string? ns = null) where T : KubernetesObject, IKubernetesResource
    {
        if (_scoped.TryGetValue(typeof(T), out var scoped)) return ListScoped((NamespacedInformerSet<T>)scoped, ns);
        var indexer = Informer<T>(informers).Indexer;
        return ns is null ? indexer.List() : indexer.ByIndex(Indexer<T>.NamespaceIndex, ns);
    }

    public int Count<T>(string? ns = null) where T : KubernetesObject, IKubernetesResource
    {
        if (_scoped.TryGetValue(typeof(T), out var scoped))
        {
            var set = (NamespacedInformerSet<T>)scoped;
            return ns is not null ? set.InformerFor(ns)?.Indexer.Count ?? 0 : set.Count;
        }
        var indexer = Informer<T>(informers).Indexer;
        return ns is null ? indexer.Count : indexer.IndexKeys(Indexer<T>.NamespaceIndex, ns).Count;
    }

    private static IEnumerable<T> ListScoped<T>(NamespacedInformerSet<T> set, string? ns) where T : KubernetesObject, IKubernetesResource
    {
        if (ns is not null) return set.InformerFor(ns)?.Indexer.List() ?? [];
        return set.Namespaces.SelectMany(n => set.InformerFor(n)?.Indexer.List() ?? []);
    }
}
