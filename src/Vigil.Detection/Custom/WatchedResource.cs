namespace Vigil.Detection.Custom;

/// <summary>
/// The resources a Detector can watch: the kinds the operator already keeps informers for, with the variable name the
/// condition can use besides <c>object</c> (<c>pod.status.phase</c> reads better than <c>object.status.phase</c>).
/// </summary>
public sealed record WatchedResource(string Plural, string Kind, string Variable, bool Namespaced)
{
    public static IReadOnlyList<WatchedResource> All { get; } =
    [
        new("pods", "Pod", "pod", true),
        new("nodes", "Node", "node", false),
        new("persistentvolumeclaims", "PersistentVolumeClaim", "pvc", true),
        new("jobs", "Job", "job", true),
        new("cronjobs", "CronJob", "cronjob", true),
        new("deployments", "Deployment", "deployment", true),
        new("statefulsets", "StatefulSet", "statefulset", true),
        new("daemonsets", "DaemonSet", "daemonset", true),
        new("replicasets", "ReplicaSet", "replicaset", true),
        new("namespaces", "Namespace", "namespace", false),
        new("horizontalpodautoscalers", "HorizontalPodAutoscaler", "hpa", true),
        new("events", "Event", "event", true),
    ];

    public static WatchedResource? Find(string plural) => All.FirstOrDefault(r => string.Equals(r.Plural, plural, StringComparison.Ordinal));

    public static string Names => string.Join(", ", All.Select(r => r.Plural));
}
