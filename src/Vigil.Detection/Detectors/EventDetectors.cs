using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Detectors;

/// <summary>
/// Faults only Events show: a liveness probe restarting a container, a volume that cannot be mounted. The finding is
/// about the pod the event concerns, so it correlates with the pod's other signals.
/// </summary>
public sealed class PodEventFaults(DetectorOptions options) : Detector<Event>(options)
{
    public override string Name => nameof(PodEventFaults);

    protected override IEnumerable<Finding> Evaluate(Event ev, DateTimeOffset now, IClusterView cluster)
    {
        if (ev.Type != "Warning" || ev.InvolvedObject is not { Kind: "Pod", Name: { } podName } involved) yield break;
        var last = ev.LastTimestamp?.Value ?? ev.EventTime?.Value ?? ev.Metadata.CreationTimestamp?.Value;
        // Old events no longer describe the present.
        if (last is { } t && now - t > Options.Window) yield break;
        var reason = ev.Reason switch
        {
            "Unhealthy" when ev.Message?.StartsWith("Liveness probe failed", StringComparison.Ordinal) == true => "LivenessProbeFailed",
            "FailedMount" or "FailedAttachVolume" => "FailedMount",
            _ => null,
        };
        if (reason is null) yield break;
        var pod = cluster.Get<Pod>(involved.Namespace, podName);
        if (pod is null || pod.Metadata.DeletionTimestamp is not null) yield break;
        var attributes = PodFacts.Attributes(pod, cluster);
        yield return new Finding(reason, new ResourceRef("Pod", involved.Namespace, podName, pod.Metadata.Uid, "v1"), ev.Message ?? reason)
        {
            Attributes = attributes,
            Labels = pod.Metadata.Labels is { } labels ? new Dictionary<string, string>(labels) : Signal.EmptyMap,
        };
    }
}

/// <summary>More Warning events in a namespace than the count within the window.</summary>
public sealed class WarningEventStorm(DetectorOptions options) : Detector<Event>(options)
{
    public override string Name => nameof(WarningEventStorm);

    protected override IEnumerable<Finding> Evaluate(Event ev, DateTimeOffset now, IClusterView cluster)
    {
        if (ev.Type != "Warning" || IsVigils(ev) || ev.Metadata.Namespace is not { } ns) yield break;
        var since = now - Options.Window;
        var count = cluster.List<Event>(ns)
            .Where(e => e.Type == "Warning" && !IsVigils(e) && (e.LastTimestamp?.Value ?? e.EventTime?.Value ?? e.Metadata.CreationTimestamp?.Value) >= since)
            .Sum(e => Math.Max(1, e.Count ?? 1));
        if (count > Options.Count)
            yield return new Finding("WarningEventStorm", new ResourceRef("Namespace", null, ns), $"{count} Warning events in the last {Options.Window.TotalMinutes:0} minutes");
    }

    /// <summary>Vigil's own diagnoses (the Kubernetes Events sink's reason): reporting many incidents is not a storm of the namespace's own.</summary>
    private static bool IsVigils(Event e) => e.Reason == "VigilDiagnosis";
}
