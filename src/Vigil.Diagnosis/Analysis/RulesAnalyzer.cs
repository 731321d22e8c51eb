using System.Globalization;
using Vigil.Detection;
using Vigil.Diagnosis.Logs;

namespace Vigil.Diagnosis.Analysis;

/// <summary>
/// Explains an incident with rules: the most explanatory signal decides the rule (a node fault explains its pods' faults,
/// a stuck claim explains its pods, an OOM kill explains a crash loop), and evidence refines it (log patterns name a crash
/// loop's cause, rollout history names the change behind a stalled rollout). Always answers; the fallback says so.
/// </summary>
public sealed partial class RulesAnalyzer(TimeProvider time) : IAnalyzer
{
    public string Name => "rules";

    /// <summary>Signal reasons in the order they explain the others.</summary>
    private static readonly string[] Priority =
    [
        "NodeNotReady", "MemoryPressure", "DiskPressure", "PIDPressure", "PVCStuckBinding", "FailedMount", "QuotaExhausted",
        "OOMKilled", "ImagePullBackOff", "CreateContainerConfigError", "CreateContainerError", "Unschedulable", "PDBBlockingEviction",
        "CrashLoopBackOff", "LivenessProbeFailed", "ReadinessProbeFailed", "PodNotReady", "DeadlineExceeded", "BackoffLimitExceeded", "JobFailed",
        "CronJobFailing", "ProgressDeadlineExceeded", "HPAMaxedOut", "Evicted", "PodFailed", "PodStuckPending", "ReplicasUnavailable",
        "HighPodCount", "WarningEventStorm",
    ];

    public Task<Diagnosis?> AnalyzeAsync(Evidence evidence, CancellationToken cancellationToken) => Task.FromResult<Diagnosis?>(Analyze(evidence));

    public Diagnosis Analyze(Evidence evidence)
    {
        var incident = evidence.Incident;
        var lead = incident.Signals.OrderBy(s => Rank(s.Reason)).ThenBy(s => s.ObservedAt).FirstOrDefault();
        var explanation = lead is null ? Fallback(incident) : RolloutFraming(Explain(lead, evidence), lead, evidence);
        return new Diagnosis
        {
            Incident = incident,
            RootCause = explanation.RootCause,
            Category = explanation.Category,
            Severity = Max(incident.Severity, explanation.Severity),
            Confidence = explanation.Confidence,
            Systemic = explanation.Systemic,
            BlastRadius = BlastRadius(incident),
            RemediationSteps = explanation.Steps,
            RelatedResources = incident.AffectedResources,
            Analyzer = Name,
            Reason = explanation.Reason,
            SupportingEvidence = explanation.Evidence,
            DiagnosedAt = time.GetUtcNow(),
        };
    }

    private sealed record Explanation(string Reason, Category Category, string RootCause, double Confidence, IReadOnlyList<RemediationStep> Steps,
        IReadOnlyList<string> Evidence, bool Systemic = false, Severity Severity = Severity.Info);

    private static int Rank(string reason)
    {
        var i = Array.IndexOf(Priority, reason);
        return i < 0 ? Priority.Length : i;
    }

    private static Severity Max(Severity a, Severity b) => a > b ? a : b;

    private static Explanation Explain(Signal lead, Evidence evidence)
    {
        var r = lead.Resource;
        var ns = r.Namespace is null ? "" : $" -n {r.Namespace}";
        var container = lead.Attributes.GetValueOrDefault(Signal.Attribute.Container);
        var workload = Workload(lead);
        string[] Lines(string section, params string[] needles) =>
            [.. (evidence.Section(section)?.Lines ?? []).Where(l => needles.Length == 0 || needles.Any(n => l.Contains(n, StringComparison.OrdinalIgnoreCase))).Take(5)];
        string[] Quote(string text) => [text];

        switch (lead.Reason)
        {
            case "NodeNotReady":
                return new("NodeNotReady", Category.Node, $"Node {r.Name} is not ready: {lead.Message}. Pods on it stop serving and are evicted after their toleration.",
                    0.9, [
                        new("Look at the node's conditions and recent events.", $"kubectl describe node {r.Name}"),
                        new("Keep new pods off it while you investigate.", $"kubectl cordon {r.Name}"),
                        new("Check the kubelet and container runtime on the node (journalctl -u kubelet); replace the node if it does not recover."),
                        new("Move workloads off it safely.", $"kubectl drain {r.Name} --ignore-daemonsets --delete-emptydir-data"),
                    ], [.. Quote(lead.Message), .. Lines(EvidenceSections.Node, "Ready", "Taint")], Systemic: true, Severity: Severity.Critical);
            case "MemoryPressure" or "DiskPressure" or "PIDPressure":
                return new("NodePressure", Category.Node, $"Node {r.Name} reports {lead.Reason}: the kubelet will evict pods to relieve it.",
                    0.85, [
                        new("See what uses the node's resources.", $"kubectl top pods -A --sort-by={(lead.Reason == "MemoryPressure" ? "memory" : "cpu")} --field-selector spec.nodeName={r.Name}"),
                        new("Look at the node's conditions and allocatable resources.", $"kubectl describe node {r.Name}"),
                        new(lead.Reason == "DiskPressure" ? "Free disk: prune unused images and logs, or grow the node's disk." : "Set requests and limits on the heavy pods, or add capacity."),
                    ], [.. Quote(lead.Message), .. Lines(EvidenceSections.Node, lead.Reason)], Systemic: true, Severity: Severity.Warning);
            case "PVCStuckBinding" or "FailedMount":
                {
                    var storage = Lines(EvidenceSections.Storage);
                    var missingClass = storage.FirstOrDefault(l => l.Contains("not found", StringComparison.OrdinalIgnoreCase));
                    var provisioning = Lines(EvidenceSections.Storage, "ProvisioningFailed").Concat(Lines(EvidenceSections.PodEvents, "FailedMount")).FirstOrDefault();
                    var claim = r.Kind == "PersistentVolumeClaim" ? r.Name : lead.Attributes.GetValueOrDefault(Signal.Attribute.PersistentVolumeClaims) ?? "";
                    var cause = missingClass is not null ? $"PersistentVolumeClaim {claim} cannot bind: its storage class does not exist ({missingClass})."
                        : provisioning is not null ? $"PersistentVolumeClaim {claim} cannot be provisioned: {provisioning}"
                        : lead.Reason == "FailedMount" ? $"A volume of pod {r.Name} cannot be mounted: {lead.Message}"
                        : $"PersistentVolumeClaim {claim} has not bound: no volume matches it and none was provisioned.";
                    var category = lead.Reason == "FailedMount" && (lead.Message.Contains("configmap", StringComparison.OrdinalIgnoreCase) || lead.Message.Contains("secret", StringComparison.OrdinalIgnoreCase))
                        ? Category.Configuration : Category.Storage;
                    return new(lead.Reason == "FailedMount" ? "FailedMount" : "PVCPending", category, cause, missingClass is not null || provisioning is not null ? 0.9 : 0.7, [
                        new("See the claim's events and storage class.", $"kubectl describe pvc {claim}{ns}"),
                        new("List the storage classes the cluster has.", "kubectl get storageclass"),
                        new(category == Category.Configuration ? "Create the ConfigMap or Secret the volume refers to, or fix its name." : "Use an existing storage class, or fix the provisioner's configuration."),
                    ], [.. Quote(lead.Message), .. storage.Take(3)], Systemic: category == Category.Storage && provisioning is not null, Severity: Severity.Warning);
                }
            case "QuotaExhausted":
                return new("QuotaExhausted", Category.Resources, $"{r.Kind} {r.Name} in namespace {r.Namespace} is used up ({lead.Message}); new pods in the namespace are refused.",
                    0.9, [
                        new("See the quota's limits and usage.", $"kubectl describe resourcequota {r.Name}{ns}"),
                        new("Find the refused creations.", $"kubectl get events{ns} --field-selector reason=FailedCreate"),
                        new("Raise the quota, or lower the requests or replicas of the namespace's workloads."),
                    ], [.. Quote(lead.Message), .. Lines(EvidenceSections.NamespaceEvents, "exceeded quota")], Systemic: true, Severity: Severity.Warning);
            case "OOMKilled":
                {
                    var limit = lead.Message.Contains("memory limit of", StringComparison.Ordinal) ? lead.Message[(lead.Message.IndexOf("memory limit of", StringComparison.Ordinal) + 16)..] : null;
                    return new("OOMKilled", Category.Resources,
                        $"Container {container} of {workload} used more memory than its limit{(limit is null ? "" : $" of {limit}")} and was killed by the kernel (OOMKilled, exit code 137).",
                        0.95, [
                            new("See its memory use against the limit.", $"kubectl top pod {r.Name}{ns} --containers"),
                            new("Read what it did before it was killed.", $"kubectl logs {r.Name}{ns} -c {container} --previous"),
                            new("Raise the memory limit (and request) if the usage is legitimate.", $"kubectl set resources {WorkloadRef(lead)}{ns} -c {container} --limits=memory=<more> --requests=memory=<more>"),
                            new("Otherwise find the leak or lower the runtime's heap (JVM -Xmx, GOMEMLIMIT, Node --max-old-space-size)."),
                        ], [.. Quote(lead.Message), .. Lines(EvidenceSections.PodDescription, "OOMKilled", "Limits", "memory")], Severity: Severity.Warning);
                }
            case "ImagePullBackOff":
                {
                    var image = lead.Message.Contains(" image ", StringComparison.Ordinal) ? lead.Message.Split(" image ")[1].Split(':', 2)[0] : "";
                    var changed = Lines(EvidenceSections.RolloutHistory, "image").FirstOrDefault();
                    return new("ImagePullFailure", Category.Configuration,
                        $"Container {container} of {workload} cannot pull its image: {lead.Message}. The image name, tag or registry is wrong, or the registry refuses the credentials."
                        + (changed is null ? "" : $" This began with a rollout: {changed}"),
                        0.9, [
                            new("See the exact pull error.", $"kubectl describe pod {r.Name}{ns}"),
                            new("Check that the image and tag exist in the registry, and the imagePullSecrets if it is private."),
                            new("Roll back to the last working revision if a rollout introduced it.", $"kubectl rollout undo {WorkloadRef(lead)}{ns}"),
                        ], [.. Quote(lead.Message), .. Lines(EvidenceSections.PodEvents, "Failed", "pull"), .. (changed is null ? [] : new[] { changed })], Severity: Severity.Warning);
                }
            case "CreateContainerConfigError" or "CreateContainerError":
                return new("ContainerConfigError", Category.Configuration, $"Container {container} of {workload} cannot be created from its configuration: {lead.Message}.",
                    0.9, [
                        new("See which reference is missing.", $"kubectl describe pod {r.Name}{ns}"),
                        new("Create the ConfigMap or Secret (or key) it refers to, or fix the reference.", $"kubectl get configmaps,secrets{ns}"),
                    ], [.. Quote(lead.Message), .. Lines(EvidenceSections.PodEvents, "not found", "Error")], Severity: Severity.Warning);
            case "Unschedulable":
                {
                    var why = lead.Message;
                    var reason = why.Contains("Insufficient", StringComparison.Ordinal) ? "the nodes lack the requested resources"
                        : why.Contains("node affinity", StringComparison.OrdinalIgnoreCase) || why.Contains("selector", StringComparison.OrdinalIgnoreCase) ? "no node matches its node selector or affinity"
                        : why.Contains("taint", StringComparison.OrdinalIgnoreCase) ? "every node has a taint it does not tolerate"
                        : "no node can take it";
                    return new("Unschedulable", Category.Scheduling, $"Pod {r.Name} of {workload} cannot be scheduled: {reason}. {why}",
                        0.9, [
                            new("See the scheduler's message.", $"kubectl describe pod {r.Name}{ns}"),
                            new("Compare requests with what nodes can still allocate.", "kubectl describe nodes | grep -A 8 'Allocated resources'"),
                            new(why.Contains("Insufficient", StringComparison.Ordinal) ? "Lower the pod's requests, or add nodes with more capacity." : "Fix the nodeSelector, affinity or tolerations, or label the nodes it should run on."),
                        ], Quote(why), Severity: Severity.Warning);
                }
            case "PDBBlockingEviction":
                return new("PDBBlockingEviction", Category.Configuration, $"{lead.Message}: the drain waits until the budget allows a disruption.",
                    0.85, [
                        new("See the budget and its pods.", $"kubectl describe pdb {r.Name}{ns}"),
                        new("Scale the workload up so a pod can leave, or relax minAvailable/maxUnavailable for the maintenance."),
                    ], Quote(lead.Message), Severity: Severity.Warning);
            case "CrashLoopBackOff" or "PodFailed" or "BackoffLimitExceeded" or "JobFailed" or "CronJobFailing" or "LivenessProbeFailed":
                return CrashExplanation(lead, evidence, workload, ns, container);
            case "ReadinessProbeFailed":
                return new("ProbeFailure", Category.Application, $"Container {container} of {workload} runs but its readiness probe keeps failing, so it receives no traffic.",
                    0.8, [
                        new("See the probe's failures.", $"kubectl describe pod {r.Name}{ns}"),
                        new("Check the endpoint the probe calls, and its dependencies.", $"kubectl logs {r.Name}{ns} -c {container}"),
                    ], [.. Quote(lead.Message), .. Lines(EvidenceSections.PodEvents, "probe failed")], Severity: Severity.Warning);
            case "PodNotReady":
                {
                    var nodeDown = Lines(EvidenceSections.Node, "condition Ready=False", "condition Ready=Unknown").FirstOrDefault();
                    var node = lead.Attributes.GetValueOrDefault(Signal.Attribute.Node);
                    return nodeDown is not null
                        ? new("NodeNotReady", Category.Node, $"Pod {r.Name} of {workload} is not ready because its node {node} is not ready ({nodeDown.Trim()}).",
                            0.8, [new("Look at the node's conditions.", $"kubectl describe node {node}")], [lead.Message, nodeDown], Systemic: true, Severity: Severity.Warning)
                        : new("PodNotReady", Category.Unknown, $"Pod {r.Name} of {workload} runs with ready containers but is not Ready: {lead.Message}.",
                            0.5, [new("See the pod's conditions and events.", $"kubectl describe pod {r.Name}{ns}")], Quote(lead.Message), Severity: Severity.Warning);
                }
            case "DeadlineExceeded":
                return new("JobDeadlineExceeded", Category.Application, $"Job {r.Name} ran longer than its activeDeadlineSeconds and was stopped: {lead.Message}.",
                    0.85, [
                        new("See how long its pods ran and why.", $"kubectl describe job {r.Name}{ns}"),
                        new("Read the last pod's output.", $"kubectl logs job/{r.Name}{ns}"),
                        new("Raise activeDeadlineSeconds if the work legitimately takes longer, or make it faster."),
                    ], Quote(lead.Message), Severity: Severity.Warning);
            case "ProgressDeadlineExceeded":
                {
                    var change = Lines(EvidenceSections.RolloutHistory).FirstOrDefault();
                    var podCause = evidence.Incident.Signals.Where(s => s.Resource.Kind == "Pod").OrderBy(s => Rank(s.Reason)).FirstOrDefault();
                    return new("RolloutStalled", podCause is null ? Category.Application : Explain(podCause, evidence).Category,
                        $"The rollout of {r.Kind} {r.Name} stalled: {lead.Message}." + (change is null ? "" : $" The change that started it: {change}.")
                        + (podCause is null ? "" : $" Its new pods fail with {podCause.Reason}: {podCause.Message}."),
                        0.85, [
                            new("See the rollout's state.", $"kubectl rollout status deployment/{r.Name}{ns}"),
                            new("See what changed between revisions.", $"kubectl rollout history deployment/{r.Name}{ns}"),
                            new("Roll back to the previous revision.", $"kubectl rollout undo deployment/{r.Name}{ns}"),
                        ], [.. Quote(lead.Message), .. (change is null ? [] : new[] { change })], Severity: Severity.Warning);
                }
            case "HPAMaxedOut":
                return new("HPAMaxedOut", Category.Resources, $"{lead.Message}. Load exceeds what the maximum replica count can serve.",
                    0.8, [
                        new("See the autoscaler's metrics and conditions.", $"kubectl describe hpa {r.Name}{ns}"),
                        new("Raise maxReplicas if the cluster has room, or make each replica serve more."),
                    ], Quote(lead.Message), Severity: Severity.Warning);
            case "Evicted":
                return new("PodEvicted", Category.Resources, $"Pod {r.Name} of {workload} was evicted: {lead.Message}.",
                    0.75, [
                        new("See why the node evicted it.", $"kubectl describe pod {r.Name}{ns}"),
                        new("Set memory and ephemeral-storage requests so the pod is not the first to go."),
                    ], Quote(lead.Message), Severity: Severity.Info);
            case "PodStuckPending":
                return new("PodPending", Category.Scheduling, $"Pod {r.Name} of {workload} has been Pending: {lead.Message}.",
                    0.6, [new("See what it waits for.", $"kubectl describe pod {r.Name}{ns}")], Quote(lead.Message), Severity: Severity.Warning);
            case "ReplicasUnavailable":
                {
                    // The controller records why it cannot create the missing pods (ReplicaFailure, FailedCreate): a quota refusal is the usual one.
                    var refused = Lines(EvidenceSections.OwnerChain, "ReplicaFailure=True", "FailedCreate")
                        .Concat(Lines(EvidenceSections.NamespaceEvents, "FailedCreate").Where(l => l.Contains(r.Name, StringComparison.Ordinal)))
                        .FirstOrDefault();
                    if (refused is not null && refused.Contains("exceeded quota", StringComparison.OrdinalIgnoreCase))
                        return new("QuotaExhausted", Category.Resources,
                            $"{lead.Message}: the namespace's ResourceQuota refuses the missing pods ({refused.Trim()}).",
                            0.85, [
                                new("See the quota's limits and usage.", $"kubectl describe resourcequota{ns}"),
                                new("See the refused creations.", $"kubectl get events{ns} --field-selector reason=FailedCreate"),
                                new("Raise the quota, lower the pods' requests, or scale down something else in the namespace."),
                            ], [lead.Message, refused], Systemic: true, Severity: Severity.Warning);
                    if (refused is not null)
                        return new("PodCreationRefused", Category.Configuration, $"{lead.Message}: its pods cannot be created ({refused.Trim()}).",
                            0.75, [
                                new("See the refused creations.", $"kubectl get events{ns} --field-selector reason=FailedCreate"),
                                new("Fix what the API server refuses in the pod template (admission, security policy, quota, a missing service account)."),
                            ], [lead.Message, refused], Severity: Severity.Warning);
                    return new("ReplicasUnavailable", Category.Unknown, $"{lead.Message}; no pod-level fault explains it yet.",
                        0.5, [new("See the workload and its pods.", $"kubectl describe {r.Kind.ToLowerInvariant()} {r.Name}{ns}")], Quote(lead.Message), Severity: Severity.Warning);
                }
            case "WarningEventStorm":
                return StormExplanation(lead, evidence);
            default:
                return new(lead.Reason, Category.Unknown, $"{lead.Source} reported {lead.Reason} on {r}: {lead.Message}.",
                    0.3, [new("Look at the resource and its events.", $"kubectl describe {r.Kind.ToLowerInvariant()} {r.Name}{ns}")], Quote(lead.Message));
        }
    }

    /// <summary>A container that keeps failing: its logs (the previous instance's first) usually say why.</summary>
    private static Explanation CrashExplanation(Signal lead, Evidence evidence, string workload, string ns, string? container)
    {
        var r = lead.Resource;
        var logs = (evidence.Section(EvidenceSections.PreviousLogs)?.Lines ?? []).Concat(evidence.Section(EvidenceSections.Logs)?.Lines ?? []).ToList();
        var finding = LogPatterns.Explain(logs);
        var exit = lead.Attributes.GetValueOrDefault(Signal.Attribute.ExitCode);
        var what = lead.Reason switch
        {
            "CrashLoopBackOff" => $"Container {container} of {workload} keeps crashing (CrashLoopBackOff{(exit is null ? "" : $", exit code {exit}")})",
            "LivenessProbeFailed" => $"Container {container} of {workload} is restarted by its failing liveness probe",
            "CronJobFailing" => $"CronJob {r.Name}'s latest run failed",
            "PodFailed" => $"Pod {r.Name} failed{(exit is null ? "" : $" with exit code {exit}")}",
            _ => $"Job {r.Name} failed after its retries ({lead.Message})",
        };
        var reason = lead.Reason switch { "LivenessProbeFailed" => "ProbeFailure", "CrashLoopBackOff" => "CrashLoop", "CronJobFailing" => "CronJobFailing", "PodFailed" => "PodFailed", _ => "JobFailed" };
        // A failed Job of a CronJob is the CronJob failing: the incident is about the schedule, whichever signal came first.
        if (evidence.Incident.PrimaryResource.Kind == "CronJob" && reason is "JobFailed" or "CronJobFailing")
        {
            reason = "CronJobFailing";
            what = $"CronJob {evidence.Incident.PrimaryResource.Name}'s runs fail ({lead.Message})";
        }
        var logsCommand = r.Kind == "Pod" ? $"kubectl logs {r.Name}{ns}{(container is null ? "" : $" -c {container}")} --previous" : $"kubectl logs {r.Kind.ToLowerInvariant()}/{r.Name}{ns}";
        if (finding is not null)
            return new(reason, finding.Pattern.Category, $"{what}: {finding.Pattern.Explanation} The log says: \"{finding.Line.Trim()}\"",
                0.85, [new("Read the failing instance's output.", logsCommand), new(finding.Pattern.Step)], [finding.Line, lead.Message], Severity: Severity.Warning);
        var tail = logs.TakeLast(3).ToList();
        return new(reason, Category.Application, $"{what}. Its output names no known cause{(tail.Count == 0 ? " (it wrote nothing)" : $"; its last line: \"{tail[^1].Trim()}\"")}.",
            0.6, [
                new("Read the failing instance's output.", logsCommand),
                new("Check the command, arguments and environment it starts with.", r.Kind == "Pod" ? $"kubectl describe pod {r.Name}{ns}" : $"kubectl describe {r.Kind.ToLowerInvariant()} {r.Name}{ns}"),
            ], [lead.Message, .. tail], Severity: Severity.Warning);
    }

    /// <summary>
    /// A pod fault on the newest revision of a Deployment while the previous revision still serves is a rollout that stalled
    /// on that change: the diagnosis names the change and leads with rolling back, whichever signal arrived first.
    /// </summary>
    private static Explanation RolloutFraming(Explanation pod, Signal lead, Evidence evidence)
    {
        if (lead.Resource.Kind != "Pod" || lead.Attributes.GetValueOrDefault(Signal.Attribute.OwnerKind) != "Deployment"
            || lead.Reason is "NodeNotReady" or "MemoryPressure" or "DiskPressure" or "PIDPressure" or "PVCStuckBinding" or "QuotaExhausted" or "Evicted")
            return pod;
        var history = evidence.Section(EvidenceSections.RolloutHistory)?.Lines ?? [];
        var state = history.Select(l => RolloutState().Match(l)).FirstOrDefault(m => m.Success);
        if (state is null) return pod;
        var newSet = state.Groups["newSet"].Value;
        var oldReady = int.Parse(state.Groups["oldReady"].Value, CultureInfo.InvariantCulture);
        if (oldReady == 0 || !lead.Resource.Name.StartsWith(newSet + "-", StringComparison.Ordinal)) return pod;
        var deployment = lead.Attributes[Signal.Attribute.OwnerName];
        var ns = lead.Resource.Namespace is null ? "" : $" -n {lead.Resource.Namespace}";
        var changes = history.Where(l => l.Contains(" -> ", StringComparison.Ordinal) || l.Contains(" changed ", StringComparison.Ordinal) || l.Contains(" added ", StringComparison.Ordinal)).ToList();
        var change = changes.Count == 0 ? "a new pod template" : string.Join("; ", changes);
        return new("RolloutStalled", pod.Category,
            $"The rollout of Deployment {lead.Resource.Namespace}/{deployment} to revision {state.Groups["newRev"].Value} stalled on the change it brings ({change}): "
            + $"its new pods fail while revision {state.Groups["oldRev"].Value} still serves {oldReady}/{state.Groups["oldWant"].Value} ready. {pod.RootCause}",
            Math.Min(0.95, pod.Confidence + 0.05), [
                new("Roll back to the revision that worked.", $"kubectl rollout undo deployment/{deployment}{ns}"),
                new("See what changed between revisions.", $"kubectl rollout history deployment/{deployment}{ns}"),
                .. pod.Steps,
            ], [.. pod.Evidence, .. changes], pod.Systemic, pod.Severity);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^revision (?<newRev>\d+) \((?<newSet>[^)]+)\): (?<newReady>\d+)/(?<newWant>\d+) ready; revision (?<oldRev>\d+) \((?<oldSet>[^)]+)\): (?<oldReady>\d+)/(?<oldWant>\d+) ready$")]
    private static partial System.Text.RegularExpressions.Regex RolloutState();

    /// <summary>
    /// Many Warning events in a namespace: the reason most of them give says what is failing (images, probes, scheduling,
    /// quota, metrics...), so the storm is explained by it rather than reported as a number.
    /// </summary>
    private static Explanation StormExplanation(Signal lead, Evidence evidence)
    {
        var ns = lead.Resource.Kind == "Namespace" ? lead.Resource.Name : lead.Resource.Namespace ?? "";
        var warnings = (evidence.Section(EvidenceSections.NamespaceEvents)?.Lines ?? []).Select(l => NamespaceEvent().Match(l)).Where(m => m.Success)
            .Select(m => (Object: m.Groups["object"].Value, Reason: m.Groups["reason"].Value, Count: int.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture), Message: m.Groups["message"].Value))
            .ToList();
        var dominant = warnings.GroupBy(w => w.Reason).Select(g => (Reason: g.Key, Count: g.Sum(w => w.Count), Objects: g.Select(w => w.Object).Distinct().Count(), Sample: g.First().Message))
            .OrderByDescending(g => g.Count).FirstOrDefault();
        var steps = new List<RemediationStep> { new("See the warnings, newest last.", $"kubectl get events -n {ns} --field-selector type=Warning --sort-by=.lastTimestamp") };
        if (dominant.Reason is null)
            return new("WarningEventStorm", Category.Unknown, $"{lead.Message} in namespace {ns}; the events could not be read to say what they are about.",
                0.3, steps, [lead.Message], Severity: Severity.Info);
        var (category, what) = StormCause(dominant.Reason, dominant.Sample);
        steps.Add(new($"Find the objects reporting {dominant.Reason}.", $"kubectl get events -n {ns} --field-selector type=Warning,reason={dominant.Reason}"));
        return new("WarningEventStorm", category,
            $"{lead.Message} in namespace {ns}, mostly {dominant.Reason} ({dominant.Count.ToString(CultureInfo.InvariantCulture)} from {dominant.Objects.ToString(CultureInfo.InvariantCulture)} object{(dominant.Objects == 1 ? "" : "s")}): {what}. For example: \"{dominant.Sample}\"",
            category == Category.Unknown ? 0.4 : 0.7, steps, [lead.Message, .. warnings.Where(w => w.Reason == dominant.Reason).Take(3).Select(w => $"{w.Object}: {w.Reason}: {w.Message}")],
            Severity: Severity.Warning);
    }

    /// <summary>What a Warning event's reason says is failing.</summary>
    private static (Category Category, string What) StormCause(string reason, string message)
    {
        bool Says(string text) => message.Contains(text, StringComparison.OrdinalIgnoreCase);
        return reason switch
        {
            "Failed" or "BackOff" or "ErrImagePull" or "ImagePullBackOff" when Says("image") || Says("pull") => (Category.Configuration, "images cannot be pulled"),
            "Failed" when Says("not found") || Says("CreateContainerConfigError") => (Category.Configuration, "containers cannot be created from their configuration"),
            "BackOff" => (Category.Application, "containers keep crashing and are restarted with back-off"),
            "Unhealthy" => (Category.Application, "probes keep failing"),
            "FailedScheduling" => (Category.Scheduling, "pods cannot be scheduled"),
            "FailedMount" or "FailedAttachVolume" => Says("configmap") || Says("secret") ? (Category.Configuration, "volumes refer to missing ConfigMaps or Secrets") : (Category.Storage, "volumes cannot be mounted"),
            "ProvisioningFailed" => (Category.Storage, "volumes cannot be provisioned"),
            "FailedCreate" when Says("exceeded quota") => (Category.Resources, "the ResourceQuota refuses new pods"),
            "FailedCreate" => (Category.Configuration, "controllers cannot create their pods"),
            "FailedGetResourceMetric" or "FailedComputeMetricsReplicas" => Says("missing request")
                ? (Category.Configuration, "autoscalers cannot compute utilization because the pods declare no resource requests")
                : (Category.Resources, "autoscalers cannot read the metrics they scale on"),
            "OOMKilling" or "Evicted" => (Category.Resources, "containers run out of memory or pods are evicted"),
            "NodeNotReady" => (Category.Node, "a node is not ready"),
            _ => (Category.Unknown, $"{reason} warnings"),
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<object>[^:]+): (?<reason>\S+) \(x(?<count>\d+)\): (?<message>.*)$")]
    private static partial System.Text.RegularExpressions.Regex NamespaceEvent();

    private static Explanation Fallback(Incident incident) =>
        new("Unknown", Category.Unknown, $"Incident on {incident.PrimaryResource} with no signal to explain it.", 0.1, [], []);

    private static string Workload(Signal s) =>
        s.Attributes.TryGetValue(Signal.Attribute.OwnerKind, out var kind) && s.Attributes.TryGetValue(Signal.Attribute.OwnerName, out var name)
            ? $"{kind} {s.Resource.Namespace}/{name}" : $"{s.Resource.Kind} {s.Resource.Namespace}/{s.Resource.Name}";

    private static string WorkloadRef(Signal s) =>
        s.Attributes.TryGetValue(Signal.Attribute.OwnerKind, out var kind) && s.Attributes.TryGetValue(Signal.Attribute.OwnerName, out var name)
            ? $"{kind.ToLowerInvariant()}/{name}" : $"{s.Resource.Kind.ToLowerInvariant()}/{s.Resource.Name}";

    private static string BlastRadius(Incident incident)
    {
        var affected = incident.AffectedResources;
        var pods = affected.Count(a => a.Kind == "Pod");
        var others = affected.Where(a => a.Kind != "Pod").Select(a => a.ToString()).ToList();
        var parts = new List<string>();
        if (others.Count > 0) parts.Add(string.Join(", ", others));
        if (pods > 0) parts.Add($"{pods.ToString(CultureInfo.InvariantCulture)} pod{(pods == 1 ? "" : "s")}");
        return $"{affected.Count.ToString(CultureInfo.InvariantCulture)} resource{(affected.Count == 1 ? "" : "s")} affected: {string.Join("; ", parts)}";
    }
}
