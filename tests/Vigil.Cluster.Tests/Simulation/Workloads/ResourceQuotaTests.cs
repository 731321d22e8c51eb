using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Simulation.Workloads.Support;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads;

/// <summary>ResourceQuotas: usage in status, refusals with the apiserver's messages, and what controllers see when refused.</summary>
public sealed class ResourceQuotaTests(WorkloadFixture fx) : WorkloadTest(fx), IClassFixture<WorkloadFixture>
{
    private const string Quota = """
        apiVersion: v1
        kind: ResourceQuota
        metadata:
          name: compute
        spec:
          hard:
            pods: "10"
            requests.cpu: "2"
            requests.memory: 2Gi
            limits.memory: 4Gi
            configmaps: "5"
            count/deployments.apps: "3"
        """;

    private static string Pod(string name, string cpu, string resources = "") => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
        spec:
          containers:
          - name: app
            image: nginx:1.25
            resources:
              requests: {cpu: "{{cpu}}", memory: 256Mi}
              limits: {memory: 512Mi}
        {{resources}}
        """;

    [Fact]
    public async Task Usage_is_counted_and_a_create_past_the_limit_is_refused_with_the_real_error()
    {
        var ns = await Namespace("quota");
        await Apply(ns, Quota);
        var quota = await WaitFor($"/api/v1/namespaces/{ns}/resourcequotas/compute", q => q["status"]?["used"] is not null, "status computed");
        Str(quota["status"]!["hard"], "requests.cpu").ShouldBe("2");
        Str(quota["status"]!["used"], "requests.cpu").ShouldBe("0");
        Str(quota["status"]!["used"], "pods").ShouldBe("0");

        await Apply(ns, Pod("first", "1"));
        quota = await WaitFor($"/api/v1/namespaces/{ns}/resourcequotas/compute", q => Str(q["status"]?["used"], "pods") == "1", "one pod counted");
        Str(quota["status"]!["used"], "requests.cpu").ShouldBe("1");
        Str(quota["status"]!["used"], "requests.memory").ShouldBe("256Mi");
        Str(quota["status"]!["used"], "limits.memory").ShouldBe("512Mi");
        Str(quota["status"]!["used"], "count/deployments.apps").ShouldBe("0");

        var refused = await Kubectl.RunWithInput(Pod("second", "2"), "apply", "-n", ns, "-f", "-");
        refused.ExitCode.ShouldNotBe(0);
        refused.Stderr.ShouldContain("Error from server (Forbidden)");
        refused.Stderr.ShouldContain("pods \"second\" is forbidden: exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=1, limited: requests.cpu=2");
        (await Get($"/api/v1/namespaces/{ns}/pods/second")).ShouldBeNull();

        var (status, body) = await Fx.Http.Post($"/api/v1/namespaces/{ns}/pods", Vigil.Cluster.Serialization.YamlJson.ParseDocuments(Pod("third", "500m")).First()!);
        status.ShouldBe(201);
        _ = body;
        quota = await WaitFor($"/api/v1/namespaces/{ns}/resourcequotas/compute", q => Str(q["status"]?["used"], "pods") == "2", "two pods counted");
        Str(quota["status"]!["used"], "requests.cpu").ShouldBe("1500m");
        Str(quota["status"]!["used"], "requests.memory").ShouldBe("512Mi");

        // Deleting a pod gives its share back.
        (await Kubectl.Run("delete", "pod", "first", "-n", ns, "--wait=false")).Succeeded();
        await WaitFor($"/api/v1/namespaces/{ns}/resourcequotas/compute", q => Str(q["status"]?["used"], "requests.cpu") == "500m", "usage released");
        (await Kubectl.Run("describe", "quota", "compute", "-n", ns)).Succeeded().Stdout.ShouldContain("requests.cpu");
    }

    [Fact]
    public async Task A_pod_without_the_requests_a_quota_constrains_is_refused()
    {
        var ns = await Namespace("quotareq");
        await Apply(ns, Quota);
        await WaitFor($"/api/v1/namespaces/{ns}/resourcequotas/compute", q => q["status"]?["used"] is not null, "status computed");
        var refused = await Kubectl.RunWithInput("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: bare
            spec:
              containers:
              - name: app
                image: nginx:1.25
            """, "apply", "-n", ns, "-f", "-");
        refused.ExitCode.ShouldNotBe(0);
        refused.Stderr.ShouldContain("pods \"bare\" is forbidden: failed quota: compute: must specify limits.memory for: app; requests.cpu for: app; requests.memory for: app");
    }

    [Fact]
    public async Task A_replica_set_refused_by_a_quota_reports_FailedCreate_and_ReplicaFailure()
    {
        var ns = await Namespace("quotars");
        await Apply(ns, Quota);
        await WaitFor($"/api/v1/namespaces/{ns}/resourcequotas/compute", q => q["status"]?["used"] is not null, "status computed");
        await Apply(ns, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 3
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: nginx:1.25
                    resources:
                      requests: {cpu: 800m, memory: 128Mi}
                      limits: {memory: 256Mi}
            """);
        var rs = (await WaitForList($"/apis/apps/v1/namespaces/{ns}/replicasets", l => l.Count == 1, "replica set"))[0];
        var failed = await WaitForEvent(ns, Name(rs), "FailedCreate");
        Str(failed, "type").ShouldBe("Warning");
        Str(failed, "message")!.ShouldMatch($"^Error creating: pods \"{Name(rs)}-[a-z0-9]{{5}}\" is forbidden: exceeded quota: compute, requested: requests.cpu=800m, used: requests.cpu=1600m, limited: requests.cpu=2$");
        rs = await WaitFor($"/apis/apps/v1/namespaces/{ns}/replicasets/{Name(rs)}", o => HasCondition(o, "ReplicaFailure", "True", "FailedCreate") && Int(o["status"]?["replicas"]) == 2, "ReplicaFailure with two pods");
        Int(rs["status"]!["replicas"]).ShouldBe(2);
        var d = await WaitFor($"/apis/apps/v1/namespaces/{ns}/deployments/web", o => HasCondition(o, "ReplicaFailure", "True", "FailedCreate"), "deployment sees the failure");
        Str(Condition(d, "ReplicaFailure"), "message")!.ShouldContain("exceeded quota: compute");
        var quota = (await Get($"/api/v1/namespaces/{ns}/resourcequotas/compute"))!;
        Str(quota["status"]!["used"], "count/deployments.apps").ShouldBe("1");
        Str(quota["status"]!["used"], "requests.cpu").ShouldBe("1600m");
    }
}
