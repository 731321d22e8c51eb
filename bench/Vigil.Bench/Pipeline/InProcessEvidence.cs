using System.Globalization;
using Vigil.Detection;
using Vigil.Diagnosis;
using Vigil.Diagnosis.Analysis;
using Vigil.Diagnosis.Redaction;
using Vigil.Kubernetes.Models;

namespace Vigil.Bench.Pipeline;

/// <summary>
/// Evidence for an incident built from the cached objects instead of API calls: the sections the built-in gatherers
/// write for pod incidents (description, the previous instance's log, node, owner), in the same form, redacted as the
/// collector redacts. The in-process benchmark measures Vigil's own work; the HTTP round trips are the e2e benchmark's.
/// </summary>
internal sealed class InProcessEvidence(CacheView cache, Redactor redactor)
{
    private const int MaxPods = 3;

    public Evidence Collect(Incident incident)
    {
        var sections = new List<EvidenceSection>(4);
        var describe = new List<string>();
        var logs = new List<string>();
        var pods = 0;
        foreach (var r in incident.AffectedResources)
        {
            if (r.Kind != "Pod" || r.Namespace is null || pods++ == MaxPods) continue;
            var pod = cache.Get<Pod>(r.Namespace, r.Name);
            if (pod is null)
            {
                describe.Add($"Pod {r.Namespace}/{r.Name}: no longer exists");
                continue;
            }
            Describe(pod, describe);
            PreviousLogs(pod, logs);
        }
        if (pods > 0)
        {
            sections.Add(Section(EvidenceSections.PodDescription, "PodGatherer", describe));
            sections.Add(Section(EvidenceSections.PreviousLogs, "LogsGatherer", logs));
        }
        var nodeName = incident.PrimaryResource.Kind == "Node" ? incident.PrimaryResource.Name
            : incident.Signals.Select(s => s.Attributes.GetValueOrDefault(Signal.Attribute.Node)).FirstOrDefault(n => n is not null);
        if (nodeName is not null) sections.Add(Section(EvidenceSections.Node, "NodeGatherer", Node(nodeName)));
        if (Owner(incident) is { } owner) sections.Add(Section(EvidenceSections.OwnerChain, "OwnerChainGatherer", owner));
        return new Evidence(incident, sections);
    }

    private EvidenceSection Section(string name, string gatherer, List<string> lines) => new(name, gatherer, redactor.Redact(lines));

    private static void Describe(Pod pod, List<string> lines)
    {
        var m = pod.Metadata;
        lines.Add($"Pod {m.Namespace}/{m.Name}: phase {pod.Status?.Phase}, node {pod.Spec?.NodeName ?? "<none>"}, QoS {pod.Status?.QosClass}");
        foreach (var c in pod.Status?.Conditions ?? [])
            lines.Add($"  condition {c.Type}={c.Status}{(c.Reason is null ? "" : $" ({c.Reason}: {c.Message})")}");
        foreach (var spec in pod.Spec?.Containers ?? [])
        {
            lines.Add($"  container {spec.Name}: image {spec.Image}");
            if (spec.Resources is { } res)
                lines.Add($"    requests {Format(res.Requests)}; limits {Format(res.Limits)}");
            foreach (var env in spec.Env ?? [])
                lines.Add($"    env {env.Name}={(env.ValueFrom is not null ? "<from a reference>" : env.Value)}");
        }
        foreach (var s in pod.Status?.ContainerStatuses ?? [])
        {
            var state = s.State?.Waiting is { } w ? $"Waiting ({w.Reason}: {w.Message})" : s.State?.Running is not null ? "Running" : "Terminated";
            lines.Add($"  status {s.Name}: ready={s.Ready == true}, restarts {(s.RestartCount ?? 0).ToString(CultureInfo.InvariantCulture)}, state {state}");
            if (s.LastState?.Terminated is { } t)
                lines.Add($"    last terminated: {t.Reason} (exit code {t.ExitCode}) at {t.FinishedAt}");
        }
    }

    /// <summary>What the previous instance wrote: the simulated cluster's log annotation, as its pods/log serves it.</summary>
    private static void PreviousLogs(Pod pod, List<string> lines)
    {
        if (pod.Status?.ContainerStatuses?.Any(s => s.LastState?.Terminated is not null) != true) return;
        if (pod.Metadata.Annotations?.TryGetValue("sim.vigil.io/logs", out var text) == true)
            lines.AddRange(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private List<string> Node(string name)
    {
        var node = cache.Get<Node>(null, name);
        if (node is null) return [$"Node {name}: does not exist"];
        var lines = new List<string> { $"Node {name}: unschedulable={node.Spec?.Unschedulable == true}" };
        foreach (var c in node.Status?.Conditions ?? [])
            lines.Add($"  condition {c.Type}={c.Status} ({c.Reason}) since {c.LastTransitionTime}: {c.Message}");
        return lines;
    }

    private List<string>? Owner(Incident incident)
    {
        foreach (var s in incident.Signals)
        {
            if (s.Attributes.GetValueOrDefault(Signal.Attribute.OwnerKind) != "Deployment" || s.Resource.Namespace is not { } ns) continue;
            var name = s.Attributes[Signal.Attribute.OwnerName];
            var d = cache.Get<Deployment>(ns, name);
            if (d is null) return [$"Deployment {ns}/{name}: not found"];
            return [
                $"Deployment {ns}/{name}: replicas {d.Spec?.Replicas}, updated {d.Status?.UpdatedReplicas}, ready {d.Status?.ReadyReplicas}, available {d.Status?.AvailableReplicas}",
                .. (d.Status?.Conditions ?? []).Select(c => $"  condition {c.Type}={c.Status} ({c.Reason}): {c.Message}"),
            ];
        }
        return null;
    }

    private static string Format(IDictionary<string, Quantity>? q) =>
        q is null || q.Count == 0 ? "none" : string.Join(", ", q.Select(kv => $"{kv.Key}={kv.Value}"));
}
