using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Selectors;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// The disruption controller: for each PodDisruptionBudget, the pods it selects, how many are healthy (ready, not
/// being deleted, not just evicted), how many must stay healthy (minAvailable, or the owners' scale less
/// maxUnavailable), how many disruptions are allowed, and the DisruptionAllowed condition the eviction API reads.
/// </summary>
public sealed class DisruptionController : Controller
{
    private static readonly TimeSpan DeletionTimeout = TimeSpan.FromMinutes(2);
    private readonly SelectorIndex _selectors = new();

    public DisruptionController(ControllerHub hub) : base(hub, "controllermanager")
    {
        hub.Subscribe(hub.Pdbs, c =>
        {
            _selectors.Set(c.Key, c.Kind == WatchEventType.Deleted ? null : SelectorOf(c.Node));
            Enqueue(c.Key);
        });
        hub.Subscribe(hub.Pods, c =>
        {
            foreach (var key in _selectors.Matching(c.Namespace, c.Object.Labels, c.Previous?.Labels)) Enqueue(key);
        });
        // The expected count follows the owners' scale.
        foreach (var type in new[] { hub.Deployments, hub.ReplicaSets, hub.StatefulSets, hub.ReplicationControllers })
            hub.Subscribe(type, c =>
            {
                foreach (var key in _selectors.In(c.Namespace)) Enqueue(key);
            });
    }

    public override void Resync()
    {
        foreach (var pdb in Hub.List(Hub.Pdbs, null))
        {
            var key = new ObjectKey(Json.Namespace(pdb), Json.Name(pdb));
            _selectors.Set(key, SelectorOf(pdb));
            Enqueue(key);
        }
    }

    private static LabelSelector SelectorOf(JsonObject pdb)
    {
        try
        {
            return LabelSelector.FromObjectOrNothing(pdb["spec"]?["selector"] as JsonObject);
        }
        catch (ApiException)
        {
            return LabelSelector.Nothing;
        }
    }

    protected override TimeSpan? Sync(ObjectKey key)
    {
        var pdb = Hub.Get(Hub.Pdbs, key.Namespace, key.Name);
        if (pdb is null) return null;
        var selector = SelectorOf(pdb);
        var pods = Ops.Store.List(Hub.Pods.StorageKey, key.Namespace, s => selector.Matches(s.Labels)).Items.Select(s => s.ToNode()).ToList();
        var now = Now;
        var spec = pdb["spec"] as JsonObject ?? new JsonObject();
        long expected, desired;
        var unmanaged = new List<string>();
        if (spec["maxUnavailable"] is { } maxUnavailable)
        {
            expected = ExpectedScale(pods, unmanaged);
            desired = Math.Max(0, expected - Json.Scaled(maxUnavailable, (int)expected, roundUp: true));
        }
        else if (spec["minAvailable"] is JsonValue min && min.TryGetValue<string>(out _))
        {
            expected = ExpectedScale(pods, unmanaged);
            desired = Json.Scaled(min, (int)expected, roundUp: true);
        }
        else
        {
            desired = Json.Long(spec["minAvailable"]);
            expected = pods.Count;
        }
        if (unmanaged.Count > 0)
            Recorder.Warning(pdb, "UnmanagedPods",
                $"Pods selected by this PodDisruptionBudget (selector: {Json.Canonical(spec["selector"])}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.");

        // Pods evicted moments ago count as unhealthy until they are gone or two minutes have passed.
        var disrupted = new JsonObject();
        var recorded = pdb["status"]?["disruptedPods"] as JsonObject ?? new JsonObject();
        TimeSpan? again = null;
        foreach (var (podName, when) in recorded)
        {
            var pod = pods.FirstOrDefault(p => Json.Name(p) == podName);
            var at = Meta.ParseTime(when?.ToString());
            if (pod is null || Meta.IsDeleting(pod) || at is null || at.Value + DeletionTimeout < now) continue;
            disrupted[podName] = when!.DeepClone();
            var left = at.Value + DeletionTimeout - now;
            again = again is null || left < again ? left : again;
        }
        var healthy = pods.Count(p => !Meta.IsDeleting(p) && !disrupted.ContainsKey(Json.Name(p)) && PodState.IsReady(p));
        var allowed = expected <= 0 || healthy - desired <= 0 ? 0 : healthy - desired;
        var generation = Json.Generation(pdb);
        var readVersion = Meta.ResourceVersion(pdb);
        var stale = false;
        UpdateStatus(Hub.Pdbs, key.Namespace, key.Name, o =>
        {
            // Written only over the version this was computed from, as the real controller's update with its
            // resourceVersion: an eviction charged in between (disruptionsAllowed, disruptedPods) must not be undone.
            if (Meta.ResourceVersion(o) != readVersion)
            {
                stale = true;
                return false;
            }
            var before = o["status"]?.DeepClone();
            var st = Json.Status(o);
            st["observedGeneration"] = generation;
            if (disrupted.Count > 0) st["disruptedPods"] = disrupted.DeepClone();
            else st.Remove("disruptedPods");
            st["disruptionsAllowed"] = allowed;
            st["currentHealthy"] = healthy;
            st["desiredHealthy"] = desired;
            st["expectedPods"] = expected;
            SetCondition(st, allowed > 0 ? "True" : "False", allowed > 0 ? "SufficientPods" : "InsufficientPods", generation, now);
            return !JsonNode.DeepEquals(before, o["status"]);
        });
        if (stale) Enqueue(key);
        return again;
    }

    /// <summary>The summed scale of the pods' controllers (a Deployment for its ReplicaSets), as <c>getExpectedScale</c>.</summary>
    private long ExpectedScale(List<JsonObject> pods, List<string> unmanaged)
    {
        var scales = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var owner = Json.ControllerRef(pod);
            if (owner is null)
            {
                unmanaged.Add(Json.Name(pod));
                continue;
            }
            var ns = Json.Namespace(pod);
            var kind = Meta.Str(owner, "kind");
            var uid = Meta.Str(owner, "uid") ?? "";
            if (scales.ContainsKey(uid)) continue;
            JsonObject? controller = kind switch
            {
                "ReplicaSet" => Hub.Get(Hub.ReplicaSets, ns, Meta.Str(owner, "name") ?? ""),
                "StatefulSet" => Hub.Get(Hub.StatefulSets, ns, Meta.Str(owner, "name") ?? ""),
                "ReplicationController" => Hub.Get(Hub.ReplicationControllers, ns, Meta.Str(owner, "name") ?? ""),
                _ => Ops.Registry.FindByKind(Meta.Str(owner, "apiVersion") ?? "", kind ?? "") is { Scale: not null } t ? Hub.Get(t, ns, Meta.Str(owner, "name") ?? "") : null,
            };
            if (controller is null || Json.Uid(controller) != uid) continue;
            if (kind == "ReplicaSet" && Json.ControllerRef(controller) is { } d && Meta.Str(d, "kind") == "Deployment"
                && Hub.Get(Hub.Deployments, ns, Meta.Str(d, "name") ?? "") is { } deployment && Json.Uid(deployment) == Meta.Str(d, "uid"))
            {
                scales[Json.Uid(deployment)] = Json.Long(deployment["spec"]?["replicas"], 1);
                scales[uid] = 0;
                continue;
            }
            scales[uid] = Json.Long(controller["spec"]?["replicas"], 1);
        }
        return scales.Values.Sum();
    }

    /// <summary>The DisruptionAllowed condition (a metav1.Condition).</summary>
    private static void SetCondition(JsonObject status, string st, string reason, long generation, DateTimeOffset now)
    {
        if (status["conditions"] is not JsonArray list) status["conditions"] = list = [];
        var existing = list.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == "DisruptionAllowed");
        var transition = existing is not null && Meta.Str(existing, "status") == st ? Meta.Str(existing, "lastTransitionTime") : Meta.Time(now);
        var condition = new JsonObject
        {
            ["type"] = "DisruptionAllowed",
            ["status"] = st,
            ["observedGeneration"] = generation,
            ["lastTransitionTime"] = transition,
            ["reason"] = reason,
            ["message"] = "",
        };
        if (existing is null) list.Add(condition);
        else list[list.IndexOf(existing)] = condition;
    }
}
