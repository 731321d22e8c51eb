using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Controllers;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Simulation.Nodes;

/// <summary>
/// The node half of every kubelet: registers nodes, reports their status and conditions (including the ones
/// <c>sim.vigil.io/condition</c> asks for), and renews their Leases in <c>kube-node-lease</c>. Lease renewals for all nodes
/// are batched by one timer that renews a slice of the nodes at each tick, so that N nodes cost N/interval writes a second
/// spread evenly, never N timers.
/// </summary>
internal sealed class NodeAgent : IClusterListener, IAsyncDisposable
{
    public const string ConditionAnnotation = "sim.vigil.io/condition";
    public const int LeaseDurationSeconds = 40;

    /// <summary>How often a kubelet reports its status when nothing changed (<c>nodeStatusReportFrequency</c>).</summary>
    public static readonly TimeSpan StatusReportFrequency = TimeSpan.FromMinutes(5);

    private const int HeartbeatSlices = 10;
    private readonly SimulationContext _context;
    private readonly ResourceOperations _ops;
    private readonly ClusterState _state;
    private readonly EventRecorder _kubelet;
    private readonly EventRecorder _nodeController;
    private readonly EventQueue _events;
    private readonly ResourceType _leases;
    private readonly WorkQueue<string> _queue;
    private readonly DelayQueue<string> _reports;
    private readonly ITimer _heartbeat;
    private readonly TimeSpan _interval;
    private int _heartbeatCursor;
    private int _beating;

    public NodeAgent(SimulationContext context, ClusterState state, EventQueue events)
    {
        _events = events;
        _context = context;
        _ops = context.Operations;
        _state = state;
        _kubelet = context.Recorder("kubelet");
        _nodeController = context.Recorder("node-controller");
        _leases = _ops.Registry.Find("coordination.k8s.io", "v1", "leases")!;
        _interval = context.Options.HeartbeatInterval > TimeSpan.Zero ? context.Options.HeartbeatInterval : TimeSpan.FromSeconds(10);
        _queue = new WorkQueue<string>(Sync, context.Clock);
        _reports = new DelayQueue<string>(context.Clock, _queue.Enqueue, StringComparer.Ordinal);
        var tick = _interval / HeartbeatSlices;
        _heartbeat = context.Clock.CreateTimer(_ => Heartbeat(), null, tick, tick);
    }

    /// <summary>Registers the <c>--nodes</c> nodes that do not exist yet.</summary>
    public void CreateNodes(int count)
    {
        for (var i = 1; i <= count; i++)
        {
            var name = NodeFactory.NameOf(i);
            if (_ops.TryGetStored(_state.Nodes, null, name) is not null) continue;
            var node = NodeFactory.Create(name, i - 1);
            NodeFactory.EnsureStatus(node, i - 1, _context.Options.KubernetesVersion);
            SetConditions(node, [], _context.Clock.GetUtcNow(), heartbeat: true);
            try
            {
                _ops.Create(_state.Nodes, null, node, new WriteOptions { FieldManager = "kubelet" });
            }
            catch (ApiException e) when (e.Code == 409)
            {
            }
        }
    }

    public void NodeChanged(NodeRecord node, bool added, bool readyChanged, bool taintsChanged) => _queue.Enqueue(node.Name);

    private TimeSpan? Sync(string name)
    {
        var node = _state.Node(name);
        if (node is null || !node.KubeletRunning) return null;
        var stored = _ops.TryGetStored(_state.Nodes, null, name);
        if (stored is null) return null;
        var obj = stored.ToNode();
        var now = _context.Clock.GetUtcNow();

        // Registration: the labels the kubelet sets, the pod range the IPAM controller assigns.
        var registration = (JsonObject)obj.DeepClone();
        if (NodeFactory.EnsureMetadataAndSpec(registration, node.Ordinal))
            obj = _ops.Mutate(_state.Nodes, null, name, n => NodeFactory.EnsureMetadataAndSpec(n, node.Ordinal), fieldManager: "kubelet") ?? obj;

        var before = Conditions(obj);
        var reportDue = LastHeartbeat(obj) is not { } last || now - last >= StatusReportFrequency;
        var updated = _ops.Mutate(_state.Nodes, null, name, n =>
        {
            var changed = NodeFactory.EnsureStatus(n, node.Ordinal, _context.Options.KubernetesVersion);
            changed |= SetConditions(n, node.SimulatedConditions, now, reportDue);
            return changed;
        }, "status", "kubelet");
        if (updated is not null) RecordTransitions(updated, before, name);
        EnsureLease(obj, now);
        var next = updated is not null && LastHeartbeat(updated) is { } beat ? beat + StatusReportFrequency : now + StatusReportFrequency;
        _reports.Schedule(name, next);
        return null;
    }

    private static Dictionary<string, string> Conditions(JsonObject node)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node["status"]?["conditions"] is JsonArray conditions)
            foreach (var c in conditions.OfType<JsonObject>())
                if (Meta.Str(c, "type") is { } type) map[type] = Meta.Str(c, "status") ?? "";
        return map;
    }

    private static DateTimeOffset? LastHeartbeat(JsonObject node) =>
        (node["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Where(c => Meta.Str(c, "type") == "Ready")
            .Select(c => Meta.ParseTime(Meta.Str(c, "lastHeartbeatTime"))).FirstOrDefault();

    /// <summary>The kubelet's events when a condition it reports changes ("Node node-1 status is now: NodeHasInsufficientMemory").</summary>
    private void RecordTransitions(JsonObject node, Dictionary<string, string> before, string name)
    {
        var after = Conditions(node);
        foreach (var (type, status) in after)
        {
            if (before.TryGetValue(type, out var was) && was == status) continue;
            if (!before.ContainsKey(type) && IsHealthy(type, status)) continue;
            var reason = (type, status) switch
            {
                ("Ready", "True") => "NodeReady",
                ("Ready", _) => "NodeNotReady",
                ("MemoryPressure", "True") => "NodeHasInsufficientMemory",
                ("MemoryPressure", _) => "NodeHasSufficientMemory",
                ("DiskPressure", "True") => "NodeHasDiskPressure",
                ("DiskPressure", _) => "NodeHasNoDiskPressure",
                ("PIDPressure", "True") => "NodeHasInsufficientPID",
                ("PIDPressure", _) => "NodeHasSufficientPID",
                _ => null,
            };
            if (reason is null) continue;
            _events.Record(_kubelet, node, "Normal", reason, $"Node {name} status is now: {reason}", host: name);
        }
        if (before.Count == 0) _events.Record(_nodeController, node, "Normal", "RegisteredNode", $"Node {name} event: Registered Node {name} in Controller");
    }

    private static bool IsHealthy(string type, string status) => type == "Ready" ? status == "True" : status == "False";

    /// <summary>
    /// Sets the kubelet's conditions: healthy unless <paramref name="simulated"/> names them. NetworkUnavailable appears only once
    /// asked for (it belongs to the network plugin). <paramref name="heartbeat"/> refreshes lastHeartbeatTime.
    /// </summary>
    public static bool SetConditions(JsonObject node, IReadOnlyList<string> simulated, DateTimeOffset now, bool heartbeat)
    {
        var status = Defaulting.Obj(node, "status");
        if (status["conditions"] is not JsonArray conditions)
        {
            conditions = [];
            status["conditions"] = conditions;
        }
        var changed = false;
        var on = new HashSet<string>(simulated, StringComparer.OrdinalIgnoreCase);
        void Set(string type, bool bad, string goodReason, string goodMessage, string badReason, string badMessage, bool healthyIsTrue)
        {
            var value = bad ^ healthyIsTrue ? "True" : "False";
            var reason = bad ? badReason : goodReason;
            var message = bad ? badMessage : goodMessage;
            var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == type);
            if (existing is null)
            {
                existing = new JsonObject { ["type"] = type };
                InsertInOrder(conditions, existing);
                changed = true;
            }
            if (Meta.Str(existing, "status") != value)
            {
                existing["lastTransitionTime"] = Meta.Time(now);
                changed = true;
            }
            if (Meta.Str(existing, "status") != value || Meta.Str(existing, "reason") != reason || Meta.Str(existing, "message") != message || heartbeat
                || existing["lastHeartbeatTime"] is null)
            {
                existing["status"] = value;
                existing["lastHeartbeatTime"] = Meta.Time(now);
                existing["reason"] = reason;
                existing["message"] = message;
                changed = true;
            }
        }
        if (on.Contains("NetworkUnavailable") || conditions.OfType<JsonObject>().Any(c => Meta.Str(c, "type") == "NetworkUnavailable"))
            Set("NetworkUnavailable", on.Contains("NetworkUnavailable"), "RouteCreated", "RouteController created a route", "NoRouteCreated", "Node created without a route", healthyIsTrue: false);
        Set("MemoryPressure", on.Contains("MemoryPressure"), "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
            "KubeletHasInsufficientMemory", "kubelet has insufficient memory available", healthyIsTrue: false);
        Set("DiskPressure", on.Contains("DiskPressure"), "KubeletHasNoDiskPressure", "kubelet has no disk pressure",
            "KubeletHasDiskPressure", "kubelet has disk pressure", healthyIsTrue: false);
        Set("PIDPressure", on.Contains("PIDPressure"), "KubeletHasSufficientPID", "kubelet has sufficient PID available",
            "KubeletHasInsufficientPID", "kubelet has insufficient PID available", healthyIsTrue: false);
        Set("Ready", on.Contains("NotReady"), "KubeletReady", "kubelet is posting ready status",
            "KubeletNotReady", "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
            healthyIsTrue: true);
        return changed;
    }

    private static readonly string[] ConditionOrder = ["NetworkUnavailable", "MemoryPressure", "DiskPressure", "PIDPressure", "Ready"];

    private static void InsertInOrder(JsonArray conditions, JsonObject condition)
    {
        var rank = Array.IndexOf(ConditionOrder, Meta.Str(condition, "type"));
        var at = conditions.Count;
        for (var i = 0; i < conditions.Count; i++)
        {
            var other = Array.IndexOf(ConditionOrder, Meta.Str(conditions[i], "type"));
            if (other > rank)
            {
                at = i;
                break;
            }
        }
        conditions.Insert(at, condition);
    }

    // ---- leases ----

    private void EnsureLease(JsonObject node, DateTimeOffset now)
    {
        var name = Meta.Name(node)!;
        if (_ops.TryGetStored(_leases, "kube-node-lease", name) is not null) return;
        var lease = new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["kind"] = "Lease",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = "kube-node-lease",
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Node",
                    ["name"] = name,
                    ["uid"] = Meta.Str(node["metadata"], "uid"),
                }),
            },
            ["spec"] = new JsonObject
            {
                ["holderIdentity"] = name,
                ["leaseDurationSeconds"] = LeaseDurationSeconds,
                ["renewTime"] = Meta.MicroTime(now),
            },
        };
        try
        {
            _ops.Create(_leases, "kube-node-lease", lease, new WriteOptions { FieldManager = "kubelet" });
        }
        catch (ApiException)
        {
        }
    }

    /// <summary>One heartbeat tick: renews the Leases of the next slice of nodes, so every node renews once per interval.</summary>
    private void Heartbeat()
    {
        if (Interlocked.Exchange(ref _beating, 1) == 1) return;
        try
        {
            var nodes = _state.NodeArray;
            if (nodes.Length == 0) return;
            var count = (nodes.Length + HeartbeatSlices - 1) / HeartbeatSlices;
            var now = _context.Clock.GetUtcNow();
            var renewTime = Meta.MicroTime(now);
            for (var i = 0; i < count; i++)
            {
                var node = nodes[(_heartbeatCursor + i) % nodes.Length];
                if (!node.KubeletRunning) continue;
                if (node.LeaseRenewed is { } last && now - last < _interval / 2) continue;
                var renewed = _ops.Mutate(_leases, "kube-node-lease", node.Name, lease =>
                {
                    Defaulting.Obj(lease, "spec")["renewTime"] = renewTime;
                    return true;
                });
                if (renewed is null) _queue.Enqueue(node.Name);
            }
            _heartbeatCursor = (_heartbeatCursor + count) % Math.Max(1, nodes.Length);
        }
        catch (ApiException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            Volatile.Write(ref _beating, 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _heartbeat.DisposeAsync();
        _reports.Dispose();
        await _queue.DisposeAsync();
    }
}
