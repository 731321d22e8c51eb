using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Controllers;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Simulation.Nodes;

namespace Vigil.Cluster.Simulation.Kubelet;

/// <summary>
/// The pod half of every node's kubelet, run for all nodes by a few workers. Each pod has a small state machine
/// (<see cref="PodRuntime"/>); a sync advances it to the cluster clock's "now" (pulling images, starting, probing,
/// exiting, restarting with back-off, terminating), records the kubelet's Events, writes the pod's status only when it
/// differs, and asks for a wake-up at the next moment something will happen, through one shared <see cref="DelayQueue{TKey}"/>.
/// </summary>
internal sealed partial class Kubelet : IClusterListener, IAsyncDisposable
{
    public const string Component = "kubelet";
    private static readonly TimeSpan DefaultPull = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ImagePullBackOffShownAfter = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ConfigRetry = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MountTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan MaxMountBackOff = TimeSpan.FromSeconds(122);
    private static readonly TimeSpan DefaultExitAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DefaultOomAfter = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DefaultLogInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long a stopped container is reported stopped before the kubelet restarts it or backs off (its next sync).</summary>
    private static readonly TimeSpan RestartDecision = TimeSpan.FromSeconds(1);

    private readonly SimulationContext _context;
    private readonly ResourceOperations _ops;
    private readonly ClusterState _state;
    private readonly EventRecorder _recorder;
    private readonly EventRecorder _kernel;
    private readonly EventQueue _events;
    private readonly ResourceType _configMaps;
    private readonly ResourceType _secrets;
    private readonly ResourceType _claims;
    private readonly WorkQueue<string> _queue;
    private readonly DelayQueue<string> _later;
    private readonly ConcurrentDictionary<string, PodRuntime> _pods = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PodIpAllocator> _ips = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _kubeletRunning = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _waitingOnConfig = new(StringComparer.Ordinal);

    public Kubelet(SimulationContext context, ClusterState state, EventQueue events)
    {
        _events = events;
        _context = context;
        _ops = context.Operations;
        _state = state;
        _recorder = context.Recorder(Component);
        _kernel = context.Recorder("kernel-monitor");
        _configMaps = _ops.Registry.Find("", "v1", "configmaps")!;
        _secrets = _ops.Registry.Find("", "v1", "secrets")!;
        _claims = _ops.Registry.Find("", "v1", "persistentvolumeclaims")!;
        _queue = new WorkQueue<string>(Sync, context.Clock, Math.Max(2, Environment.ProcessorCount));
        _later = new DelayQueue<string>(context.Clock, _queue.Enqueue, StringComparer.Ordinal);
    }

    public TimeProvider Clock => _context.Clock;

    /// <summary>The runtime of a pod (by uid), for logs and metrics.</summary>
    public PodRuntime? Runtime(string key, string uid) => _pods.TryGetValue(key, out var rt) && rt.Uid == uid ? rt : null;

    public PodRuntime? Runtime(string key) => _pods.GetValueOrDefault(key);

    public IEnumerable<PodRuntime> Runtimes => _pods.Values;

    // ---- what wakes a pod ----

    public void PodOnNode(string key, string node, bool newlyBound, bool byKubelet)
    {
        if (!byKubelet) _queue.Enqueue(key);
    }

    public void PodDeleted(string key, string uid, string? node)
    {
        if (_pods.TryGetValue(key, out var rt) && rt.Uid == uid && _pods.TryRemove(new KeyValuePair<string, PodRuntime>(key, rt)))
        {
            lock (rt.Gate)
            {
                ReleaseIp(rt);
                foreach (var c in rt.All)
                    if (c.CurrentLog is { End: null } log) log.End = _context.Clock.GetUtcNow();
            }
            _later.Cancel(key);
        }
    }

    public void NodeChanged(NodeRecord node, bool added, bool readyChanged, bool taintsChanged)
    {
        var running = node.KubeletRunning;
        var was = _kubeletRunning.GetValueOrDefault(node.Name, !added && running);
        _kubeletRunning[node.Name] = running;
        // Memory pressure makes the kubelet look at its pods for eviction candidates.
        if (readyChanged || was != running || (taintsChanged && node.SimulatedConditions.Contains("MemoryPressure")))
            foreach (var key in _state.PodsOn(node.Name)) _queue.Enqueue(key);
    }

    public void NodeDeleted(NodeRecord node) => _kubeletRunning.TryRemove(node.Name, out _);

    public void ReferencedObjectChanged(string kind, string ns, string name)
    {
        if (kind is not ("ConfigMap" or "Secret" or "PersistentVolumeClaim") || !_waitingOnConfig.TryGetValue(ns, out var waiting)) return;
        foreach (var key in waiting.Keys) _queue.Enqueue(key);
    }

    private void WaitOnConfig(PodRuntime rt, bool waiting)
    {
        if (waiting) _waitingOnConfig.GetOrAdd(rt.Namespace, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[rt.Key] = 0;
        else if (_waitingOnConfig.TryGetValue(rt.Namespace, out var set)) set.TryRemove(rt.Key, out _);
    }

    // ---- sync ----

    private TimeSpan? Sync(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var ns = key[..slash];
        var name = key[(slash + 1)..];
        var stored = _ops.TryGetStored(_state.Pods, ns, name);
        if (stored is null) return null;
        var nodeName = stored.Fields.GetValueOrDefault("spec.nodeName") ?? "";
        if (nodeName.Length == 0) return null;
        var node = _state.Node(nodeName);
        if (node is null || !node.KubeletRunning) return null;
        var pod = stored.ToNode();

        var rt = _pods.AddOrUpdate(key,
            _ => new PodRuntime(key, ns, name, stored.Uid, nodeName),
            (_, existing) => existing.Uid == stored.Uid ? existing : Replace(existing, new PodRuntime(key, ns, name, stored.Uid, nodeName)));
        DateTimeOffset? next;
        var now = _context.Clock.GetUtcNow();
        lock (rt.Gate)
        {
            if (!rt.Initialized)
            {
                Initialize(rt, pod, node);
                if (!Meta.IsDeleting(pod) && Meta.Str(pod["status"], "phase") is not ("Succeeded" or "Failed")) Admit(rt, node, now);
            }
            else Refresh(rt, pod);
            if (rt.TerminalPhase is null && !Meta.IsDeleting(pod) && node.SimulatedConditions.Contains("MemoryPressure")) EvictUnderMemoryPressure(rt, now);
            // A terminal phase is final, whoever wrote it: nothing runs any more.
            if (rt.TerminalPhase is null && Meta.Str(pod["status"], "phase") is "Succeeded" or "Failed")
            {
                foreach (var c in rt.All.Where(c => c.Phase == ContainerPhase.Running)) Exit(c, now, 137, "Error");
                Finish(rt, Meta.Str(pod["status"], "phase")!, Meta.Str(pod["status"], "reason"), Meta.Str(pod["status"], "message"));
                rt.Adopted = true;
            }
            next = Advance(rt, pod, node, now);
        }
        if (!rt.Adopted) WriteStatus(rt, pod, node, now);
        if (next is { } at) _later.Schedule(key, at > now ? at : now);
        return null;
    }

    private PodRuntime Replace(PodRuntime old, PodRuntime fresh)
    {
        lock (old.Gate) ReleaseIp(old);
        return fresh;
    }

    private void WriteStatus(PodRuntime rt, JsonObject pod, NodeRecord node, DateTimeOffset now)
    {
        JsonObject status;
        lock (rt.Gate) status = BuildStatus(rt, pod, node, now);
        if (JsonNode.DeepEquals(pod["status"], status)) return;
        using var _ = ClusterState.KubeletWriting();
        try
        {
            _ops.Mutate(_state.Pods, rt.Namespace, rt.Name, current =>
            {
                if (Meta.Str(current["metadata"], "uid") != rt.Uid) return false;
                JsonObject fresh;
                lock (rt.Gate) fresh = BuildStatus(rt, current, node, now);
                if (JsonNode.DeepEquals(current["status"], fresh)) return false;
                current["status"] = fresh;
                return true;
            }, "status", Component);
        }
        catch (ApiException)
        {
            _later.Schedule(rt.Key, now + TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>First sight of a pod: its containers, policies and behaviours.</summary>
    private void Initialize(PodRuntime rt, JsonObject pod, NodeRecord node)
    {
        rt.Initialized = true;
        var spec = pod["spec"] as JsonObject ?? [];
        rt.RestartPolicy = Meta.Str(spec, "restartPolicy") ?? "Always";
        rt.HostIp = node.InternalIp;
        var hasInit = spec["initContainers"] is JsonArray { Count: > 0 };
        foreach (var (list, init) in new[] { ("initContainers", true), ("containers", false) })
        {
            if (spec[list] is not JsonArray containers) continue;
            foreach (var c in containers.OfType<JsonObject>())
            {
                var sidecar = init && Meta.Str(c, "restartPolicy") == "Always";
                var container = new ContainerRuntime(Meta.Str(c, "name") ?? "", init, sidecar);
                container.WaitingReason = hasInit ? "PodInitializing" : "ContainerCreating";
                (init ? rt.InitContainers : rt.Containers).Add(container);
            }
        }
        // If the pod already ran elsewhere (a kubelet restart), its status is not replayed: the containers start over.
        Refresh(rt, pod);
    }

    /// <summary>
    /// The kubelet's admission of a pod bound to its node: a pod that was placed by hand (spec.nodeName) on a node without
    /// room is rejected, as the kubelet's resource check does ("OutOfcpu", "OutOfmemory", "OutOfpods").
    /// </summary>
    private void Admit(PodRuntime rt, NodeRecord node, DateTimeOffset now)
    {
        var pod = _state.Pod(rt.Key);
        if (pod is null || pod.Uid != rt.Uid) return;
        string? resource = null;
        long requested = 0, used = 0, capacity = 0;
        lock (_state.Gate)
        {
            var others = node.PodCount - (pod.CountedOn == node.Name ? 1 : 0);
            var cpuUsed = node.Requested.CpuMillis - (pod.CountedOn == node.Name ? pod.Requests.CpuMillis : 0);
            var memoryUsed = node.Requested.MemoryBytes - (pod.CountedOn == node.Name ? pod.Requests.MemoryBytes : 0);
            if (node.AllocatablePods > 0 && others + 1 > node.AllocatablePods)
                (resource, requested, used, capacity) = ("pods", 1, others, node.AllocatablePods);
            else if (pod.Requests.CpuMillis > 0 && pod.Requests.CpuMillis > node.Allocatable.CpuMillis - cpuUsed)
                (resource, requested, used, capacity) = ("cpu", pod.Requests.CpuMillis, cpuUsed, node.Allocatable.CpuMillis);
            else if (pod.Requests.MemoryBytes > 0 && pod.Requests.MemoryBytes > node.Allocatable.MemoryBytes - memoryUsed)
                (resource, requested, used, capacity) = ("memory", pod.Requests.MemoryBytes, memoryUsed, node.Allocatable.MemoryBytes);
        }
        if (resource is null) return;
        var reason = "OutOf" + resource;
        var message = $"Pod was rejected: Node didn't have enough resource: {resource}, requested: {Format(requested)}, used: {Format(used)}, capacity: {Format(capacity)}";
        Event(rt, null, "Warning", reason, message);
        rt.Rejected = true;
        rt.StartTime = now;
        Finish(rt, "Failed", reason, message);
    }

    /// <summary>
    /// The kubelet's eviction under memory pressure, as its ranking starts: a pod whose running containers use more memory
    /// than they request (BestEffort pods request none) is evicted: its containers are stopped and it fails with reason
    /// Evicted and the kubelet's message, and a Warning Evicted event. Pods within their requests stay: the simulated
    /// pressure comes from the node's annotation, not from them.
    /// </summary>
    private void EvictUnderMemoryPressure(PodRuntime rt, DateTimeOffset now)
    {
        var victim = rt.Containers.FirstOrDefault(c => c.Phase == ContainerPhase.Running && c.Behaviour.MemoryUsage is { } usage
            && usage > (c.MemoryRequest ?? Quantity.Zero));
        if (victim is null) return;
        var usage = victim.Behaviour.MemoryUsage!.Value;
        var message = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 61440Ki. "
            + $"Container {victim.Name} was using {usage.ToMemoryString()}, request is {(victim.MemoryRequest ?? Quantity.Zero).ToMemoryString()}, has larger consumption of memory.";
        Event(rt, null, "Warning", "Evicted", message);
        foreach (var c in rt.All.Where(c => c.Phase == ContainerPhase.Running))
        {
            Event(rt, c, "Normal", "Killing", $"Stopping container {c.Name}");
            Exit(c, now, 137, "Error");
        }
        Finish(rt, "Failed", "Evicted", message);
    }

    /// <summary>Follows what may change on a live pod: images (the container restarts) and behaviour annotations.</summary>
    private void Refresh(PodRuntime rt, JsonObject pod)
    {
        var spec = pod["spec"] as JsonObject ?? [];
        var annotations = Meta.StringMap(pod["metadata"]?["annotations"]);
        rt.BehaviourSignature = ContainerBehaviour.Signature(pod);
        foreach (var (list, init) in new[] { ("initContainers", true), ("containers", false) })
        {
            if (spec[list] is not JsonArray containers) continue;
            foreach (var c in containers.OfType<JsonObject>())
            {
                var name = Meta.Str(c, "name") ?? "";
                var container = (init ? rt.InitContainers : rt.Containers).FirstOrDefault(x => x.Name == name);
                if (container is null) continue;
                var image = Meta.Str(c, "image") ?? "";
                if (container.Image.Length > 0 && container.Image != image && container.Phase == ContainerPhase.Running)
                {
                    Event(rt, container, "Normal", "Killing", $"Container {name} definition changed, will be restarted");
                    Exit(container, _context.Clock.GetUtcNow(), 137, "Error");
                    container.ImageReady = false;
                }
                if (container.Image != image)
                {
                    container.Image = image;
                    container.ImageReady = false;
                    container.ImageId = "";
                }
                container.PullPolicy = Meta.Str(c, "imagePullPolicy") ?? "IfNotPresent";
                container.Spec = c;
                container.Behaviour = ContainerBehaviour.For(annotations, name, init && !container.Sidecar);
                var resources = c["resources"] as JsonObject;
                container.MemoryLimit = resources?["limits"]?["memory"] is { } ml ? Quantity.From(ml) : null;
                container.MemoryRequest = resources?["requests"]?["memory"] is { } mr ? Quantity.From(mr) : container.MemoryLimit;
                container.Readiness = ProbeSpec.Parse(c["readinessProbe"] as JsonObject, "503");
                container.Liveness = ProbeSpec.Parse(c["livenessProbe"] as JsonObject, "500");
            }
        }
    }

    private void ReleaseIp(PodRuntime rt)
    {
        if (rt.PodIp is null || rt.IpReleased || !_ips.TryGetValue(rt.NodeName, out var allocator)) return;
        rt.IpReleased = true;
        lock (allocator) allocator.Release(rt.PodIp);
    }

    private string? AllocateIp(NodeRecord node)
    {
        var prefix = NodeAddresses.PodPrefix(node.PodCidr) ?? NodeAddresses.PodPrefix(NodeAddresses.PodCidr(node.Ordinal))!;
        var allocator = _ips.GetOrAdd(node.Name, _ => new PodIpAllocator(prefix));
        lock (allocator) return allocator.Allocate();
    }

    private void Event(PodRuntime rt, ContainerRuntime? c, string type, string reason, string message) =>
        _events.Record(_recorder, rt.Reference, type, reason, message, c?.FieldPath, rt.NodeName);

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    public async ValueTask DisposeAsync()
    {
        _later.Dispose();
        await _queue.DisposeAsync();
    }

    private static string Format(long n) => n.ToString(CultureInfo.InvariantCulture);
}
