using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>The service account controller: every active namespace has a ServiceAccount named <c>default</c>, recreated if deleted.</summary>
public sealed class ServiceAccountController : Controller
{
    public ServiceAccountController(ControllerHub hub) : base(hub, "service-account-controller")
    {
        hub.Subscribe(hub.Namespaces, c =>
        {
            if (c.Kind != WatchEventType.Deleted) Enqueue(new ObjectKey(c.Name, "default"));
        });
        hub.Subscribe(hub.ServiceAccounts, c =>
        {
            if (c.Kind == WatchEventType.Deleted && c.Name == "default") Enqueue(c.Key);
        });
    }

    public override void Resync()
    {
        foreach (var ns in Ops.Store.List(Hub.Namespaces.StorageKey, null, null).Items) Enqueue(new ObjectKey(ns.Name, "default"));
    }

    protected override TimeSpan? Sync(ObjectKey key)
    {
        var ns = Hub.Get(Hub.Namespaces, null, key.Namespace);
        if (ns is null || Meta.IsDeleting(ns)) return null;
        if (Ops.TryGetStored(Hub.ServiceAccounts, key.Namespace, key.Name) is not null) return null;
        try
        {
            Create(Hub.ServiceAccounts, key.Namespace, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ServiceAccount",
                ["metadata"] = new JsonObject { ["name"] = key.Name, ["namespace"] = key.Namespace },
            });
        }
        catch (ApiException e) when (e.Reason == "AlreadyExists" || e.Code == 403)
        {
        }
        return null;
    }
}
