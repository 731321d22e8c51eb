using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Informers;

/// <summary>
/// Informers for one resource in a changing set of namespaces, for controllers whose namespace assignments move
/// (sharding, tenancy). <see cref="SetNamespacesAsync"/> starts informers for new namespaces and stops those no
/// longer assigned; handlers added to the set receive events from every namespace, and when a namespace is
/// dropped they get an OnDelete with <c>isFinalStateUnknown</c> for each object they knew there, so their view
/// stays consistent.
/// </summary>
public sealed class NamespacedInformerSet<T> : IAsyncDisposable
    where T : class, IKubernetesObject
{
    private readonly Func<string, SharedInformer<T>> _create;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, SharedInformer<T>> _informers = new(StringComparer.Ordinal);
    private readonly List<(IResourceEventHandler<T> Handler, TimeSpan? Resync)> _handlers = [];

    /// <param name="create">Makes the informer of one namespace (not started).</param>
    public NamespacedInformerSet(Func<string, SharedInformer<T>> create)
    {
        _create = create ?? throw new ArgumentNullException(nameof(create));
    }

    /// <summary>A set over a resource client: one <see cref="SharedInformer{T}"/> per namespace with the given options.</summary>
    public NamespacedInformerSet(ResourceClient<T> client, InformerOptions<T>? options = null)
        : this(ns => new SharedInformer<T>(client, (options ?? new InformerOptions<T>()) with { Namespace = ns }))
    {
        ArgumentNullException.ThrowIfNull(client);
    }

    public IReadOnlyCollection<string> Namespaces
    {
        get
        {
            lock (_informers)
            {
                return [.. _informers.Keys];
            }
        }
    }

    /// <summary>Objects cached over every namespace.</summary>
    public int Count
    {
        get
        {
            lock (_informers)
            {
                return _informers.Values.Sum(i => i.Indexer.Count);
            }
        }
    }

    public bool HasSynced
    {
        get
        {
            lock (_informers)
            {
                return _informers.Values.All(i => i.HasSynced);
            }
        }
    }

    /// <summary>Registers a handler on every current and future namespace informer.</summary>
    public void AddEventHandler(IResourceEventHandler<T> handler, TimeSpan? resyncPeriod = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _gate.Wait();
        try
        {
            _handlers.Add((handler, resyncPeriod));
            lock (_informers)
            {
                foreach (var informer in _informers.Values)
                {
                    informer.AddEventHandler(handler, resyncPeriod);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Makes the watched namespaces exactly <paramref name="namespaces"/>.</summary>
    public async Task SetNamespacesAsync(IEnumerable<string> namespaces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        var wanted = namespaces.ToHashSet(StringComparer.Ordinal);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            List<(string Namespace, SharedInformer<T> Informer)> removed;
            lock (_informers)
            {
                removed = [.. _informers.Where(pair => !wanted.Contains(pair.Key)).Select(pair => (pair.Key, pair.Value))];
                foreach (var (ns, _) in removed)
                {
                    _informers.Remove(ns);
                }
            }

            // Stopped together: one at a time, a rebalance that takes a hundred namespaces away waits for each watch to close in turn.
            await Task.WhenAll(removed.Select(r => r.Informer.StopAsync()));
            foreach (var (_, informer) in removed)
            {
                foreach (var obj in informer.Indexer.List())
                {
                    foreach (var (handler, _) in _handlers)
                    {
                        handler.OnDelete(obj, isFinalStateUnknown: true);
                    }
                }
            }

            foreach (var ns in wanted)
            {
                lock (_informers)
                {
                    if (_informers.ContainsKey(ns))
                    {
                        continue;
                    }
                }

                var informer = _create(ns);
                foreach (var (handler, resync) in _handlers)
                {
                    informer.AddEventHandler(handler, resync);
                }

                lock (_informers)
                {
                    _informers[ns] = informer;
                }

                informer.Start();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The informer of one namespace, if it is assigned.</summary>
    public SharedInformer<T>? InformerFor(string @namespace)
    {
        lock (_informers)
        {
            return _informers.GetValueOrDefault(@namespace);
        }
    }

    public T? Get(string @namespace, string name) => InformerFor(@namespace)?.Indexer.Get(@namespace, name);

    public async Task<bool> WaitForSyncAsync(CancellationToken cancellationToken = default)
    {
        List<SharedInformer<T>> informers;
        lock (_informers)
        {
            informers = [.. _informers.Values];
        }

        var results = await Task.WhenAll(informers.Select(i => i.WaitForSyncAsync(cancellationToken)));
        return results.All(r => r);
    }

    public async ValueTask DisposeAsync()
    {
        await SetNamespacesAsync([]);
        _gate.Dispose();
    }
}
