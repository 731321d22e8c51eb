using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>What controllers read from a pod's status (<c>k8s.io/kubernetes/pkg/api/v1/pod</c> helpers).</summary>
public static class PodState
{
    public static string Phase(JsonObject pod) => Meta.Str(pod["status"], "phase") ?? "Pending";

    public static bool IsTerminal(JsonObject pod) => Phase(pod) is "Succeeded" or "Failed";

    /// <summary>Neither finished nor being deleted (<c>controller.IsPodActive</c>).</summary>
    public static bool IsActive(JsonObject pod) => !IsTerminal(pod) && !Meta.IsDeleting(pod);

    public static JsonObject? ReadyCondition(JsonObject pod) =>
        (pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == "Ready");

    public static bool IsReady(JsonObject pod) => Meta.Str(ReadyCondition(pod), "status") == "True";

    /// <summary>When the pod last became ready; null when it is not ready.</summary>
    public static DateTimeOffset? ReadySince(JsonObject pod)
    {
        var c = ReadyCondition(pod);
        return Meta.Str(c, "status") == "True" ? Json.Time(c, "lastTransitionTime") ?? DateTimeOffset.MinValue : null;
    }

    /// <summary>Ready for at least <paramref name="minReadySeconds"/> (<c>podutil.IsPodAvailable</c>).</summary>
    public static bool IsAvailable(JsonObject pod, long minReadySeconds, DateTimeOffset now)
    {
        if (ReadySince(pod) is not { } since) return false;
        return minReadySeconds == 0 || since.AddSeconds(minReadySeconds) < now;
    }

    /// <summary>How long until a ready pod becomes available; null when it is not ready or already available.</summary>
    public static TimeSpan? UntilAvailable(JsonObject pod, long minReadySeconds, DateTimeOffset now)
    {
        if (minReadySeconds == 0 || ReadySince(pod) is not { } since) return null;
        var at = since.AddSeconds(minReadySeconds);
        return at < now ? null : at - now + TimeSpan.FromMilliseconds(50);
    }

    public static string? NodeName(JsonObject pod) => Meta.Str(pod["spec"], "nodeName") is { Length: > 0 } n ? n : null;

    public static long MaxRestarts(JsonObject pod) =>
        (pod["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>().Select(c => Json.Long(c["restartCount"])).DefaultIfEmpty(0).Max() ?? 0;

    /// <summary>
    /// Orders pods the way the ReplicaSet controller picks victims (<c>controller.ActivePodsWithRanks</c>): unscheduled
    /// before scheduled, pending before unknown before running, not ready before ready, lower deletion cost first, more
    /// pods of the same owner on the node first, ready for less time first, more restarts first, newer first.
    /// </summary>
    public static List<JsonObject> RankForDeletion(IEnumerable<JsonObject> pods, IReadOnlyDictionary<string, int> podsPerNode, DateTimeOffset now)
    {
        var list = pods.ToList();
        list.Sort((a, b) => CompareForDeletion(a, b, podsPerNode, now));
        return list;
    }

    private static int CompareForDeletion(JsonObject a, JsonObject b, IReadOnlyDictionary<string, int> podsPerNode, DateTimeOffset now)
    {
        var na = NodeName(a);
        var nb = NodeName(b);
        if ((na is null) != (nb is null)) return na is null ? -1 : 1;
        var pa = PhaseRank(a);
        var pb = PhaseRank(b);
        if (pa != pb) return pa.CompareTo(pb);
        var ra = IsReady(a);
        var rb = IsReady(b);
        if (ra != rb) return ra ? 1 : -1;
        var ca = DeletionCost(a);
        var cb = DeletionCost(b);
        if (ca != cb) return ca.CompareTo(cb);
        var da = na is null ? 0 : podsPerNode.GetValueOrDefault(na);
        var db = nb is null ? 0 : podsPerNode.GetValueOrDefault(nb);
        if (da != db) return db.CompareTo(da);
        if (ra && rb)
        {
            var ta = ReadySince(a)!.Value;
            var tb = ReadySince(b)!.Value;
            if (ta != tb)
            {
                var rank = LogRank(now - ta).CompareTo(LogRank(now - tb));
                if (rank != 0) return rank;
            }
        }
        var xa = MaxRestarts(a);
        var xb = MaxRestarts(b);
        if (xa != xb) return xb.CompareTo(xa);
        var ta2 = Json.Created(a);
        var tb2 = Json.Created(b);
        if (ta2 != tb2)
        {
            var rank = LogRank(now - ta2).CompareTo(LogRank(now - tb2));
            if (rank != 0) return rank;
        }
        return string.CompareOrdinal(Json.Uid(a), Json.Uid(b));
    }

    private static int PhaseRank(JsonObject pod) => Phase(pod) switch
    {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 3,
    };

    private static long DeletionCost(JsonObject pod) =>
        long.TryParse(Json.Annotation(pod, "controller.kubernetes.io/pod-deletion-cost"), out var c) ? c : 0;

    /// <summary>The logarithmic age bucket of LogarithmicScaleDown: ages within a factor of two count as equal.</summary>
    private static long LogRank(TimeSpan age) => age.Ticks > 0 ? (long)Math.Log2(age.Ticks * 100.0) : -1;
}

/// <summary>Creates and deletes pods for a controller and records the Events kube-controller-manager records.</summary>
public sealed class PodControl(ControllerHub hub, EventRecorder recorder)
{
    /// <summary>A pod from a template (<c>controller.GetPodFromTemplate</c>), owned by <paramref name="owner"/>.</summary>
    public static JsonObject FromTemplate(JsonObject template, JsonObject owner, string? generateName = null, string? name = null)
    {
        var tmeta = template["metadata"] as JsonObject;
        var meta = new JsonObject();
        if (name is not null) meta["name"] = name;
        else meta["generateName"] = generateName ?? Json.Name(owner) + "-";
        meta["namespace"] = Json.Namespace(owner);
        if (tmeta?["labels"] is JsonObject labels) meta["labels"] = labels.DeepClone();
        if (tmeta?["annotations"] is JsonObject annotations) meta["annotations"] = annotations.DeepClone();
        if (tmeta?["finalizers"] is JsonArray finalizers) meta["finalizers"] = finalizers.DeepClone();
        meta["ownerReferences"] = new JsonArray(Json.ControllerRefTo(owner));
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = meta,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
    }

    /// <summary>Creates the pod; records SuccessfulCreate, or FailedCreate with the API's error and rethrows it.</summary>
    public JsonObject Create(JsonObject owner, JsonObject pod)
    {
        try
        {
            var created = hub.Ops.Create(hub.Pods, Json.Namespace(owner), pod, new WriteOptions { FieldManager = Controller.Manager });
            recorder.Normal(owner, "SuccessfulCreate", $"Created pod: {Json.Name(created)}");
            return created;
        }
        catch (ApiException e)
        {
            recorder.Warning(owner, "FailedCreate", $"Error creating: {e.Message}");
            throw;
        }
    }

    /// <summary>Deletes the pod and records SuccessfulDelete; false when it was gone already.</summary>
    public bool Delete(JsonObject owner, JsonObject pod)
    {
        try
        {
            hub.Ops.Delete(hub.Pods, Json.Namespace(pod), Json.Name(pod), DeleteOptions.Default);
            recorder.Normal(owner, "SuccessfulDelete", $"Deleted pod: {Json.Name(pod)}");
            return true;
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return false;
        }
        catch (ApiException e)
        {
            recorder.Warning(owner, "FailedDelete", $"Error deleting: {e.Message}");
            throw;
        }
    }

    /// <summary>
    /// Creates <paramref name="count"/> pods in batches of 1, 2, 4... and stops after a batch with a failure
    /// (<c>slowStartBatch</c>). Returns how many were created and the first error.
    /// </summary>
    public (int Created, ApiException? Error) CreateBatch(int count, Func<JsonObject> make, JsonObject owner)
    {
        var created = 0;
        ApiException? error = null;
        for (var batch = 1; created < count && error is null; batch *= 2)
        {
            var n = Math.Min(batch, count - created);
            for (var i = 0; i < n; i++)
            {
                try
                {
                    Create(owner, make());
                    created++;
                }
                catch (ApiException e)
                {
                    error ??= e;
                }
            }
        }
        return (created, error);
    }
}

/// <summary>
/// Adoption and release of dependents by label selector (<c>controller.ControllerRefManager</c>): orphans that match
/// are adopted, owned objects that no longer match are released.
/// </summary>
public static class Claims
{
    /// <param name="member">Limits adoption to objects that belong to the owner beyond the selector (a StatefulSet's pods by name).</param>
    public static List<JsonObject> Claim(ControllerHub hub, Registry.ResourceType type, JsonObject owner, Selectors.LabelSelector selector,
        Func<JsonObject, bool>? member = null)
    {
        var ns = Json.Namespace(owner);
        var uid = Json.Uid(owner);
        var ownerDeleting = Meta.IsDeleting(owner);
        var claimed = new List<JsonObject>();
        foreach (var obj in hub.Owned(type, ns, uid))
        {
            if (selector.MatchesObject(obj) && (member is null || member(obj)))
            {
                claimed.Add(obj);
                continue;
            }
            if (ownerDeleting || Meta.IsDeleting(obj)) continue;
            hub.Ops.Mutate(type, ns, Json.Name(obj), o => RemoveOwner(o, uid), fieldManager: Controller.Manager);
        }
        if (ownerDeleting) return claimed;
        foreach (var obj in hub.Orphans(type, ns, selector))
        {
            if (Meta.IsDeleting(obj) || (member is not null && !member(obj))) continue;
            var adopted = hub.Ops.Mutate(type, ns, Json.Name(obj), o =>
            {
                if (Json.ControllerRef(o) is not null || !selector.MatchesObject(o)) return false;
                var refs = o["metadata"]?["ownerReferences"] as JsonArray ?? [];
                var list = new JsonArray([.. refs.Select(r => r?.DeepClone())]) { Json.ControllerRefTo(owner) };
                Meta.Metadata(o)["ownerReferences"] = list;
                return true;
            }, fieldManager: Controller.Manager);
            if (adopted is not null && Json.ControllerUid(adopted) == uid) claimed.Add(adopted);
        }
        return claimed;
    }

    private static bool RemoveOwner(JsonObject obj, string uid)
    {
        if (obj["metadata"]?["ownerReferences"] is not JsonArray refs) return false;
        var keep = refs.Where(r => Meta.Str(r, "uid") != uid).Select(r => r?.DeepClone()).ToArray();
        if (keep.Length == refs.Count) return false;
        if (keep.Length == 0) Meta.Metadata(obj).Remove("ownerReferences");
        else Meta.Metadata(obj)["ownerReferences"] = new JsonArray(keep);
        return true;
    }
}
