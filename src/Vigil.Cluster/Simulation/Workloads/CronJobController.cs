using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// The CronJob controller (v2): creates a Job named <c>&lt;cronjob&gt;-&lt;minutes since epoch&gt;</c> at each scheduled time
/// (in <c>spec.timeZone</c>), honours concurrencyPolicy, startingDeadlineSeconds (a missed start is reported and
/// skipped; more than 100 missed starts give the "too many missed start times" warning), suspend, and the
/// successful/failed history limits; keeps status.active, lastScheduleTime and lastSuccessfulTime.
/// </summary>
public sealed class CronJobController : Controller
{
    public const string ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";
    private static readonly TimeSpan NextScheduleDelta = TimeSpan.FromMilliseconds(100);

    public CronJobController(ControllerHub hub) : base(hub, "cronjob-controller")
    {
        hub.Subscribe(hub.CronJobs, c => Enqueue(c.Key));
        hub.Subscribe(hub.Jobs, c =>
        {
            if (Json.ControllerRef(c.Node) is { } r && Meta.Str(r, "kind") == "CronJob") Enqueue(new ObjectKey(c.Namespace, Meta.Str(r, "name") ?? ""));
        });
    }

    public override void Resync() => EnqueueAll(Hub.CronJobs);

    private enum Missed
    {
        None,
        Few,
        Many,
    }

    protected override TimeSpan? Sync(ObjectKey key)
    {
        var cj = Hub.Get(Hub.CronJobs, key.Namespace, key.Name);
        if (cj is null) return null;
        var now = Now;
        var uid = Json.Uid(cj);
        var jobs = Hub.Owned(Hub.Jobs, key.Namespace, uid);
        var status = (JsonObject)(cj["status"]?.DeepClone() ?? new JsonObject());
        var active = new JsonArray([.. (status["active"] as JsonArray ?? []).Select(a => a?.DeepClone())]);
        status.Remove("active");
        var jobUids = new HashSet<string>(StringComparer.Ordinal);

        // Reconcile the active list with the Jobs that exist.
        foreach (var job in jobs)
        {
            jobUids.Add(Json.Uid(job));
            var inActive = active.OfType<JsonObject>().Any(a => Meta.Str(a, "uid") == Json.Uid(job));
            var finished = FinishedType(job);
            if (!inActive && finished is null)
                Recorder.Warning(cj, "UnexpectedJob", $"Saw a job that the controller did not create or forgot: {Json.Name(job)}");
            else if (inActive && finished is not null)
            {
                Remove(active, Json.Uid(job));
                Recorder.Normal(cj, "SawCompletedJob", $"Saw completed job: {Json.Name(job)}, status: {finished}");
            }
            if (finished == "Complete" && Json.Time(job["status"], "completionTime") is { } completed
                && (Json.Time(status, "lastSuccessfulTime") is not { } last || completed > last))
                status["lastSuccessfulTime"] = Meta.Time(completed);
        }
        foreach (var a in active.OfType<JsonObject>().ToList())
        {
            if (jobUids.Contains(Meta.Str(a, "uid") ?? "")) continue;
            if (Hub.Get(Hub.Jobs, key.Namespace, Meta.Str(a, "name") ?? "") is { } j && Json.Uid(j) == Meta.Str(a, "uid")) continue;
            Recorder.Normal(cj, "MissingJob", $"Active job went missing: {Meta.Str(a, "name")}");
            Remove(active, Meta.Str(a, "uid") ?? "");
        }
        var requeue = Schedule(cj, status, active, now);
        CleanupFinishedJobs(cj, Hub.Owned(Hub.Jobs, key.Namespace, uid), active);
        if (active.Count > 0) status["active"] = active;
        if (!JsonNode.DeepEquals(status, cj["status"] ?? new JsonObject()))
            UpdateStatus(Hub.CronJobs, key.Namespace, key.Name, o =>
            {
                o["status"] = status.DeepClone();
                return true;
            });
        return requeue;
    }

    /// <summary>Starts the Job due now, if any; returns when to look again.</summary>
    private TimeSpan? Schedule(JsonObject cj, JsonObject status, JsonArray active, DateTimeOffset now)
    {
        if (Meta.IsDeleting(cj)) return null;
        var spec = cj["spec"] as JsonObject ?? new JsonObject();
        TimeZoneInfo zone = TimeZoneInfo.Utc;
        if (Meta.Str(spec, "timeZone") is { } tz)
        {
            if (CronSchedule.FindZone(tz) is not { } found)
            {
                Recorder.Warning(cj, "UnknownTimeZone", $"invalid timeZone: \"{tz}\": unknown time zone {tz}");
                return null;
            }
            zone = found;
        }
        if (Json.Bool(spec["suspend"])) return null;
        var text = Meta.Str(spec, "schedule") ?? "";
        CronSchedule schedule;
        try
        {
            schedule = CronSchedule.Parse(text, zone);
        }
        catch (FormatException e)
        {
            Recorder.Warning(cj, "UnparseableSchedule", $"unparseable schedule: \"{text}\" : {e.Message}");
            return null;
        }
        var scheduled = NextScheduleTime(cj, status, now, schedule);
        if (scheduled is not { } at) return NextDuration(cj, status, now, schedule);
        var deadline = Json.LongOrNull(spec["startingDeadlineSeconds"]);
        if (deadline is { } seconds && at.AddSeconds(seconds) < now)
        {
            Recorder.Warning(cj, "MissSchedule", $"Missed scheduled time to start a job: {at.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture)} +0000");
            return NextDuration(cj, status, now, schedule);
        }
        var jobName = $"{Json.Name(cj)}-{at.ToUnixTimeSeconds() / 60}";
        if (active.OfType<JsonObject>().Any(a => Meta.Str(a, "name") == jobName) || Json.Time(status, "lastScheduleTime") == at)
            return NextDuration(cj, status, now, schedule);
        var policy = Meta.Str(spec, "concurrencyPolicy") ?? "Allow";
        if (policy == "Forbid" && active.Count > 0)
        {
            Recorder.Normal(cj, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
            return NextDuration(cj, status, now, schedule);
        }
        if (policy == "Replace")
            foreach (var a in active.OfType<JsonObject>().ToList())
            {
                var job = Hub.Get(Hub.Jobs, Json.Namespace(cj), Meta.Str(a, "name") ?? "");
                if (job is null) continue;
                if (!DeleteJob(cj, job)) return null;
                Remove(active, Json.Uid(job));
            }

        var template = spec["jobTemplate"] as JsonObject ?? new JsonObject();
        var annotations = (JsonObject)(template["metadata"]?["annotations"]?.DeepClone() ?? new JsonObject());
        annotations[ScheduledTimestampAnnotation] = FormatRfc3339(TimeZoneInfo.ConvertTime(at, zone));
        var meta = new JsonObject { ["name"] = jobName, ["namespace"] = Json.Namespace(cj), ["annotations"] = annotations };
        if (template["metadata"]?["labels"] is JsonObject labels) meta["labels"] = labels.DeepClone();
        meta["ownerReferences"] = new JsonArray(Json.ControllerRefTo(cj));
        var request = new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = meta,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
        JsonObject created;
        try
        {
            created = Create(Hub.Jobs, Json.Namespace(cj), request);
            Recorder.Normal(cj, "SuccessfulCreate", $"Created job {jobName}");
        }
        catch (ApiException e) when (e.Reason == "AlreadyExists")
        {
            var existing = Hub.Get(Hub.Jobs, Json.Namespace(cj), jobName);
            if (existing is null || !Json.IsControlledBy(existing, cj) || active.OfType<JsonObject>().Any(a => Meta.Str(a, "uid") == Json.Uid(existing)))
                return null;
            created = existing;
        }
        catch (ApiException e) when (e.Code == 403 && e.Message.Contains("being terminated", StringComparison.Ordinal))
        {
            return null;
        }
        catch (ApiException e)
        {
            Recorder.Warning(cj, "FailedCreate", $"Error creating job: {e.Message}");
            throw;
        }
        active.Add(Json.ObjectReference(created));
        status["lastScheduleTime"] = Meta.Time(at);
        return NextDuration(cj, status, now, schedule);
    }

    /// <summary>
    /// The latest scheduled time not yet started (<c>mostRecentScheduleTime</c>), counted from the last schedule time
    /// (or creation) and, with a starting deadline, no earlier than the deadline allows.
    /// </summary>
    private static (DateTimeOffset Earliest, DateTimeOffset? MostRecent, Missed Missed) MostRecent(JsonObject cj, JsonObject status, DateTimeOffset now,
        CronSchedule schedule, bool withDeadline)
    {
        var earliest = Json.Time(status, "lastScheduleTime") ?? Json.Created(cj);
        if (withDeadline && Json.LongOrNull(cj["spec"]?["startingDeadlineSeconds"]) is { } deadline)
        {
            var limit = now.AddSeconds(-deadline);
            if (limit > earliest) earliest = limit;
        }
        var t1 = schedule.Next(earliest);
        var t2 = schedule.Next(t1);
        if (t1 == DateTimeOffset.MinValue || now < t1) return (earliest, null, Missed.None);
        if (now < t2) return (earliest, t1, Missed.Few);
        var between = (long)Math.Round((t2 - t1).TotalSeconds);
        if (between < 1) return (earliest, null, Missed.Few);
        var elapsed = (long)(now - t1).TotalSeconds;
        var missed = elapsed / between + 1;
        DateTimeOffset? mostRecent = null;
        for (var t = schedule.Next(t1.AddSeconds((missed - 2) * between)); t != DateTimeOffset.MinValue && t <= now; t = schedule.Next(t))
            mostRecent = t;
        return (earliest, mostRecent, missed > 100 ? Missed.Many : Missed.Few);
    }

    private DateTimeOffset? NextScheduleTime(JsonObject cj, JsonObject status, DateTimeOffset now, CronSchedule schedule)
    {
        var (_, mostRecent, missed) = MostRecent(cj, status, now, schedule, withDeadline: true);
        if (mostRecent is null || mostRecent > now) return null;
        if (missed == Missed.Many)
            Recorder.Warning(cj, "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
        return mostRecent;
    }

    private static TimeSpan NextDuration(JsonObject cj, JsonObject status, DateTimeOffset now, CronSchedule schedule)
    {
        var (earliest, mostRecent, missed) = MostRecent(cj, status, now, schedule, withDeadline: false);
        var from = mostRecent ?? (missed == Missed.None ? earliest : now);
        var next = schedule.Next(from);
        if (next == DateTimeOffset.MinValue) return TimeSpan.FromHours(1);
        var delay = next + NextScheduleDelta - now;
        return delay < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : delay;
    }

    private void CleanupFinishedJobs(JsonObject cj, List<JsonObject> jobs, JsonArray active)
    {
        var spec = cj["spec"];
        var successLimit = Json.LongOrNull(spec?["successfulJobsHistoryLimit"]);
        var failedLimit = Json.LongOrNull(spec?["failedJobsHistoryLimit"]);
        if (successLimit is null && failedLimit is null) return;
        var succeeded = jobs.Where(j => FinishedType(j) == "Complete").ToList();
        var failed = jobs.Where(j => FinishedType(j) == "Failed").ToList();
        if (successLimit is { } s) RemoveOldest(cj, succeeded, (int)s, active);
        if (failedLimit is { } f) RemoveOldest(cj, failed, (int)f, active);
    }

    private void RemoveOldest(JsonObject cj, List<JsonObject> jobs, int limit, JsonArray active)
    {
        if (jobs.Count <= limit) return;
        var ordered = jobs.OrderBy(j => Json.Time(j["status"], "startTime") is null ? 1 : 0)
            .ThenBy(j => Json.Time(j["status"], "startTime") ?? DateTimeOffset.MaxValue)
            .ThenBy(Json.Name, StringComparer.Ordinal).ToList();
        foreach (var job in ordered.Take(jobs.Count - limit))
            if (DeleteJob(cj, job)) Remove(active, Json.Uid(job));
    }

    private bool DeleteJob(JsonObject cj, JsonObject job)
    {
        try
        {
            Ops.Delete(Hub.Jobs, Json.Namespace(job), Json.Name(job), new DeleteOptions { PropagationPolicy = "Background" });
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
        catch (ApiException e)
        {
            Recorder.Warning(cj, "FailedDelete", $"Deleted job: {e.Message}");
            return false;
        }
        Recorder.Normal(cj, "SuccessfulDelete", $"Deleted job {Json.Name(job)}");
        return true;
    }

    private static string? FinishedType(JsonObject job) =>
        (job["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(c => Meta.Str(c, "type") is "Complete" or "Failed" && Meta.Str(c, "status") == "True") is { } c ? Meta.Str(c, "type") : null;

    private static void Remove(JsonArray list, string uid)
    {
        foreach (var item in list.OfType<JsonObject>().Where(a => Meta.Str(a, "uid") == uid).ToList()) list.Remove(item);
    }

    private static string FormatRfc3339(DateTimeOffset t) =>
        t.Offset == TimeSpan.Zero
            ? t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
