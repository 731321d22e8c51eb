using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Api;

/// <summary>
/// The defaults the apiserver fills in on write, for the fields controllers, kubectl and Vigil read back
/// (replicas, strategies, restart policy, image pull policy, service type and ports...).
/// </summary>
public static class Defaulting
{
    public static void Apply(ResourceType type, JsonObject obj)
    {
        if (type.IsCustom) return;
        switch ((type.Group, type.Kind))
        {
            case ("", "Pod"):
                if (obj["spec"] is JsonObject podSpec)
                {
                    PodSpec(podSpec);
                    RequestsFromLimits(podSpec);
                }
                break;
            case ("", "Namespace"):
                var nsSpec = Obj(obj, "spec");
                nsSpec.TryAdd("finalizers", new JsonArray("kubernetes"));
                Obj(obj, "status").TryAdd("phase", "Active");
                break;
            case ("", "Service"):
                Service(Obj(obj, "spec"));
                break;
            case ("", "PersistentVolumeClaim"):
                Obj(obj, "spec").TryAdd("volumeMode", "Filesystem");
                Obj(obj, "status").TryAdd("phase", "Pending");
                break;
            case ("", "PersistentVolume"):
                Obj(obj, "spec").TryAdd("persistentVolumeReclaimPolicy", "Retain");
                Obj(obj, "spec").TryAdd("volumeMode", "Filesystem");
                Obj(obj, "status").TryAdd("phase", "Pending");
                break;
            case ("apps", "Deployment"):
                Workload(obj, replicas: true);
                var strategy = Obj(Obj(obj, "spec"), "strategy");
                strategy.TryAdd("type", "RollingUpdate");
                if (strategy["type"]?.GetValue<string>() == "RollingUpdate")
                {
                    var ru = Obj(strategy, "rollingUpdate");
                    ru.TryAdd("maxUnavailable", "25%");
                    ru.TryAdd("maxSurge", "25%");
                }
                Obj(obj, "spec").TryAdd("revisionHistoryLimit", 10);
                Obj(obj, "spec").TryAdd("progressDeadlineSeconds", 600);
                break;
            case ("apps", "ReplicaSet"):
            case ("", "ReplicationController"):
                Workload(obj, replicas: true);
                break;
            case ("apps", "StatefulSet"):
                Workload(obj, replicas: true);
                Obj(obj, "spec").TryAdd("podManagementPolicy", "OrderedReady");
                Obj(obj, "spec").TryAdd("revisionHistoryLimit", 10);
                var sts = Obj(Obj(obj, "spec"), "updateStrategy");
                sts.TryAdd("type", "RollingUpdate");
                if (sts["type"]?.GetValue<string>() == "RollingUpdate") Obj(sts, "rollingUpdate").TryAdd("partition", 0);
                var retention = Obj(Obj(obj, "spec"), "persistentVolumeClaimRetentionPolicy");
                retention.TryAdd("whenDeleted", "Retain");
                retention.TryAdd("whenScaled", "Retain");
                if (obj["spec"]?["volumeClaimTemplates"] is JsonArray claimTemplates)
                    foreach (var claim in claimTemplates.OfType<JsonObject>())
                    {
                        Obj(claim, "spec").TryAdd("volumeMode", "Filesystem");
                        Obj(claim, "status").TryAdd("phase", "Pending");
                    }
                break;
            case ("apps", "DaemonSet"):
                Workload(obj, replicas: false);
                Obj(obj, "spec").TryAdd("revisionHistoryLimit", 10);
                var ds = Obj(Obj(obj, "spec"), "updateStrategy");
                ds.TryAdd("type", "RollingUpdate");
                if (ds["type"]?.GetValue<string>() == "RollingUpdate")
                {
                    var dsRolling = Obj(ds, "rollingUpdate");
                    dsRolling.TryAdd("maxUnavailable", 1);
                    dsRolling.TryAdd("maxSurge", 0);
                }
                break;
            case ("batch", "Job"):
                Job(obj);
                break;
            case ("autoscaling", "HorizontalPodAutoscaler"):
                HorizontalPodAutoscaler(Obj(obj, "spec"));
                break;
            case ("batch", "CronJob"):
                var cron = Obj(obj, "spec");
                cron.TryAdd("concurrencyPolicy", "Allow");
                cron.TryAdd("suspend", false);
                cron.TryAdd("successfulJobsHistoryLimit", 3);
                cron.TryAdd("failedJobsHistoryLimit", 1);
                if (cron["jobTemplate"]?["spec"] is JsonObject jt)
                {
                    jt.TryAdd("backoffLimit", 6);
                    if (jt["template"]?["spec"] is JsonObject cronPod) PodSpec(cronPod);
                }
                break;
        }
    }

    /// <summary>
    /// batch/v1 <c>SetDefaults_Job</c>: completions and parallelism both 1 when neither is set, otherwise parallelism 1
    /// when unset and completions left unset (a work queue); backoffLimit 6 (the maximum int32 with backoffLimitPerIndex);
    /// NonIndexed; not suspended; podReplacementPolicy Failed with a podFailurePolicy, TerminatingOrFailed without; a Job
    /// without labels takes its template's.
    /// </summary>
    private static void Job(JsonObject obj)
    {
        var spec = Obj(obj, "spec");
        if (spec["completions"] is null && spec["parallelism"] is null)
        {
            spec["completions"] = 1;
            spec["parallelism"] = 1;
        }
        spec.TryAdd("parallelism", 1);
        spec.TryAdd("backoffLimit", spec["backoffLimitPerIndex"] is null ? 6 : int.MaxValue);
        spec.TryAdd("completionMode", "NonIndexed");
        spec.TryAdd("suspend", false);
        if (spec["podFailurePolicy"] is JsonObject failurePolicy)
            foreach (var rule in (failurePolicy["rules"] as JsonArray ?? []).OfType<JsonObject>())
                foreach (var pattern in (rule["onPodConditions"] as JsonArray ?? []).OfType<JsonObject>())
                    pattern.TryAdd("status", "True");
        spec.TryAdd("podReplacementPolicy", spec["podFailurePolicy"] is null ? "TerminatingOrFailed" : "Failed");
        CopyTemplateLabels(obj);
        if (spec["template"]?["spec"] is JsonObject jobPod) PodSpec(jobPod);
    }

    /// <summary>A Job without labels gets its pod template's (as <c>SetDefaults_Job</c> does).</summary>
    public static void CopyTemplateLabels(JsonObject job)
    {
        var meta = Obj(job, "metadata");
        if (meta["labels"] is JsonObject { Count: > 0 }) return;
        if (job["spec"]?["template"]?["metadata"]?["labels"] is JsonObject { Count: > 0 } labels) meta["labels"] = labels.DeepClone();
    }

    /// <summary>
    /// autoscaling/v2 <c>SetDefaults_HorizontalPodAutoscaler</c>: minReplicas 1; without metrics, 80% average CPU
    /// utilization; a behavior that is given has its unset scaling rules filled in (scale up: no stabilization, Max of
    /// 4 pods and 100% per 15 s; scale down: Max of 100% per 15 s, the window left to the controller's 300 s default).
    /// </summary>
    private static void HorizontalPodAutoscaler(JsonObject spec)
    {
        spec.TryAdd("minReplicas", 1);
        if (spec["metrics"] is not JsonArray { Count: > 0 })
            spec["metrics"] = new JsonArray(new JsonObject
            {
                ["type"] = "Resource",
                ["resource"] = new JsonObject
                {
                    ["name"] = "cpu",
                    ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = 80 },
                },
            });
        if (spec["behavior"] is not JsonObject behavior) return;
        var up = Obj(behavior, "scaleUp");
        up.TryAdd("stabilizationWindowSeconds", 0);
        up.TryAdd("selectPolicy", "Max");
        up.TryAdd("policies", new JsonArray(
            new JsonObject { ["type"] = "Pods", ["value"] = 4, ["periodSeconds"] = 15 },
            new JsonObject { ["type"] = "Percent", ["value"] = 100, ["periodSeconds"] = 15 }));
        var down = Obj(behavior, "scaleDown");
        down.TryAdd("selectPolicy", "Max");
        down.TryAdd("policies", new JsonArray(new JsonObject { ["type"] = "Percent", ["value"] = 100, ["periodSeconds"] = 15 }));
    }

    /// <summary>
    /// core/v1 <c>SetDefaults_Pod</c>: a container (or init container) with limits gets each limit it does not request as
    /// its request. Pods only: pod templates keep what they say, and their pods get the requests when created.
    /// </summary>
    private static void RequestsFromLimits(JsonObject spec)
    {
        foreach (var listName in new[] { "containers", "initContainers" })
        {
            if (spec[listName] is not JsonArray containers) continue;
            foreach (var c in containers.OfType<JsonObject>())
            {
                if (c["resources"]?["limits"] is not JsonObject { Count: > 0 } limits) continue;
                var requests = Obj(Obj(c, "resources"), "requests");
                foreach (var (resource, value) in limits)
                    if (value is not null) requests.TryAdd(resource, value.DeepClone());
            }
        }
    }

    private static void Workload(JsonObject obj, bool replicas)
    {
        var spec = Obj(obj, "spec");
        if (replicas) spec.TryAdd("replicas", 1);
        if (spec["template"]?["spec"] is JsonObject podSpec) PodSpec(podSpec);
    }

    private static void PodSpec(JsonObject spec)
    {
        spec.TryAdd("restartPolicy", "Always");
        spec.TryAdd("terminationGracePeriodSeconds", 30);
        spec.TryAdd("dnsPolicy", "ClusterFirst");
        spec.TryAdd("schedulerName", "default-scheduler");
        spec.TryAdd("securityContext", new JsonObject());
        if (spec["serviceAccountName"] is null && spec["serviceAccount"] is { } legacy) spec["serviceAccountName"] = legacy.DeepClone();
        spec.TryAdd("serviceAccountName", "default");
        spec.TryAdd("enableServiceLinks", true);
        spec.TryAdd("priority", 0);
        foreach (var listName in new[] { "containers", "initContainers" })
        {
            if (spec[listName] is not JsonArray containers) continue;
            foreach (var c in containers.OfType<JsonObject>())
            {
                if (c["image"] is JsonValue imageValue && imageValue.TryGetValue<string>(out var image))
                {
                    var lastSegment = image[(image.LastIndexOf('/') + 1)..];
                    var tagged = lastSegment.Contains(':', StringComparison.Ordinal) && !image.EndsWith(":latest", StringComparison.Ordinal);
                    c.TryAdd("imagePullPolicy", tagged || image.Contains('@', StringComparison.Ordinal) ? "IfNotPresent" : "Always");
                }
                c.TryAdd("terminationMessagePath", "/dev/termination-log");
                c.TryAdd("terminationMessagePolicy", "File");
                c.TryAdd("resources", new JsonObject());
                if (c["ports"] is JsonArray ports)
                    foreach (var p in ports.OfType<JsonObject>()) p.TryAdd("protocol", "TCP");
            }
        }
    }

    private static void Service(JsonObject spec)
    {
        spec.TryAdd("type", "ClusterIP");
        spec.TryAdd("sessionAffinity", "None");
        if (spec["ports"] is JsonArray ports)
            foreach (var p in ports.OfType<JsonObject>())
            {
                p.TryAdd("protocol", "TCP");
                if (p["targetPort"] is null && p["port"] is { } port) p["targetPort"] = port.DeepClone();
            }
    }

    /// <summary>The named child object, created when missing.</summary>
    public static JsonObject Obj(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject child) return child;
        child = new JsonObject();
        parent[key] = child;
        return child;
    }
}
