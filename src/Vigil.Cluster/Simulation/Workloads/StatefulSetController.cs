using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Selectors;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// The StatefulSet controller: pods <c>&lt;set&gt;-0..N-1</c> with stable identities, PersistentVolumeClaims
/// <c>&lt;template&gt;-&lt;set&gt;-&lt;ordinal&gt;</c> from volumeClaimTemplates, OrderedReady (one at a time, each Running and
/// Ready before the next) or Parallel management, scale-down from the highest ordinal, rolling updates in reverse
/// ordinal order above the partition, ControllerRevisions and the status kubectl reads.
/// </summary>
public sealed class StatefulSetController : RevisionedController
{
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";

    public StatefulSetController(ControllerHub hub) : base(hub, "statefulset-controller", workers: 2)
    {
        hub.Subscribe(hub.StatefulSets, c => Enqueue(c.Key));
        hub.Subscribe(hub.Pods, c =>
        {
            if (OwnerName(c.Node) is { } owner) Enqueue(new ObjectKey(c.Namespace, owner));
            else if (c.Kind == WatchEventType.Added)
                foreach (var set in Hub.List(hub.StatefulSets, c.Namespace))
                    if (Selector(set).Matches(c.Object.Labels)) Enqueue(set);
        });
        hub.Subscribe(hub.ControllerRevisions, c =>
        {
            if (OwnerName(c.Node) is { } owner) Enqueue(new ObjectKey(c.Namespace, owner));
        });
    }

    private static string? OwnerName(JsonObject obj) =>
        Json.ControllerRef(obj) is { } r && Meta.Str(r, "kind") == "StatefulSet" ? Meta.Str(r, "name") : null;

    private static LabelSelector Selector(JsonObject set)
    {
        try
        {
            return LabelSelector.FromObjectOrNothing(set["spec"]?["selector"] as JsonObject);
        }
        catch (ApiException)
        {
            return LabelSelector.Nothing;
        }
    }

    private static int Ordinal(JsonObject set, JsonObject pod)
    {
        var name = Json.Name(pod);
        var prefix = Json.Name(set) + "-";
        return name.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(name[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : -1;
    }

    private static string? PodRevision(JsonObject pod) => Meta.Str(pod["metadata"]?["labels"], TemplateHash.ControllerRevisionHashLabel);

    private static bool RunningAndReady(JsonObject pod) => PodState.Phase(pod) == "Running" && PodState.IsReady(pod);

    public override void Resync() => EnqueueAll(Hub.StatefulSets);

    protected override TimeSpan? Sync(ObjectKey key)
    {
        var set = Hub.Get(Hub.StatefulSets, key.Namespace, key.Name);
        if (set is null) return null;
        var selector = Selector(set);
        var pods = Claims.Claim(Hub, Hub.Pods, set, selector, p => Ordinal(set, p) >= 0);
        if (Meta.IsDeleting(set)) return null;
        var revisions = Revisions(set, selector);
        var (update, collisions) = UpdateRevision(set, revisions);
        var currentName = Meta.Str(set["status"], "currentRevision");
        var current = revisions.FirstOrDefault(r => Json.Name(r) == currentName) ?? update;

        var spec = set["spec"] as JsonObject ?? new JsonObject();
        var replicaCount = (int)Json.Long(spec["replicas"], 1);
        var start = (int)Json.Long(spec["ordinals"]?["start"]);
        var minReady = Json.Long(spec["minReadySeconds"]);
        var monotonic = Meta.Str(spec, "podManagementPolicy") != "Parallel";
        var rolling = Meta.Str(spec["updateStrategy"], "type") != "OnDelete";
        var partition = (int)Json.Long(spec["updateStrategy"]?["rollingUpdate"]?["partition"]);
        var now = Now;
        TimeSpan? again = null;

        var replicas = new JsonObject?[replicaCount];
        var condemned = new List<JsonObject>();
        foreach (var pod in pods)
        {
            var ord = Ordinal(set, pod);
            if (ord >= start && ord < start + replicaCount) replicas[ord - start] = pod;
            else if (ord >= 0) condemned.Add(pod);
        }
        condemned.Sort((a, b) => Ordinal(set, b).CompareTo(Ordinal(set, a)));
        var done = false;

        // Create missing pods, replace finished ones, and (OrderedReady) wait for each to be healthy.
        for (var i = 0; i < replicaCount && !done; i++)
        {
            var pod = replicas[i];
            var ordinal = start + i;
            if (pod is not null && PodState.IsTerminal(pod))
            {
                if (!Meta.IsDeleting(pod)) DeletePod(set, pod);
                done = monotonic;
                continue;
            }
            if (pod is null)
            {
                // Below the partition pods stay at the current revision (the apiserver defaults the partition to 0).
                var useCurrent = rolling && ordinal < start + partition;
                var revision = useCurrent ? current : update;
                if (!CreatePod(set, revision, ordinal)) return TimeSpan.FromSeconds(5);
                done = monotonic;
                continue;
            }
            EnsureClaims(set, ordinal);
            if (!monotonic) continue;
            if (Meta.IsDeleting(pod) || !RunningAndReady(pod))
            {
                done = true;
                continue;
            }
            if (!PodState.IsAvailable(pod, minReady, now))
            {
                again = PodState.UntilAvailable(pod, minReady, now);
                done = true;
            }
        }

        // Scale down from the highest ordinal.
        if (!done)
            foreach (var pod in condemned)
            {
                if (Meta.IsDeleting(pod))
                {
                    if (monotonic)
                    {
                        done = true;
                        break;
                    }
                    continue;
                }
                if (monotonic && replicas.Any(p => p is null || !RunningAndReady(p) || Meta.IsDeleting(p)))
                {
                    done = true;
                    break;
                }
                DeletePod(set, pod);
                if (monotonic)
                {
                    done = true;
                    break;
                }
            }

        // Rolling update: replace pods not at the update revision, highest ordinal first, one at a time.
        if (!done && rolling)
            for (var target = replicaCount - 1; target >= Math.Max(0, partition - start); target--)
            {
                var pod = replicas[target];
                if (pod is null) break;
                if (PodRevision(pod) != Json.Name(update) && !Meta.IsDeleting(pod))
                {
                    DeletePod(set, pod);
                    break;
                }
                if (!RunningAndReady(pod) || Meta.IsDeleting(pod) || !PodState.IsAvailable(pod, minReady, now)) break;
            }

        // Status, counted over the pods as they were read.
        long created = 0, ready = 0, available = 0, atCurrent = 0, atUpdate = 0;
        foreach (var pod in pods)
        {
            created++;
            if (RunningAndReady(pod))
            {
                ready++;
                if (PodState.IsAvailable(pod, minReady, now)) available++;
            }
            if (!Meta.IsDeleting(pod))
            {
                if (PodRevision(pod) == Json.Name(current)) atCurrent++;
                if (PodRevision(pod) == Json.Name(update)) atUpdate++;
            }
        }
        var currentRevision = Json.Name(current);
        if (rolling && atUpdate == created && ready == created)
        {
            atCurrent = atUpdate;
            currentRevision = Json.Name(update);
        }
        var generation = Json.Generation(set);
        UpdateStatus(Hub.StatefulSets, key.Namespace, key.Name, o =>
        {
            var before = o["status"]?.DeepClone();
            var st = Json.Status(o);
            st["observedGeneration"] = generation;
            st["replicas"] = created;
            Json.SetCount(st, "readyReplicas", ready);
            Json.SetCount(st, "currentReplicas", atCurrent);
            Json.SetCount(st, "updatedReplicas", atUpdate);
            st["availableReplicas"] = available;
            st["currentRevision"] = currentRevision;
            st["updateRevision"] = Json.Name(update);
            st["collisionCount"] = collisions;
            return !JsonNode.DeepEquals(before, o["status"]);
        });

        var live = new HashSet<string>(pods.Select(PodRevision).OfType<string>(), StringComparer.Ordinal) { currentRevision, Json.Name(update) };
        TruncateHistory(set, revisions, live);
        return again;
    }

    private bool CreatePod(JsonObject set, JsonObject revision, int ordinal)
    {
        var name = $"{Json.Name(set)}-{ordinal}";
        if (!EnsureClaims(set, ordinal)) return false;
        var template = RevisionTemplate(set, revision);
        var pod = PodControl.FromTemplate(template, set, name: name);
        var labels = Json.Obj(Meta.Metadata(pod), "labels");
        labels[PodNameLabel] = name;
        labels[PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture);
        labels[TemplateHash.ControllerRevisionHashLabel] = Json.Name(revision);
        var podSpec = Json.Obj(pod, "spec");
        podSpec["hostname"] = name;
        if (Meta.Str(set["spec"], "serviceName") is { Length: > 0 } service) podSpec["subdomain"] = service;
        if (set["spec"]?["volumeClaimTemplates"] is JsonArray claims)
        {
            var volumes = podSpec["volumes"] as JsonArray ?? [];
            foreach (var claim in claims.OfType<JsonObject>())
            {
                var claimName = Json.Name(claim);
                var volume = new JsonObject { ["name"] = claimName, ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = $"{claimName}-{Json.Name(set)}-{ordinal}" } };
                var existing = volumes.OfType<JsonObject>().FirstOrDefault(v => Meta.Str(v, "name") == claimName);
                if (existing is not null) volumes[volumes.IndexOf(existing)] = volume;
                else volumes.Add(volume);
            }
            podSpec["volumes"] = volumes;
        }
        try
        {
            Ops.Create(Hub.Pods, Json.Namespace(set), pod, new WriteOptions { FieldManager = Manager });
            Recorder.Normal(set, "SuccessfulCreate", $"create Pod {name} in StatefulSet {Json.Name(set)} successful");
            return true;
        }
        catch (ApiException e) when (e.Reason == "AlreadyExists")
        {
            return true;
        }
        catch (ApiException e)
        {
            Recorder.Warning(set, "FailedCreate", $"create Pod {name} in StatefulSet {Json.Name(set)} failed error: {e.Message}");
            return false;
        }
    }

    /// <summary>The template a revision recorded (the set's own when it is the update revision).</summary>
    private static JsonObject RevisionTemplate(JsonObject set, JsonObject revision)
    {
        if (revision["data"]?["spec"]?["template"] is JsonObject recorded)
        {
            var copy = (JsonObject)recorded.DeepClone();
            copy.Remove("$patch");
            return copy;
        }
        return set["spec"]?["template"] as JsonObject ?? new JsonObject();
    }

    /// <summary>Creates the pod's claims that do not exist yet; false when one could not be created.</summary>
    private bool EnsureClaims(JsonObject set, int ordinal)
    {
        if (set["spec"]?["volumeClaimTemplates"] is not JsonArray claims) return true;
        var ns = Json.Namespace(set);
        var podName = $"{Json.Name(set)}-{ordinal}";
        var policy = set["spec"]?["persistentVolumeClaimRetentionPolicy"];
        foreach (var template in claims.OfType<JsonObject>())
        {
            var name = $"{Json.Name(template)}-{Json.Name(set)}-{ordinal}";
            if (Ops.TryGetStored(Hub.Pvcs, ns, name) is not null) continue;
            var meta = (JsonObject)(template["metadata"]?.DeepClone() ?? new JsonObject());
            meta["name"] = name;
            meta["namespace"] = ns;
            meta.Remove("generateName");
            var labels = Json.Obj(meta, "labels");
            foreach (var (k, v) in Meta.StringMap(set["spec"]?["selector"]?["matchLabels"])) labels[k] = v;
            if (Meta.Str(policy, "whenDeleted") == "Delete")
                meta["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "apps/v1", ["kind"] = "StatefulSet", ["name"] = Json.Name(set), ["uid"] = Json.Uid(set),
                    ["controller"] = true, ["blockOwnerDeletion"] = true,
                });
            var claim = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "PersistentVolumeClaim",
                ["metadata"] = meta,
                ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
            };
            try
            {
                Ops.Create(Hub.Pvcs, ns, claim, new WriteOptions { FieldManager = Manager });
                Recorder.Normal(set, "SuccessfulCreate", $"create Claim {name} Pod {podName} in StatefulSet {Json.Name(set)} success");
            }
            catch (ApiException e) when (e.Reason == "AlreadyExists")
            {
            }
            catch (ApiException e)
            {
                Recorder.Warning(set, "FailedCreate", $"create Claim {name} for Pod {podName} in StatefulSet {Json.Name(set)} failed error: {e.Message}");
                return false;
            }
        }
        return true;
    }

    private void DeletePod(JsonObject set, JsonObject pod)
    {
        try
        {
            Ops.Delete(Hub.Pods, Json.Namespace(pod), Json.Name(pod), DeleteOptions.Default);
            Recorder.Normal(set, "SuccessfulDelete", $"delete Pod {Json.Name(pod)} in StatefulSet {Json.Name(set)} successful");
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
        catch (ApiException e)
        {
            Recorder.Warning(set, "FailedDelete", $"delete Pod {Json.Name(pod)} in StatefulSet {Json.Name(set)} failed error: {e.Message}");
        }
    }
}
