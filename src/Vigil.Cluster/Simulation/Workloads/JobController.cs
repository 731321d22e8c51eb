using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Selectors;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// The Job controller (with the TTL-after-finished controller's part): runs pods up to parallelism until completions
/// succeed, counts finished pods through the <c>batch.kubernetes.io/job-tracking</c> finalizer, delays replacements
/// after failures (10 s doubling to 6 minutes), fails the Job at the backoff limit or the active deadline (deleting
/// its active pods), and writes the conditions of Kubernetes 1.33: SuccessCriteriaMet then Complete, FailureTarget
/// then Failed. Finished Jobs with <c>ttlSecondsAfterFinished</c> are deleted when their time is up.
/// </summary>
public sealed class JobController : Controller
{
    public const string TrackingFinalizer = "batch.kubernetes.io/job-tracking";
    private const string PodKeyPrefix = "pod/";
    private static readonly TimeSpan BackoffBase = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BackoffMax = TimeSpan.FromMinutes(6);

    private readonly PodControl _pods;
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Last)> _backoff = new(StringComparer.Ordinal);

    public JobController(ControllerHub hub) : base(hub, "job-controller", workers: 2)
    {
        _pods = new PodControl(hub, Recorder);
        hub.Subscribe(hub.Jobs, c =>
        {
            if (c.Kind == WatchEventType.Deleted) _backoff.TryRemove(Json.Uid(c.Node), out _);
            Enqueue(c.Key);
        });
        hub.Subscribe(hub.Pods, OnPod);
    }

    public override void Resync() => EnqueueAll(Hub.Jobs);

    private void OnPod(Change c)
    {
        var owner = Json.ControllerRef(c.Node) is { } r && Meta.Str(r, "kind") == "Job" ? Meta.Str(r, "name") : null;
        if (owner is not null) Enqueue(new ObjectKey(c.Namespace, owner));
        // A tracked pod whose Job is gone must not be held by the finalizer forever.
        if (c.Kind != WatchEventType.Deleted && Meta.Finalizers(c.Node).Contains(TrackingFinalizer)
            && (owner is null || Meta.IsDeleting(c.Node) || PodState.IsTerminal(c.Node)))
            Enqueue(new ObjectKey(c.Namespace, PodKeyPrefix + c.Name));
    }

    protected override TimeSpan? Sync(ObjectKey key)
    {
        if (key.Name.StartsWith(PodKeyPrefix, StringComparison.Ordinal))
        {
            ReleaseOrphan(key.Namespace, key.Name[PodKeyPrefix.Length..]);
            return null;
        }
        var job = Hub.Get(Hub.Jobs, key.Namespace, key.Name);
        if (job is null) return null;
        var now = Now;
        if (FinishedCondition(job) is { } finished)
        {
            foreach (var pod in Hub.Owned(Hub.Pods, key.Namespace, Json.Uid(job))) RemoveFinalizer(pod);
            return Ttl(job, finished, now);
        }

        var spec = job["spec"] as JsonObject ?? new JsonObject();
        LabelSelector selector;
        try
        {
            selector = LabelSelector.FromObjectOrNothing(spec["selector"] as JsonObject);
        }
        catch (ApiException)
        {
            selector = LabelSelector.Nothing;
        }
        var pods = Claims.Claim(Hub, Hub.Pods, job, selector);
        var status = (JsonObject)(job["status"]?.DeepClone() ?? new JsonObject());
        var suspended = Json.Bool(spec["suspend"]);
        if (status["startTime"] is null && !suspended) status["startTime"] = Meta.Time(now);
        var deleting = Meta.IsDeleting(job);

        // Count the pods that finished since the last sync, releasing their finalizers.
        long newSucceeded = 0, newFailed = 0;
        var terminating = 0;
        foreach (var pod in pods)
        {
            var tracked = Meta.Finalizers(pod).Contains(TrackingFinalizer);
            var phase = PodState.Phase(pod);
            if (tracked && (phase is "Succeeded" or "Failed" || Meta.IsDeleting(pod) || deleting))
            {
                RemoveFinalizer(pod);
                if (phase == "Succeeded") newSucceeded++;
                else if (phase == "Failed" || Meta.IsDeleting(pod)) newFailed++;
            }
            if (Meta.IsDeleting(pod) && !PodState.IsTerminal(pod) && Ops.TryGetStored(Hub.Pods, key.Namespace, Json.Name(pod)) is not null) terminating++;
        }
        var succeeded = Json.Long(status["succeeded"]) + newSucceeded;
        var failed = Json.Long(status["failed"]) + newFailed;
        var uid = Json.Uid(job);
        if (newSucceeded > 0) _backoff.TryRemove(uid, out _);
        if (newFailed > 0) _backoff.AddOrUpdate(uid, (checked((int)newFailed), now), (_, b) => (b.Failures + (int)newFailed, now));
        var active = pods.Where(PodState.IsActive).ToList();
        var ready = active.Count(PodState.IsReady);
        TimeSpan? again = null;

        var backoffLimit = Json.Long(spec["backoffLimit"], 6);
        (string Reason, string Message)? failure = null;
        var success = false;
        if (Conditions.Get(job, "FailureTarget") is { } target && Meta.Str(target, "status") == "True")
            failure = (Meta.Str(target, "reason") ?? "", Meta.Str(target, "message") ?? "");
        else if (Conditions.Get(job, "SuccessCriteriaMet") is { } met && Meta.Str(met, "status") == "True")
            success = true;
        else if ((newFailed > 0 && failed > backoffLimit) || PastBackoffLimitOnFailure(spec, pods, backoffLimit))
            failure = ("BackoffLimitExceeded", "Job has reached the specified backoff limit");
        else if (PastActiveDeadline(spec, status, suspended, now, out var remaining))
            failure = ("DeadlineExceeded", "Job was active longer than specified deadline");
        else if (remaining is { } r)
            again = r;

        if (failure is { } f)
        {
            foreach (var pod in active)
            {
                if (!_pods.Delete(job, pod)) continue;
                RemoveFinalizer(pod);
                failed++;
                if (Ops.TryGetStored(Hub.Pods, key.Namespace, Json.Name(pod)) is not null) terminating++;
            }
            ready = 0;
            active = [];
            SetCondition(status, "FailureTarget", f.Reason, f.Message, now);
            if (terminating == 0 && SetCondition(status, "Failed", f.Reason, f.Message, now))
                Recorder.Warning(job, f.Reason, f.Message);
        }
        else
        {
            if (!deleting && !success) (active, again) = Manage(job, spec, active, succeeded, suspended, status, now, again);
            var completions = Json.LongOrNull(spec["completions"]);
            var complete = success || (completions is { } n ? succeeded >= n : succeeded > 0) && active.Count == 0;
            if (complete)
            {
                SetCondition(status, "SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now);
                if (terminating == 0 && SetCondition(status, "Complete", "CompletionsReached", "Reached expected number of succeeded pods", now))
                {
                    status["completionTime"] = Meta.Time(now);
                    if (completions is { } c && succeeded > c)
                        Recorder.Warning(job, "TooManySucceededPods", "Too many succeeded pods running after completion count reached");
                    Recorder.Normal(job, "Completed", "Job completed");
                }
            }
        }

        Json.SetCount(status, "active", active.Count);
        status["ready"] = ready;
        status["terminating"] = terminating;
        Json.SetCount(status, "succeeded", succeeded);
        Json.SetCount(status, "failed", failed);
        status["uncountedTerminatedPods"] = new JsonObject();
        UpdateStatus(Hub.Jobs, key.Namespace, key.Name, o =>
        {
            if (JsonNode.DeepEquals(o["status"], status)) return false;
            o["status"] = status.DeepClone();
            return true;
        });
        if (FinishedCondition(new JsonObject { ["status"] = status.DeepClone() }) is { } done) return Ttl(job, done, now);
        return terminating > 0 ? TimeSpan.FromSeconds(1) : again;
    }

    private (List<JsonObject> Active, TimeSpan? Again) Manage(JsonObject job, JsonObject spec, List<JsonObject> active, long succeeded, bool suspended,
        JsonObject status, DateTimeOffset now, TimeSpan? again)
    {
        if (suspended)
        {
            foreach (var pod in active)
                if (_pods.Delete(job, pod)) RemoveFinalizer(pod);
            if (SetCondition(status, "Suspended", "JobSuspended", "Job suspended", now, "True"))
                Recorder.Normal(job, "Suspended", "Job suspended");
            return ([], again);
        }
        if (Conditions.Get(job, "Suspended") is { } s && Meta.Str(s, "status") == "True")
        {
            SetCondition(status, "Suspended", "JobResumed", "Job resumed", now, "False");
            Recorder.Normal(job, "Resumed", "Job resumed");
            status["startTime"] = Meta.Time(now);
        }
        var parallelism = Json.Long(spec["parallelism"], 1);
        var completions = Json.LongOrNull(spec["completions"]);
        long want = completions is { } n ? Math.Clamp(n - succeeded, 0, parallelism) : succeeded > 0 ? active.Count : parallelism;
        if (active.Count > want)
        {
            var victims = PodState.RankForDeletion(active, new Dictionary<string, int>(), now).Take((int)(active.Count - want)).ToList();
            foreach (var pod in victims)
                if (_pods.Delete(job, pod)) RemoveFinalizer(pod);
            return (active.Except(victims).ToList(), again);
        }
        var diff = (int)(want - active.Count);
        if (diff <= 0) return (active, again);
        if (_backoff.TryGetValue(Json.Uid(job), out var b) && b.Failures > 0)
        {
            var delay = TimeSpan.FromTicks(Math.Min(BackoffMax.Ticks, BackoffBase.Ticks * (1L << Math.Min(b.Failures - 1, 20))));
            var remaining = b.Last + delay - now;
            if (remaining > TimeSpan.Zero) return (active, again is { } a && a < remaining ? a : remaining);
        }
        var template = spec["template"] as JsonObject ?? new JsonObject();
        var (created, error) = _pods.CreateBatch(Math.Min(diff, 500), () =>
        {
            var pod = PodControl.FromTemplate(template, job);
            var finalizers = Meta.Finalizers(pod);
            finalizers.Add(TrackingFinalizer);
            Meta.SetFinalizers(pod, finalizers);
            return pod;
        }, job);
        if (error is not null) throw error;
        _ = created;
        return (active, again);
    }

    private static bool PastBackoffLimitOnFailure(JsonObject spec, List<JsonObject> pods, long backoffLimit)
    {
        if (Meta.Str(spec["template"]?["spec"], "restartPolicy") != "OnFailure") return false;
        long restarts = 0;
        foreach (var pod in pods.Where(p => PodState.Phase(p) is "Running" or "Pending"))
            foreach (var list in new[] { "initContainerStatuses", "containerStatuses" })
                foreach (var cs in (pod["status"]?[list] as JsonArray ?? []).OfType<JsonObject>())
                    restarts += Json.Long(cs["restartCount"]);
        return backoffLimit == 0 ? restarts > 0 : restarts >= backoffLimit;
    }

    private static bool PastActiveDeadline(JsonObject spec, JsonObject status, bool suspended, DateTimeOffset now, out TimeSpan? remaining)
    {
        remaining = null;
        if (Json.LongOrNull(spec["activeDeadlineSeconds"]) is not { } deadline || suspended) return false;
        if (Json.Time(status, "startTime") is not { } start) return false;
        var left = start.AddSeconds(deadline) - now;
        if (left <= TimeSpan.Zero) return true;
        remaining = left;
        return false;
    }

    private static JsonObject? FinishedCondition(JsonObject job) =>
        (job["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(c => Meta.Str(c, "type") is "Complete" or "Failed" && Meta.Str(c, "status") == "True");

    /// <summary>Deletes a finished Job once its ttlSecondsAfterFinished has passed (the TTL-after-finished controller).</summary>
    private TimeSpan? Ttl(JsonObject job, JsonObject finished, DateTimeOffset now)
    {
        if (Json.LongOrNull(job["spec"]?["ttlSecondsAfterFinished"]) is not { } ttl || Meta.IsDeleting(job)) return null;
        var at = (Json.Time(finished, "lastTransitionTime") ?? now).AddSeconds(ttl);
        if (at > now) return at - now;
        Delete(Hub.Jobs, Json.Namespace(job), Json.Name(job), "Foreground");
        return null;
    }

    /// <summary>Sets a Job condition (with lastProbeTime); true when it was added or its status changed.</summary>
    private static bool SetCondition(JsonObject status, string type, string reason, string message, DateTimeOffset now, string st = "True")
    {
        if (status["conditions"] is not JsonArray list) status["conditions"] = list = [];
        var existing = list.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == type);
        if (existing is not null)
        {
            if (Meta.Str(existing, "status") == st) return false;
            existing["status"] = st;
            existing["lastProbeTime"] = Meta.Time(now);
            existing["lastTransitionTime"] = Meta.Time(now);
            existing["reason"] = reason;
            existing["message"] = message;
            return true;
        }
        list.Add(new JsonObject
        {
            ["type"] = type,
            ["status"] = st,
            ["lastProbeTime"] = Meta.Time(now),
            ["lastTransitionTime"] = Meta.Time(now),
            ["reason"] = reason,
            ["message"] = message,
        });
        return true;
    }

    private void RemoveFinalizer(JsonObject pod) =>
        Ops.Mutate(Hub.Pods, Json.Namespace(pod), Json.Name(pod), p =>
        {
            var finalizers = Meta.Finalizers(p);
            if (!finalizers.Remove(TrackingFinalizer)) return false;
            Meta.SetFinalizers(p, finalizers);
            return true;
        }, fieldManager: Manager);

    private void ReleaseOrphan(string ns, string name)
    {
        var pod = Hub.Get(Hub.Pods, ns, name);
        if (pod is null || !Meta.Finalizers(pod).Contains(TrackingFinalizer)) return;
        var owner = Json.ControllerRef(pod);
        var job = owner is null ? null : Hub.Get(Hub.Jobs, ns, Meta.Str(owner, "name") ?? "");
        if (job is not null && Json.Uid(job) == Meta.Str(owner, "uid")) return;
        RemoveFinalizer(pod);
    }
}
