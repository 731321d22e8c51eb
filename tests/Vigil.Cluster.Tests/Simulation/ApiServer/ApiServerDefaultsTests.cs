using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.ApiServer;

/// <summary>
/// What the apiserver itself fills in on write, compared with a real 1.33 API server: defaults (SetDefaults_* of the
/// API groups) and the admission plugins that are part of the API server, so they apply with the simulation off too
/// (this fixture runs the API server alone).
/// </summary>
public sealed class ApiServerDefaultsTests(ClusterFixture fx) : IClassFixture<ClusterFixture>
{
    private readonly Kubectl _kubectl = new(fx.KubeconfigPath);

    /// <summary>Compares JSON as data: kubectl prints object keys sorted, the server in the API types' field order.</summary>
    private static void SameJson(JsonNode? actual, string expected) =>
        JsonNode.DeepEquals(actual, JsonNode.Parse(expected)).ShouldBeTrue($"expected {expected}, got {actual?.ToJsonString()}");

    private async Task<JsonObject> ApplyAndGet(string ns, string yaml, string resource, string name)
    {
        (await _kubectl.RunWithInput($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "apply", "-f", "-")).Succeeded();
        (await _kubectl.RunWithInput(yaml, "apply", "-n", ns, "-f", "-")).Succeeded();
        var result = (await _kubectl.Run("get", resource, name, "-n", ns, "-o", "json")).Succeeded();
        return JsonNode.Parse(result.Stdout)!.AsObject();
    }

    [Fact]
    public async Task A_StatefulSet_gets_partition_zero_and_the_claim_retention_policy()
    {
        var sts = await ApplyAndGet("defaults-sts", """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db}
            spec:
              serviceName: db
              selector: {matchLabels: {app: db}}
              template:
                metadata: {labels: {app: db}}
                spec: {containers: [{name: db, image: postgres:16}]}
              volumeClaimTemplates:
              - metadata: {name: data}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Gi}}
            """, "statefulset", "db");
        var spec = sts["spec"]!;
        SameJson(spec["updateStrategy"]!, """{"type":"RollingUpdate","rollingUpdate":{"partition":0}}""");
        SameJson(spec["persistentVolumeClaimRetentionPolicy"]!, """{"whenDeleted":"Retain","whenScaled":"Retain"}""");
        spec["podManagementPolicy"]!.GetValue<string>().ShouldBe("OrderedReady");
        spec["volumeClaimTemplates"]![0]!["spec"]!["volumeMode"]!.GetValue<string>().ShouldBe("Filesystem");
        spec["volumeClaimTemplates"]![0]!["status"]!["phase"]!.GetValue<string>().ShouldBe("Pending");
    }

    [Fact]
    public async Task A_DaemonSet_rolls_one_node_at_a_time_without_surge()
    {
        var ds = await ApplyAndGet("defaults-ds", """
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: agent}
            spec:
              selector: {matchLabels: {app: agent}}
              template:
                metadata: {labels: {app: agent}}
                spec: {containers: [{name: agent, image: fluent-bit:3.0}]}
            """, "daemonset", "agent");
        SameJson(ds["spec"]!["updateStrategy"]!, """{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}}""");
        ds["spec"]!["revisionHistoryLimit"]!.GetValue<int>().ShouldBe(10);
    }

    [Fact]
    public async Task An_autoscaler_without_metrics_targets_80_percent_cpu_and_a_given_behavior_is_completed()
    {
        var hpa = await ApplyAndGet("defaults-hpa", """
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: web}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
              maxReplicas: 5
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: tuned}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: tuned}
              maxReplicas: 5
              behavior:
                scaleDown:
                  stabilizationWindowSeconds: 60
            """, "hpa", "web");
        hpa["spec"]!["minReplicas"]!.GetValue<int>().ShouldBe(1);
        SameJson(hpa["spec"]!["metrics"]!, """[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]""");
        hpa["spec"]!["behavior"].ShouldBeNull("behavior is only completed when given");

        var tuned = JsonNode.Parse((await _kubectl.Run("get", "hpa", "tuned", "-n", "defaults-hpa", "-o", "json")).Succeeded().Stdout)!;
        SameJson(tuned["spec"]!["behavior"]!["scaleUp"]!, """{"stabilizationWindowSeconds":0,"selectPolicy":"Max","policies":[{"type":"Pods","value":4,"periodSeconds":15},{"type":"Percent","value":100,"periodSeconds":15}]}""");
        // Scale-down keeps the window it was given; without one the controller's 300 s applies and none is written.
        SameJson(tuned["spec"]!["behavior"]!["scaleDown"]!, """{"stabilizationWindowSeconds":60,"selectPolicy":"Max","policies":[{"type":"Percent","value":100,"periodSeconds":15}]}""");
    }

    [Fact]
    public async Task A_pod_requests_what_it_limits_unless_it_says_otherwise_but_its_template_does_not()
    {
        var pod = await ApplyAndGet("defaults-pod", """
            apiVersion: v1
            kind: Pod
            metadata: {name: limited}
            spec:
              initContainers:
              - name: init
                image: busybox:1.36
                resources: {limits: {cpu: 200m}}
              containers:
              - name: app
                image: nginx:1.25
                resources:
                  limits: {cpu: "1", memory: 512Mi}
                  requests: {cpu: 250m}
              - name: free
                image: nginx:1.25
            """, "pod", "limited");
        var containers = pod["spec"]!["containers"]!.AsArray();
        SameJson(containers[0]!["resources"]!["requests"]!, """{"cpu":"250m","memory":"512Mi"}""");
        SameJson(containers[1]!["resources"]!, "{}");
        SameJson(pod["spec"]!["initContainers"]![0]!["resources"]!["requests"]!, """{"cpu":"200m"}""");

        var deployment = await ApplyAndGet("defaults-pod", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: app, image: nginx:1.25, resources: {limits: {cpu: "1"}}}]}
            """, "deployment", "web");
        SameJson(deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!, """{"limits":{"cpu":"1"}}""");
    }

    [Fact]
    public async Task Job_completions_and_parallelism_follow_the_real_defaults()
    {
        var single = await ApplyAndGet("defaults-job", """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: once}
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: main, image: busybox:1.36}]
            ---
            apiVersion: batch/v1
            kind: Job
            metadata: {name: queue}
            spec:
              parallelism: 3
              template:
                metadata: {labels: {app: worker}}
                spec:
                  restartPolicy: Never
                  containers: [{name: main, image: busybox:1.36}]
            """, "job", "once");
        var spec = single["spec"]!;
        spec["completions"]!.GetValue<int>().ShouldBe(1);
        spec["parallelism"]!.GetValue<int>().ShouldBe(1);
        spec["backoffLimit"]!.GetValue<int>().ShouldBe(6);
        spec["completionMode"]!.GetValue<string>().ShouldBe("NonIndexed");
        spec["suspend"]!.GetValue<bool>().ShouldBeFalse();
        spec["podReplacementPolicy"]!.GetValue<string>().ShouldBe("TerminatingOrFailed");
        // The Job admission (generated selector and labels) is part of the API server: it applies with the simulation off.
        var uid = single["metadata"]!["uid"]!.GetValue<string>();
        spec["selector"]!["matchLabels"]!["batch.kubernetes.io/controller-uid"]!.GetValue<string>().ShouldBe(uid);
        single["metadata"]!["labels"]!["batch.kubernetes.io/job-name"]!.GetValue<string>().ShouldBe("once");

        var queue = JsonNode.Parse((await _kubectl.Run("get", "job", "queue", "-n", "defaults-job", "-o", "json")).Succeeded().Stdout)!;
        queue["spec"]!["parallelism"]!.GetValue<int>().ShouldBe(3);
        queue["spec"]!["completions"].ShouldBeNull("a work queue: parallelism without completions leaves completions unset");
        queue["metadata"]!["labels"]!["app"]!.GetValue<string>().ShouldBe("worker");
    }

    [Fact]
    public async Task A_Job_with_a_pod_failure_policy_replaces_only_failed_pods()
    {
        var job = await ApplyAndGet("defaults-jobpolicy", """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: careful}
            spec:
              podFailurePolicy:
                rules:
                - action: Ignore
                  onPodConditions: [{type: DisruptionTarget}]
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: main, image: busybox:1.36}]
            """, "job", "careful");
        job["spec"]!["podReplacementPolicy"]!.GetValue<string>().ShouldBe("Failed");
        job["spec"]!["podFailurePolicy"]!["rules"]![0]!["onPodConditions"]![0]!["status"]!.GetValue<string>().ShouldBe("True");
    }

    [Fact]
    public async Task Claims_get_the_protection_finalizer_and_quotas_refuse_creates_without_the_simulation()
    {
        var pvc = await ApplyAndGet("admission-off", """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
            ---
            apiVersion: v1
            kind: ResourceQuota
            metadata: {name: small}
            spec:
              hard: {configmaps: "1"}
            """, "pvc", "data");
        pvc["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldBe(["kubernetes.io/pvc-protection"]);
        (await _kubectl.RunWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n", "apply", "-n", "admission-off", "-f", "-")).Succeeded();
        var refused = await _kubectl.RunWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\n", "apply", "-n", "admission-off", "-f", "-");
        refused.ExitCode.ShouldNotBe(0);
        refused.Stderr.ShouldContain("""configmaps "two" is forbidden: exceeded quota: small, requested: configmaps=1, used: configmaps=1, limited: configmaps=1""");
    }
}
