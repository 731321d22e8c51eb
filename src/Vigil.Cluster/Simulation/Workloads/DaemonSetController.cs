using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Selectors;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// The DaemonSet controller: one pod per eligible node (nodeSelector, required node affinity, taints; cordoned nodes
/// still get daemon pods, since daemon pods tolerate <c>node.kubernetes.io/unschedulable</c>), pinned to its node by
/// node affinity, rolling updates within maxUnavailable, ControllerRevisions, and the status kubectl reads.
/// </summary>
public sealed class DaemonSetController : RevisionedController
{
    public const string TemplateGenerationLabel = "pod-template-generation";

    private static readonly (string Key, string Effect)[] DaemonTolerations =
    [
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
    ];

    private readonly PodControl _pods;

    public DaemonSetController(ControllerHub hub) : base(hub, "daemonset-controller", workers: 2)
    {
        _pods = new PodControl(hub, Recorder);
        hub.Subscribe(hub.DaemonSets, c => Enqueue(c.Key));
        hub.Subscribe(hub.Pods, c =>
        {
            if (OwnerName(c.Node) is { } owner) Enqueue(new ObjectKey(c.Namespace, owner));
            else if (c.Kind == WatchEventType.Added)
                foreach (var ds in Hub.List(hub.DaemonSets, c.Namespace))
                    if (Selector(ds).Matches(c.Object.Labels)) Enqueue(ds);
        });
        hub.Subscribe(hub.ControllerRevisions, c =>
        {
            if (OwnerName(c.Node) is { } owner) Enqueue(new ObjectKey(c.Namespace, owner));
        });
        hub.Subscribe(hub.Nodes, c =>
        {
            // Heartbeats do not change where daemons run: only a new or removed node, labels, taints or readiness do.
            if (c.Kind == WatchEventType.Modified && c.PreviousNode is { } prev
                && JsonNode.DeepEquals(prev["metadata"]?["labels"], c.Node["metadata"]?["labels"])
                && JsonNode.DeepEquals(prev["spec"], c.Node["spec"])) return;
            EnqueueAll(hub.DaemonSets);
        });
    }

    public override void Resync() => EnqueueAll(Hub.DaemonSets);

    private static string? OwnerName(JsonObject obj) =>
        Json.ControllerRef(obj) is { } r && Meta.Str(r, "kind") == "DaemonSet" ? Meta.Str(r, "name") : null;

    private static LabelSelector Selector(JsonObject ds)
    {
        try
        {
            return LabelSelector.FromObjectOrNothing(ds["spec"]?["selector"] as JsonObject);
        }
        catch (ApiException)
        {
            return LabelSelector.Nothing;
        }
    }

    /// <summary>The node a daemon pod is for: its nodeName, or the node its affinity pins it to.</summary>
    private static string? TargetNode(JsonObject pod)
    {
        if (PodState.NodeName(pod) is { } n) return n;
        var terms = pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"] as JsonArray;
        foreach (var term in (terms ?? []).OfType<JsonObject>())
            foreach (var f in (term["matchFields"] as JsonArray ?? []).OfType<JsonObject>())
                if (Meta.Str(f, "key") == "metadata.name" && Meta.Str(f, "operator") == "In" && f["values"] is JsonArray { Count: 1 } v)
                    return v[0]?.GetValue<string>();
        return null;
    }

    /// <summary>(should run, should keep running) for a node, as <c>NodeShouldRunDaemonPod</c> decides.</summary>
    private static (bool Run, bool Continue) ShouldRun(JsonObject ds, JsonObject node)
    {
        var spec = ds["spec"]?["template"]?["spec"] as JsonObject ?? new JsonObject();
        var nodeName = Meta.Str(spec, "nodeName");
        if (!string.IsNullOrEmpty(nodeName) && nodeName != Json.Name(node)) return (false, false);
        if (!NodeAffinity.Matches(spec, node)) return (false, false);
        var tolerations = Tolerations(spec);
        if (NodeAffinity.UntoleratedTaints(node, tolerations, "NoSchedule", "NoExecute").Any())
            return (false, !NodeAffinity.UntoleratedTaints(node, tolerations, "NoExecute").Any());
        return (true, true);
    }

    private static JsonArray Tolerations(JsonObject podSpec)
    {
        var list = (JsonArray)(podSpec["tolerations"]?.DeepClone() ?? new JsonArray());
        var extra = DaemonTolerations.ToList();
        if (Json.Bool(podSpec["hostNetwork"])) extra.Add(("node.kubernetes.io/network-unavailable", "NoSchedule"));
        foreach (var (key, effect) in extra)
        {
            if (list.OfType<JsonObject>().Any(t => Meta.Str(t, "key") == key && Meta.Str(t, "effect") == effect)) continue;
            list.Add(new JsonObject { ["key"] = key, ["operator"] = "Exists", ["effect"] = effect });
        }
        return list;
    }

    protected override TimeSpan? Sync(ObjectKey key)
    {
        var ds = Hub.Get(Hub.DaemonSets, key.Namespace, key.Name);
        if (ds is null) return null;
        var selector = Selector(ds);
        var pods = Claims.Claim(Hub, Hub.Pods, ds, selector);
        if (Meta.IsDeleting(ds)) return null;
        var revisions = Revisions(ds, selector);
        var (update, collisions) = UpdateRevision(ds, revisions);
        var hash = Meta.Str(update["metadata"]?["labels"], HashLabel) ?? "";
        var generation = Json.Generation(ds);
        var minReady = Json.Long(ds["spec"]?["minReadySeconds"]);
        var now = Now;

        var nodes = Hub.List(Hub.Nodes, null).ToDictionary(Json.Name, StringComparer.Ordinal);
        var byNode = new Dictionary<string, List<JsonObject>>(StringComparer.Ordinal);
        foreach (var pod in pods.Where(p => !Meta.IsDeleting(p)))
        {
            var target = TargetNode(pod);
            if (target is null) continue;
            if (!byNode.TryGetValue(target, out var list)) byNode[target] = list = [];
            list.Add(pod);
        }

        long desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
        var createFor = new List<string>();
        var toDelete = new List<JsonObject>();
        var oldAvailable = new List<JsonObject>();
        var oldUnavailable = new List<JsonObject>();
        TimeSpan? again = null;
        foreach (var (name, node) in nodes.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            var (run, keep) = ShouldRun(ds, node);
            var daemonPods = byNode.GetValueOrDefault(name) ?? [];
            if (run)
            {
                desired++;
                var failed = daemonPods.Where(p => PodState.Phase(p) == "Failed").ToList();
                foreach (var f in failed)
                {
                    Recorder.Warning(ds, "FailedDaemonPod", $"Found failed daemon pod {Json.Namespace(f)}/{Json.Name(f)} on node {name}, will try to kill it");
                    toDelete.Add(f);
                }
                var live = daemonPods.Except(failed).OrderBy(Json.Created).ToList();
                if (live.Count == 0)
                {
                    if (failed.Count == 0) createFor.Add(name);
                    continue;
                }
                toDelete.AddRange(live.Skip(1));
                current++;
                var pod = live[0];
                var isUpdated = Meta.Str(pod["metadata"]?["labels"], TemplateHash.ControllerRevisionHashLabel) == hash;
                if (PodState.IsReady(pod))
                {
                    ready++;
                    if (PodState.IsAvailable(pod, minReady, now)) available++;
                    else again = Min(again, PodState.UntilAvailable(pod, minReady, now));
                }
                if (isUpdated) updated++;
                else if (PodState.IsAvailable(pod, minReady, now)) oldAvailable.Add(pod);
                else oldUnavailable.Add(pod);
            }
            else
            {
                if (daemonPods.Count > 0) misscheduled++;
                if (!keep) toDelete.AddRange(daemonPods);
            }
        }
        foreach (var (name, list) in byNode)
            if (!nodes.ContainsKey(name)) toDelete.AddRange(list);

        // Rolling update: old pods that are unavailable go at once; available ones within maxUnavailable.
        if (Meta.Str(ds["spec"]?["updateStrategy"], "type") != "OnDelete")
        {
            var maxUnavailable = Math.Max(1, Json.Scaled(ds["spec"]?["updateStrategy"]?["rollingUpdate"]?["maxUnavailable"] ?? JsonValue.Create(1), (int)desired, roundUp: true));
            var unavailable = desired - available;
            toDelete.AddRange(oldUnavailable);
            foreach (var pod in oldAvailable)
            {
                if (unavailable >= maxUnavailable) break;
                toDelete.Add(pod);
                unavailable++;
            }
        }

        foreach (var pod in toDelete.DistinctBy(Json.Name)) _pods.Delete(ds, pod);
        ApiException? error = null;
        foreach (var nodeName in createFor)
        {
            try
            {
                _pods.Create(ds, NewPod(ds, update, hash, generation, nodeName));
            }
            catch (ApiException e)
            {
                error ??= e;
            }
        }

        UpdateStatus(Hub.DaemonSets, key.Namespace, key.Name, o =>
        {
            var before = o["status"]?.DeepClone();
            var st = Json.Status(o);
            st["currentNumberScheduled"] = current;
            st["numberMisscheduled"] = misscheduled;
            st["desiredNumberScheduled"] = desired;
            st["numberReady"] = ready;
            st["observedGeneration"] = generation;
            Json.SetCount(st, "updatedNumberScheduled", updated);
            Json.SetCount(st, "numberAvailable", available);
            Json.SetCount(st, "numberUnavailable", desired - available);
            Json.SetCount(st, "collisionCount", collisions);
            return !JsonNode.DeepEquals(before, o["status"]);
        });
        var inUse = new HashSet<string>(StringComparer.Ordinal) { Json.Name(update) };
        foreach (var r in revisions)
            if (pods.Any(p => Meta.Str(p["metadata"]?["labels"], TemplateHash.ControllerRevisionHashLabel) == Meta.Str(r["metadata"]?["labels"], HashLabel)))
                inUse.Add(Json.Name(r));
        TruncateHistory(ds, revisions, inUse);
        if (error is not null) throw error;
        return again;
    }

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private static JsonObject NewPod(JsonObject ds, JsonObject revision, string hash, long generation, string nodeName)
    {
        var template = (JsonObject)(ds["spec"]?["template"]?.DeepClone() ?? new JsonObject());
        var pod = PodControl.FromTemplate(template, ds);
        var labels = Json.Obj(Meta.Metadata(pod), "labels");
        labels[TemplateHash.ControllerRevisionHashLabel] = hash;
        labels[TemplateGenerationLabel] = generation.ToString(CultureInfo.InvariantCulture);
        var spec = Json.Obj(pod, "spec");
        spec["tolerations"] = Tolerations(spec);
        var affinity = Json.Obj(spec, "affinity");
        Json.Obj(affinity, "nodeAffinity")["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonObject
        {
            ["nodeSelectorTerms"] = new JsonArray(new JsonObject
            {
                ["matchFields"] = new JsonArray(new JsonObject { ["key"] = "metadata.name", ["operator"] = "In", ["values"] = new JsonArray(nodeName) }),
            }),
        };
        _ = revision;
        return pod;
    }
}
