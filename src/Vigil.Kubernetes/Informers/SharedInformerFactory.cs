using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Informers;

/// <summary>
/// Hands out shared informers: every consumer asking for the same resource, namespace, selectors and shape gets the
/// same informer, so there is one list and one watch per resource and namespace however many controllers use it.
/// </summary>
public sealed class SharedInformerFactory : IAsyncDisposable
{
    private readonly KubernetesClient _client;
    private readonly Lock _gate = new();
    private readonly Dictionary<InformerKey, object> _informers = [];
    private readonly List<Func<Task>> _stoppers = [];
    private readonly List<Action> _starters = [];
    private readonly List<Func<CancellationToken, Task<bool>>> _syncWaiters = [];
    private bool _started;

    public SharedInformerFactory(KubernetesClient client, TimeSpan? defaultResync = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        DefaultResync = defaultResync ?? TimeSpan.Zero;
    }

    public TimeSpan DefaultResync { get; }

    /// <summary>
    /// The informer of a built-in kind. <paramref name="transform"/> (see <see cref="InformerOptions{T}.Transform"/>) cuts
    /// each object down before it is cached; it is part of what identifies the shared informer, so consumers asking with
    /// a different transform (or none) get an informer of their own rather than objects missing fields they read.
    /// <paramref name="compact"/> (see <see cref="InformerOptions{T}.Compact"/>) is part of the identity too.
    /// </summary>
    public SharedInformer<T> For<T>(string? @namespace = null, string? labelSelector = null, string? fieldSelector = null, Func<T, T>? transform = null, bool compact = false)
        where T : class, IKubernetesResource =>
        Get(T.ResourceType, ResponseShape.Full, @namespace, labelSelector, fieldSelector, () => _client.Resource<T>(), transform, compact);

    /// <summary>The informer of any resource, as unstructured objects.</summary>
    public SharedInformer<UnstructuredObject> ForUnstructured(ResourceType resourceType, string? @namespace = null, string? labelSelector = null, string? fieldSelector = null) =>
        Get(resourceType, ResponseShape.Full, @namespace, labelSelector, fieldSelector, () => _client.Unstructured(resourceType), null, compact: false);

    /// <summary>A metadata-only informer (PartialObjectMetadata, managedFields dropped): a fraction of the memory of a full one.</summary>
    public SharedInformer<PartialObjectMetadata> ForMetadata(ResourceType resourceType, string? @namespace = null, string? labelSelector = null, string? fieldSelector = null) =>
        Get(resourceType, ResponseShape.Metadata, @namespace, labelSelector, fieldSelector, () => _client.Metadata(resourceType), InformerTransforms.StripManagedFields, compact: false);

    /// <summary>Starts every informer handed out so far, and any handed out later.</summary>
    public void Start()
    {
        List<Action> starters;
        lock (_gate)
        {
            _started = true;
            starters = [.. _starters];
        }

        foreach (var start in starters)
        {
            start();
        }
    }

    /// <summary>Waits for every informer handed out so far to sync.</summary>
    public async Task<bool> WaitForCacheSyncAsync(CancellationToken cancellationToken = default)
    {
        List<Func<CancellationToken, Task<bool>>> waiters;
        lock (_gate)
        {
            waiters = [.. _syncWaiters];
        }

        var results = await Task.WhenAll(waiters.Select(wait => wait(cancellationToken)));
        return results.All(synced => synced);
    }

    public async ValueTask DisposeAsync()
    {
        List<Func<Task>> stoppers;
        lock (_gate)
        {
            stoppers = [.. _stoppers];
            _stoppers.Clear();
        }

        await Task.WhenAll(stoppers.Select(stop => stop()));
    }

    private SharedInformer<T> Get<T>(ResourceType type, ResponseShape shape, string? @namespace, string? labelSelector, string? fieldSelector, Func<ResourceClient<T>> client, Func<T, T>? transform, bool compact)
        where T : class, IKubernetesObject
    {
        var ns = type.Namespaced ? @namespace ?? string.Empty : string.Empty;
        var key = new InformerKey(type, shape, ns, labelSelector ?? string.Empty, fieldSelector ?? string.Empty, typeof(T), transform, compact);
        lock (_gate)
        {
            if (_informers.TryGetValue(key, out var existing))
            {
                return (SharedInformer<T>)existing;
            }

            var informer = new SharedInformer<T>(client(), new InformerOptions<T>
            {
                Namespace = ns,
                LabelSelector = labelSelector,
                FieldSelector = fieldSelector,
                ResyncPeriod = DefaultResync,
                Transform = transform,
                Compact = compact,
            });
            _informers[key] = informer;
            _starters.Add(informer.Start);
            _stoppers.Add(informer.StopAsync);
            _syncWaiters.Add(informer.WaitForSyncAsync);
            if (_started)
            {
                informer.Start();
            }

            return informer;
        }
    }

    // Delegates compare by method and target: the same transform method keys the same informer.
    private sealed record InformerKey(ResourceType Type, ResponseShape Shape, string Namespace, string LabelSelector, string FieldSelector, Type ObjectType, Delegate? Transform, bool Compact);
}
