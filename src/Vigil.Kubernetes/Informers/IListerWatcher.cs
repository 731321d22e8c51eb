using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Watch;

namespace Vigil.Kubernetes.Informers;

/// <summary>Where a reflector lists and watches: one resource, in one namespace (or all), with optional selectors.</summary>
public interface IListerWatcher<T>
    where T : class, IKubernetesObject
{
    /// <summary>Names the source in logs: <c>pods in default</c>.</summary>
    string Description { get; }

    Task<KubernetesList<T>> ListAsync(ListOptions options, CancellationToken cancellationToken);

    IAsyncEnumerable<WatchEvent<T>> WatchAsync(WatchOptions options, CancellationToken cancellationToken);
}

/// <summary>Lists and watches through a <see cref="ResourceClient{T}"/>, adding the informer's selectors.</summary>
public sealed class ResourceListerWatcher<T>(ResourceClient<T> client, string? @namespace, string? labelSelector = null, string? fieldSelector = null) : IListerWatcher<T>
    where T : class, IKubernetesObject
{
    private readonly string _namespace = client.ResourceType.Namespaced ? @namespace ?? ResourceClient<T>.AllNamespaces : ResourceClient<T>.AllNamespaces;

    /// <summary>The client it lists and watches with (whose serializer options decode its objects).</summary>
    public ResourceClient<T> Client => client;

    public string Description => _namespace.Length == 0 ? client.ResourceType.QualifiedPlural : $"{client.ResourceType.QualifiedPlural} in {_namespace}";

    public async Task<KubernetesList<T>> ListAsync(ListOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var list = await client.ListAsync(_namespace, options with { LabelSelector = labelSelector, FieldSelector = fieldSelector }, cancellationToken);
        foreach (var item in list.Items)
        {
            RestoreTypeMeta(item);
        }

        return list;
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(WatchOptions options, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await foreach (var watchEvent in client.WatchAsync(_namespace, options with { LabelSelector = labelSelector, FieldSelector = fieldSelector }, cancellationToken))
        {
            RestoreTypeMeta(watchEvent.Object);
            yield return watchEvent;
        }
    }

    /// <summary>Built-in lists omit their items' apiVersion and kind; put them back (not for metadata-only objects).</summary>
    private void RestoreTypeMeta(T item)
    {
        if (item is PartialObjectMetadata)
        {
            return;
        }

        item.ApiVersion ??= client.ResourceType.ApiVersion;
        item.Kind ??= client.ResourceType.Kind;
    }
}
