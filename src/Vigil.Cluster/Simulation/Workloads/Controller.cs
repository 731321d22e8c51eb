using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Controllers;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// A kube-controller-manager style controller: changes enqueue keys, a worker re-reads the current state for a key and
/// acts on it through the API's operations. A failing key is retried with a growing delay on the cluster clock.
/// </summary>
public abstract class Controller : IAsyncDisposable
{
    /// <summary>The field manager the controllers write with, as kube-controller-manager does.</summary>
    public const string Manager = "kube-controller-manager";

    private readonly ConcurrentDictionary<ObjectKey, int> _failures = new();

    protected Controller(ControllerHub hub, string component, int workers = 1)
    {
        Hub = hub;
        Ops = hub.Ops;
        Recorder = hub.Context.Recorder(component);
        Queue = new WorkQueue<ObjectKey>(Process, hub.Clock, workers);
    }

    protected ControllerHub Hub { get; }
    protected ResourceOperations Ops { get; }
    protected EventRecorder Recorder { get; }
    protected WorkQueue<ObjectKey> Queue { get; }
    protected DateTimeOffset Now => Hub.Now;

    /// <summary>Brings one object's world in line with its spec; returns when to look again (null: on the next change).</summary>
    protected abstract TimeSpan? Sync(ObjectKey key);

    /// <summary>Queues every object the controller looks after (at start, for what existed before it).</summary>
    public virtual void Resync()
    {
    }

    protected void EnqueueAll(ResourceType type)
    {
        foreach (var item in Ops.Store.List(type.StorageKey, null, null).Items) Enqueue(new ObjectKey(item.Namespace ?? "", item.Name));
    }

    public void Enqueue(ObjectKey key) => Queue.Enqueue(key);

    public void Enqueue(JsonObject obj) => Queue.Enqueue(new ObjectKey(Json.Namespace(obj), Json.Name(obj)));

    private TimeSpan? Process(ObjectKey key)
    {
        try
        {
            var again = Sync(key);
            _failures.TryRemove(key, out _);
            return again;
        }
        catch (ApiException)
        {
            // Retried like client-go's rate-limited queue: 1 s doubling to 5 minutes (cluster time).
            var n = _failures.AddOrUpdate(key, 1, (_, f) => Math.Min(f + 1, 16));
            return TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, n - 1)));
        }
    }

    /// <summary>Writes <paramref name="change"/> to the object's status; false from the change leaves it alone.</summary>
    protected JsonObject? UpdateStatus(ResourceType type, string? ns, string name, Func<JsonObject, bool> change) =>
        Ops.Mutate(type, type.Namespaced ? ns : null, name, change, "status", Manager);

    /// <summary>Writes <paramref name="change"/> to the object (spec and metadata).</summary>
    protected JsonObject? Update(ResourceType type, string? ns, string name, Func<JsonObject, bool> change) =>
        Ops.Mutate(type, type.Namespaced ? ns : null, name, change, fieldManager: Manager);

    protected JsonObject Create(ResourceType type, string? ns, JsonObject obj) =>
        Ops.Create(type, type.Namespaced ? ns : null, obj, new WriteOptions { FieldManager = Manager });

    /// <summary>Deletes an object; false when it was already gone.</summary>
    protected bool Delete(ResourceType type, string? ns, string name, string? propagation = null)
    {
        try
        {
            Ops.Delete(type, type.Namespaced ? ns : null, name, new DeleteOptions { PropagationPolicy = propagation });
            return true;
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return false;
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Queue.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
