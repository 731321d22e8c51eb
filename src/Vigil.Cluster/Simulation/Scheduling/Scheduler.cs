using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Controllers;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Simulation.Nodes;

namespace Vigil.Cluster.Simulation.Scheduling;

/// <summary>
/// The default scheduler: binds pending pods to nodes with kube-scheduler's filters (NodeUnschedulable, TaintToleration,
/// NodeAffinity, NodeResourcesFit, VolumeBinding's claim checks) and a least-allocated score over a rotating sample of
/// nodes, as <c>percentageOfNodesToScore</c> does. A pod that fits nowhere stays Pending with <c>PodScheduled=False</c>
/// (Unschedulable) and a FailedScheduling event carrying the real message, and is retried with back-off when nodes or
/// pods change.
/// </summary>
internal sealed class Scheduler : IClusterListener, IAsyncDisposable
{
    public const string Name = "default-scheduler";
    private const string FlushKey = "\0flush";
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxInUnschedulable = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MinFlushInterval = TimeSpan.FromSeconds(1);
    private const long DefaultMilliCpuRequest = 100;
    private const long DefaultMemoryRequest = 200L * 1024 * 1024;

    [ThreadStatic] private static bool t_writing;

    private readonly SimulationContext _context;
    private readonly ResourceOperations _ops;
    private readonly ClusterState _state;
    private readonly EventRecorder _recorder;
    private readonly EventQueue _events;
    private readonly Channel<Binding> _bindings = Channel.CreateUnbounded<Binding>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly ConcurrentDictionary<string, byte> _binding = new(StringComparer.Ordinal);
    private readonly Task[] _binders;
    private readonly ResourceType _claims;
    private readonly ResourceType _storageClasses;
    private readonly WorkQueue<string> _queue;
    private readonly DelayQueue<string> _later;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (int Attempts, DateTimeOffset Last)> _unschedulable = new(StringComparer.Ordinal);
    private bool _flushPending;
    private DateTimeOffset _lastFlush;
    // Changes that may let waiting pods fit, counted so an attempt that raced one is retried after its back-off instead of
    // waiting for the periodic retry (kube-scheduler's in-flight events): a claim bound while its pod was being evaluated.
    private long _changes;
    [ThreadStatic] private static long t_changesAtAttempt;
    private int _nextStart;

    /// <summary>A decision whose binding is being written (the scheduler's binding cycle, run apart from its scheduling cycle).</summary>
    private sealed record Binding(string Key, string Namespace, string Name, string Uid, string Node, DateTimeOffset Time,
        IReadOnlyList<(string Claim, string? Volume)>? Volumes);

    public Scheduler(SimulationContext context, ClusterState state, EventQueue events)
    {
        _events = events;
        _context = context;
        _ops = context.Operations;
        _state = state;
        _recorder = context.Recorder(Name);
        _claims = _ops.Registry.Find("", "v1", "persistentvolumeclaims")!;
        _storageClasses = _ops.Registry.Find("storage.k8s.io", "v1", "storageclasses")!;
        _queue = new WorkQueue<string>(Process, context.Clock);
        _later = new DelayQueue<string>(context.Clock, _queue.Enqueue, StringComparer.Ordinal);
        _binders = [.. Enumerable.Range(0, 2).Select(_ => Task.Run(BindAsync))];
    }

    /// <summary>Pods waiting after a failed attempt.</summary>
    public int UnschedulableCount
    {
        get
        {
            lock (_gate) return _unschedulable.Count;
        }
    }

    public void PodPending(string key)
    {
        if (t_writing) return;
        _queue.Enqueue(key);
    }

    public void PodOnNode(string key, string node, bool newlyBound, bool byKubelet) => Forget(key);

    public void PodDeleted(string key, string uid, string? node) => Forget(key);

    public void CapacityChanged(string? node) => RequestFlush();

    public void ReferencedObjectChanged(string kind, string ns, string name)
    {
        if (kind is "PersistentVolumeClaim" or "PersistentVolume") RequestFlush();
    }

    private void Forget(string key)
    {
        lock (_gate)
            if (_unschedulable.Remove(key)) _later.Cancel(key);
    }

    /// <summary>Something changed that may let waiting pods fit: retry them once their back-off has passed.</summary>
    private void RequestFlush()
    {
        lock (_gate)
        {
            _changes++;
            if (_flushPending || _unschedulable.Count == 0) return;
            _flushPending = true;
            var at = _lastFlush + MinFlushInterval;
            _later.Schedule(FlushKey, at);
        }
    }

    private void Flush()
    {
        var now = _context.Clock.GetUtcNow();
        List<(string Key, DateTimeOffset Due)> retry;
        lock (_gate)
        {
            _flushPending = false;
            _lastFlush = now;
            retry = [.. _unschedulable.Select(kv => (kv.Key, kv.Value.Last + Backoff(kv.Value.Attempts)))];
        }
        foreach (var (key, due) in retry)
        {
            if (due <= now) _queue.Enqueue(key);
            else _later.Schedule(key, due);
        }
    }

    private static TimeSpan Backoff(int attempts)
    {
        var backoff = InitialBackoff * Math.Pow(2, Math.Max(0, attempts - 1));
        return backoff > MaxBackoff ? MaxBackoff : backoff;
    }

    private TimeSpan? Process(string key)
    {
        if (key == FlushKey) Flush();
        else ScheduleOne(key);
        return null;
    }

    private void ScheduleOne(string key)
    {
        lock (_gate) t_changesAtAttempt = _changes;
        if (_binding.ContainsKey(key)) return;
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var ns = key[..slash];
        var name = key[(slash + 1)..];
        var stored = _ops.TryGetStored(_state.Pods, ns, name);
        if (stored is null)
        {
            Forget(key);
            return;
        }
        if (stored.Fields.GetValueOrDefault("spec.nodeName") is { Length: > 0 } || stored.Fields.GetValueOrDefault("status.phase") is "Succeeded" or "Failed")
        {
            Forget(key);
            return;
        }
        PodSchedulingSpec spec;
        using (var doc = JsonDocument.Parse(stored.Json))
        {
            var root = doc.RootElement;
            if (root.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("deletionTimestamp", out _)) return;
            if (!root.TryGetProperty("spec", out var specElement)) return;
            spec = PodSchedulingSpec.Parse(specElement);
        }
        if (spec.SchedulerName != Name) return;
        var now = _context.Clock.GetUtcNow();
        if (spec.Gated)
        {
            WriteCondition(ns, name, stored.Uid, "False", "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates", now);
            return;
        }

        var nodes = _state.NodeArray;
        var live = nodes.Count(n => !n.Deleted);
        if (VolumeMessage(ns, spec) is { } volumeMessage)
        {
            Fail(key, ns, name, stored.Uid,
                $"0/{live} nodes are available: {volumeMessage}. preemption: 0/{live} nodes are available: {live} Preemption is not helpful for scheduling.", now);
            return;
        }
        if (live == 0)
        {
            Fail(key, ns, name, stored.Uid, "no nodes available to schedule pods", now);
            return;
        }
        var volumes = spec.Claims.Count == 0 ? null : VolumeBinding.For(_ops, ns, spec.Claims);
        if (volumes is { IsEmpty: true }) volumes = null;

        NodeRecord? chosen = null;
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var unresolvable = 0;
        var resolvable = 0;
        lock (_state.Gate)
        {
            nodes = _state.NodeArray;
            var want = FeasibleToFind(nodes.Length);
            var found = 0;
            var bestScore = double.MinValue;
            var start = nodes.Length == 0 ? 0 : _nextStart % nodes.Length;
            var examined = 0;
            for (var i = 0; i < nodes.Length; i++)
            {
                var node = nodes[(start + i) % nodes.Length];
                examined++;
                if (node.Deleted) continue;
                var failure = Filter(spec, node, reasons, volumes);
                if (failure == FilterResult.Unresolvable)
                {
                    unresolvable++;
                    continue;
                }
                if (failure == FilterResult.Resolvable)
                {
                    resolvable++;
                    continue;
                }
                var score = Score(spec.Requests, node);
                if (score > bestScore)
                {
                    bestScore = score;
                    chosen = node;
                }
                if (++found >= want) break;
            }
            _nextStart = nodes.Length == 0 ? 0 : (start + examined) % nodes.Length;
        }

        if (chosen is null)
        {
            var filterText = string.Join(", ", reasons.Select(kv => $"{kv.Value} {kv.Key}").Order(StringComparer.Ordinal));
            var preemption = new List<string>();
            if (resolvable > 0) preemption.Add($"{resolvable} No preemption victims found for incoming pod");
            if (unresolvable > 0) preemption.Add($"{unresolvable} Preemption is not helpful for scheduling");
            preemption.Sort(StringComparer.Ordinal);
            var message = $"0/{live} nodes are available: {filterText}. preemption: 0/{live} nodes are available: {string.Join(", ", preemption)}.";
            if (spec.PreemptionPolicy == "Never") message = $"0/{live} nodes are available: {filterText}. preemption: not eligible due to preemptionPolicy=Never.";
            Fail(key, ns, name, stored.Uid, message, now);
            return;
        }
        // Assume the pod on the node (so the next decision counts it) and write the binding apart, as kube-scheduler does.
        _state.Assume(key, stored.Uid, chosen.Name);
        _binding[key] = 0;
        _bindings.Writer.TryWrite(new Binding(key, ns, name, stored.Uid, chosen.Name, now, volumes?.Choose(chosen).ToList()));
    }

    private enum FilterResult
    {
        Fits,
        Resolvable,
        Unresolvable,
    }

    /// <summary>kube-scheduler's filters in their order; the first that fails gives the node's reasons.</summary>
    private static FilterResult Filter(PodSchedulingSpec spec, NodeRecord node, Dictionary<string, int> reasons, VolumeBinding? volumes)
    {
        void Reason(string r) => reasons[r] = reasons.GetValueOrDefault(r) + 1;
        if (node.Unschedulable && !spec.Tolerations.Any(t => t.Tolerates(new Taint(Taint.Unschedulable, "", Taint.NoSchedule))))
        {
            Reason("node(s) were unschedulable");
            return FilterResult.Unresolvable;
        }
        if ((Toleration.FirstUntolerated(node.Taints, spec.Tolerations) ?? NotYetTainted(node, spec)) is { } taint)
        {
            Reason($"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}");
            return FilterResult.Unresolvable;
        }
        if (!spec.MatchesNode(node.Name, node.Labels))
        {
            Reason("node(s) didn't match Pod's node affinity/selector");
            return FilterResult.Unresolvable;
        }
        var fits = true;
        var req = spec.Requests;
        var alloc = node.Allocatable;
        var used = node.Requested;
        if (node.PodCount + 1 > node.AllocatablePods)
        {
            Reason("Too many pods");
            fits = false;
        }
        if (req.CpuMillis > 0 && req.CpuMillis > alloc.CpuMillis - used.CpuMillis)
        {
            Reason("Insufficient cpu");
            fits = false;
        }
        if (req.MemoryBytes > 0 && req.MemoryBytes > alloc.MemoryBytes - used.MemoryBytes)
        {
            Reason("Insufficient memory");
            fits = false;
        }
        if (req.EphemeralBytes > 0 && req.EphemeralBytes > alloc.EphemeralBytes - used.EphemeralBytes)
        {
            Reason("Insufficient ephemeral-storage");
            fits = false;
        }
        if (req.Extended is not null)
            foreach (var (resource, amount) in req.Extended.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                if (amount > 0 && amount > alloc.ExtendedAmount(resource) - used.ExtendedAmount(resource))
                {
                    Reason("Insufficient " + resource);
                    fits = false;
                }
        if (!fits) return FilterResult.Resolvable;
        if (volumes?.Check(node) is { } volumeReason)
        {
            Reason(volumeReason);
            return FilterResult.Unresolvable;
        }
        return FilterResult.Fits;
    }

    /// <summary>
    /// A node that is not ready but not tainted yet (just registered, or the lifecycle controller has not caught up) is
    /// treated as carrying the not-ready taint it is about to get, so that no pod slips onto it in between.
    /// </summary>
    private static Taint? NotYetTainted(NodeRecord node, PodSchedulingSpec spec)
    {
        if (node.Ready == "True" || node.Taints.Any(t => t.Key is Taint.NotReady or Taint.Unreachable)) return null;
        var taint = new Taint(node.Ready == "Unknown" ? Taint.Unreachable : Taint.NotReady, "", Taint.NoSchedule);
        return spec.Tolerations.Any(t => t.Tolerates(taint)) ? null : taint;
    }

    /// <summary>NodeResourcesFit's LeastAllocated score (requests without a value count as 100m and 200Mi, as in the scheduler).</summary>
    private static double Score(Resources req, NodeRecord node)
    {
        double Fraction(long allocatable, long requested, long asked) =>
            allocatable <= 0 ? 0 : Math.Max(0, (double)(allocatable - requested - asked) / allocatable);
        var cpu = Fraction(node.Allocatable.CpuMillis, node.Requested.CpuMillis, req.CpuMillis > 0 ? req.CpuMillis : DefaultMilliCpuRequest);
        var memory = Fraction(node.Allocatable.MemoryBytes, node.Requested.MemoryBytes, req.MemoryBytes > 0 ? req.MemoryBytes : DefaultMemoryRequest);
        return (cpu + memory) / 2;
    }

    /// <summary><c>numFeasibleNodesToFind</c>: all nodes below 100, otherwise an adaptive percentage (at least 5%, at least 100).</summary>
    private static int FeasibleToFind(int nodes)
    {
        if (nodes < 100) return nodes;
        var percentage = Math.Max(5, 50 - nodes / 125);
        return Math.Max(100, nodes * percentage / 100);
    }

    /// <summary>VolumeBinding's pre-filter: claims that do not exist, are being deleted, or are unbound with immediate binding.</summary>
    private string? VolumeMessage(string ns, PodSchedulingSpec spec)
    {
        foreach (var claim in spec.Claims)
        {
            var pvc = _ops.TryGetStored(_claims, ns, claim);
            if (pvc is null) return $"persistentvolumeclaim \"{claim}\" not found";
            var obj = pvc.ToNode();
            if (Meta.IsDeleting(obj)) return $"persistentvolumeclaim \"{claim}\" is being deleted";
            if (Meta.Str(obj["status"], "phase") == "Bound") continue;
            var className = Meta.Str(obj["spec"], "storageClassName");
            var mode = className is { Length: > 0 } && _ops.TryGetStored(_storageClasses, null, className) is { } sc
                ? Meta.Str(sc.ToNode(), "volumeBindingMode") : null;
            if (mode != "WaitForFirstConsumer") return "pod has unbound immediate PersistentVolumeClaims";
        }
        return null;
    }

    private void Fail(string key, string ns, string name, string uid, string message, DateTimeOffset now)
    {
        WriteCondition(ns, name, uid, "False", "Unschedulable", message, now);
        var pod = _ops.TryGetStored(_state.Pods, ns, name);
        if (pod is not null && pod.Uid == uid) _events.Record(_recorder, pod.ToNode(), "Warning", "FailedScheduling", message);
        DateTimeOffset retry;
        lock (_gate)
        {
            var attempts = _unschedulable.TryGetValue(key, out var u) ? u.Attempts + 1 : 1;
            _unschedulable[key] = (attempts, now);
            retry = _changes != t_changesAtAttempt ? now + Backoff(attempts) : now + MaxInUnschedulable;
        }
        _later.Schedule(key, retry);
    }

    private void WriteCondition(string ns, string name, string uid, string status, string reason, string message, DateTimeOffset now)
    {
        t_writing = true;
        try
        {
            _ops.Mutate(_state.Pods, ns, name, pod =>
                Meta.Str(pod["metadata"], "uid") == uid && Conditions.Set(pod, "PodScheduled", status, reason, message, now, probeTimes: true),
                "status", Name);
        }
        catch (ApiException)
        {
        }
        finally
        {
            t_writing = false;
        }
    }

    private async Task BindAsync()
    {
        await foreach (var b in _bindings.Reader.ReadAllAsync())
        {
            try
            {
                Bind(b);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _state.Forget(b.Key, b.Uid);
                _binding.TryRemove(b.Key, out _);
            }
        }
    }

    private void Bind(Binding b)
    {
        JsonObject? bound = null;
        try
        {
            if (b.Volumes is { Count: > 0 } volumes) VolumeBinding.PreBind(_ops, b.Namespace, b.Node, volumes);
            bound = _ops.Mutate(_state.Pods, b.Namespace, b.Name, pod =>
            {
                if (Meta.Str(pod["metadata"], "uid") != b.Uid || Meta.Str(pod["spec"], "nodeName") is { Length: > 0 } || Meta.IsDeleting(pod)) return false;
                Defaulting.Obj(pod, "spec")["nodeName"] = b.Node;
                Conditions.Set(pod, "PodScheduled", "True", null, null, b.Time, probeTimes: true);
                return true;
            }, "binding");
        }
        catch (ApiException)
        {
        }
        _binding.TryRemove(b.Key, out _);
        if (bound is not null && Meta.Str(bound["spec"], "nodeName") == b.Node && Meta.Str(bound["metadata"], "uid") == b.Uid)
        {
            Forget(b.Key);
            _events.Record(_recorder, bound, "Normal", "Scheduled", string.Create(CultureInfo.InvariantCulture, $"Successfully assigned {b.Namespace}/{b.Name} to {b.Node}"));
            return;
        }
        // The pod went, changed or was bound by someone else: drop the assumption and look at it again.
        _state.Forget(b.Key, b.Uid);
        if (bound is not null && Meta.Str(bound["spec"], "nodeName") is null or "") _queue.Enqueue(b.Key);
    }

    public async ValueTask DisposeAsync()
    {
        _later.Dispose();
        await _queue.DisposeAsync();
        _bindings.Writer.TryComplete();
        await Task.WhenAll(_binders);
    }
}
