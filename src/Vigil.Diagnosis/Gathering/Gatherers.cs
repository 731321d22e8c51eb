using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Vigil.Detection;
using Vigil.Detection.Detectors;
using Vigil.Diagnosis.Analysis;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;

namespace Vigil.Diagnosis.Gathering;

/// <summary>Helpers shared by the gatherers: which pods an incident is about.</summary>
internal static class IncidentPods
{
    public static IEnumerable<ResourceRef> Of(Incident incident, int max) =>
        incident.AffectedResources.Where(r => r.Kind == "Pod" && r.Namespace is not null).Take(max);

    public static string Time(Time? t) => t?.ToString() ?? "-";

    /// <summary>The Jobs an incident is about: its Job resources, and the latest run of its CronJobs.</summary>
    public static bool HasJobs(Incident incident) => incident.AffectedResources.Any(r => r.Kind is "Job" or "CronJob" && r.Namespace is not null);

    /// <summary>
    /// The pods of the incident's Jobs, newest first: a failed Job's signal is about the Job, but what went wrong is in its
    /// pods' output. A CronJob's latest Job stands for the CronJob.
    /// </summary>
    public static async Task<List<ResourceRef>> OfJobsAsync(Incident incident, KubernetesClient client, int max, CancellationToken cancellationToken)
    {
        var jobs = incident.AffectedResources.Where(r => r.Kind == "Job" && r.Namespace is not null).Select(r => (Namespace: r.Namespace!, r.Name)).ToList();
        foreach (var cron in incident.AffectedResources.Where(r => r.Kind == "CronJob" && r.Namespace is not null))
        {
            var runs = await client.Resource<Job>().ListAsync(cron.Namespace, cancellationToken: cancellationToken);
            var latest = runs.Items.Where(j => j.Metadata.OwnerReferences?.Any(o => o.Kind == "CronJob" && o.Name == cron.Name) == true)
                .MaxBy(j => j.Metadata.CreationTimestamp?.Value);
            if (latest?.Metadata.Name is { } name) jobs.Add((cron.Namespace!, name));
        }
        var pods = new List<ResourceRef>();
        foreach (var (ns, job) in jobs.Distinct())
        {
            var list = await client.Resource<Pod>().ListAsync(ns, new ListOptions { LabelSelector = $"batch.kubernetes.io/job-name={job}" }, cancellationToken);
            pods.AddRange(list.Items.OrderByDescending(p => p.Metadata.CreationTimestamp?.Value).Select(p => new ResourceRef("Pod", ns, p.Metadata.Name ?? "")));
        }
        return [.. pods.Take(max)];
    }

    public static string N(int? n) => (n ?? 0).ToString(CultureInfo.InvariantCulture);

    // The gatherers of one incident run at once and three of them (description, current and previous logs) read the same
    // pods: within one collection the first read of a pod is shared, so each pod is read once and all see the same state.
    // Where the operator's informer caches are given, pod statuses, nodes and events are read from them, without a request.
    // The caches hold projections (the operator's CacheProjections): what a pod's description shows beyond its status
    // (its environment) is fetched, for the incident's pods only.
    private sealed record Collection(ConcurrentDictionary<string, Task<Pod?>> Reads, IClusterView? Cache);

    private static readonly AsyncLocal<Collection?> Current = new();

    /// <summary>Starts sharing reads among the gatherers started after it, in the caller's async flow.</summary>
    public static void BeginCollection(IClusterView? cache) => Current.Value = new Collection(new ConcurrentDictionary<string, Task<Pod?>>(StringComparer.Ordinal), cache);

    /// <summary>A pod for its status (phase, containers' states): from the caches when the collection has them.</summary>
    public static Task<Pod?> GetAsync(KubernetesClient client, ResourceRef pod, CancellationToken cancellationToken)
    {
        if (Current.Value?.Cache?.Get<Pod>(pod.Namespace, pod.Name) is { } cached) return Task.FromResult<Pod?>(cached);
        return GetFullAsync(client, pod, cancellationToken);
    }

    /// <summary>The whole pod, from the API (the caches' projection leaves out its containers' configuration); read once per collection.</summary>
    public static Task<Pod?> GetFullAsync(KubernetesClient client, ResourceRef pod, CancellationToken cancellationToken)
    {
        if (Current.Value is not { } collection) return client.Resource<Pod>().TryGetAsync(pod.Name, pod.Namespace, cancellationToken);
        return collection.Reads.GetOrAdd(pod.Key, _ => client.Resource<Pod>().TryGetAsync(pod.Name, pod.Namespace, cancellationToken));
    }

    /// <summary>A namespace's events from the informer caches, in the order the API lists them (by name); null without caches.</summary>
    public static List<Event>? CachedEvents(string ns, Func<Event, bool> filter) =>
        Current.Value?.Cache is { } cache ? [.. cache.List<Event>(ns).Where(filter).OrderBy(e => e.Metadata.Name, StringComparer.Ordinal)] : null;

    /// <summary>A cluster-scoped or namespaced object from the informer caches when the collection has them, else from the API.</summary>
    public static async Task<T?> GetAsync<T>(KubernetesClient client, string? ns, string name, CancellationToken cancellationToken) where T : KubernetesObject, IKubernetesResource =>
        Current.Value?.Cache?.Get<T>(ns, name) ?? await client.Resource<T>().TryGetAsync(name, ns, cancellationToken);
}

/// <summary>What `kubectl describe pod` shows that matters for a diagnosis; environment values from Secrets are never read.</summary>
public sealed class PodGatherer(GatherOptions options) : IGatherer
{
    public string Section => EvidenceSections.PodDescription;

    public bool AppliesTo(Incident incident) => IncidentPods.Of(incident, 1).Any();

    public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        foreach (var r in IncidentPods.Of(incident, options.MaxPods))
        {
            var pod = await IncidentPods.GetFullAsync(client, r, cancellationToken);
            if (pod is null)
            {
                lines.Add($"Pod {r.Namespace}/{r.Name}: no longer exists");
                continue;
            }
            lines.Add($"Pod {r.Namespace}/{r.Name}: phase {pod.Status?.Phase}, node {pod.Spec?.NodeName ?? "<none>"}, QoS {pod.Status?.QosClass}");
            foreach (var c in pod.Status?.Conditions ?? [])
                lines.Add($"  condition {c.Type}={c.Status}{(c.Reason is null ? "" : $" ({c.Reason}: {c.Message})")}");
            foreach (var spec in (pod.Spec?.InitContainers ?? []).Concat(pod.Spec?.Containers ?? []))
            {
                lines.Add($"  container {spec.Name}: image {spec.Image}");
                if (spec.Resources is { } res)
                    lines.Add($"    requests {Format(res.Requests)}; limits {Format(res.Limits)}");
                foreach (var env in spec.Env ?? [])
                    lines.Add($"    env {env.Name}={(env.ValueFrom is { } from ? Source(from) : env.Value)}");
            }
            foreach (var s in (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []))
            {
                lines.Add($"  status {s.Name}: ready={s.Ready == true}, restarts {IncidentPods.N(s.RestartCount)}, state {State(s.State)}");
                if (s.LastState?.Terminated is { } t)
                    lines.Add($"    last terminated: {t.Reason} (exit code {t.ExitCode}) at {IncidentPods.Time(t.FinishedAt)}");
            }
        }
        return lines;
    }

    private static string Format(IDictionary<string, Quantity>? q) =>
        q is null || q.Count == 0 ? "none" : string.Join(", ", q.Select(kv => $"{kv.Key}={kv.Value}"));

    private static string State(ContainerState? s) =>
        s?.Waiting is { } w ? $"Waiting ({w.Reason}{(w.Message is null ? "" : $": {w.Message}")})"
        : s?.Terminated is { } t ? $"Terminated ({t.Reason}, exit code {t.ExitCode})"
        : s?.Running is { } run ? $"Running since {IncidentPods.Time(run.StartedAt)}" : "unknown";

    /// <summary>Where an env value comes from, without reading it: secret-sourced values never enter evidence.</summary>
    private static string Source(JsonElement from)
    {
        if (from.TryGetProperty("secretKeyRef", out var s)) return $"<from secret {Prop(s, "name")} key {Prop(s, "key")}>";
        if (from.TryGetProperty("configMapKeyRef", out var c)) return $"<from configmap {Prop(c, "name")} key {Prop(c, "key")}>";
        if (from.TryGetProperty("fieldRef", out var f)) return $"<from field {Prop(f, "fieldPath")}>";
        return "<from a reference>";
    }

    private static string Prop(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";
}

/// <summary>The events of the incident's pods, newest last (what `kubectl describe` lists under Events).</summary>
public sealed class PodEventsGatherer(GatherOptions options) : IGatherer
{
    public string Section => EvidenceSections.PodEvents;

    public bool AppliesTo(Incident incident) => IncidentPods.Of(incident, 1).Any();

    public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        foreach (var r in IncidentPods.Of(incident, options.MaxPods))
        {
            var events = IncidentPods.CachedEvents(r.Namespace!, e => e.InvolvedObject?.Name == r.Name && e.InvolvedObject?.Namespace == r.Namespace)
                ?? (await client.Resource<Event>().ListAsync(r.Namespace,
                    new ListOptions { FieldSelector = $"involvedObject.name={r.Name},involvedObject.namespace={r.Namespace}" }, cancellationToken)).Items;
            foreach (var e in events.OrderBy(e => e.LastTimestamp?.Value ?? e.EventTime?.Value ?? DateTimeOffset.MinValue))
                lines.Add($"{r.Name}: {e.Type} {e.Reason} (x{IncidentPods.N(e.Count ?? 1)}): {e.Message}");
        }
        return lines;
    }
}

/// <summary>The tail of each failing container's log: the current instance, or the previous one (what it said before it died).</summary>
public sealed class LogsGatherer(GatherOptions options, bool previous) : IGatherer
{
    public string Section => previous ? EvidenceSections.PreviousLogs : EvidenceSections.Logs;

    public bool AppliesTo(Incident incident) => IncidentPods.Of(incident, 1).Any() || IncidentPods.HasJobs(incident);

    public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        var pods = IncidentPods.Of(incident, options.MaxPods).ToList();
        if (pods.Count == 0) pods = await IncidentPods.OfJobsAsync(incident, client, options.MaxPods, cancellationToken);
        foreach (var r in pods)
        {
            var pod = await IncidentPods.GetAsync(client, r, cancellationToken);
            if (pod is null) continue;
            foreach (var status in (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []))
            {
                var failing = status.Ready != true || (status.RestartCount ?? 0) > 0;
                if (!failing || (previous && status.LastState?.Terminated is null)) continue;
                if (!previous && status.State?.Running is null && status.State?.Terminated is null) continue;
                try
                {
                    var text = await client.Resource<Pod>().GetLogsAsync(r.Name, r.Namespace,
                        new LogOptions { Container = status.Name, Previous = previous, TailLines = options.LogTailLines }, cancellationToken);
                    lines.AddRange(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                }
                catch (KubernetesApiException e) when (e.StatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.NotFound)
                {
                    // The kubelet has no such instance (never started, or already gone): nothing to read.
                }
            }
        }
        return lines;
    }
}

/// <summary>The node of a node incident, or the node the incident's pods run on: conditions, allocatable, taints.</summary>
public sealed class NodeGatherer : IGatherer
{
    public string Section => EvidenceSections.Node;

    public bool AppliesTo(Incident incident) => NodeName(incident) is not null;

    private static string? NodeName(Incident incident) =>
        incident.PrimaryResource.Kind == "Node" ? incident.PrimaryResource.Name
        : incident.Signals.Select(s => s.Attributes.GetValueOrDefault(Signal.Attribute.Node)).FirstOrDefault(n => n is not null);

    public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var name = NodeName(incident)!;
        var node = await IncidentPods.GetAsync<Node>(client, null, name, cancellationToken);
        if (node is null) return [$"Node {name}: does not exist"];
        var lines = new List<string> { $"Node {name}: unschedulable={node.Spec?.Unschedulable == true}" };
        foreach (var c in node.Status?.Conditions ?? [])
            lines.Add($"  condition {c.Type}={c.Status} ({c.Reason}) since {IncidentPods.Time(c.LastTransitionTime)}: {c.Message}");
        if (node.Status?.Allocatable is { } allocatable)
            lines.Add($"  allocatable {string.Join(", ", allocatable.Select(kv => $"{kv.Key}={kv.Value}"))}");
        foreach (var t in node.Spec?.Taints ?? [])
            lines.Add($"  taint {t.Key}{(t.Value is null ? "" : "=" + t.Value)}:{t.Effect}");
        return lines;
    }
}

/// <summary>The claims of a storage incident: phase, storage class (and whether it exists), volume, and the claim's events.</summary>
public sealed class StorageGatherer : IGatherer
{
    public string Section => EvidenceSections.Storage;

    public bool AppliesTo(Incident incident) => Claims(incident).Any();

    private static IEnumerable<(string Namespace, string Name)> Claims(Incident incident)
    {
        if (incident.PrimaryResource is { Kind: "PersistentVolumeClaim", Namespace: { } ns } claim) yield return (ns, claim.Name);
        foreach (var s in incident.Signals)
            if (s.Attributes.TryGetValue(Signal.Attribute.PersistentVolumeClaims, out var names) && s.Resource.Namespace is { } podNs)
                foreach (var n in names.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    yield return (podNs, n);
    }

    public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        foreach (var (ns, name) in Claims(incident).Distinct().Take(3))
        {
            var claim = await client.Resource<PersistentVolumeClaim>().TryGetAsync(name, ns, cancellationToken);
            if (claim is null)
            {
                lines.Add($"PersistentVolumeClaim {ns}/{name}: not found");
                continue;
            }
            var cls = claim.Spec?.StorageClassName;
            lines.Add($"PersistentVolumeClaim {ns}/{name}: phase {claim.Status?.Phase}, storage class {cls ?? "<default>"}, volume {claim.Spec?.VolumeName ?? "<none>"}");
            if (cls is not null && await client.Resource<StorageClass>().TryGetAsync(cls, null, cancellationToken) is null)
                lines.Add($"  storageclass.storage.k8s.io \"{cls}\" not found");
            var events = await client.Resource<Event>().ListAsync(ns, new ListOptions { FieldSelector = $"involvedObject.name={name},involvedObject.kind=PersistentVolumeClaim" }, cancellationToken);
            foreach (var e in events.Items)
                lines.Add($"  {e.Type} {e.Reason}: {e.Message}");
        }
        return lines;
    }
}

/// <summary>The workload above the incident's pods, with its status: Deployment (through its ReplicaSet), StatefulSet, DaemonSet, Job.</summary>
public sealed class OwnerChainGatherer : IGatherer
{
    public string Section => EvidenceSections.OwnerChain;

    public bool AppliesTo(Incident incident) => Owner(incident) is not null;

    internal static (string Kind, string Namespace, string Name)? Owner(Incident incident)
    {
        if (incident.PrimaryResource is { Kind: "Deployment" or "StatefulSet" or "DaemonSet" or "Job" or "CronJob", Namespace: { } ns } p) return (p.Kind, ns, p.Name);
        foreach (var s in incident.Signals)
            if (s.Attributes.TryGetValue(Signal.Attribute.OwnerKind, out var kind) && s.Attributes.TryGetValue(Signal.Attribute.OwnerName, out var name) && s.Resource.Namespace is { } owned)
                return (kind, owned, name);
        return null;
    }

    public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var (kind, ns, name) = Owner(incident)!.Value;
        switch (kind)
        {
            case "Deployment":
                var d = await client.Resource<Deployment>().TryGetAsync(name, ns, cancellationToken);
                if (d is null) return [$"Deployment {ns}/{name}: not found"];
                return [
                    $"Deployment {ns}/{name}: replicas {IncidentPods.N(d.Spec?.Replicas)}, updated {IncidentPods.N(d.Status?.UpdatedReplicas)}, ready {IncidentPods.N(d.Status?.ReadyReplicas)}, available {IncidentPods.N(d.Status?.AvailableReplicas)}, generation {d.Metadata.Generation} observed {d.Status?.ObservedGeneration}",
                    .. (d.Status?.Conditions ?? []).Select(c => $"  condition {c.Type}={c.Status} ({c.Reason}): {c.Message}"),
                ];
            case "StatefulSet":
                var s = await client.Resource<StatefulSet>().TryGetAsync(name, ns, cancellationToken);
                return s is null ? [$"StatefulSet {ns}/{name}: not found"]
                    : [$"StatefulSet {ns}/{name}: replicas {IncidentPods.N(s.Spec?.Replicas)}, ready {IncidentPods.N(s.Status?.ReadyReplicas)}, current revision {s.Status?.CurrentRevision}, update revision {s.Status?.UpdateRevision}"];
            case "DaemonSet":
                var ds = await client.Resource<DaemonSet>().TryGetAsync(name, ns, cancellationToken);
                return ds is null ? [$"DaemonSet {ns}/{name}: not found"]
                    : [$"DaemonSet {ns}/{name}: desired {IncidentPods.N(ds.Status?.DesiredNumberScheduled)}, ready {IncidentPods.N(ds.Status?.NumberReady)}, available {IncidentPods.N(ds.Status?.NumberAvailable)}"];
            case "Job":
                var j = await client.Resource<Job>().TryGetAsync(name, ns, cancellationToken);
                return j is null ? [$"Job {ns}/{name}: not found"]
                    : [$"Job {ns}/{name}: active {IncidentPods.N(j.Status?.Active)}, succeeded {IncidentPods.N(j.Status?.Succeeded)}, failed {IncidentPods.N(j.Status?.Failed)}, backoffLimit {IncidentPods.N(j.Spec?.BackoffLimit)}",
                       .. (j.Status?.Conditions ?? []).Select(c => $"  condition {c.Type}={c.Status} ({c.Reason}): {c.Message}")];
            default:
                return [$"{kind} {ns}/{name}"];
        }
    }
}

/// <summary>
/// What changed recently in a Deployment: its ReplicaSets by revision, and the differences between the two newest
/// templates (images, environment, resources) — the change a stalled rollout or a new crash usually comes from.
/// </summary>
public sealed class RolloutHistoryGatherer : IGatherer
{
    public string Section => EvidenceSections.RolloutHistory;

    public bool AppliesTo(Incident incident) => OwnerChainGatherer.Owner(incident) is { Kind: "Deployment" };

    public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var (_, ns, name) = OwnerChainGatherer.Owner(incident)!.Value;
        var sets = (await client.Resource<ReplicaSet>().ListAsync(ns, cancellationToken: cancellationToken)).Items
            .Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Kind == "Deployment" && o.Name == name) == true)
            .Select(rs => (Revision: int.TryParse(rs.Metadata.Annotation("deployment.kubernetes.io/revision"), CultureInfo.InvariantCulture, out var rev) ? rev : 0, Set: rs))
            .OrderByDescending(x => x.Revision).ToList();
        if (sets.Count < 2) return sets.Count == 1 ? [$"revision {sets[0].Revision}: the only revision"] : [];
        var (newRev, newer) = sets[0];
        var older = sets[1].Set;
        var lines = new List<string>();
        var before = (older.Spec?.Template?.Spec?.Containers ?? []).ToDictionary(c => c.Name ?? "");
        foreach (var c in newer.Spec?.Template?.Spec?.Containers ?? [])
        {
            if (!before.TryGetValue(c.Name ?? "", out var old))
            {
                lines.Add($"revision {newRev}: container {c.Name} added with image {c.Image}");
                continue;
            }
            if (old.Image != c.Image) lines.Add($"revision {newRev}: image {old.Image} -> {c.Image} (container {c.Name})");
            var oldEnv = (old.Env ?? []).ToDictionary(e => e.Name ?? "", e => e.Value);
            foreach (var e in c.Env ?? [])
                if (!oldEnv.TryGetValue(e.Name ?? "", out var was) || was != e.Value)
                    lines.Add($"revision {newRev}: env {e.Name} changed (container {c.Name})");
            if (Limits(old) != Limits(c)) lines.Add($"revision {newRev}: resources {Limits(old)} -> {Limits(c)} (container {c.Name})");
        }
        lines.Add($"revision {newRev} ({newer.Metadata.Name}): {IncidentPods.N(newer.Status?.ReadyReplicas)}/{IncidentPods.N(newer.Spec?.Replicas)} ready; revision {sets[1].Revision} ({older.Metadata.Name}): {IncidentPods.N(older.Status?.ReadyReplicas)}/{IncidentPods.N(older.Spec?.Replicas)} ready");
        return lines;
    }

    private static string Limits(Container c) =>
        c.Resources?.Limits is { Count: > 0 } l ? string.Join(",", l.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}")) : "none";
}

/// <summary>Recent Warning events of the incident's namespace: what else is going wrong around it.</summary>
public sealed class NamespaceEventsGatherer(GatherOptions options) : IGatherer
{
    public string Section => EvidenceSections.NamespaceEvents;

    public bool AppliesTo(Incident incident) => Namespace(incident) is not null;

    private static string? Namespace(Incident incident) =>
        incident.PrimaryResource.Kind == "Namespace" ? incident.PrimaryResource.Name : incident.PrimaryResource.Namespace;

    public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var since = client.TimeProvider.GetUtcNow() - options.NamespaceEventsWindow;
        // Vigil's own diagnoses (reason VigilDiagnosis, written by the Kubernetes Events sink) are not evidence of what goes
        // wrong, and leaving them to the server keeps this list from growing with every incident Vigil reports.
        var ns = Namespace(incident)!;
        var events = IncidentPods.CachedEvents(ns, e => e.Type == "Warning" && e.Reason != "VigilDiagnosis")
            ?? (await client.Resource<Event>().ListAsync(ns, new ListOptions { FieldSelector = "type=Warning,reason!=VigilDiagnosis" }, cancellationToken)).Items;
        return [.. events
            .Where(e => (e.LastTimestamp?.Value ?? e.EventTime?.Value ?? DateTimeOffset.MinValue) >= since)
            .OrderByDescending(e => e.LastTimestamp?.Value ?? e.EventTime?.Value)
            .Take(20)
            .Select(e => $"{e.InvolvedObject?.Kind}/{e.InvolvedObject?.Name}: {e.Reason} (x{IncidentPods.N(e.Count ?? 1)}): {e.Message}")];
    }
}

/// <summary>Autoscalers of the incident's workload: bounds, current and desired replicas, conditions.</summary>
public sealed class AutoscalingGatherer : IGatherer
{
    public string Section => EvidenceSections.Autoscaling;

    public bool AppliesTo(Incident incident) => incident.PrimaryResource.Kind == "HorizontalPodAutoscaler" || OwnerChainGatherer.Owner(incident) is not null;

    public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var ns = incident.PrimaryResource.Namespace;
        var owner = OwnerChainGatherer.Owner(incident);
        var hpas = (await client.Resource<HorizontalPodAutoscaler>().ListAsync(ns, cancellationToken: cancellationToken)).Items
            .Where(h => incident.PrimaryResource.Kind == "HorizontalPodAutoscaler" ? h.Metadata.Name == incident.PrimaryResource.Name
                : h.Spec?.ScaleTargetRef?.Kind == owner?.Kind && h.Spec?.ScaleTargetRef?.Name == owner?.Name);
        return [.. hpas.SelectMany(h => new[] { $"HorizontalPodAutoscaler {h.Metadata.Name}: min {IncidentPods.N(h.Spec?.MinReplicas ?? 1)}, max {IncidentPods.N(h.Spec?.MaxReplicas)}, current {IncidentPods.N(h.Status?.CurrentReplicas)}, desired {IncidentPods.N(h.Status?.DesiredReplicas)}" }
            .Concat((h.Status?.Conditions ?? []).Select(c => $"  condition {c.Type}={c.Status} ({c.Reason}): {c.Message}")))];
    }
}

/// <summary>Quotas of the incident's namespace: hard limits and what is used.</summary>
public sealed class QuotaGatherer : IGatherer
{
    public string Section => EvidenceSections.Quota;

    public bool AppliesTo(Incident incident) => incident.PrimaryResource.Namespace is not null
        && incident.Signals.Any(s => s.Reason is "QuotaExhausted" or "Unschedulable" or "ReplicasUnavailable" or "PodStuckPending");

    public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var quotas = await client.Resource<ResourceQuota>().ListAsync(incident.PrimaryResource.Namespace, cancellationToken: cancellationToken);
        return [.. quotas.Items.Select(q => $"ResourceQuota {q.Metadata.Name}: " + string.Join(", ", (q.Status?.Hard ?? q.Spec?.Hard ?? new Dictionary<string, Quantity>())
            .Select(h => $"{h.Key} {(q.Status?.Used is { } used && used.TryGetValue(h.Key, out var u) ? u.ToString() : "0")}/{h.Value}")))];
    }
}

/// <summary>Disruption budgets covering the incident's pods: how many disruptions they allow now.</summary>
public sealed class DisruptionBudgetGatherer : IGatherer
{
    public string Section => EvidenceSections.DisruptionBudgets;

    public bool AppliesTo(Incident incident) => incident.PrimaryResource.Kind == "PodDisruptionBudget"
        || incident.Signals.Any(s => s.Reason is "Evicted" or "PDBBlockingEviction" or "NodeNotReady");

    public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var budgets = await client.Resource<PodDisruptionBudget>().ListAsync(incident.PrimaryResource.Namespace, cancellationToken: cancellationToken);
        return [.. budgets.Items.Select(b => $"PodDisruptionBudget {b.Metadata.Namespace}/{b.Metadata.Name}: allowed disruptions {IncidentPods.N(b.Status?.DisruptionsAllowed)}, healthy {IncidentPods.N(b.Status?.CurrentHealthy)}/{IncidentPods.N(b.Status?.DesiredHealthy)}")];
    }
}
