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
                if (obj["spec"] is JsonObject podSpec) PodSpec(podSpec);
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
                break;
            case ("apps", "DaemonSet"):
                Workload(obj, replicas: false);
                Obj(obj, "spec").TryAdd("revisionHistoryLimit", 10);
                var ds = Obj(Obj(obj, "spec"), "updateStrategy");
                ds.TryAdd("type", "RollingUpdate");
                break;
            case ("batch", "Job"):
                var job = Obj(obj, "spec");
                job.TryAdd("parallelism", 1);
                job.TryAdd("completions", 1);
                job.TryAdd("backoffLimit", 6);
                job.TryAdd("completionMode", "NonIndexed");
                job.TryAdd("suspend", false);
                if (job["template"]?["spec"] is JsonObject jobPod) PodSpec(jobPod);
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
