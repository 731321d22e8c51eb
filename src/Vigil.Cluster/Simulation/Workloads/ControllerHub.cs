using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>A namespaced object's key in a controller's work queue.</summary>
public readonly record struct ObjectKey(string Namespace, string Name)
{
    public override string ToString() => Namespace.Length == 0 ? Name : $"{Namespace}/{Name}";
}

/// <summary>
/// One committed change as the workload controllers see it: the stored objects, parsed at most once however many
/// controllers look at them.
/// </summary>
public sealed class Change(ResourceType type, WatchEvent e)
{
    private JsonObject? _node;
    private JsonObject? _previous;

    public ResourceType Type { get; } = type;
    public WatchEventType Kind { get; } = e.Type;
    public StoredObject Object { get; } = e.Object;
    public StoredObject? Previous { get; } = e.Previous;
    public string Namespace => Object.Namespace ?? "";
    public string Name => Object.Name;
    public ObjectKey Key => new(Namespace, Name);

    /// <summary>The object after the change (for a deletion: its last state). Shared: read it, never change it.</summary>
    public JsonObject Node => _node ??= Object.ToNode();

    /// <summary>The object before the change; null for an addition.</summary>
    public JsonObject? PreviousNode => Previous is null ? null : _previous ??= Previous.ToNode();
}

/// <summary>
/// What the workload controllers share: the API's objects, the clock, the resource types they act on, an index of
/// objects by controlling owner, and one subscription to the store's committed changes dispatched by resource.
/// </summary>
public sealed class ControllerHub : IAsyncDisposable
{
    private readonly Dictionary<string, List<Action<Change>>> _handlers = new(StringComparer.Ordinal);
    private bool _started;

    public ControllerHub(SimulationContext context)
    {
        Context = context;
        Ops = context.Operations;
        Clock = context.Clock;
        var r = Ops.Registry;
        Pods = r.Find("", "v1", "pods")!;
        Nodes = r.Find("", "v1", "nodes")!;
        Namespaces = r.Find("", "v1", "namespaces")!;
        Services = r.Find("", "v1", "services")!;
        Endpoints = r.Find("", "v1", "endpoints")!;
        ServiceAccounts = r.Find("", "v1", "serviceaccounts")!;
        Pvcs = r.Find("", "v1", "persistentvolumeclaims")!;
        Pvs = r.Find("", "v1", "persistentvolumes")!;
        Quotas = r.Find("", "v1", "resourcequotas")!;
        ReplicationControllers = r.Find("", "v1", "replicationcontrollers")!;
        Deployments = r.Find("apps", "v1", "deployments")!;
        ReplicaSets = r.Find("apps", "v1", "replicasets")!;
        StatefulSets = r.Find("apps", "v1", "statefulsets")!;
        DaemonSets = r.Find("apps", "v1", "daemonsets")!;
        ControllerRevisions = r.Find("apps", "v1", "controllerrevisions")!;
        Jobs = r.Find("batch", "v1", "jobs")!;
        CronJobs = r.Find("batch", "v1", "cronjobs")!;
        Hpas = r.Find("autoscaling", "v2", "horizontalpodautoscalers")!;
        Pdbs = r.Find("policy", "v1", "poddisruptionbudgets")!;
        StorageClasses = r.Find("storage.k8s.io", "v1", "storageclasses")!;
        Owners = new OwnerIndex([Pods, ReplicaSets, ControllerRevisions, Jobs]);
    }

    public SimulationContext Context { get; }
    public ResourceOperations Ops { get; }
    public TimeProvider Clock { get; }
    public OwnerIndex Owners { get; }

    public ResourceType Pods { get; }
    public ResourceType Nodes { get; }
    public ResourceType Namespaces { get; }
    public ResourceType Services { get; }
    public ResourceType Endpoints { get; }
    public ResourceType ServiceAccounts { get; }
    public ResourceType Pvcs { get; }
    public ResourceType Pvs { get; }
    public ResourceType Quotas { get; }
    public ResourceType ReplicationControllers { get; }
    public ResourceType Deployments { get; }
    public ResourceType ReplicaSets { get; }
    public ResourceType StatefulSets { get; }
    public ResourceType DaemonSets { get; }
    public ResourceType ControllerRevisions { get; }
    public ResourceType Jobs { get; }
    public ResourceType CronJobs { get; }
    public ResourceType Hpas { get; }
    public ResourceType Pdbs { get; }
    public ResourceType StorageClasses { get; }

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Calls <paramref name="handler"/> for every committed change of <paramref name="type"/>; register before <see cref="Start"/>.</summary>
    public void Subscribe(ResourceType type, Action<Change> handler)
    {
        if (_started) throw new InvalidOperationException("subscribe before the hub starts");
        if (!_handlers.TryGetValue(type.StorageKey, out var list)) _handlers[type.StorageKey] = list = [];
        list.Add(handler);
    }

    /// <summary>Indexes what exists already, then follows the store's changes.</summary>
    public void Start()
    {
        _started = true;
        foreach (var type in Owners.Types)
            foreach (var item in Ops.Store.List(type.StorageKey, null, null).Items)
                Owners.Observe(new Change(type, new WatchEvent(WatchEventType.Added, item, null)));
        Ops.Committed += OnCommitted;
    }

    /// <summary>Every object of a kind in a namespace (all namespaces when null), parsed.</summary>
    public IEnumerable<JsonObject> List(ResourceType type, string? ns, Func<StoredObject, bool>? filter = null)
    {
        foreach (var item in Ops.Store.List(type.StorageKey, type.Namespaced ? ns : null, filter).Items)
            yield return item.ToNode();
    }

    public JsonObject? Get(ResourceType type, string? ns, string name) =>
        Ops.TryGetStored(type, type.Namespaced ? ns : null, name)?.ToNode();

    /// <summary>The objects of a tracked kind whose controlling owner is <paramref name="ownerUid"/>.</summary>
    public List<JsonObject> Owned(ResourceType type, string ns, string ownerUid)
    {
        var result = new List<JsonObject>();
        foreach (var name in Owners.Owned(type, ns, ownerUid))
        {
            var stored = Ops.TryGetStored(type, ns, name);
            if (stored is null) continue;
            var node = stored.ToNode();
            if (Json.ControllerUid(node) == ownerUid) result.Add(node);
        }
        return result;
    }

    /// <summary>The objects of a tracked kind in a namespace with no controlling owner whose labels match.</summary>
    public List<JsonObject> Orphans(ResourceType type, string ns, Selectors.LabelSelector selector)
    {
        var result = new List<JsonObject>();
        if (selector.MatchesNothing) return result;
        foreach (var name in Owners.Orphans(type, ns))
        {
            var stored = Ops.TryGetStored(type, ns, name);
            if (stored is null || !selector.Matches(stored.Labels)) continue;
            var node = stored.ToNode();
            if (Json.ControllerRef(node) is null) result.Add(node);
        }
        return result;
    }

    private void OnCommitted(ResourceType type, WatchEvent e)
    {
        if (type.View is not null) return;
        var tracked = Owners.Tracks(type);
        if (!_handlers.TryGetValue(type.StorageKey, out var handlers) && !tracked) return;
        var change = new Change(type, e);
        try
        {
            if (tracked) Owners.Observe(change);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
        }
        if (handlers is null) return;
        foreach (var handler in handlers)
        {
            try
            {
                handler(change);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A controller never fails the write that told it about a change.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Ops.Committed -= OnCommitted;
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Objects by controlling owner (the ownerReference with <c>controller: true</c>), and per namespace those without one,
/// so a controller finds its pods without scanning the namespace. Changes may be reported out of order by concurrent
/// writers; each object's latest resourceVersion wins.
/// </summary>
public sealed class OwnerIndex
{
    private sealed class Table
    {
        public readonly Lock Gate = new();
        public readonly Dictionary<string, (long Rv, string? Owner, bool Gone)> Entries = new(StringComparer.Ordinal);
        public readonly Dictionary<string, HashSet<string>> ByOwner = new(StringComparer.Ordinal);
        public readonly Dictionary<string, HashSet<string>> Orphans = new(StringComparer.Ordinal);
        public int Tombstones;
    }

    private readonly Dictionary<string, Table> _tables;

    public OwnerIndex(IEnumerable<ResourceType> types)
    {
        Types = [.. types];
        _tables = Types.ToDictionary(t => t.StorageKey, _ => new Table(), StringComparer.Ordinal);
    }

    public IReadOnlyList<ResourceType> Types { get; }

    public bool Tracks(ResourceType type) => _tables.ContainsKey(type.StorageKey);

    public void Observe(Change change)
    {
        var table = _tables[change.Type.StorageKey];
        var key = change.Object.Key;
        var ns = change.Namespace;
        var gone = change.Kind == WatchEventType.Deleted;
        var owner = gone ? null : Json.ControllerUid(change.Node);
        lock (table.Gate)
        {
            if (table.Entries.TryGetValue(key, out var old))
            {
                if (old.Rv >= change.Object.ResourceVersion) return;
                if (!old.Gone) Unlink(table, ns, change.Name, old.Owner);
                else table.Tombstones--;
            }
            table.Entries[key] = (change.Object.ResourceVersion, owner, gone);
            if (gone)
            {
                if (++table.Tombstones > 10_000) Prune(table);
                return;
            }
            var set = owner is null ? Set(table.Orphans, ns) : Set(table.ByOwner, owner);
            set.Add(change.Name);
        }
    }

    public string[] Owned(ResourceType type, string ns, string ownerUid)
    {
        var table = _tables[type.StorageKey];
        lock (table.Gate) return table.ByOwner.TryGetValue(ownerUid, out var set) ? [.. set] : [];
    }

    public string[] Orphans(ResourceType type, string ns)
    {
        var table = _tables[type.StorageKey];
        lock (table.Gate) return table.Orphans.TryGetValue(ns, out var set) ? [.. set] : [];
    }

    private static HashSet<string> Set(Dictionary<string, HashSet<string>> map, string key)
    {
        if (!map.TryGetValue(key, out var set)) map[key] = set = new HashSet<string>(StringComparer.Ordinal);
        return set;
    }

    private static void Unlink(Table table, string ns, string name, string? owner)
    {
        var map = owner is null ? table.Orphans : table.ByOwner;
        var key = owner ?? ns;
        if (map.TryGetValue(key, out var set) && set.Remove(name) && set.Count == 0) map.Remove(key);
    }

    private static void Prune(Table table)
    {
        // Tombstones only guard against a late, older report of a deleted object: keep the newest few thousand.
        var keep = table.Entries.Where(e => e.Value.Gone).Select(e => e.Value.Rv).OrderDescending().Skip(2_000).FirstOrDefault();
        foreach (var (k, v) in table.Entries.ToList())
            if (v.Gone && v.Rv <= keep)
            {
                table.Entries.Remove(k);
                table.Tombstones--;
            }
    }
}

/// <summary>Label selectors of one kind of object (Services, disruption budgets), by namespace, for mapping a pod change to the objects that select it.</summary>
public sealed class SelectorIndex
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Collections.Concurrent.ConcurrentDictionary<string, Selectors.LabelSelector>> _byNamespace =
        new(StringComparer.Ordinal);

    public void Set(ObjectKey key, Selectors.LabelSelector? selector)
    {
        if (selector is null)
        {
            if (_byNamespace.TryGetValue(key.Namespace, out var map)) map.TryRemove(key.Name, out _);
            return;
        }
        _byNamespace.GetOrAdd(key.Namespace, _ => new(StringComparer.Ordinal))[key.Name] = selector;
    }

    public bool Contains(ObjectKey key) => _byNamespace.TryGetValue(key.Namespace, out var map) && map.ContainsKey(key.Name);

    /// <summary>The objects in the namespace whose selector matches either set of labels.</summary>
    public IEnumerable<ObjectKey> Matching(string ns, IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string>? previous)
    {
        if (!_byNamespace.TryGetValue(ns, out var map)) yield break;
        foreach (var (name, selector) in map)
            if (selector.Matches(labels) || (previous is not null && selector.Matches(previous))) yield return new ObjectKey(ns, name);
    }

    /// <summary>Every object in the namespace.</summary>
    public IEnumerable<ObjectKey> In(string ns)
    {
        if (!_byNamespace.TryGetValue(ns, out var map)) yield break;
        foreach (var name in map.Keys) yield return new ObjectKey(ns, name);
    }
}

