using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>Jobs: completions and parallelism, the backoff limit, the active deadline, TTL after finishing.</summary>
public sealed class JobTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    private static string Job(string name, string spec, string annotations) => $$"""
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: {{name}}
        spec:
        {{spec}}
          template:
            metadata:
              annotations: {{annotations}}
            spec:
              restartPolicy: Never
              containers:
              - name: work
                image: busybox:1.36
        """;

    [Fact]
    public async Task A_job_runs_its_completions_in_parallel_and_completes()
    {
        var ns = await Namespace("job");
        await Apply(ns, Job("batch", "  completions: 3\n  parallelism: 2", """{"sim.vigil.io/run-seconds": "10"}"""));
        var running = await WaitFor($"/apis/batch/v1/namespaces/{ns}/jobs/batch", o => Int(o["status"]?["active"]) == 2, "two active");
        Str(running["status"], "startTime").ShouldNotBeNull();
        var uid = Str(running["metadata"], "uid");
        Str(running["spec"]!["selector"]!["matchLabels"], "batch.kubernetes.io/controller-uid").ShouldBe(uid);
        var pods = await Pods(ns);
        pods.ShouldAllBe(p => Str(p["metadata"]!["labels"], "job-name") == "batch" && Str(p["metadata"]!["labels"], "batch.kubernetes.io/controller-uid") == uid);
        pods.ShouldAllBe(p => p["metadata"]!["finalizers"]!.AsArray().Any(f => f!.GetValue<string>() == "batch.kubernetes.io/job-tracking"));

        (await Kubectl.Run("wait", "--for=condition=complete", "job/batch", "-n", ns, "--timeout=30s")).Succeeded();
        var job = (await Get($"/apis/batch/v1/namespaces/{ns}/jobs/batch"))!;
        Int(job["status"]!["succeeded"]).ShouldBe(3);
        job["status"]!["active"].ShouldBeNull();
        Int(job["status"]!["ready"]).ShouldBe(0);
        Int(job["status"]!["terminating"]).ShouldBe(0);
        job["status"]!["uncountedTerminatedPods"].ShouldBeOfType<JsonObject>();
        Str(job["status"], "completionTime").ShouldNotBeNull();
        var conditions = job["status"]!["conditions"]!.AsArray().Select(c => Str(c, "type")).ToList();
        conditions.ShouldBe(["SuccessCriteriaMet", "Complete"]);
        Str(Condition(job, "Complete"), "reason").ShouldBe("CompletionsReached");
        Str(Condition(job, "Complete"), "message").ShouldBe("Reached expected number of succeeded pods");
        (await Events(ns, "batch")).Count(e => Str(e, "reason") == "SuccessfulCreate").ShouldBe(3);
        await WaitForEvent(ns, "batch", "Completed", "Job completed");
        // Counted pods lose the tracking finalizer.
        (await Pods(ns)).ShouldAllBe(p => p["metadata"]!["finalizers"] == null && Str(p["status"], "phase") == "Succeeded");
        (await Kubectl.Run("get", "job", "batch", "-n", ns)).Succeeded().Stdout.ShouldContain("3/3");
    }

    [Fact]
    public async Task Failing_pods_are_retried_with_back_off_until_the_backoff_limit()
    {
        var ns = await Namespace("backoff");
        await Apply(ns, Job("flaky", "  backoffLimit: 2", """{"sim.vigil.io/run-seconds": "1", "sim.vigil.io/exit-code": "1"}"""));
        var job = await WaitFor($"/apis/batch/v1/namespaces/{ns}/jobs/flaky", o => HasCondition(o, "Failed", "True"), "failed", TimeSpan.FromSeconds(40));
        Str(Condition(job, "Failed"), "reason").ShouldBe("BackoffLimitExceeded");
        Str(Condition(job, "Failed"), "message").ShouldBe("Job has reached the specified backoff limit");
        HasCondition(job, "FailureTarget", "True", "BackoffLimitExceeded").ShouldBeTrue();
        Int(job["status"]!["failed"]).ShouldBe(3);
        job["status"]!["succeeded"].ShouldBeNull();
        var pods = await Pods(ns);
        pods.Count.ShouldBe(3);
        pods.ShouldAllBe(p => Str(p["status"], "phase") == "Failed");
        var evt = await WaitForEvent(ns, "flaky", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        Str(evt, "type").ShouldBe("Warning");
        // Replacements waited 10 s, then 20 s (cluster time) after each failure.
        var created = pods.Select(p => DateTimeOffset.Parse(Str(p["metadata"], "creationTimestamp")!, System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        (created[1] - created[0]).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(10));
        (created[2] - created[1]).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_job_past_its_active_deadline_fails_and_its_pods_are_deleted()
    {
        var ns = await Namespace("deadline");
        await Apply(ns, Job("slow", "  activeDeadlineSeconds: 20", """{"sim.vigil.io/run-seconds": "3600"}"""));
        var pod = (await WaitForList($"/api/v1/namespaces/{ns}/pods", l => l.Count == 1, "pod started"))[0];
        var job = await WaitFor($"/apis/batch/v1/namespaces/{ns}/jobs/slow", o => HasCondition(o, "Failed", "True"), "failed");
        Str(Condition(job, "Failed"), "reason").ShouldBe("DeadlineExceeded");
        Str(Condition(job, "Failed"), "message").ShouldBe("Job was active longer than specified deadline");
        job["status"]!["active"].ShouldBeNull();
        Int(job["status"]!["failed"]).ShouldBe(1);
        await WaitForEvent(ns, "slow", "DeadlineExceeded", "Job was active longer than specified deadline");
        await WaitForEvent(ns, "slow", "SuccessfulDelete", $"Deleted pod: {Name(pod)}");
        await WaitForList($"/api/v1/namespaces/{ns}/pods", l => l.Count == 0, "active pod deleted");
    }

    [Fact]
    public async Task A_finished_job_with_a_ttl_is_deleted_with_its_pods()
    {
        var ns = await Namespace("ttl");
        await Apply(ns, Job("once", "  ttlSecondsAfterFinished: 10", """{"sim.vigil.io/run-seconds": "1"}"""));
        await WaitFor($"/apis/batch/v1/namespaces/{ns}/jobs/once", o => HasCondition(o, "Complete", "True"), "complete");
        await Eventually.True(async () => await Get($"/apis/batch/v1/namespaces/{ns}/jobs/once") is null, Timeout, "job deleted after its TTL");
        await WaitForList($"/api/v1/namespaces/{ns}/pods", l => l.Count == 0, "pods collected");
    }
}
