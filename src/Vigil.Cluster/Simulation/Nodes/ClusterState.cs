using System.Text.Json;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Simulation.Scheduling;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Nodes;

/// <summary>A node as the node-side components know it, kept current from the store's changes.</summary>
internal sealed class NodeRecord(string name, int ordinal)
{
    public string Name { get; } = name;

    /// <summary>The order the node was first seen in: where its addresses and pod range come from.</summary>
    public int Ordinal { get; } = ordinal;

    public string Uid { get; set; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>();
    public IReadOnlyList<Taint> Taints { get; set; } = [];
    public bool Unschedulable { get; set; }
    public Resources Allocatable { get; set; } = new();
    public long AllocatablePods { get; set; }

    /// <summary>The Ready condition's status ("True", "False", "Unknown"; "" before the kubelet reported).</summary>
    public string Ready { get; set; } = "";

    /// <summary>The <c>sim.vigil.io/condition</c> annotation: the conditions the node's kubelet reports.</summary>
    public string SimulatedCondition { get; set; } = "";

    public bool Deleted { get; set; }

    /// <summary>Requests of the pods bound here that have not finished (what the scheduler subtracts from allocatable).</summary>
    public Resources Requested { get; } = new();
    public int PodCount { get; set; }

    /// <summary>Keys of every pod bound to the node, finished or not.</summary>
    public HashSet<string> Pods { get; } = new(StringComparer.Ordinal);

    /// <summary>When the node's Lease was last renewed.</summary>
    public DateTimeOffset? LeaseRenewed { get; set; }

    /// <summary>Images present on the node (the kubelet's image cache). Guarded by itself.</summary>
    public HashSet<string> Images { get; } = new(StringComparer.Ordinal);

    /// <summary>True when the node's kubelet is alive (not stopped by <c>sim.vigil.io/condition: Unreachable</c>).</summary>
    public bool KubeletRunning => !Deleted && !SimulatedConditions.Contains("Unreachable");

    public IReadOnlyList<string> SimulatedConditions =>
        SimulatedCondition.Length == 0 ? [] : [.. SimulatedCondition.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>The node's InternalIP (its status address, or the one its ordinal gives).</summary>
    public string InternalIp { get; set; } = "";

    /// <summary>The node's pod range (<c>spec.podCIDR</c>, or the one its ordinal gives).</summary>
    public string PodCidr { get; set; } = "";
}

/// <summary>A pod as the node-side components account for it.</summary>
internal sealed class PodRecord(string key, string ns, string name, string uid, Resources requests)
{
    public string Key { get; } = key;
    public string Namespace { get; } = ns;
    public string Name { get; } = name;
    public string Uid { get; } = uid;
    public Resources Requests { get; } = requests;
    public long ResourceVersion { get; set; }
    public string NodeName { get; set; } = "";
    public bool Terminal { get; set; }

    /// <summary>The node the scheduler chose while its binding is being written (kube-scheduler's "assumed" pod).</summary>
    public string? AssumedNode { get; set; }

    /// <summary>The node whose accounting holds the pod's requests, if any.</summary>
    public string? CountedOn { get; set; }

    /// <summary>Where the pod's requests belong: its node (or the one it is assumed on) until it finishes.</summary>
    public string? CountingNode => Terminal ? null : NodeName.Length > 0 ? NodeName : AssumedNode;
}

/// <summary>What the node-side components are told about changes in the cluster.</summary>
internal interface IClusterListener
{
    /// <summary>A pod without a node that has not finished changed (or appeared).</summary>
    void PodPending(string key) { }

    /// <summary>A pod bound to a node changed (not raised for the kubelet's own writes when <paramref name="byKubelet"/>).</summary>
    void PodOnNode(string key, string node, bool newlyBound, bool byKubelet) { }

    void PodDeleted(string key, string uid, string? node) { }

    /// <summary>Capacity was freed on a node (a pod finished or went), or a node appeared or changed.</summary>
    void CapacityChanged(string? node) { }

    void NodeChanged(NodeRecord node, bool added, bool readyChanged, bool taintsChanged) { }

    void NodeDeleted(NodeRecord node) { }

    /// <summary>A ConfigMap, Secret, PersistentVolumeClaim or PersistentVolume (namespace "") appeared or changed.</summary>
    void ReferencedObjectChanged(string kind, string ns, string name) { }
}

/// <summary>
/// The node-side view of the cluster, kept from <see cref="ResourceOperations.Committed"/>: nodes with their scheduling
/// facts and the requests bound to them, and every pod's node and requests. A pod's spec is read once (its requests
/// never change); later changes are followed through the store's selectable fields, without parsing the object.
/// </summary>
internal sealed class ClusterState : IDisposable
{
    [ThreadStatic] private static bool t_kubeletWriting;

    private readonly ResourceOperations _ops;
    private readonly Dictionary<string, NodeRecord> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PodRecord> _pods = new(StringComparer.Ordinal);
    private readonly List<IClusterListener> _listeners = [];
    private NodeRecord[] _nodeArray = [];
    private int _nextOrdinal;

    public ClusterState(ResourceOperations ops)
    {
        _ops = ops;
        Pods = ops.Registry.Find("", "v1", "pods")!;
        Nodes = ops.Registry.Find("", "v1", "nodes")!;
        ops.Committed += OnCommitted;
    }

    /// <summary>Guards the records; held briefly by the change handler and by the scheduler while it filters nodes.</summary>
    public Lock Gate { get; } = new();

    public ResourceType Pods { get; }
    public ResourceType Nodes { get; }

    public void AddListener(IClusterListener listener) => _listeners.Add(listener);

    /// <summary>The nodes in the order they appeared; read under <see cref="Gate"/> for consistent accounting.</summary>
    public NodeRecord[] NodeArray => Volatile.Read(ref _nodeArray);

    public NodeRecord? Node(string name)
    {
        lock (Gate) return _nodes.GetValueOrDefault(name);
    }

    public PodRecord? Pod(string key)
    {
        lock (Gate) return _pods.GetValueOrDefault(key);
    }

    public List<string> PodsOn(string node)
    {
        lock (Gate) return _nodes.TryGetValue(node, out var n) ? [.. n.Pods] : [];
    }

    public int PodTotal
    {
        get
        {
            lock (Gate) return _pods.Count;
        }
    }

    /// <summary>Marks the writes made inside the scope as the kubelet's own, so its change handler does not wake the kubelet again.</summary>
    public static KubeletWriteScope KubeletWriting() => new();

    public readonly struct KubeletWriteScope : IDisposable
    {
        private readonly bool _outer;

        public KubeletWriteScope()
        {
            _outer = t_kubeletWriting;
            t_kubeletWriting = true;
        }

        public void Dispose() => t_kubeletWriting = _outer;
    }

    /// <summary>Reads the objects already stored (the cluster's bootstrap, anything applied before the simulation started).</summary>
    public void Prime()
    {
        foreach (var node in _ops.Store.List(Nodes.StorageKey, null, null).Items) SyncNode(node, added: true);
        foreach (var pod in _ops.Store.List(Pods.StorageKey, null, null).Items) SyncPod(pod);
    }

    private void OnCommitted(ResourceType type, WatchEvent change)
    {
        if (type.View is not null || type.IsCustom) return;
        switch (type.Group, type.Plural)
        {
            case ("", "pods"):
                if (change.Type == WatchEventType.Deleted) DeletePod(change.Object);
                else SyncPod(change.Object);
                break;
            case ("", "nodes"):
                if (change.Type == WatchEventType.Deleted) DeleteNode(change.Object);
                else SyncNode(change.Object, change.Type == WatchEventType.Added);
                break;
            case ("coordination.k8s.io", "leases") when change.Object.Namespace == "kube-node-lease" && change.Type != WatchEventType.Deleted:
                Lease(change.Object);
                break;
            case ("", "configmaps" or "secrets" or "persistentvolumeclaims" or "persistentvolumes") when change.Type != WatchEventType.Deleted:
                var kind = type.Kind;
                foreach (var l in _listeners) l.ReferencedObjectChanged(kind, change.Object.Namespace ?? "", change.Object.Name);
                break;
        }
    }

    // ---- pods ----

    private void DeletePod(StoredObject obj)
    {
        PodRecord? removed = null;
        var freed = false;
        lock (Gate)
        {
            if (_pods.TryGetValue(obj.Key, out var rec) && rec.Uid == obj.Uid)
            {
                _pods.Remove(obj.Key);
                freed = rec.CountedOn is not null;
                Uncount(rec);
                if (rec.NodeName.Length > 0 && _nodes.TryGetValue(rec.NodeName, out var node)) node.Pods.Remove(rec.Key);
                removed = rec;
            }
        }
        foreach (var l in _listeners) l.PodDeleted(obj.Key, obj.Uid, removed?.NodeName is { Length: > 0 } n ? n : null);
        if (freed)
            foreach (var l in _listeners) l.CapacityChanged(removed!.NodeName);
    }

    private void SyncPod(StoredObject changed)
    {
        // Follow the store, not the event: handlers of concurrent writes may run out of order.
        var current = _ops.Store.Get(Pods.StorageKey, changed.Namespace, changed.Name);
        if (current is null || current.Uid != changed.Uid) return;
        var nodeName = current.Fields.GetValueOrDefault("spec.nodeName") ?? "";
        var phase = current.Fields.GetValueOrDefault("status.phase") ?? "";
        var terminal = phase is "Succeeded" or "Failed";
        PodRecord? rec;
        PodRecord? replaced = null;
        bool newlyBound;
        string? freedOn;
        lock (Gate)
        {
            if (!_pods.TryGetValue(current.Key, out rec) || rec.Uid != current.Uid)
            {
                if (rec is not null)
                {
                    Uncount(rec);
                    if (rec.NodeName.Length > 0 && _nodes.TryGetValue(rec.NodeName, out var oldNode)) oldNode.Pods.Remove(rec.Key);
                    replaced = rec;
                }
                rec = new PodRecord(current.Key, current.Namespace ?? "", current.Name, current.Uid, RequestsOf(current));
                _pods[current.Key] = rec;
            }
            if (current.ResourceVersion <= rec.ResourceVersion) return;
            rec.ResourceVersion = current.ResourceVersion;
            newlyBound = rec.NodeName.Length == 0 && nodeName.Length > 0;
            if (nodeName != rec.NodeName)
            {
                if (rec.NodeName.Length > 0 && _nodes.TryGetValue(rec.NodeName, out var previous)) previous.Pods.Remove(rec.Key);
                rec.NodeName = nodeName;
                if (nodeName.Length > 0 && _nodes.TryGetValue(nodeName, out var node)) node.Pods.Add(rec.Key);
            }
            if (nodeName.Length > 0) rec.AssumedNode = null;
            rec.Terminal = terminal;
            freedOn = Recount(rec);
        }
        if (replaced is not null)
            foreach (var l in _listeners) l.PodDeleted(replaced.Key, replaced.Uid, replaced.NodeName is { Length: > 0 } n ? n : null);
        var byKubelet = t_kubeletWriting;
        foreach (var l in _listeners)
        {
            if (nodeName.Length == 0)
            {
                if (!terminal) l.PodPending(current.Key);
            }
            else l.PodOnNode(current.Key, nodeName, newlyBound, byKubelet);
            if (freedOn is not null) l.CapacityChanged(freedOn);
        }
    }

    /// <summary>The scheduler chose <paramref name="node"/>: count the pod there until its binding is written (or forgotten).</summary>
    public void Assume(string key, string uid, string node)
    {
        lock (Gate)
            if (_pods.TryGetValue(key, out var rec) && rec.Uid == uid && rec.NodeName.Length == 0)
            {
                rec.AssumedNode = node;
                Recount(rec);
            }
    }

    /// <summary>The binding failed: the pod's requests leave the node it was assumed on.</summary>
    public void Forget(string key, string uid)
    {
        string? freed;
        lock (Gate)
        {
            if (!_pods.TryGetValue(key, out var rec) || rec.Uid != uid || rec.AssumedNode is null) return;
            rec.AssumedNode = null;
            freed = Recount(rec);
        }
        if (freed is not null)
            foreach (var l in _listeners) l.CapacityChanged(freed);
    }

    /// <summary>Moves a pod's requests to the node they belong on (under the gate); returns the node that lost them, if any.</summary>
    private string? Recount(PodRecord rec)
    {
        var target = rec.CountingNode;
        if (target == rec.CountedOn) return null;
        var freed = rec.CountedOn;
        Uncount(rec);
        if (target is not null && _nodes.TryGetValue(target, out var node))
        {
            node.Requested.Add(rec.Requests);
            node.PodCount++;
            rec.CountedOn = target;
        }
        return freed;
    }

    private void Uncount(PodRecord rec)
    {
        if (rec.CountedOn is { } on && _nodes.TryGetValue(on, out var node))
        {
            node.Requested.Add(rec.Requests, -1);
            node.PodCount--;
        }
        rec.CountedOn = null;
    }

    private static Resources RequestsOf(StoredObject pod)
    {
        using var doc = JsonDocument.Parse(pod.Json);
        return doc.RootElement.TryGetProperty("spec", out var spec) ? Resources.OfPod(spec) : new Resources();
    }

    // ---- nodes ----

    private void SyncNode(StoredObject changed, bool added)
    {
        var current = _ops.Store.Get(Nodes.StorageKey, null, changed.Name);
        if (current is null || current.Uid != changed.Uid) return;
        using var doc = JsonDocument.Parse(current.Json);
        var root = doc.RootElement;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var simCondition = "";
        if (root.TryGetProperty("metadata", out var meta))
        {
            if (meta.TryGetProperty("labels", out var ls) && ls.ValueKind == JsonValueKind.Object)
                foreach (var p in ls.EnumerateObject())
                    if (p.Value.ValueKind == JsonValueKind.String) labels[p.Name] = p.Value.GetString()!;
            if (meta.TryGetProperty("annotations", out var an) && an.ValueKind == JsonValueKind.Object
                && an.TryGetProperty(NodeAgent.ConditionAnnotation, out var c) && c.ValueKind == JsonValueKind.String)
                simCondition = c.GetString()!;
        }
        var spec = root.TryGetProperty("spec", out var s) ? s : default;
        var podCidr = spec.ValueKind == JsonValueKind.Object ? Taint.Str(spec, "podCIDR") : "";
        var internalIp = "";
        var taints = spec.ValueKind == JsonValueKind.Object ? Taint.Parse(spec) : [];
        var unschedulable = spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("unschedulable", out var u) && u.ValueKind == JsonValueKind.True;
        var allocatable = new Resources();
        long pods = 0;
        var ready = "";
        if (root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object)
        {
            var list = status.TryGetProperty("allocatable", out var a) && a.ValueKind == JsonValueKind.Object ? a
                : status.TryGetProperty("capacity", out var cap) && cap.ValueKind == JsonValueKind.Object ? cap : default;
            if (list.ValueKind == JsonValueKind.Object)
                foreach (var p in list.EnumerateObject())
                {
                    var q = Resources.ReadQuantity(p.Value);
                    if (p.Name == "pods") pods = q.Units;
                    else allocatable.Set(p.Name, q);
                }
            if (status.TryGetProperty("addresses", out var addresses) && addresses.ValueKind == JsonValueKind.Array)
                foreach (var address in addresses.EnumerateArray())
                    if (Taint.Str(address, "type") == "InternalIP" && internalIp.Length == 0) internalIp = Taint.Str(address, "address");
            if (status.TryGetProperty("conditions", out var conditions) && conditions.ValueKind == JsonValueKind.Array)
                foreach (var cond in conditions.EnumerateArray())
                    if (Taint.Str(cond, "type") == "Ready") ready = Taint.Str(cond, "status");
        }

        NodeRecord rec;
        bool isNew, readyChanged, taintsChanged, schedulingChanged;
        lock (Gate)
        {
            isNew = !_nodes.TryGetValue(current.Name, out rec!) || rec.Uid != current.Uid;
            if (isNew)
            {
                var old = rec;
                rec = new NodeRecord(current.Name, old?.Ordinal ?? _nextOrdinal++) { Uid = current.Uid };
                if (old is not null)
                    foreach (var pod in _pods.Values)
                        if (pod.CountedOn == old.Name) pod.CountedOn = null;
                _nodes[current.Name] = rec;
                RecountNode(rec);
                _nodeArray = [.. _nodes.Values.OrderBy(n => n.Ordinal)];
            }
            readyChanged = rec.Ready != ready;
            taintsChanged = !rec.Taints.SequenceEqual(taints);
            schedulingChanged = isNew || added || taintsChanged || readyChanged || rec.Unschedulable != unschedulable || rec.AllocatablePods != pods
                || !SameResources(rec.Allocatable, allocatable) || !SameLabels(rec.Labels, labels);
            rec.Labels = labels;
            rec.Taints = taints;
            rec.Unschedulable = unschedulable;
            rec.Allocatable = allocatable;
            rec.AllocatablePods = pods;
            rec.Ready = ready;
            rec.SimulatedCondition = simCondition;
            rec.PodCidr = podCidr.Length > 0 ? podCidr : NodeAddresses.PodCidr(rec.Ordinal);
            rec.InternalIp = internalIp.Length > 0 ? internalIp : NodeAddresses.InternalIp(rec.Ordinal);
        }
        foreach (var l in _listeners)
        {
            l.NodeChanged(rec, isNew || added, readyChanged, taintsChanged);
            if (schedulingChanged) l.CapacityChanged(rec.Name);
        }
    }

    private static bool SameResources(Resources a, Resources b)
    {
        if (a.CpuMillis != b.CpuMillis || a.MemoryBytes != b.MemoryBytes || a.EphemeralBytes != b.EphemeralBytes) return false;
        var ea = a.Extended ?? [];
        var eb = b.Extended ?? [];
        return ea.Count == eb.Count && ea.All(kv => eb.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>Counts the requests of pods already bound to a node that just appeared (under the gate).</summary>
    private void RecountNode(NodeRecord node)
    {
        foreach (var pod in _pods.Values)
        {
            if (pod.NodeName == node.Name) node.Pods.Add(pod.Key);
            if (pod.CountingNode == node.Name && pod.CountedOn is null)
            {
                node.Requested.Add(pod.Requests);
                node.PodCount++;
                pod.CountedOn = node.Name;
            }
        }
    }

    private void DeleteNode(StoredObject obj)
    {
        NodeRecord? rec;
        lock (Gate)
        {
            if (!_nodes.TryGetValue(obj.Name, out rec) || rec.Uid != obj.Uid) return;
            _nodes.Remove(obj.Name);
            rec.Deleted = true;
            foreach (var pod in _pods.Values)
                if (pod.CountedOn == rec.Name) pod.CountedOn = null;
            _nodeArray = [.. _nodes.Values.OrderBy(n => n.Ordinal)];
        }
        foreach (var l in _listeners) l.NodeDeleted(rec);
    }

    private void Lease(StoredObject lease)
    {
        using var doc = JsonDocument.Parse(lease.Json);
        if (!doc.RootElement.TryGetProperty("spec", out var spec) || !spec.TryGetProperty("renewTime", out var rt) || rt.ValueKind != JsonValueKind.String) return;
        var renewed = Meta.ParseTime(rt.GetString());
        lock (Gate)
            if (_nodes.TryGetValue(lease.Name, out var node) && (node.LeaseRenewed is null || renewed > node.LeaseRenewed))
                node.LeaseRenewed = renewed;
    }

    public void Dispose() => _ops.Committed -= OnCommitted;
}
