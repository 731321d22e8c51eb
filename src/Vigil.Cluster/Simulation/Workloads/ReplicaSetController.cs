using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Selectors;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// The ReplicaSet controller (and, with <c>replicationController: true</c>, the ReplicationController manager): keeps
/// <c>spec.replicas</c> active pods from the template, adopts matching orphans, releases pods that stop matching,
/// deletes the least valuable pods first, and reports replicas, fullyLabeledReplicas, readyReplicas,
/// availableReplicas and a ReplicaFailure condition when pods cannot be created.
/// </summary>
public sealed class ReplicaSetController : Controller
{
    private const int BurstReplicas = 500;
    private readonly ResourceType _type;
    private readonly string _kind;
    private readonly PodControl _pods;

    public ReplicaSetController(ControllerHub hub, bool replicationController = false)
        : base(hub, replicationController ? "replication-controller" : "replicaset-controller", workers: 2)
    {
        _type = replicationController ? hub.ReplicationControllers : hub.ReplicaSets;
        _kind = _type.Kind;
        _pods = new PodControl(hub, Recorder);
        hub.Subscribe(_type, c => Enqueue(c.Key));
        hub.Subscribe(hub.Pods, OnPod);
    }

    private void OnPod(Change c)
    {
        var owner = OwnerName(c.Node);
        var previousOwner = c.PreviousNode is { } prev ? OwnerName(prev) : null;
        if (owner is not null) Enqueue(new ObjectKey(c.Namespace, owner));
        if (previousOwner is not null && previousOwner != owner) Enqueue(new ObjectKey(c.Namespace, previousOwner));
        if (Json.ControllerRef(c.Node) is not null || c.Kind == WatchEventType.Deleted) return;
        // An orphan appeared or changed its labels: the sets that select it may adopt it.
        if (c.Kind == WatchEventType.Modified && JsonNode.DeepEquals(c.Node["metadata"]?["labels"], c.PreviousNode?["metadata"]?["labels"])) return;
        foreach (var stored in Ops.Store.List(_type.StorageKey, c.Namespace, null).Items)
        {
            var set = stored.ToNode();
            if (SelectorOf(set) is { } selector && selector.Matches(c.Object.Labels)) Enqueue(new ObjectKey(c.Namespace, stored.Name));
        }
    }

    private string? OwnerName(JsonObject pod) =>
        Json.ControllerRef(pod) is { } r && Meta.Str(r, "kind") == _kind ? Meta.Str(r, "name") : null;

    private LabelSelector? SelectorOf(JsonObject set)
    {
        try
        {
            if (_kind == "ReplicationController")
            {
                var map = Meta.StringMap(set["spec"]?["selector"]);
                if (map.Count == 0) map = Meta.StringMap(set["spec"]?["template"]?["metadata"]?["labels"]);
                return map.Count == 0 ? null : LabelSelector.FromSet(map);
            }
            return LabelSelector.FromObjectOrNothing(set["spec"]?["selector"] as JsonObject);
        }
        catch (ApiException)
        {
            return null;
        }
    }

    public override void Resync() => EnqueueAll(_type);

    protected override TimeSpan? Sync(ObjectKey key)
    {
        var set = Hub.Get(_type, key.Namespace, key.Name);
        if (set is null) return null;
        var selector = SelectorOf(set) ?? LabelSelector.Nothing;
        var pods = Claims.Claim(Hub, Hub.Pods, set, selector);
        var active = pods.Where(PodState.IsActive).ToList();
        var replicas = (int)Json.Long(set["spec"]?["replicas"], 1);
        ApiException? error = null;
        var diff = active.Count - replicas;
        if (!Meta.IsDeleting(set) && diff != 0) error = Manage(set, active, diff);

        var now = Now;
        var minReady = Json.Long(set["spec"]?["minReadySeconds"]);
        var templateLabels = LabelSelector.FromSet(Meta.StringMap(set["spec"]?["template"]?["metadata"]?["labels"]));
        var fullyLabeled = active.Count(p => templateLabels.MatchesObject(p));
        var ready = active.Count(PodState.IsReady);
        var available = active.Count(p => PodState.IsAvailable(p, minReady, now));
        var generation = Json.Generation(set);
        UpdateStatus(_type, key.Namespace, key.Name, obj =>
        {
            var before = obj["status"]?.DeepClone();
            var st = Json.Status(obj);
            st["replicas"] = active.Count;
            Json.SetCount(st, "fullyLabeledReplicas", fullyLabeled);
            Json.SetCount(st, "readyReplicas", ready);
            Json.SetCount(st, "availableReplicas", available);
            st["observedGeneration"] = generation;
            var failure = Conditions.Get(obj, "ReplicaFailure");
            if (error is not null && failure is null)
                Conditions.Set(obj, "ReplicaFailure", "True", diff < 0 ? "FailedCreate" : "FailedDelete", error.Message, now);
            else if (error is null && failure is not null)
                RemoveCondition(st, "ReplicaFailure");
            return !JsonNode.DeepEquals(before, obj["status"]);
        });
        if (error is not null) throw error;
        if (minReady > 0 && ready == replicas && available != replicas)
            return active.Select(p => PodState.UntilAvailable(p, minReady, now)).Where(t => t is not null).Min();
        return null;
    }

    private ApiException? Manage(JsonObject set, List<JsonObject> active, int diff)
    {
        if (diff < 0)
        {
            var template = set["spec"]?["template"] as JsonObject ?? new JsonObject();
            var (_, error) = _pods.CreateBatch(Math.Min(-diff, BurstReplicas), () => PodControl.FromTemplate(template, set), set);
            return error;
        }
        var victims = PodState.RankForDeletion(active, PodsPerNode(set, active), Now).Take(Math.Min(diff, BurstReplicas));
        ApiException? failure = null;
        foreach (var pod in victims)
        {
            try
            {
                _pods.Delete(set, pod);
            }
            catch (ApiException e)
            {
                failure ??= e;
            }
        }
        return failure;
    }

    /// <summary>Active pods per node of this set and of its siblings under the same Deployment (<c>getIndirectlyRelatedPods</c>).</summary>
    private Dictionary<string, int> PodsPerNode(JsonObject set, List<JsonObject> active)
    {
        var related = new List<JsonObject>(active);
        if (_type == Hub.ReplicaSets && Json.ControllerRef(set) is { } owner && Meta.Str(owner, "uid") is { } ownerUid)
        {
            related.Clear();
            foreach (var sibling in Hub.Owned(Hub.ReplicaSets, Json.Namespace(set), ownerUid))
                related.AddRange(Hub.Owned(Hub.Pods, Json.Namespace(set), Json.Uid(sibling)).Where(PodState.IsActive));
        }
        var perNode = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pod in related)
            if (PodState.NodeName(pod) is { } node) perNode[node] = perNode.GetValueOrDefault(node) + 1;
        return perNode;
    }

    internal static void RemoveCondition(JsonObject status, string type)
    {
        if (status["conditions"] is not JsonArray conditions) return;
        var keep = conditions.OfType<JsonObject>().Where(c => Meta.Str(c, "type") != type).Select(c => c.DeepClone()).ToArray();
        if (keep.Length == 0) status.Remove("conditions");
        else status["conditions"] = new JsonArray(keep);
    }
}
