using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Controllers;
using Vigil.Cluster.Simulation.Scheduling;

namespace Vigil.Cluster.Simulation.Nodes;

/// <summary>
/// What kube-controller-manager does about nodes: taints from conditions and cordoning (TaintNodesByCondition), nodes whose
/// Lease stops being renewed become Unknown, pods on a node that is not ready are marked not ready, pods that do not
/// tolerate a NoExecute taint are evicted once their toleration runs out (the taint eviction controller), and pods of a
/// deleted node are deleted (pod garbage collection).
/// </summary>
internal sealed class NodeLifecycleController : IClusterListener, IAsyncDisposable
{
    /// <summary><c>--node-monitor-grace-period</c> (50 s since Kubernetes 1.32).</summary>
    public static readonly TimeSpan MonitorGracePeriod = TimeSpan.FromSeconds(50);

    /// <summary><c>--node-monitor-period</c>.</summary>
    public static readonly TimeSpan MonitorPeriod = TimeSpan.FromSeconds(5);

    private const string MonitorKey = "monitor";
    private static readonly HashSet<string> Managed = new(StringComparer.Ordinal)
    {
        Taint.NotReady, Taint.Unreachable, Taint.Unschedulable, Taint.MemoryPressure, Taint.DiskPressure, Taint.PidPressure, Taint.NetworkUnavailable,
    };

    private readonly SimulationContext _context;
    private readonly ResourceOperations _ops;
    private readonly ClusterState _state;
    private readonly EventRecorder _nodeController;
    private readonly EventRecorder _taintEviction;
    private readonly EventQueue _events;
    private readonly WorkQueue<string> _queue;
    private readonly DelayQueue<string> _later;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _lastReady = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _firstSeen = new(StringComparer.Ordinal);

    public NodeLifecycleController(SimulationContext context, ClusterState state, EventQueue events)
    {
        _events = events;
        _context = context;
        _ops = context.Operations;
        _state = state;
        _nodeController = context.Recorder("node-controller");
        _taintEviction = context.Recorder("taint-eviction-controller");
        _queue = new WorkQueue<string>(Process, context.Clock);
        _later = new DelayQueue<string>(context.Clock, _queue.Enqueue, StringComparer.Ordinal);
        _later.Schedule(MonitorKey, MonitorPeriod);
    }

    public void NodeChanged(NodeRecord node, bool added, bool readyChanged, bool taintsChanged)
    {
        lock (_gate) _firstSeen.TryAdd(node.Name, _context.Clock.GetUtcNow());
        _queue.Enqueue("node/" + node.Name);
    }

    public void NodeDeleted(NodeRecord node)
    {
        List<string> pods;
        lock (_state.Gate) pods = [.. node.Pods];
        foreach (var key in pods) _queue.Enqueue("orphan/" + key);
        lock (_gate)
        {
            _firstSeen.Remove(node.Name);
            _lastReady.Remove(node.Name);
        }
    }

    public void PodOnNode(string key, string node, bool newlyBound, bool byKubelet)
    {
        if (!newlyBound) return;
        var record = _state.Node(node);
        if (record is not null && record.Taints.Any(t => t.Effect == Taint.NoExecute)) _queue.Enqueue("pod/" + key);
    }

    private TimeSpan? Process(string key)
    {
        if (key == MonitorKey)
        {
            Monitor();
            _later.Schedule(MonitorKey, MonitorPeriod);
        }
        else if (key.StartsWith("node/", StringComparison.Ordinal)) SyncNode(key[5..]);
        else if (key.StartsWith("pod/", StringComparison.Ordinal)) CheckEviction(key[4..]);
        else if (key.StartsWith("orphan/", StringComparison.Ordinal)) DeleteOrphan(key[7..]);
        return null;
    }

    // ---- taints and readiness ----

    private void SyncNode(string name)
    {
        var record = _state.Node(name);
        var stored = _ops.TryGetStored(_state.Nodes, null, name);
        if (record is null || stored is null) return;
        var node = stored.ToNode();
        var now = _context.Clock.GetUtcNow();
        var desired = DesiredTaints(node);
        var existing = node["spec"]?["taints"] is JsonArray arr ? arr.OfType<JsonObject>().ToList() : [];
        if (!SameTaints(existing, desired))
            _ops.Mutate(_state.Nodes, null, name, n => ApplyTaints(n, DesiredTaints(n), now), fieldManager: "node-controller");

        var ready = (node["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == "Ready") is { } rc
            ? Meta.Str(rc, "status") ?? "" : "";
        string? previous;
        lock (_gate)
        {
            previous = _lastReady.GetValueOrDefault(name);
            _lastReady[name] = ready;
        }
        if (previous == "True" && ready != "True")
        {
            // The node went not ready: say so on the node and on each of its pods (MarkPodsNotReady).
            _events.Record(_nodeController, node, "Normal", "NodeNotReady", $"Node {name} status is now: NodeNotReady");
            foreach (var podKey in _state.PodsOn(name))
            {
                var pod = _state.Pod(podKey);
                if (pod is null || pod.Terminal) continue;
                _events.Record(_nodeController, PodReference(pod), "Warning", "NodeNotReady", "Node is not ready");
            }
        }
        if (record.Taints.Any(t => t.Effect == Taint.NoExecute))
            foreach (var podKey in _state.PodsOn(name)) _queue.Enqueue("pod/" + podKey);
    }

    /// <summary>The managed taints a node should carry for its conditions and cordon.</summary>
    private static List<(string Key, string Effect)> DesiredTaints(JsonObject node)
    {
        var list = new List<(string, string)>();
        var conditions = (node["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().ToDictionary(c => Meta.Str(c, "type") ?? "", c => Meta.Str(c, "status") ?? "", StringComparer.Ordinal)
            ?? [];
        switch (conditions.GetValueOrDefault("Ready"))
        {
            case "False":
                list.Add((Taint.NotReady, Taint.NoSchedule));
                list.Add((Taint.NotReady, Taint.NoExecute));
                break;
            case "Unknown":
                list.Add((Taint.Unreachable, Taint.NoSchedule));
                list.Add((Taint.Unreachable, Taint.NoExecute));
                break;
        }
        if (conditions.GetValueOrDefault("MemoryPressure") == "True") list.Add((Taint.MemoryPressure, Taint.NoSchedule));
        if (conditions.GetValueOrDefault("DiskPressure") == "True") list.Add((Taint.DiskPressure, Taint.NoSchedule));
        if (conditions.GetValueOrDefault("PIDPressure") == "True") list.Add((Taint.PidPressure, Taint.NoSchedule));
        if (conditions.GetValueOrDefault("NetworkUnavailable") == "True") list.Add((Taint.NetworkUnavailable, Taint.NoSchedule));
        if (node["spec"]?["unschedulable"] is JsonValue u && u.TryGetValue<bool>(out var cordoned) && cordoned) list.Add((Taint.Unschedulable, Taint.NoSchedule));
        return list;
    }

    private static bool SameTaints(List<JsonObject> existing, List<(string Key, string Effect)> desired)
    {
        var managed = existing.Where(t => Managed.Contains(Meta.Str(t, "key") ?? "")).Select(t => (Meta.Str(t, "key") ?? "", Meta.Str(t, "effect") ?? "")).ToHashSet();
        return managed.SetEquals(desired);
    }

    private static bool ApplyTaints(JsonObject node, List<(string Key, string Effect)> desired, DateTimeOffset now)
    {
        var spec = Defaulting.Obj(node, "spec");
        var existing = spec["taints"] is JsonArray arr ? arr.OfType<JsonObject>().ToList() : [];
        if (SameTaints(existing, desired)) return false;
        var result = new JsonArray();
        foreach (var t in existing)
        {
            var key = Meta.Str(t, "key") ?? "";
            if (Managed.Contains(key) && !desired.Contains((key, Meta.Str(t, "effect") ?? ""))) continue;
            result.Add(t.DeepClone());
        }
        foreach (var (key, effect) in desired)
        {
            if (existing.Any(t => Meta.Str(t, "key") == key && Meta.Str(t, "effect") == effect)) continue;
            result.Add(new Taint(key, "", effect, effect == Taint.NoExecute ? now : null).ToJson());
        }
        if (result.Count == 0) spec.Remove("taints");
        else spec["taints"] = result;
        return true;
    }

    // ---- unreachable nodes ----

    /// <summary>
    /// Nodes whose Lease has not been renewed within the grace period: every condition becomes Unknown. A node whose simulated
    /// kubelet still runs gets ten more real seconds first: at high speed the grace period is a fraction of a real second,
    /// and a pause of this process (not a failure of the node) must not take the node down.
    /// </summary>
    private void Monitor()
    {
        var now = _context.Clock.GetUtcNow();
        var slack = TimeSpan.FromSeconds(10 * Math.Max(1, _context.Options.Speed));
        foreach (var node in _state.NodeArray)
        {
            if (node.Deleted || node.Ready is "Unknown") continue;
            DateTimeOffset? renewed;
            lock (_state.Gate) renewed = node.LeaseRenewed;
            DateTimeOffset since;
            lock (_gate) since = renewed ?? _firstSeen.GetValueOrDefault(node.Name, now);
            if (now - since <= MonitorGracePeriod || (node.KubeletRunning && now - since <= MonitorGracePeriod + slack)) continue;
            _ops.Mutate(_state.Nodes, null, node.Name, n =>
            {
                if (n["status"]?["conditions"] is not JsonArray conditions) return false;
                var changed = false;
                foreach (var c in conditions.OfType<JsonObject>())
                {
                    if (Meta.Str(c, "type") is not ("Ready" or "MemoryPressure" or "DiskPressure" or "PIDPressure")) continue;
                    if (Meta.Str(c, "status") == "Unknown") continue;
                    c["status"] = "Unknown";
                    c["reason"] = "NodeStatusUnknown";
                    c["message"] = "Kubelet stopped posting node status.";
                    c["lastTransitionTime"] = Meta.Time(now);
                    changed = true;
                }
                return changed;
            }, "status", "node-controller");
        }
    }

    // ---- taint-based eviction ----

    private void CheckEviction(string key)
    {
        var pod = _state.Pod(key);
        if (pod is null || pod.Terminal || pod.NodeName.Length == 0) return;
        var node = _state.Node(pod.NodeName);
        if (node is null) return;
        var noExecute = node.Taints.Where(t => t.Effect == Taint.NoExecute).ToList();
        if (noExecute.Count == 0) return;
        var stored = _ops.TryGetStored(_state.Pods, pod.Namespace, pod.Name);
        if (stored is null || stored.Uid != pod.Uid) return;
        IReadOnlyList<Toleration> tolerations;
        using (var doc = JsonDocument.Parse(stored.Json))
        {
            var root = doc.RootElement;
            if (root.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("deletionTimestamp", out _)) return;
            tolerations = root.TryGetProperty("spec", out var spec) ? Toleration.Parse(spec) : [];
        }
        var now = _context.Clock.GetUtcNow();
        long? minSeconds = null;
        var forever = true;
        var evictNow = false;
        foreach (var taint in noExecute)
        {
            var used = tolerations.Where(t => t.Tolerates(taint)).ToList();
            if (used.Count == 0)
            {
                evictNow = true;
                break;
            }
            foreach (var t in used)
            {
                if (t.Seconds is not { } s) continue;
                forever = false;
                minSeconds = Math.Min(minSeconds ?? long.MaxValue, Math.Max(0, s));
            }
        }
        if (!evictNow)
        {
            if (forever || minSeconds is null) return;
            var since = noExecute.Select(t => t.TimeAdded ?? now).Min();
            var due = since + TimeSpan.FromSeconds(minSeconds.Value);
            if (due > now)
            {
                _later.Schedule("pod/" + key, due);
                return;
            }
        }
        Evict(pod, stored.ToNode(), now);
    }

    private void Evict(PodRecord pod, JsonObject obj, DateTimeOffset now)
    {
        _events.Record(_taintEviction, obj, "Normal", "TaintManagerEviction", $"Marking for deletion Pod {pod.Namespace}/{pod.Name}");
        try
        {
            _ops.Mutate(_state.Pods, pod.Namespace, pod.Name, p =>
                Meta.Str(p["metadata"], "uid") == pod.Uid
                && Conditions.Set(p, "DisruptionTarget", "True", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint", now, probeTimes: true),
                "status", "taint-eviction-controller");
            _ops.Delete(_state.Pods, pod.Namespace, pod.Name, new DeleteOptions { PreconditionUid = pod.Uid });
        }
        catch (ApiException)
        {
        }
    }

    private void DeleteOrphan(string key)
    {
        var pod = _state.Pod(key);
        if (pod is null || (pod.NodeName.Length > 0 && _state.Node(pod.NodeName) is not null)) return;
        try
        {
            _ops.Delete(_state.Pods, pod.Namespace, pod.Name, new DeleteOptions { GracePeriodSeconds = 0, PreconditionUid = pod.Uid });
        }
        catch (ApiException)
        {
        }
    }

    /// <summary>Enough of a pod for an event about it.</summary>
    public static JsonObject PodReference(PodRecord pod) => new()
    {
        ["kind"] = "Pod",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject { ["name"] = pod.Name, ["namespace"] = pod.Namespace, ["uid"] = pod.Uid },
    };

    public async ValueTask DisposeAsync()
    {
        _later.Dispose();
        await _queue.DisposeAsync();
    }
}
