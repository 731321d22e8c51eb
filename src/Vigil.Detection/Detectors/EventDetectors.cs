using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Detectors;

/// <summary>
/// Faults only Events show: a liveness probe restarting a container, a volume that cannot be mounted. The finding is
/// about the pod the event concerns, so it correlates with the pod's other signals.
/// </summary>
public sealed class PodEventFaults(DetectorOptions options) : Detector<Event>(options)
{
    /// <summary>A new or repeated Event is a change; time only ages Events out of the window.</summary>
    public override bool FindingsStartOnlyOnChange => true;

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
        // The kubelet names the container in the event's fieldPath: spec.containers{api}.
        var container = involved.FieldPath is { } path && path.IndexOf('{') is var open and >= 0 && path.EndsWith('}')
            ? path[(open + 1)..^1] : null;
        var attributes = PodFacts.Attributes(pod, cluster, container);
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
    /// <summary>A new or repeated Event is a change; time only ages Events out of the window.</summary>
    public override bool FindingsStartOnlyOnChange => true;

    public override string Name => nameof(WarningEventStorm);

    protected override IEnumerable<Finding> Evaluate(Event ev, DateTimeOffset now, IClusterView cluster)
    {
        if (ev.Type != "Warning" || IsVigils(ev) || ev.Metadata.Namespace is not { } ns) yield break;
        var since = now - Options.Window;
        var count = cluster.List<Event>(ns).Where(e => e.Type == "Warning" && !IsVigils(e)).Sum(e => OccurrencesSince(e, since));
        if (count > Options.Count)
            yield return new Finding("WarningEventStorm", new ResourceRef("Namespace", null, ns), $"{count} Warning events in the last {Options.Window.TotalMinutes:0} minutes");
    }

    /// <summary>
    /// How many of an event's occurrences fall after <paramref name="since"/>. An event's count covers its whole life, so
    /// one that began before the window contributes the share of its occurrences that lies inside it (spread evenly between
    /// its first and last time), not all of them: a probe failing once a minute for an hour is not a storm.
    /// </summary>
    internal static int OccurrencesSince(Event e, DateTimeOffset since)
    {
        var last = e.LastTimestamp?.Value ?? e.EventTime?.Value ?? e.Metadata.CreationTimestamp?.Value;
        if (last is null || last < since) return 0;
        var count = Math.Max(1, e.Count ?? 1);
        var first = e.FirstTimestamp?.Value ?? e.EventTime?.Value ?? e.Metadata.CreationTimestamp?.Value ?? last.Value;
        if (first >= since || count == 1 || last <= first) return count;
        var inside = (last.Value - since) / (last.Value - first);
        return Math.Max(1, (int)Math.Ceiling(count * inside));
    }

    /// <summary>Vigil's own diagnoses (the Kubernetes Events sink's reason): reporting many incidents is not a storm of the namespace's own.</summary>
    private static bool IsVigils(Event e) => e.Reason == "VigilDiagnosis";
}
