using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Controllers;

/// <summary>
/// Finishes namespace deletion as kube-controller-manager does: deletes everything in a Terminating namespace,
/// waits for objects held by finalizers, then removes the namespace.
/// </summary>
public sealed class NamespaceController : IAsyncDisposable
{
    private readonly ResourceOperations _ops;
    private readonly ResourceType _namespaces;
    private readonly WorkQueue<string> _loop;

    public NamespaceController(ResourceOperations ops)
    {
        _ops = ops;
        _namespaces = ops.Registry.Find("", "v1", "namespaces")!;
        _loop = new WorkQueue<string>(Terminate, ops.Time);
        ops.Committed += OnCommitted;
    }

    private void OnCommitted(ResourceType type, WatchEvent change)
    {
        if (ReferenceEquals(type, _namespaces) && change.Type == WatchEventType.Modified && change.Object.ToNode()["metadata"]?["deletionTimestamp"] is not null)
            _loop.Enqueue(change.Object.Name);
    }

    private TimeSpan? Terminate(string ns)
    {
        var stored = _ops.TryGetStored(_namespaces, null, ns);
        if (stored is null || stored.ToNode()["metadata"]?["deletionTimestamp"] is null) return null;
        var remaining = 0;
        foreach (var type in _ops.Registry.All.Where(t => t.Namespaced && t.View is null).DistinctBy(t => t.StorageKey))
        {
            foreach (var item in _ops.Store.List(type.StorageKey, ns, null).Items)
            {
                remaining++;
                try
                {
                    _ops.Delete(type, ns, item.Name, new DeleteOptions { PropagationPolicy = "Background", GracePeriodSeconds = 0 });
                }
                catch (ApiException e) when (e.Code == 404)
                {
                }
            }
        }
        if (remaining > 0 && _ops.Registry.All.Where(t => t.Namespaced && t.View is null).Any(t => _ops.Store.List(t.StorageKey, ns, null, limit: 1).Items.Count > 0))
            return TimeSpan.FromSeconds(1);
        // Empty: drop the "kubernetes" finalizer; the namespace goes once no metadata finalizers hold it.
        var result = _ops.Mutate(_namespaces, null, ns, obj =>
        {
            if (obj["spec"] is JsonObject spec) spec["finalizers"] = new JsonArray();
            return true;
        });
        if (result is not null && Meta.Finalizers(result).Count == 0) _ops.ForceRemove(_namespaces, null, ns);
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        _ops.Committed -= OnCommitted;
        await _loop.DisposeAsync();
    }
}
