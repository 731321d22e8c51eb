using System.Globalization;
using System.Text;
using Vigil.Delivery.Sinks;
using Vigil.Detection;
using Vigil.Detection.Detectors;

namespace Vigil.Operator.Configuration;

/// <summary>
/// Every configuration key with its default (read from the option classes, not written twice) and why one would change it:
/// the source of the tables in docs/configuration.md (a test keeps the two, and the keys the reader accepts, in step).
/// </summary>
public static class ConfigurationReference
{
    public sealed record Key(string Path, string Default, string Why);

    public static IReadOnlyList<Key> Keys()
    {
        var d = VigilConfig.Default();
        var p = d.Pipeline;
        var policy = new WebhookPolicy();
        static string D(TimeSpan t) => Durations.Format(t);
        static string B(bool b) => b ? "true" : "false";
        static string S(Severity s) => s.ToString().ToLowerInvariant();
        static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        return
        [
            new("apiVersion", VigilConfig.ApiVersion, "Identifies the file format; the only accepted value."),
            new("kind", VigilConfig.Kind, "Identifies the file format; the only accepted value."),
            new("detectors.<name>.enabled", "per detector", "Turn off a detector that is noise in your cluster (or turn on HighPodCount)."),
            new("detectors.<name>.severity", "per detector", "info, warning or critical: what sinks with a severity filter receive and how pages are routed."),
            new("detectors.<name>.threshold", "per detector", "How long a condition must hold before it is a signal; raise it to ignore short blips."),
            new("detectors.<name>.count", "per detector", "The count a counting detector needs (restarts, pods, Warning events)."),
            new("detectors.<name>.window", "per detector", "How far back detectors over Events look."),
            new("detectors.<name>.cooldown", "per detector", "After a signal, the same detector stays quiet about the same resource this long."),
            new("filters.excludeNamespaces", "[]", "Namespaces (names or globs such as kube-*) whose signals are dropped: system or sandbox namespaces."),
            new("filters.namespaceSelector", "(none)", "A label selector (env in (prod,staging)); only namespaces whose labels match are watched for faults."),
            new("filters.suppressions[].name", "(required)", "Names the window in logs."),
            new("filters.suppressions[].detectors", "[] (all)", "Detectors silenced by the window."),
            new("filters.suppressions[].namespaces", "[] (all)", "Namespaces (names or globs) silenced by the window; when set, cluster-scoped signals are not silenced."),
            new("filters.suppressions[].from", "(none)", "Start of a one-off window (RFC 3339), e.g. a planned upgrade."),
            new("filters.suppressions[].until", "(none)", "End of a one-off window (RFC 3339)."),
            new("filters.suppressions[].daily", "(none)", "A recurring window HH:MM-HH:MM in UTC (may cross midnight), e.g. a nightly batch window."),
            new("filters.suppressions[].days", "[] (every day)", "Days the daily window applies on (Mon..Sun), e.g. weekend maintenance."),
            new("correlation.window", D(p.Correlation.Window), "How long a signal waits for related signals before its incident opens: longer groups more, shorter tells sooner (0: at once)."),
            new("correlation.nodeCascadeMinPodSignals", N(p.Correlation.NodeCascadeMinPodSignals), "Pod signals on a failing node needed to call it a NodeCascade."),
            new("correlation.namespaceStormThreshold", N(p.Correlation.NamespaceStormThreshold), "Leftover signals in one namespace beyond which they become one NamespaceStorm incident."),
            new("correlation.rules.nodeCascade", B(p.Correlation.NodeCascade), "Group a node's fault with the faults of pods on it."),
            new("correlation.rules.storageCascade", B(p.Correlation.StorageCascade), "Group a stuck PVC with the pods mounting it."),
            new("correlation.rules.owner", B(p.Correlation.Owner), "Group faults of several pods of one workload into one incident on the workload."),
            new("correlation.rules.namespaceStorm", B(p.Correlation.NamespaceStorm), "Group many unrelated faults in one namespace."),
            new("gatherers.budget", D(p.Gather.Budget), "How long each evidence gatherer may take; raise it for a slow API server."),
            new("gatherers.logTailLines", N(p.Gather.LogTailLines), "Lines of each container log kept as evidence."),
            new("gatherers.namespaceEventsWindow", D(p.Gather.NamespaceEventsWindow), "How far back namespace events are read as evidence."),
            new("gatherers.maxPods", N(p.Gather.MaxPods), "At most this many pods of an incident are described."),
            new("redaction.patterns", "[]", "Extra regular expressions masked before anything leaves the process (a group named secret masks only that part)."),
            new("delivery.queueSize", N(p.Delivery.QueueCapacity), "Diagnoses waiting per sink; beyond it the oldest is dropped and counted."),
            new("delivery.maxAttempts", N(p.Delivery.MaxAttempts), "Attempts per delivery, the first included."),
            new("delivery.initialBackoff", D(p.Delivery.InitialBackoff), "Delay before the first retry; each next one doubles, with jitter."),
            new("delivery.maxBackoff", D(p.Delivery.MaxBackoff), "Longest delay between retries."),
            new("sinks.log.enabled", B(d.Sinks.LogEnabled), "Write each diagnosis as one JSON line to stdout."),
            new("sinks.log.minSeverity", S(d.Sinks.LogMinSeverity), "Least severe diagnosis logged."),
            new("sinks.kubernetesEvents.enabled", B(d.Sinks.KubernetesEventsEnabled), "Write Events (reason VigilDiagnosis) on the affected resources: kubectl get events -l vigil.io/category."),
            new("sinks.kubernetesEvents.minSeverity", S(d.Sinks.KubernetesEventsMinSeverity), "Least severe diagnosis written as Events."),
            new("sinks.kubernetesEvents.maxResources", N(d.Sinks.KubernetesEventsMaxResources), "At most this many resources of an incident get an Event each."),
            new("sinks.webhooks[].name", "(required)", "Names the sink in metrics and logs; unique."),
            new("sinks.webhooks[].url", "(required)", "Where diagnoses are POSTed as JSON; https unless allowHttp."),
            new("sinks.webhooks[].minSeverity", S(WebhookSettings.DefaultMinSeverity), "Least severe diagnosis sent."),
            new("sinks.webhooks[].headers", "{}", "Extra request headers; a value ${NAME} is read from the environment variable NAME (keep tokens out of the file)."),
            new("sinks.webhooks[].timeout", D(WebhookSettings.DefaultTimeout), "Time allowed per request."),
            new("sinks.webhooks[].allowHttp", B(policy.AllowHttp), "Allow plain http (for a receiver inside the cluster)."),
            new("sinks.webhooks[].allowPrivateAddresses", B(policy.AllowPrivateAddresses), "Allow loopback and private addresses (SSRF protection is on by default; metadata addresses stay refused)."),
            new("sinks.webhooks[].allowedHosts", "[] (any)", "Host globs (*.example.com) the URL may name."),
            new("operator.metricsAddress", d.Operator.MetricsAddress, "Where /metrics, /healthz and /readyz listen (0.0.0.0:9090 in a pod); --metrics-address overrides it."),
            new("operator.concurrency", N(p.DiagnosisConcurrency), "Incidents diagnosed at once (evidence gathering is API-bound)."),
            new("operator.rescanInterval", D(p.RescanInterval), "How often every cached object is re-evaluated so time thresholds pass without a change."),
            new("operator.flushInterval", D(p.FlushInterval), "How often held signals are checked against the correlation window."),
            new("operator.shutdownTimeout", D(p.ShutdownTimeout), "How long stopping may take to finish diagnoses in flight and drain sink queues; match the pod's terminationGracePeriodSeconds."),
            new("operator.customResources", B(p.CustomResources), "Watch and apply Detector, Policy, Sink and Gatherer resources (vigil.io/v1alpha1); off if you manage everything in this file."),
            new("operator.namespace", p.SystemNamespace, "Vigil's own namespace: Detectors and Policies there may select namespaces cluster-wide; elsewhere they apply to their own namespace."),
            new("operator.apiQps", N((int)d.Operator.ApiQps), "Requests per second to the API server (watches excluded): enough for a replica to list the pods and events of the namespaces it takes over in seconds."),
            new("operator.apiBurst", N(d.Operator.ApiBurst), "Requests allowed in a burst above apiQps."),
            new("operator.sharding.enabled", B(d.Operator.Sharding.Enabled), "Split namespaces across replicas (consistent hashing, a leader for cluster-scoped work; docs/operations.md, Sharding). Off: one replica watches everything."),
            new("operator.sharding.leaseDuration", D(d.Operator.Sharding.LeaseDuration), "How long the leader and member Leases last unrenewed: a crashed replica's namespaces move, and a new leader is elected, within this plus retryPeriod."),
            new("operator.sharding.renewDeadline", D(d.Operator.Sharding.RenewDeadline), "How long the leader retries renewing before it steps down; shorter than leaseDuration."),
            new("operator.sharding.retryPeriod", D(d.Operator.Sharding.RetryPeriod), "How often Leases are renewed and the leader re-checks assignments; renewDeadline must exceed 1.2 × this."),
            new("operator.apiProbeInterval", D(d.Operator.ApiProbeInterval), "How often the API server is asked for its version (readiness)."),
            new("operator.apiStaleAfter", D(d.Operator.ApiStaleAfter), "/readyz fails when the API server has not answered for this long."),
        ];
    }

    /// <summary>The key table of docs/configuration.md.</summary>
    public static string KeysTable()
    {
        var sb = new StringBuilder("| key | default | why you would change it |\n|---|---|---|\n");
        foreach (var k in Keys()) sb.Append(CultureInfo.InvariantCulture, $"| `{k.Path}` | `{k.Default}` | {k.Why} |\n");
        return sb.ToString();
    }

    /// <summary>The per-detector defaults table of docs/configuration.md.</summary>
    public static string DetectorsTable()
    {
        var sb = new StringBuilder("| detector | enabled | severity | threshold | count | window | cooldown |\n|---|---|---|---|---|---|---|\n");
        foreach (var (name, o) in DetectorCatalog.Defaults.OrderBy(d => d.Key, StringComparer.Ordinal))
            sb.Append(CultureInfo.InvariantCulture,
                $"| {name} | {(o.Enabled ? "true" : "false")} | {o.Severity.ToString().ToLowerInvariant()} | {Durations.Format(o.Threshold)} | {o.Count} | {Durations.Format(o.Window)} | {Durations.Format(o.Cooldown)} |\n");
        return sb.ToString();
    }
}
