using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Controllers;

/// <summary>
/// Owner-reference garbage collection: dependents of a deleted owner are deleted (background), dependents of an owner
/// deleted in the foreground go first, and an orphaning delete strips the owner reference instead.
/// </summary>
public sealed class GarbageCollector : IAsyncDisposable
{
    private readonly ResourceOperations _ops;
    private readonly WorkQueue<OwnerKey> _loop;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<ObjectKey>> _dependents = new(StringComparer.Ordinal);

    private sealed record ObjectKey(ResourceType Type, string? Namespace, string Name);

    /// <summary>An owner to look at: its uid, and where to find it if it still exists.</summary>
    private sealed record OwnerKey(string Uid, ResourceType? Type, string? Namespace, string Name);

    public GarbageCollector(ResourceOperations ops)
    {
        _ops = ops;
        _loop = new WorkQueue<OwnerKey>(Process, ops.Time);
        ops.Committed += OnCommitted;
    }

    private void OnCommitted(ResourceType type, WatchEvent change)
    {
        if (type.View is not null) return;
        var key = new ObjectKey(type, change.Object.Namespace, change.Object.Name);
        var node = change.Object.ToNode();
        var owners = OwnerRefs(node).ToList();
        var previousOwners = change.Previous is null ? [] : OwnerRefs(change.Previous.ToNode()).ToList();
        lock (_gate)
        {
            foreach (var (uid, _, _, _) in previousOwners) Remove(uid, key);
            if (change.Type != WatchEventType.Deleted)
                foreach (var (uid, _, _, _) in owners)
                {
                    if (!_dependents.TryGetValue(uid, out var set)) _dependents[uid] = set = [];
                    set.Add(key);
                }
        }
        if (change.Type == WatchEventType.Deleted)
        {
            // The owner is gone: its dependents are collected. A dependent that is gone may unblock a foreground owner.
            _loop.Enqueue(new OwnerKey(change.Object.Uid, null, null, change.Object.Name));
            foreach (var (uid, apiVersion, kind, name) in owners)
                _loop.Enqueue(new OwnerKey(uid, _ops.Registry.FindByKind(apiVersion, kind), change.Object.Namespace, name));
        }
        else if (node["metadata"]?["deletionTimestamp"] is not null)
        {
            var finalizers = Meta.Finalizers(node);
            if (finalizers.Contains("foregroundDeletion") || finalizers.Contains("orphan"))
                _loop.Enqueue(new OwnerKey(change.Object.Uid, type, change.Object.Namespace, change.Object.Name));
        }
        else if (change.Type == WatchEventType.Added && owners.Count > 0)
        {
            // A dependent created for an owner that no longer exists is collected too.
            foreach (var (uid, apiVersion, kind, name) in owners)
                _loop.Enqueue(new OwnerKey(uid, _ops.Registry.FindByKind(apiVersion, kind), change.Object.Namespace, name));
        }
    }

    private void Remove(string uid, ObjectKey key)
    {
        if (_dependents.TryGetValue(uid, out var set) && set.Remove(key) && set.Count == 0) _dependents.Remove(uid);
    }

    private TimeSpan? Process(OwnerKey owner)
    {
        var ownerObject = FindOwner(owner);
        List<ObjectKey> dependents;
        lock (_gate) dependents = _dependents.TryGetValue(owner.Uid, out var set) ? [.. set] : [];

        if (ownerObject is null)
        {
            foreach (var dep in dependents) CollectDependent(dep, owner.Uid);
            return null;
        }
        if (ownerObject["metadata"]?["deletionTimestamp"] is null) return null;
        var finalizers = Meta.Finalizers(ownerObject);
        if (finalizers.Contains("orphan"))
        {
            foreach (var dep in dependents)
                _ops.Mutate(dep.Type, dep.Namespace, dep.Name, obj => RemoveOwnerRef(obj, owner.Uid), fieldManager: "vigil-garbage-collector");
            RemoveFinalizer(owner, "orphan");
            return null;
        }
        if (finalizers.Contains("foregroundDeletion"))
        {
            var blocking = 0;
            foreach (var dep in dependents)
            {
                var stored = _ops.TryGetStored(dep.Type, dep.Namespace, dep.Name);
                if (stored is null) continue;
                blocking++;
                if (stored.ToNode()["metadata"]?["deletionTimestamp"] is null)
                    TryDelete(dep, "Foreground");
            }
            if (blocking == 0) RemoveFinalizer(owner, "foregroundDeletion");
            return blocking == 0 ? null : TimeSpan.FromSeconds(2);
        }
        return null;
    }

    private JsonObject? FindOwner(OwnerKey owner)
    {
        if (owner.Type is null) return null;
        var ns = owner.Type.Namespaced ? owner.Namespace : null;
        var stored = _ops.TryGetStored(owner.Type, ns, owner.Name);
        return stored is not null && stored.Uid == owner.Uid ? stored.ToNode() : null;
    }

    private void CollectDependent(ObjectKey dep, string goneOwnerUid)
    {
        var stored = _ops.TryGetStored(dep.Type, dep.Namespace, dep.Name);
        if (stored is null) return;
        var refs = OwnerRefs(stored.ToNode()).ToList();
        var remaining = refs.Where(r => r.Uid != goneOwnerUid && OwnerExists(r, dep.Namespace)).ToList();
        if (remaining.Count == 0) TryDelete(dep, "Background");
        else _ops.Mutate(dep.Type, dep.Namespace, dep.Name, obj => RemoveOwnerRef(obj, goneOwnerUid), fieldManager: "vigil-garbage-collector");
    }

    private bool OwnerExists((string Uid, string ApiVersion, string Kind, string Name) owner, string? ns) =>
        FindOwner(new OwnerKey(owner.Uid, _ops.Registry.FindByKind(owner.ApiVersion, owner.Kind), ns, owner.Name)) is not null;

    private void TryDelete(ObjectKey dep, string policy)
    {
        try
        {
            _ops.Delete(dep.Type, dep.Namespace, dep.Name, new DeleteOptions { PropagationPolicy = policy });
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private void RemoveFinalizer(OwnerKey owner, string finalizer) =>
        _ops.Mutate(owner.Type!, owner.Type!.Namespaced ? owner.Namespace : null, owner.Name, obj =>
        {
            var list = Meta.Finalizers(obj);
            if (!list.Remove(finalizer)) return false;
            Meta.SetFinalizers(obj, list);
            return true;
        }, fieldManager: "vigil-garbage-collector");

    private static bool RemoveOwnerRef(JsonObject obj, string uid)
    {
        if (obj["metadata"]?["ownerReferences"] is not JsonArray refs) return false;
        var keep = refs.Where(r => Meta.Str(r, "uid") != uid).Select(r => r?.DeepClone()).ToArray();
        if (keep.Length == refs.Count) return false;
        if (keep.Length == 0) Meta.Metadata(obj).Remove("ownerReferences");
        else Meta.Metadata(obj)["ownerReferences"] = new JsonArray(keep);
        return true;
    }

    private static IEnumerable<(string Uid, string ApiVersion, string Kind, string Name)> OwnerRefs(JsonObject obj)
    {
        if (obj["metadata"]?["ownerReferences"] is not JsonArray refs) yield break;
        foreach (var r in refs.OfType<JsonObject>())
            if (Meta.Str(r, "uid") is { } uid && Meta.Str(r, "apiVersion") is { } av && Meta.Str(r, "kind") is { } kind && Meta.Str(r, "name") is { } name)
                yield return (uid, av, kind, name);
    }

    public async ValueTask DisposeAsync()
    {
        _ops.Committed -= OnCommitted;
        await _loop.DisposeAsync();
    }
}
