using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Selectors;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// The Deployment controller (<c>pkg/controller/deployment</c>): one ReplicaSet per pod template (named
/// <c>&lt;deployment&gt;-&lt;pod-template-hash&gt;</c>), rolling updates within maxSurge/maxUnavailable, Recreate,
/// proportional scaling, pause, revision annotations and history clean-up, the Available and Progressing conditions
/// (with the progress deadline) and ScalingReplicaSet events.
/// </summary>
public sealed class DeploymentController : Controller
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
    private const int MaxRevisionHistoryChars = 2000;

    private static readonly HashSet<string> AnnotationsNotCopied =
    [
        "kubectl.kubernetes.io/last-applied-configuration", RevisionAnnotation, RevisionHistoryAnnotation,
        DesiredReplicasAnnotation, MaxReplicasAnnotation, "deprecated.deployment.rollback.to",
    ];

    public DeploymentController(ControllerHub hub) : base(hub, "deployment-controller", workers: 2)
    {
        hub.Subscribe(hub.Deployments, c => Enqueue(c.Key));
        hub.Subscribe(hub.ReplicaSets, OnReplicaSet);
        hub.Subscribe(hub.Pods, OnPod);
    }

    private void OnReplicaSet(Change c)
    {
        var owner = DeploymentName(c.Node);
        if (owner is not null) Enqueue(new ObjectKey(c.Namespace, owner));
        if (c.PreviousNode is { } prev && DeploymentName(prev) is { } before && before != owner) Enqueue(new ObjectKey(c.Namespace, before));
        if (owner is not null || c.Kind == WatchEventType.Deleted) return;
        foreach (var d in Hub.List(Hub.Deployments, c.Namespace))
            if (Selector(d) is { } s && s.Matches(c.Object.Labels)) Enqueue(d);
    }

    private void OnPod(Change c)
    {
        // Recreate waits for the old pods to be gone: a deleted pod may let it continue.
        if (c.Kind != WatchEventType.Deleted || Json.ControllerRef(c.Node) is not { } r || Meta.Str(r, "kind") != "ReplicaSet") return;
        var rs = Hub.Get(Hub.ReplicaSets, c.Namespace, Meta.Str(r, "name") ?? "");
        if (rs is not null && DeploymentName(rs) is { } d) Enqueue(new ObjectKey(c.Namespace, d));
    }

    private static string? DeploymentName(JsonObject rs) =>
        Json.ControllerRef(rs) is { } r && Meta.Str(r, "kind") == "Deployment" ? Meta.Str(r, "name") : null;

    private static LabelSelector? Selector(JsonObject d)
    {
        try
        {
            return LabelSelector.FromObjectOrNothing(d["spec"]?["selector"] as JsonObject);
        }
        catch (ApiException)
        {
            return null;
        }
    }

    public override void Resync() => EnqueueAll(Hub.Deployments);

    protected override TimeSpan? Sync(ObjectKey key)
    {
        var d = Hub.Get(Hub.Deployments, key.Namespace, key.Name);
        if (d is null) return null;
        var selector = Selector(d) ?? LabelSelector.Nothing;
        if (selector.IsEmpty)
        {
            Recorder.Warning(d, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            UpdateStatus(Hub.Deployments, key.Namespace, key.Name, o =>
            {
                if (Json.Long(o["status"]?["observedGeneration"]) >= Json.Generation(o)) return false;
                Json.Status(o)["observedGeneration"] = Json.Generation(o);
                return true;
            });
            return null;
        }
        var rsList = Claims.Claim(Hub, Hub.ReplicaSets, d, selector);
        var run = new Rollout(this, d, rsList);
        if (Meta.IsDeleting(d))
        {
            run.SyncStatusOnly();
            return null;
        }
        run.CheckPausedConditions();
        if (Json.Bool(d["spec"]?["paused"])) return run.SyncScaling();
        if (run.IsScalingEvent()) return run.SyncScaling();
        return IsRecreate(d) ? run.Recreate() : run.Rolling();
    }

    private static bool IsRecreate(JsonObject d) => Meta.Str(d["spec"]?["strategy"], "type") == "Recreate";

    // ---- deployment arithmetic (pkg/controller/deployment/util) ----

    internal static int Replicas(JsonObject obj) => (int)Json.Long(obj["spec"]?["replicas"], 1);
    internal static int StatusReplicas(JsonObject rs) => (int)Json.Long(rs["status"]?["replicas"]);
    internal static int ReadyReplicas(JsonObject rs) => (int)Json.Long(rs["status"]?["readyReplicas"]);
    internal static int AvailableReplicas(JsonObject rs) => (int)Json.Long(rs["status"]?["availableReplicas"]);

    internal static long Revision(JsonObject rs) =>
        long.TryParse(Json.Annotation(rs, RevisionAnnotation), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r : 0;

    /// <summary>maxSurge and maxUnavailable resolved against the replica count (<c>ResolveFenceposts</c>).</summary>
    internal static (int Surge, int Unavailable) Fenceposts(JsonObject d)
    {
        var ru = d["spec"]?["strategy"]?["rollingUpdate"];
        var desired = Replicas(d);
        var surge = Json.Scaled(ru?["maxSurge"] ?? JsonValue.Create("25%"), desired, roundUp: true);
        var unavailable = Json.Scaled(ru?["maxUnavailable"] ?? JsonValue.Create("25%"), desired, roundUp: false);
        if (surge == 0 && unavailable == 0) unavailable = 1;
        return (surge, unavailable);
    }

    internal static int MaxSurge(JsonObject d) => IsRecreate(d) ? 0 : Fenceposts(d).Surge;

    internal static int MaxUnavailable(JsonObject d)
    {
        var replicas = Replicas(d);
        if (IsRecreate(d) || replicas == 0) return 0;
        return Math.Min(Fenceposts(d).Unavailable, replicas);
    }

    internal static long? ProgressDeadline(JsonObject d) =>
        Json.LongOrNull(d["spec"]?["progressDeadlineSeconds"]) is { } s && s != int.MaxValue ? s : null;

    /// <summary>One sync of one Deployment: its object, its ReplicaSets, and the status being built.</summary>
    private sealed class Rollout
    {
        private readonly DeploymentController _c;
        private readonly ControllerHub _hub;
        private JsonObject _d;
        private readonly List<JsonObject> _rsList;

        public Rollout(DeploymentController controller, JsonObject d, List<JsonObject> rsList)
        {
            _c = controller;
            _hub = controller.Hub;
            _d = d;
            _rsList = rsList;
        }

        private string Ns => Json.Namespace(_d);
        private int DReplicas => Replicas(_d);
        private DateTimeOffset Now => _hub.Now;

        // ---- entry points ----

        public void SyncStatusOnly()
        {
            var (newRs, oldRss) = AllReplicaSets(create: false);
            SyncDeploymentStatus(All(newRs, oldRss), newRs);
        }

        public TimeSpan? SyncScaling()
        {
            var (newRs, oldRss) = AllReplicaSets(create: false);
            Scale(newRs, oldRss);
            if (Json.Bool(_d["spec"]?["paused"])) Cleanup(oldRss);
            SyncDeploymentStatus(All(newRs, oldRss), newRs);
            return null;
        }

        public bool IsScalingEvent()
        {
            var (newRs, oldRss) = AllReplicaSets(create: false);
            foreach (var rs in Active(All(newRs, oldRss)))
                if (DesiredAnnotation(rs) is { } desired && desired != DReplicas) return true;
            return false;
        }

        public TimeSpan? Rolling()
        {
            var (newRs, oldRss) = AllReplicaSets(create: true);
            var all = All(newRs, oldRss);
            if (ReconcileNewReplicaSet(all, ref newRs)) return SyncRolloutStatus(All(newRs, oldRss), newRs);
            if (ReconcileOldReplicaSets(All(newRs, oldRss), oldRss, newRs)) return SyncRolloutStatus(All(newRs, oldRss), newRs);
            if (IsComplete(Json.Status(_d))) Cleanup(oldRss);
            return SyncRolloutStatus(All(newRs, oldRss), newRs);
        }

        public TimeSpan? Recreate()
        {
            var (newRs, oldRss) = AllReplicaSets(create: false);
            var scaledDown = false;
            for (var i = 0; i < oldRss.Count; i++)
            {
                if (Replicas(oldRss[i]) == 0) continue;
                oldRss[i] = ScaleAndRecord(oldRss[i], 0);
                scaledDown = true;
            }
            if (scaledDown) return SyncRolloutStatus(All(newRs, oldRss), newRs);
            if (OldPodsRunning(newRs, oldRss)) return SyncRolloutStatus(All(newRs, oldRss), newRs);
            if (newRs is null) (newRs, oldRss) = AllReplicaSets(create: true);
            if (newRs is not null && Replicas(newRs) != DReplicas)
            {
                newRs = ScaleAndRecord(newRs, DReplicas);
                return SyncRolloutStatus(All(newRs, oldRss), newRs);
            }
            if (IsComplete(Json.Status(_d))) Cleanup(oldRss);
            return SyncRolloutStatus(All(newRs, oldRss), newRs);
        }

        public void CheckPausedConditions()
        {
            if (ProgressDeadline(_d) is null) return;
            var cond = Condition(_d, "Progressing");
            if (Meta.Str(cond, "reason") == "ProgressDeadlineExceeded") return;
            var pausedExists = Meta.Str(cond, "reason") == "DeploymentPaused";
            var paused = Json.Bool(_d["spec"]?["paused"]);
            var status = Json.Status(_d);
            if (paused && !pausedExists) SetCondition(status, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", Now);
            else if (!paused && pausedExists) SetCondition(status, "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed", Now);
            else return;
            WriteStatus(status);
        }

        // ---- ReplicaSets ----

        private static List<JsonObject?> All(JsonObject? newRs, List<JsonObject> oldRss) => [.. oldRss, newRs];

        private static IEnumerable<JsonObject> Active(IEnumerable<JsonObject?> rss) => rss.OfType<JsonObject>().Where(r => Replicas(r) > 0);

        private static int? DesiredAnnotation(JsonObject rs) =>
            int.TryParse(Json.Annotation(rs, DesiredReplicasAnnotation), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

        private static int? MaxAnnotation(JsonObject rs) =>
            int.TryParse(Json.Annotation(rs, MaxReplicasAnnotation), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

        private static int Sum(IEnumerable<JsonObject?> rss, Func<JsonObject, int> f) => rss.OfType<JsonObject>().Sum(f);

        /// <summary>The ReplicaSet whose template is the Deployment's (the oldest if several), and the others.</summary>
        private (JsonObject? New, List<JsonObject> Old) FindNewAndOld()
        {
            var template = _d["spec"]?["template"];
            JsonObject? newRs = null;
            foreach (var rs in _rsList.OrderBy(Json.Created).ThenBy(Json.Name, StringComparer.Ordinal))
                if (TemplateHash.EqualIgnoringHash(rs["spec"]?["template"], template))
                {
                    newRs = rs;
                    break;
                }
            return (newRs, _rsList.Where(r => !ReferenceEquals(r, newRs)).ToList());
        }

        private (JsonObject? New, List<JsonObject> Old) AllReplicaSets(bool create)
        {
            var (existing, old) = FindNewAndOld();
            var newRevision = (old.Select(Revision).DefaultIfEmpty(0).Max() + 1).ToString(CultureInfo.InvariantCulture);
            if (existing is not null)
            {
                var copy = (JsonObject)existing.DeepClone();
                var changed = SetNewReplicaSetAnnotations(copy, newRevision, exists: true);
                var minReady = Json.Long(_d["spec"]?["minReadySeconds"]);
                if (changed || Json.Long(copy["spec"]?["minReadySeconds"]) != minReady)
                {
                    var updated = _c.Update(_hub.ReplicaSets, Ns, Json.Name(copy), o =>
                    {
                        Meta.Metadata(o)["annotations"] = copy["metadata"]?["annotations"]?.DeepClone();
                        Json.Obj(o, "spec")["minReadySeconds"] = minReady;
                        return true;
                    }) ?? copy;
                    Replace(existing, updated);
                    return (updated, old);
                }
                var needsUpdate = SetDeploymentRevision(Json.Annotation(copy, RevisionAnnotation) ?? newRevision);
                if (ProgressDeadline(_d) is not null && Condition(_d, "Progressing") is null)
                {
                    SetCondition(Json.Status(_d), "Progressing", "True", "FoundNewReplicaSet", $"Found new replica set \"{Json.Name(copy)}\"", Now);
                    needsUpdate = true;
                }
                if (needsUpdate) WriteStatus(Json.Status(_d));
                return (existing, old);
            }
            if (!create) return (null, old);

            var collision = Json.LongOrNull(_d["status"]?["collisionCount"]);
            var template = (JsonObject)_d["spec"]!["template"]!.DeepClone();
            var hash = TemplateHash.PodTemplate(template, collision);
            var tmeta = Json.Obj(template, "metadata");
            Json.Obj(tmeta, "labels")[TemplateHash.PodTemplateHashLabel] = hash;
            var selector = (JsonObject)(_d["spec"]?["selector"]?.DeepClone() ?? new JsonObject());
            Json.Obj(selector, "matchLabels")[TemplateHash.PodTemplateHashLabel] = hash;
            var rsName = Json.Name(_d) + "-" + hash;
            var newRs = new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "ReplicaSet",
                ["metadata"] = new JsonObject
                {
                    ["name"] = rsName,
                    ["namespace"] = Ns,
                    ["labels"] = tmeta["labels"]!.DeepClone(),
                    ["ownerReferences"] = new JsonArray(Json.ControllerRefTo(_d)),
                },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = 0,
                    ["minReadySeconds"] = Json.Long(_d["spec"]?["minReadySeconds"]),
                    ["selector"] = selector,
                    ["template"] = template,
                },
            };
            var replicas = NewRsNewReplicas(All(newRs, old), newRs);
            newRs["spec"]!["replicas"] = replicas;
            SetNewReplicaSetAnnotations(newRs, newRevision, exists: false);
            JsonObject created;
            var alreadyExisted = false;
            try
            {
                created = _c.Create(_hub.ReplicaSets, Ns, newRs);
            }
            catch (ApiException e) when (e.Reason == "AlreadyExists")
            {
                var found = _hub.Get(_hub.ReplicaSets, Ns, rsName);
                if (found is not null && Json.IsControlledBy(found, _d) && TemplateHash.EqualIgnoringHash(found["spec"]?["template"], _d["spec"]?["template"]))
                {
                    created = found;
                    alreadyExisted = true;
                }
                else
                {
                    // A hash collision: count it, so the next attempt hashes differently.
                    _c.UpdateStatus(_hub.Deployments, Ns, Json.Name(_d), o =>
                    {
                        Json.Status(o)["collisionCount"] = (collision ?? 0) + 1;
                        return true;
                    });
                    throw;
                }
            }
            catch (ApiException e)
            {
                var msg = $"Failed to create new replica set \"{rsName}\": {e.Message}";
                if (ProgressDeadline(_d) is not null)
                {
                    SetCondition(Json.Status(_d), "Progressing", "False", "ReplicaSetCreateError", msg, Now);
                    WriteStatus(Json.Status(_d));
                }
                _c.Recorder.Warning(_d, "ReplicaSetCreateError", msg);
                throw;
            }
            if (!alreadyExisted && replicas > 0)
                _c.Recorder.Normal(_d, "ScalingReplicaSet", $"Scaled up replica set {Json.Name(created)} from 0 to {replicas}");
            var update = SetDeploymentRevision(newRevision);
            if (!alreadyExisted && ProgressDeadline(_d) is not null)
            {
                SetCondition(Json.Status(_d), "Progressing", "True", "NewReplicaSetCreated", $"Created new replica set \"{Json.Name(created)}\"", Now);
                update = true;
            }
            if (update) WriteStatus(Json.Status(_d));
            _rsList.Add(created);
            return (created, old);
        }

        private void Replace(JsonObject old, JsonObject updated)
        {
            var i = _rsList.FindIndex(r => ReferenceEquals(r, old));
            if (i >= 0) _rsList[i] = updated;
        }

        /// <summary>Copies the Deployment's annotations and sets the revision (and, for a new set, the replica annotations).</summary>
        private bool SetNewReplicaSetAnnotations(JsonObject rs, string newRevision, bool exists)
        {
            var annotations = Json.Obj(Meta.Metadata(rs), "annotations");
            var changed = false;
            foreach (var (k, v) in Json.Annotations(_d))
            {
                if (AnnotationsNotCopied.Contains(k) || Meta.Str(annotations, k) == v) continue;
                annotations[k] = v;
                changed = true;
            }
            var oldRevision = Meta.Str(annotations, RevisionAnnotation);
            long oldRev = 0;
            if (oldRevision is not null && !long.TryParse(oldRevision, NumberStyles.Integer, CultureInfo.InvariantCulture, out oldRev))
                return changed;
            var newRev = long.Parse(newRevision, CultureInfo.InvariantCulture);
            if (oldRev < newRev)
            {
                annotations[RevisionAnnotation] = newRevision;
                changed = true;
            }
            if (oldRevision is not null && oldRev < newRev)
            {
                // The set is reused for a later revision (a rollback): remember which revisions it was.
                var history = Meta.Str(annotations, RevisionHistoryAnnotation) ?? "";
                if (history.Length == 0) annotations[RevisionHistoryAnnotation] = oldRevision;
                else
                {
                    var parts = history.Split(',').ToList();
                    var total = history.Length + oldRevision.Length + 1;
                    var start = 0;
                    while (total > MaxRevisionHistoryChars && start < parts.Count) total -= parts[start++].Length + 1;
                    if (total <= MaxRevisionHistoryChars) annotations[RevisionHistoryAnnotation] = string.Join(',', [.. parts.Skip(start), oldRevision]);
                }
            }
            if (!exists && SetReplicasAnnotations(rs, DReplicas, DReplicas + MaxSurge(_d))) changed = true;
            return changed;
        }

        private static bool SetReplicasAnnotations(JsonObject rs, int desired, int max)
        {
            var annotations = Json.Obj(Meta.Metadata(rs), "annotations");
            var d = desired.ToString(CultureInfo.InvariantCulture);
            var m = max.ToString(CultureInfo.InvariantCulture);
            var changed = false;
            if (Meta.Str(annotations, DesiredReplicasAnnotation) != d)
            {
                annotations[DesiredReplicasAnnotation] = d;
                changed = true;
            }
            if (Meta.Str(annotations, MaxReplicasAnnotation) != m)
            {
                annotations[MaxReplicasAnnotation] = m;
                changed = true;
            }
            return changed;
        }

        /// <summary>Sets the Deployment's revision annotation; writes it at once since it lives in metadata.</summary>
        private bool SetDeploymentRevision(string revision)
        {
            if (Json.Annotation(_d, RevisionAnnotation) == revision) return false;
            var updated = _c.Update(_hub.Deployments, Ns, Json.Name(_d), o =>
            {
                if (Json.Annotation(o, RevisionAnnotation) == revision) return false;
                Json.Obj(Meta.Metadata(o), "annotations")[RevisionAnnotation] = revision;
                return true;
            });
            Json.Obj(Meta.Metadata(_d), "annotations")[RevisionAnnotation] = revision;
            if (updated is not null) Meta.Metadata(_d)["resourceVersion"] = Meta.ResourceVersion(updated);
            return false;
        }

        private int NewRsNewReplicas(List<JsonObject?> all, JsonObject newRs)
        {
            if (IsRecreate(_d)) return DReplicas;
            var maxTotal = DReplicas + MaxSurge(_d);
            var current = Sum(all, Replicas);
            if (current >= maxTotal) return Replicas(newRs);
            var up = Math.Min(maxTotal - current, DReplicas - Replicas(newRs));
            return Replicas(newRs) + up;
        }

        // ---- rolling update ----

        private bool ReconcileNewReplicaSet(List<JsonObject?> all, ref JsonObject? newRs)
        {
            if (newRs is null) return false;
            if (Replicas(newRs) == DReplicas) return false;
            if (Replicas(newRs) > DReplicas)
            {
                newRs = ScaleAndRecord(newRs, DReplicas);
                return true;
            }
            var count = NewRsNewReplicas(all, newRs);
            if (count == Replicas(newRs)) return false;
            newRs = ScaleAndRecord(newRs, count);
            return true;
        }

        private bool ReconcileOldReplicaSets(List<JsonObject?> all, List<JsonObject> oldRss, JsonObject? newRs)
        {
            var oldPods = Sum(oldRss, Replicas);
            if (oldPods == 0) return false;
            var allPods = Sum(all, Replicas);
            var minAvailable = DReplicas - MaxUnavailable(_d);
            var newUnavailable = newRs is null ? 0 : Replicas(newRs) - AvailableReplicas(newRs);
            var maxScaledDown = allPods - minAvailable - newUnavailable;
            if (maxScaledDown <= 0) return false;
            var cleaned = CleanupUnhealthyReplicas(oldRss, maxScaledDown);
            var scaledDown = ScaleDownOldForRollingUpdate(All(newRs, oldRss), oldRss);
            return cleaned + scaledDown > 0;
        }

        private int CleanupUnhealthyReplicas(List<JsonObject> oldRss, int maxCleanup)
        {
            var total = 0;
            foreach (var i in ByCreation(oldRss))
            {
                if (total >= maxCleanup) break;
                var rs = oldRss[i];
                if (Replicas(rs) == 0 || AvailableReplicas(rs) == Replicas(rs)) continue;
                var down = Math.Min(maxCleanup - total, Replicas(rs) - AvailableReplicas(rs));
                // A status that still counts more available pods than the spec now asks for is stale: try again later.
                if (down < 0)
                    throw ApiException.Internal($"when cleaning up unhealthy replicas, got invalid request to scale down {Ns}/{Json.Name(rs)} {Replicas(rs)} -> {Replicas(rs) - down}");
                oldRss[i] = ScaleAndRecord(rs, Replicas(rs) - down);
                total += down;
            }
            return total;
        }

        private int ScaleDownOldForRollingUpdate(List<JsonObject?> all, List<JsonObject> oldRss)
        {
            var minAvailable = DReplicas - MaxUnavailable(_d);
            var available = Sum(all, AvailableReplicas);
            if (available <= minAvailable) return 0;
            var toScaleDown = available - minAvailable;
            var total = 0;
            foreach (var i in ByCreation(oldRss))
            {
                if (total >= toScaleDown) break;
                var rs = oldRss[i];
                if (Replicas(rs) == 0) continue;
                var down = Math.Min(Replicas(rs), toScaleDown - total);
                oldRss[i] = ScaleAndRecord(rs, Replicas(rs) - down);
                total += down;
            }
            return total;
        }

        private static IEnumerable<int> ByCreation(List<JsonObject> rss) =>
            Enumerable.Range(0, rss.Count).OrderBy(i => Json.Created(rss[i])).ThenBy(i => Json.Name(rss[i]), StringComparer.Ordinal).ToList();

        private bool OldPodsRunning(JsonObject? newRs, List<JsonObject> oldRss)
        {
            if (oldRss.Any(r => StatusReplicas(r) > 0)) return true;
            foreach (var rs in oldRss)
                foreach (var pod in _hub.Owned(_hub.Pods, Ns, Json.Uid(rs)))
                    if (PodState.Phase(pod) is not ("Failed" or "Succeeded")) return true;
            return false;
        }

        // ---- scaling ----

        private JsonObject ScaleAndRecord(JsonObject rs, int newScale)
        {
            if (Replicas(rs) == newScale) return rs;
            return ScaleReplicaSet(rs, newScale, Replicas(rs) < newScale ? "up" : "down");
        }

        private JsonObject ScaleReplicaSet(JsonObject rs, int newScale, string operation)
        {
            var oldScale = Replicas(rs);
            var copy = (JsonObject)rs.DeepClone();
            var annotationsChanged = SetReplicasAnnotations(copy, DReplicas, DReplicas + MaxSurge(_d));
            if (oldScale == newScale && !annotationsChanged) return rs;
            var updated = _c.Update(_hub.ReplicaSets, Ns, Json.Name(rs), o =>
            {
                Json.Obj(o, "spec")["replicas"] = newScale;
                Meta.Metadata(o)["annotations"] = copy["metadata"]?["annotations"]?.DeepClone();
                return true;
            });
            if (updated is null) return rs;
            if (oldScale != newScale)
                _c.Recorder.Normal(_d, "ScalingReplicaSet", $"Scaled {operation} replica set {Json.Name(rs)} from {oldScale} to {newScale}");
            Replace(rs, updated);
            return updated;
        }

        private void Scale(JsonObject? newRs, List<JsonObject> oldRss)
        {
            var activeOrLatest = FindActiveOrLatest(newRs, oldRss);
            if (activeOrLatest is not null)
            {
                if (Replicas(activeOrLatest) != DReplicas) ScaleAndRecord(activeOrLatest, DReplicas);
                return;
            }
            if (IsSaturated(newRs))
            {
                for (var i = 0; i < oldRss.Count; i++)
                    if (Replicas(oldRss[i]) > 0) oldRss[i] = ScaleAndRecord(oldRss[i], 0);
                return;
            }
            if (IsRecreate(_d)) return;
            var all = Active(All(newRs, oldRss)).ToList();
            var allReplicas = Sum(all, Replicas);
            var allowed = DReplicas > 0 ? DReplicas + MaxSurge(_d) : 0;
            var toAdd = allowed - allReplicas;
            var operation = "";
            if (toAdd > 0)
            {
                all = [.. all.OrderByDescending(Replicas).ThenByDescending(Json.Created)];
                operation = "up";
            }
            else if (toAdd < 0)
            {
                all = [.. all.OrderByDescending(Replicas).ThenBy(Json.Created)];
                operation = "down";
            }
            var added = 0;
            var sizes = new int[all.Count];
            for (var i = 0; i < all.Count; i++)
            {
                if (toAdd != 0)
                {
                    var proportion = Proportion(all[i], toAdd, added);
                    sizes[i] = Replicas(all[i]) + proportion;
                    added += proportion;
                }
                else sizes[i] = Replicas(all[i]);
            }
            for (var i = 0; i < all.Count; i++)
            {
                if (i == 0 && toAdd != 0) sizes[i] = Math.Max(0, sizes[i] + toAdd - added);
                ScaleReplicaSet(all[i], sizes[i], operation);
            }
        }

        private int Proportion(JsonObject rs, int toAdd, int added)
        {
            if (Replicas(rs) == 0 || toAdd == 0 || toAdd == added) return 0;
            var fraction = Fraction(rs);
            var allowed = toAdd - added;
            return toAdd > 0 ? Math.Min(fraction, allowed) : Math.Max(fraction, allowed);
        }

        private int Fraction(JsonObject rs)
        {
            if (DReplicas == 0) return -Replicas(rs);
            var deploymentReplicas = DReplicas + MaxSurge(_d);
            var annotated = MaxAnnotation(rs) ?? (int)Json.Long(_d["status"]?["replicas"]);
            if (annotated == 0) return 0;
            var size = (double)Replicas(rs) * deploymentReplicas / annotated;
            return (int)Math.Round(size, MidpointRounding.AwayFromZero) - Replicas(rs);
        }

        private static JsonObject? FindActiveOrLatest(JsonObject? newRs, List<JsonObject> oldRss)
        {
            if (newRs is null && oldRss.Count == 0) return null;
            var sorted = oldRss.OrderByDescending(Json.Created).ThenByDescending(Json.Name, StringComparer.Ordinal).ToList();
            var active = Active([.. sorted, newRs]).ToList();
            return active.Count switch
            {
                0 => newRs ?? sorted[0],
                1 => active[0],
                _ => null,
            };
        }

        private bool IsSaturated(JsonObject? rs) =>
            rs is not null && Replicas(rs) == DReplicas && DesiredAnnotation(rs) == DReplicas && AvailableReplicas(rs) == DReplicas;

        private void Cleanup(List<JsonObject> oldRss)
        {
            if (Json.LongOrNull(_d["spec"]?["revisionHistoryLimit"]) is not { } limit) return;
            var cleanable = oldRss.Where(r => !Meta.IsDeleting(r)).ToList();
            var diff = cleanable.Count - (int)limit;
            if (diff <= 0) return;
            foreach (var rs in cleanable.OrderBy(Revision).ThenBy(Json.Created).Take(diff))
            {
                if (StatusReplicas(rs) != 0 || Replicas(rs) != 0 || Json.Generation(rs) > Json.Long(rs["status"]?["observedGeneration"])) continue;
                _c.Delete(_hub.ReplicaSets, Ns, Json.Name(rs));
            }
        }

        // ---- status ----

        private JsonObject CalculateStatus(List<JsonObject?> all, JsonObject? newRs)
        {
            var available = Sum(all, AvailableReplicas);
            var total = Sum(all, Replicas);
            var status = new JsonObject { ["observedGeneration"] = Json.Generation(_d) };
            Json.SetCount(status, "replicas", Sum(all, StatusReplicas));
            Json.SetCount(status, "updatedReplicas", newRs is null ? 0 : StatusReplicas(newRs));
            Json.SetCount(status, "readyReplicas", Sum(all, ReadyReplicas));
            Json.SetCount(status, "availableReplicas", available);
            Json.SetCount(status, "unavailableReplicas", Math.Max(0, total - available));
            if (_d["status"]?["conditions"] is JsonArray conditions) status["conditions"] = conditions.DeepClone();
            if (_d["status"]?["collisionCount"] is { } collisions) status["collisionCount"] = collisions.DeepClone();
            if (available >= DReplicas - MaxUnavailable(_d))
                SetCondition(status, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", Now);
            else
                SetCondition(status, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", Now);
            return status;
        }

        private bool IsComplete(JsonObject status) =>
            Json.Long(status["updatedReplicas"]) == DReplicas && Json.Long(status["replicas"]) == DReplicas
            && Json.Long(status["availableReplicas"]) == DReplicas && Json.Long(status["observedGeneration"]) >= Json.Generation(_d);

        private bool IsProgressing(JsonObject status)
        {
            var old = _d["status"];
            var oldOld = Json.Long(old?["replicas"]) - Json.Long(old?["updatedReplicas"]);
            var newOld = Json.Long(status["replicas"]) - Json.Long(status["updatedReplicas"]);
            return Json.Long(status["updatedReplicas"]) > Json.Long(old?["updatedReplicas"]) || newOld < oldOld
                || Json.Long(status["readyReplicas"]) > Json.Long(old?["readyReplicas"])
                || Json.Long(status["availableReplicas"]) > Json.Long(old?["availableReplicas"]);
        }

        private bool TimedOut(JsonObject status)
        {
            if (ProgressDeadline(_d) is not { } deadline) return false;
            var cond = Condition(status, "Progressing");
            if (cond is null) return false;
            var reason = Meta.Str(cond, "reason");
            if (reason == "NewReplicaSetAvailable") return false;
            if (reason == "ProgressDeadlineExceeded") return true;
            var from = Json.Time(cond, "lastUpdateTime") ?? Now;
            return from.AddSeconds(deadline) < Now;
        }

        private void SyncDeploymentStatus(List<JsonObject?> all, JsonObject? newRs)
        {
            var status = CalculateStatus(all, newRs);
            if (!JsonNode.DeepEquals(status, _d["status"])) WriteStatus(status);
        }

        private TimeSpan? SyncRolloutStatus(List<JsonObject?> all, JsonObject? newRs)
        {
            var status = CalculateStatus(all, newRs);
            var deadline = ProgressDeadline(_d);
            if (deadline is null) RemoveCondition(status, "Progressing");
            var current = Condition(_d, "Progressing");
            var complete = Json.Long(status["replicas"]) == Json.Long(status["updatedReplicas"]) && Meta.Str(current, "reason") == "NewReplicaSetAvailable";
            if (deadline is not null && !complete)
            {
                var rsName = newRs is null ? null : Json.Name(newRs);
                if (IsComplete(status))
                {
                    var msg = rsName is null ? $"Deployment \"{Json.Name(_d)}\" has successfully progressed." : $"ReplicaSet \"{rsName}\" has successfully progressed.";
                    SetCondition(status, "Progressing", "True", "NewReplicaSetAvailable", msg, Now);
                }
                else if (IsProgressing(status))
                {
                    var msg = rsName is null ? $"Deployment \"{Json.Name(_d)}\" is progressing." : $"ReplicaSet \"{rsName}\" is progressing.";
                    var transition = Meta.Str(current, "status") == "True" ? Meta.Str(current, "lastTransitionTime") : null;
                    RemoveCondition(status, "Progressing");
                    SetCondition(status, "Progressing", "True", "ReplicaSetUpdated", msg, Now);
                    if (transition is not null) Condition(status, "Progressing")!["lastTransitionTime"] = transition;
                }
                else if (TimedOut(status))
                {
                    var msg = rsName is null ? $"Deployment \"{Json.Name(_d)}\" has timed out progressing." : $"ReplicaSet \"{rsName}\" has timed out progressing.";
                    SetCondition(status, "Progressing", "False", "ProgressDeadlineExceeded", msg, Now);
                }
            }
            var failure = ReplicaFailure(all, newRs);
            if (failure is not null) SetCondition(status, "ReplicaFailure", Meta.Str(failure, "status") ?? "True", Meta.Str(failure, "reason"), Meta.Str(failure, "message") ?? "", Now);
            else RemoveCondition(status, "ReplicaFailure");

            if (!JsonNode.DeepEquals(status, _d["status"]))
            {
                WriteStatus(status);
                return null;
            }
            return RequeueStuck(status);
        }

        private TimeSpan? RequeueStuck(JsonObject status)
        {
            var cond = Condition(_d, "Progressing");
            if (ProgressDeadline(_d) is not { } deadline || cond is null) return null;
            if (IsComplete(status) || Meta.Str(cond, "reason") == "ProgressDeadlineExceeded") return null;
            var after = (Json.Time(cond, "lastUpdateTime") ?? Now).AddSeconds(deadline) - Now;
            return after < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : after + TimeSpan.FromSeconds(1);
        }

        private static JsonObject? ReplicaFailure(List<JsonObject?> all, JsonObject? newRs)
        {
            static JsonObject? Failure(JsonObject? rs) =>
                (rs?["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == "ReplicaFailure");
            return Failure(newRs) ?? all.Select(Failure).FirstOrDefault(f => f is not null);
        }

        private void WriteStatus(JsonObject status)
        {
            var written = _c.UpdateStatus(_hub.Deployments, Ns, Json.Name(_d), o =>
            {
                o["status"] = status.DeepClone();
                return true;
            });
            if (written is not null) _d = written;
        }
    }

    // ---- Deployment conditions: lastUpdateTime and lastTransitionTime ----

    private static JsonObject? Condition(JsonNode? objOrStatus, string type)
    {
        var conditions = (objOrStatus?["conditions"] ?? objOrStatus?["status"]?["conditions"]) as JsonArray;
        return conditions?.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == type);
    }

    /// <summary><c>SetDeploymentCondition</c>: a condition with the same status and reason is left alone; a new one goes last.</summary>
    private static void SetCondition(JsonObject status, string type, string st, string? reason, string message, DateTimeOffset now)
    {
        var current = Condition(status, type);
        if (current is not null && Meta.Str(current, "status") == st && Meta.Str(current, "reason") == reason) return;
        var transition = current is not null && Meta.Str(current, "status") == st ? Meta.Str(current, "lastTransitionTime") : Meta.Time(now);
        RemoveCondition(status, type);
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = st,
            ["lastUpdateTime"] = Meta.Time(now),
            ["lastTransitionTime"] = transition,
        };
        if (reason is not null) condition["reason"] = reason;
        condition["message"] = message;
        if (status["conditions"] is not JsonArray list) status["conditions"] = list = [];
        list.Add(condition);
    }

    private static void RemoveCondition(JsonObject status, string type)
    {
        if (status["conditions"] is not JsonArray conditions) return;
        var keep = conditions.OfType<JsonObject>().Where(c => Meta.Str(c, "type") != type).Select(c => c.DeepClone()).ToArray();
        if (keep.Length == 0) status.Remove("conditions");
        else status["conditions"] = new JsonArray(keep);
    }
}
