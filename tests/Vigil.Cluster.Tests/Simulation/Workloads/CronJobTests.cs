using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Simulation.Workloads;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>CronJobs on the cluster clock (a minute is three real seconds at speed 20): schedules, concurrency, history.</summary>
public sealed class CronJobTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    private static string Cron(string schedule, string policy, string runSeconds, string extra = "") => $$"""
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: tick
        spec:
          schedule: "{{schedule}}"
          concurrencyPolicy: {{policy}}
        {{extra}}
          jobTemplate:
            metadata:
              labels: {team: ops}
            spec:
              template:
                metadata:
                  annotations: {"sim.vigil.io/run-seconds": "{{runSeconds}}"}
                spec:
                  restartPolicy: Never
                  containers:
                  - name: tick
                    image: busybox:1.36
        """;

    [Fact]
    public async Task Jobs_start_on_schedule_and_finished_ones_beyond_the_history_limit_are_deleted()
    {
        var ns = await Namespace("cron");
        await Apply(ns, Cron("*/1 * * * *", "Allow", "5", "  successfulJobsHistoryLimit: 1"));
        var first = await WaitForEvent(ns, "tick", "SuccessfulCreate", timeout: TimeSpan.FromSeconds(20));
        var jobName = Str(first, "message")!["Created job ".Length..];
        var job = (await Get($"/apis/batch/v1/namespaces/{ns}/jobs/{jobName}"))!;
        var scheduled = DateTimeOffset.Parse(Str(job["metadata"]!["annotations"], "batch.kubernetes.io/cronjob-scheduled-timestamp")!, CultureInfo.InvariantCulture);
        scheduled.Second.ShouldBe(0);
        jobName.ShouldBe($"tick-{scheduled.ToUnixTimeSeconds() / 60}");
        Str(job["metadata"]!["labels"], "team").ShouldBe("ops");
        Str(job["metadata"]!["ownerReferences"]![0], "kind").ShouldBe("CronJob");

        var cj = await WaitFor($"/apis/batch/v1/namespaces/{ns}/cronjobs/tick", o => o["status"]?["lastSuccessfulTime"] is not null, "a job succeeded", TimeSpan.FromSeconds(20));
        Str(cj["status"], "lastScheduleTime").ShouldNotBeNull();
        await WaitForEvent(ns, "tick", "SawCompletedJob", $"Saw completed job: {jobName}, status: Complete");

        // The next minute's Job completes too; only one successful Job is kept.
        await WaitForEvent(ns, "tick", "SuccessfulDelete", $"Deleted job {jobName}", TimeSpan.FromSeconds(20));
        var jobs = await WaitForList($"/apis/batch/v1/namespaces/{ns}/jobs", l => l.Count(j => HasCondition(j, "Complete", "True")) == 1, "one complete job kept");
        jobs.ShouldNotContain(j => Name(j) == jobName);
    }

    [Fact]
    public async Task Forbid_skips_a_run_while_one_is_active_and_Replace_replaces_it()
    {
        var ns = await Namespace("forbid");
        await Apply(ns, Cron("*/1 * * * *", "Forbid", "3600"));
        await WaitForEvent(ns, "tick", "SuccessfulCreate", timeout: TimeSpan.FromSeconds(20));
        await WaitForEvent(ns, "tick", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid", TimeSpan.FromSeconds(20));
        var cj = (await Get($"/apis/batch/v1/namespaces/{ns}/cronjobs/tick"))!;
        cj["status"]!["active"]!.AsArray().Count.ShouldBe(1);
        var running = Str(cj["status"]!["active"]![0], "name")!;

        (await Kubectl.Run("patch", "cronjob", "tick", "-n", ns, "--type=merge", "-p", """{"spec":{"concurrencyPolicy":"Replace"}}""")).Succeeded();
        await WaitForEvent(ns, "tick", "SuccessfulDelete", $"Deleted job {running}", TimeSpan.FromSeconds(20));
        cj = await WaitFor($"/apis/batch/v1/namespaces/{ns}/cronjobs/tick",
            o => o["status"]?["active"] is JsonArray { Count: 1 } a && Str(a[0], "name") != running, "replaced", TimeSpan.FromSeconds(20));
        Str(cj["status"]!["active"]![0], "kind").ShouldBe("Job");
    }

    [Fact]
    public async Task A_suspended_cron_job_starts_nothing_and_too_many_missed_starts_are_reported()
    {
        var ns = await Namespace("missed");
        // Every second: at speed 20, more than a hundred starts are missed in about six real seconds.
        await Apply(ns, Cron("@every 1s", "Forbid", "3600", "  suspend: true"));
        var created = DateTimeOffset.Parse(Str((await Get($"/apis/batch/v1/namespaces/{ns}/cronjobs/tick"))!["metadata"], "creationTimestamp")!, CultureInfo.InvariantCulture);
        await Eventually.True(() => Task.FromResult(Fx.Cluster.Clock.GetUtcNow() - created > TimeSpan.FromSeconds(110)), TimeSpan.FromSeconds(15), "110 cluster seconds");
        (await List($"/apis/batch/v1/namespaces/{ns}/jobs")).ShouldBeEmpty();
        (await Kubectl.Run("patch", "cronjob", "tick", "-n", ns, "--type=merge", "-p", """{"spec":{"suspend":false}}""")).Succeeded();
        var warning = await WaitForEvent(ns, "tick", "TooManyMissedTimes");
        Str(warning, "type").ShouldBe("Warning");
        Str(warning, "message").ShouldBe("too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
        await WaitForEvent(ns, "tick", "SuccessfulCreate");
    }

    [Theory]
    [InlineData("*/15 * * * *", "2024-05-01T10:07:00Z", "2024-05-01T10:15:00Z")]
    [InlineData("0 9-17/4 * * mon-fri", "2024-05-03T17:30:00Z", "2024-05-06T09:00:00Z")]
    [InlineData("@hourly", "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z")]
    [InlineData("@weekly", "2024-05-01T10:00:00Z", "2024-05-05T00:00:00Z")]
    [InlineData("0 0 1 jan,jul *", "2024-02-10T00:00:00Z", "2024-07-01T00:00:00Z")]
    [InlineData("30 6 13 * 5", "2024-05-01T00:00:00Z", "2024-05-03T06:30:00Z")]
    [InlineData("0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("5 4 * * ?", "2024-05-01T04:05:00Z", "2024-05-02T04:05:00Z")]
    public void Cron_schedules_follow_the_standard_syntax(string schedule, string after, string expected)
    {
        var next = CronSchedule.Parse(schedule).Next(DateTimeOffset.Parse(after, CultureInfo.InvariantCulture));
        next.ShouldBe(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Cron_schedules_run_in_their_time_zone()
    {
        var zone = CronSchedule.FindZone("Europe/Paris")!;
        var next = CronSchedule.Parse("0 9 * * *", zone).Next(DateTimeOffset.Parse("2024-07-01T12:00:00Z", CultureInfo.InvariantCulture));
        next.ShouldBe(DateTimeOffset.Parse("2024-07-02T07:00:00Z", CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("* * * *", "expected exactly 5 fields, found 4: [* * * *]")]
    [InlineData("61 * * * *", "end of range (61) above maximum (59): 61")]
    [InlineData("* * * * 7", "end of range (7) above maximum (6): 7")]
    [InlineData("@fortnightly", "unrecognized descriptor: @fortnightly")]
    public void Bad_schedules_are_refused_with_the_parser_message(string schedule, string message)
    {
        Should.Throw<FormatException>(() => CronSchedule.Parse(schedule)).Message.ShouldBe(message);
    }
}
