using System.Globalization;
using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Detectors;

/// <summary>Base of the pod detectors: findings carry the pod's node, owner and claims.</summary>
public abstract class PodDetector(DetectorOptions options) : Detector<Pod>(options)
{
    /// <summary>Pod detectors read the pod alone, and time only ends what they find (a restart long enough ago).</summary>
    public override bool FindingsStartOnlyOnChange => true;

    protected static Finding Found(Pod pod, IClusterView cluster, string reason, string message, DateTimeOffset? since = null, string? container = null,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        var attributes = PodFacts.Attributes(pod, cluster, container);
        foreach (var (k, v) in extra ?? Signal.EmptyMap) attributes[k] = v;
        return new Finding(reason, Ref(pod), message, since)
        {
            Attributes = attributes,
            Labels = pod.Metadata.Labels is { } labels ? new Dictionary<string, string>(labels) : Signal.EmptyMap,
        };
    }

    protected static string Number(int? n) => (n ?? 0).ToString(CultureInfo.InvariantCulture);
}

/// <summary>A pod Pending for longer than the threshold without a container-level reason (unschedulable, waiting for volumes).</summary>
public sealed class PodStuckPending(DetectorOptions options) : PodDetector(options)
{
    public override string Name => nameof(PodStuckPending);

    protected override IEnumerable<Finding> Evaluate(Pod pod, DateTimeOffset now, IClusterView cluster)
    {
        if (pod.Status?.Phase != "Pending" || pod.Metadata.DeletionTimestamp is not null) yield break;
        // Image and configuration problems are reported by their own detectors, with their own reasons.
        if (PodFacts.Containers(pod).Any(c => c.State?.Waiting?.Reason is { } r && r != "ContainerCreating" && r != "PodInitializing")) yield break;
        var scheduled = PodFacts.Condition(pod.Status.Conditions, "PodScheduled");
        var message = scheduled?.Status == "False"
            ? $"Pod is unschedulable: {scheduled.Message}"
            : "Pod has been Pending while its containers are created";
        yield return Found(pod, cluster, scheduled?.Status == "False" ? "Unschedulable" : "PodStuckPending", message, pod.Metadata.CreationTimestamp?.Value);
    }
}

/// <summary>
/// A container crash-looping with at least the count's restarts: waiting in CrashLoopBackOff, or running again after a
/// failed exit less than the kubelet's back-off reset (10 minutes) ago. The loop holds between crashes too, so the signal
/// does not clear (and get lost to the cooldown) each time the kubelet restarts the container.
/// </summary>
public sealed class PodCrashLoop(DetectorOptions options) : PodDetector(options)
{
    /// <summary>The kubelet forgets a container's back-off after it has run this long.</summary>
    public static readonly TimeSpan BackOffReset = TimeSpan.FromMinutes(10);

    public override string Name => nameof(PodCrashLoop);

    protected override IEnumerable<Finding> Evaluate(Pod pod, DateTimeOffset now, IClusterView cluster)
    {
        foreach (var c in PodFacts.Containers(pod))
        {
            var waiting = c.State?.Waiting?.Reason == "CrashLoopBackOff";
            // Between a crash and the back-off the kubelet reports the failed exit itself, with restartPolicy Always.
            var justFailed = c.State?.Terminated is { ExitCode: not 0 } && pod.Spec?.RestartPolicy is null or "Always";
            var restartedAfterFailure = c.State?.Running?.StartedAt is { } started && now - started.Value < BackOffReset
                && c.LastState?.Terminated is { ExitCode: not 0 };
            if (!(waiting || justFailed || restartedAfterFailure) || (c.RestartCount ?? 0) < Options.Count) continue;
            var last = c.LastState?.Terminated;
            var extra = new Dictionary<string, string> { [Signal.Attribute.RestartCount] = Number(c.RestartCount) };
            if (last?.ExitCode is { } code) extra[Signal.Attribute.ExitCode] = code.ToString(CultureInfo.InvariantCulture);
            yield return Found(pod, cluster, "CrashLoopBackOff",
                (waiting ? $"Container {c.Name} is in CrashLoopBackOff after {Number(c.RestartCount)} restarts" : $"Container {c.Name} keeps crashing: restarted {Number(c.RestartCount)} times")
                + (last is null ? "" : $" (last exit code {last.ExitCode}, {last.Reason})"),
                container: c.Name, extra: extra);
        }
    }
}

/// <summary>A pod that failed (not by eviction), outside Jobs, whose retries are the Job's business.</summary>
public sealed class PodFailed(DetectorOptions options) : PodDetector(options)
{
    public override string Name => nameof(PodFailed);

    protected override IEnumerable<Finding> Evaluate(Pod pod, DateTimeOffset now, IClusterView cluster)
    {
        if (pod.Status?.Phase != "Failed" || pod.Status.Reason == "Evicted") yield break;
        if (pod.Metadata.OwnerReferences?.Any(o => o.Kind == "Job") == true) yield break;
        var terminated = PodFacts.Containers(pod).Select(c => (c, t: c.State?.Terminated)).FirstOrDefault(x => x.t is { ExitCode: not 0 });
        var extra = new Dictionary<string, string>();
        if (terminated.t?.ExitCode is { } code) extra[Signal.Attribute.ExitCode] = code.ToString(CultureInfo.InvariantCulture);
        yield return Found(pod, cluster, "PodFailed",
            terminated.c is null ? $"Pod failed: {pod.Status.Reason} {pod.Status.Message}".TrimEnd()
                : $"Container {terminated.c.Name} exited with code {terminated.t!.ExitCode} ({terminated.t.Reason})",
            container: terminated.c?.Name, extra: extra);
    }
}

/// <summary>A container that cannot get its image (ErrImagePull, ImagePullBackOff, InvalidImageName) for the threshold.</summary>
public sealed class ImagePullFailure(DetectorOptions options) : PodDetector(options)
{
    public override string Name => nameof(ImagePullFailure);

    protected override IEnumerable<Finding> Evaluate(Pod pod, DateTimeOffset now, IClusterView cluster)
    {
        foreach (var c in PodFacts.Containers(pod))
        {
            if (c.State?.Waiting?.Reason is not ("ErrImagePull" or "ImagePullBackOff" or "InvalidImageName" or "ErrImageNeverPull")) continue;
            var image = (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []).FirstOrDefault(x => x.Name == c.Name)?.Image ?? c.Image;
            yield return Found(pod, cluster, "ImagePullBackOff", $"Container {c.Name} cannot pull image {image}: {c.State.Waiting.Message}".TrimEnd(' ', ':'),
                pod.Status?.StartTime?.Value ?? pod.Metadata.CreationTimestamp?.Value, c.Name);
        }
    }
}

/// <summary>A container killed for exceeding its memory limit (its last termination, or its current one).</summary>
public sealed class OOMKilled(DetectorOptions options) : PodDetector(options)
{
    public override string Name => nameof(OOMKilled);

    protected override IEnumerable<Finding> Evaluate(Pod pod, DateTimeOffset now, IClusterView cluster)
    {
        foreach (var c in PodFacts.Containers(pod))
        {
            var killed = c.State?.Terminated?.Reason == "OOMKilled" ? c.State.Terminated : c.LastState?.Terminated?.Reason == "OOMKilled" ? c.LastState.Terminated : null;
            if (killed is null) continue;
            Quantity? limit = null;
            (pod.Spec?.Containers ?? []).FirstOrDefault(x => x.Name == c.Name)?.Resources?.Limits?.TryGetValue("memory", out limit);
            yield return Found(pod, cluster, "OOMKilled",
                $"Container {c.Name} was OOMKilled (exit code {killed.ExitCode ?? 137})" + (limit is null ? "" : $" at its memory limit of {limit}"),
                container: c.Name, extra: new Dictionary<string, string> { [Signal.Attribute.ExitCode] = (killed.ExitCode ?? 137).ToString(CultureInfo.InvariantCulture), [Signal.Attribute.RestartCount] = Number(c.RestartCount) });
        }
    }
}

/// <summary>
/// A running container that has not been ready for the threshold: its readiness probe keeps failing. Also a running pod
/// whose containers are ready but which is not Ready itself (marked not ready when its node went not ready).
/// </summary>
public sealed class ProbeFailure(DetectorOptions options) : PodDetector(options)
{
    public override string Name => nameof(ProbeFailure);

    protected override IEnumerable<Finding> Evaluate(Pod pod, DateTimeOffset now, IClusterView cluster)
    {
        if (pod.Status?.Phase != "Running" || pod.Metadata.DeletionTimestamp is not null) yield break;
        var probeFailing = false;
        foreach (var c in pod.Status.ContainerStatuses ?? [])
        {
            if (c.Ready == true || c.State?.Running is not { } running) continue;
            probeFailing = true;
            yield return Found(pod, cluster, "ReadinessProbeFailed", $"Container {c.Name} has been running but not ready since {running.StartedAt}", running.StartedAt?.Value, c.Name);
        }
        // Ready containers in a pod that is not Ready: the pod was marked not ready from outside (its node went not ready).
        if (!probeFailing && pod.Status.ContainerStatuses is { Count: > 0 } && PodFacts.Condition(pod.Status.Conditions, "Ready") is { Status: "False" } ready)
            yield return Found(pod, cluster, "PodNotReady", $"Pod is running but not ready: {ready.Reason} {ready.Message}".TrimEnd(), ready.LastTransitionTime?.Value);
    }
}

/// <summary>A container that cannot be created from its configuration (a missing ConfigMap, Secret or key).</summary>
public sealed class ContainerConfigError(DetectorOptions options) : PodDetector(options)
{
    public override string Name => nameof(ContainerConfigError);

    protected override IEnumerable<Finding> Evaluate(Pod pod, DateTimeOffset now, IClusterView cluster)
    {
        foreach (var c in PodFacts.Containers(pod))
            if (c.State?.Waiting?.Reason is "CreateContainerConfigError" or "CreateContainerError")
                yield return Found(pod, cluster, c.State.Waiting.Reason, $"Container {c.Name}: {c.State.Waiting.Message}", container: c.Name);
    }
}

/// <summary>A pod evicted by the kubelet or the node lifecycle controller.</summary>
public sealed class PodEvicted(DetectorOptions options) : PodDetector(options)
{
    public override string Name => nameof(PodEvicted);

    protected override IEnumerable<Finding> Evaluate(Pod pod, DateTimeOffset now, IClusterView cluster)
    {
        if (pod.Status?.Phase == "Failed" && pod.Status.Reason == "Evicted")
            yield return Found(pod, cluster, "Evicted", $"Pod was evicted: {pod.Status.Message}");
    }
}
