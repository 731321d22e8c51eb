using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Pipeline;

/// <summary>
/// One kind's cache as the pipeline goes over it (rescans, hand-overs), whether one cluster-wide informer or one per
/// namespace holds it. Objects are read one at a time as the sequence is enumerated: a compact cache decodes each on
/// reading, and going over 100,000 pods must not hold 100,000 decoded pods at once.
/// </summary>
internal sealed class CachedKind
{
    private readonly Func<IEnumerable<IReadOnlyIndexer<KubernetesObject>>> _caches;
    private readonly Func<string, IReadOnlyIndexer<KubernetesObject>?> _cacheOf;

    private CachedKind(string kind, bool namespaced, bool isNamespace, Func<IEnumerable<IReadOnlyIndexer<KubernetesObject>>> caches, Func<string, IReadOnlyIndexer<KubernetesObject>?> cacheOf)
    {
        Kind = kind;
        Namespaced = namespaced;
        IsNamespace = isNamespace;
        _caches = caches;
        _cacheOf = cacheOf;
    }

    public string Kind { get; }

    public bool Namespaced { get; }

    /// <summary>Namespaces: cluster-scoped, but each one's faults belong to itself.</summary>
    public bool IsNamespace { get; }

    /// <summary>A kind cached by one cluster-wide informer.</summary>
    public static CachedKind Of<T>(SharedInformer<T> informer) where T : KubernetesObject, IKubernetesResource
    {
        IReadOnlyIndexer<KubernetesObject> cache = informer.Indexer;
        return new CachedKind(T.ResourceType.Kind, T.ResourceType.Namespaced, typeof(T) == typeof(Namespace), () => [cache], _ => cache);
    }

    /// <summary>A kind cached by one informer per watched namespace.</summary>
    public static CachedKind Of<T>(NamespacedInformerSet<T> set) where T : KubernetesObject, IKubernetesResource =>
        new(T.ResourceType.Kind, true, false, () => set.Namespaces.Select(ns => CacheIn(set, ns)).OfType<IReadOnlyIndexer<KubernetesObject>>(), ns => CacheIn(set, ns));

    private static IReadOnlyIndexer<KubernetesObject>? CacheIn<T>(NamespacedInformerSet<T> set, string ns) where T : KubernetesObject, IKubernetesResource =>
        set.InformerFor(ns)?.Indexer;

    /// <summary>Every cached object.</summary>
    public IEnumerable<KubernetesObject> All()
    {
        foreach (var cache in _caches())
            foreach (var key in cache.ListKeys())
                if (cache.GetByKey(key) is { } obj) yield return obj;
    }

    /// <summary>The objects whose faults belong to one of <paramref name="namespaces"/> (<c>ScopeOf</c>).</summary>
    public IEnumerable<KubernetesObject> In(IReadOnlySet<string> namespaces)
    {
        if (IsNamespace)
        {
            foreach (var cache in _caches())
                foreach (var name in namespaces)
                    if (cache.GetByKey(name) is { } ns) yield return ns;
            yield break;
        }
        if (!Namespaced) yield break;
        foreach (var ns in namespaces)
        {
            // The cluster-wide cache's namespace index, or the namespace's own cache.
            if (_cacheOf(ns) is not { } cache) continue;
            foreach (var key in cache.IndexKeys(Indexer<KubernetesObject>.NamespaceIndex, ns))
                if (cache.GetByKey(key) is { } obj) yield return obj;
        }
    }

    /// <summary>The cluster-scoped objects whose faults belong to no namespace (nodes; not namespaces themselves).</summary>
    public IEnumerable<KubernetesObject> ClusterScoped() => Namespaced || IsNamespace ? [] : All();
}
