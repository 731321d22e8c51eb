using Vigil.Delivery;
using Vigil.Detection.Filtering;
using Vigil.Operator.Metrics;
using Vigil.Operator.Pipeline;
using Vigil.Operator.Sharding;

namespace Vigil.Operator.Hosting;

/// <summary>
/// Renders the pipeline's state as Prometheus metrics, named <c>vigil_*</c> (docs/operations.md lists them), followed by
/// the conventional <c>process_*</c> metrics.
/// Counters start at zero for every enabled detector and every drop reason, so a dashboard sees the series before the first signal.
/// </summary>
public static class MetricsExporter
{
    private static readonly string[] DropReasons = [DropReason.NamespaceExcluded, DropReason.NamespaceSelector, DropReason.Annotation, DropReason.Suppressed, DropReason.Cooldown];
    private static readonly string[] Outcomes = [DeliveryCounters.Delivered, DeliveryCounters.Failed, DeliveryCounters.Retried, DeliveryCounters.Filtered, DeliveryCounters.Dropped];

    public static string Render(DiagnosisPipeline pipeline, ApiReachability? api = null, Replica? replica = null)
    {
        var w = new PrometheusTextWriter();
        var counters = pipeline.Counters.Snapshot();

        w.Family("vigil_signals_total", "counter", "Signals raised by detectors, by detector (before filtering).");
        var detectors = pipeline.Engine.Detectors.Select(d => d.Name).Concat(Labelled(counters, "signals_total").Select(x => x.Labels[0])).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var d in detectors) w.Sample("vigil_signals_total", counters.GetValueOrDefault($"signals_total|{d}"), ("detector", d));

        w.Family("vigil_signals_dropped_total", "counter", "Signals dropped before correlation, by reason (namespace_excluded, namespace_selector, annotation, suppressed, cooldown).");
        foreach (var r in DropReasons.Concat(Labelled(counters, "signals_dropped_total").Select(x => x.Labels[0])).Distinct(StringComparer.Ordinal))
            w.Sample("vigil_signals_dropped_total", counters.GetValueOrDefault($"signals_dropped_total|{r}"), ("reason", r));

        w.Family("vigil_incidents_total", "counter", "Incident changes, by correlation rule (none for a lone signal) and change (opened, updated, resolved).");
        foreach (var (labels, value) in Labelled(counters, "incidents_total"))
            w.Sample("vigil_incidents_total", value, ("rule", labels.ElementAtOrDefault(1) ?? "none"), ("change", labels[0]));

        w.Family("vigil_diagnoses_total", "counter", "Diagnoses produced, by category.");
        foreach (var (labels, value) in Labelled(counters, "diagnoses_total")) w.Sample("vigil_diagnoses_total", value, ("category", labels[0]));

        w.Family("vigil_pipeline_errors_total", "counter", "Work items and diagnoses that failed unexpectedly (see the log).");
        w.Sample("vigil_pipeline_errors_total", counters.GetValueOrDefault("pipeline_errors"));

        w.Family("vigil_detector_failures_total", "counter", "Objects a detector could not evaluate (malformed), by detector.");
        foreach (var (d, n) in pipeline.Engine.Failures.OrderBy(f => f.Key, StringComparer.Ordinal)) w.Sample("vigil_detector_failures_total", n, ("detector", d));

        w.Family("vigil_sink_deliveries_total", "counter", "Diagnoses handed to sinks, by sink and outcome (delivered, failed, retried, filtered by severity, dropped on a full queue).");
        var deliveries = pipeline.Dispatcher.Counters.Snapshot();
        foreach (var sink in pipeline.Dispatcher.Depths.Keys.Order(StringComparer.Ordinal))
            foreach (var outcome in Outcomes)
                w.Sample("vigil_sink_deliveries_total", deliveries.GetValueOrDefault((sink, outcome)), ("sink", sink), ("outcome", outcome));

        var histograms = pipeline.Counters.Histograms();
        w.Family("vigil_gather_duration_seconds", "histogram", "Time to gather an incident's evidence (all gatherers, concurrently).");
        w.Histogram("vigil_gather_duration_seconds", histograms.GetValueOrDefault("gather_seconds") ?? new Histogram().Snapshot());
        w.Family("vigil_analyze_duration_seconds", "histogram", "Time to analyze evidence into a diagnosis.");
        w.Histogram("vigil_analyze_duration_seconds", histograms.GetValueOrDefault("analyze_seconds") ?? new Histogram().Snapshot());
        w.Family("vigil_deliver_duration_seconds", "histogram", "Time of one delivery attempt, by sink.");
        foreach (var sink in pipeline.Dispatcher.Depths.Keys.Order(StringComparer.Ordinal))
            w.Histogram("vigil_deliver_duration_seconds", histograms.GetValueOrDefault($"deliver_seconds|{sink}") ?? new Histogram().Snapshot(), ("sink", sink));

        w.Family("vigil_work_queue_depth", "gauge", "Watch events and timer work waiting for the detection worker.");
        w.Sample("vigil_work_queue_depth", pipeline.WorkQueueDepth);
        w.Family("vigil_diagnoses_in_flight", "gauge", "Incidents being gathered and analyzed, or waiting for a diagnosis slot.");
        w.Sample("vigil_diagnoses_in_flight", pipeline.DiagnosesInFlight);
        w.Family("vigil_sink_queue_depth", "gauge", "Diagnoses waiting for delivery, by sink.");
        foreach (var (sink, depth) in pipeline.Dispatcher.Depths.OrderBy(d => d.Key, StringComparer.Ordinal)) w.Sample("vigil_sink_queue_depth", depth, ("sink", sink));
        w.Family("vigil_correlation_held_signals", "gauge", "Signals waiting in the correlation window.");
        w.Sample("vigil_correlation_held_signals", pipeline.Correlator.Held);
        w.Family("vigil_incidents_open", "gauge", "Incidents open now.");
        w.Sample("vigil_incidents_open", pipeline.Correlator.OpenIncidents);
        w.Family("vigil_informer_synced", "gauge", "1 when the informer of a kind has listed it, else 0.");
        foreach (var (kind, synced) in pipeline.InformerSync) w.Sample("vigil_informer_synced", synced ? 1 : 0, ("kind", kind));
        w.Family("vigil_informer_objects", "gauge", "Objects in the informer caches, by kind.");
        foreach (var (kind, objects) in pipeline.InformerObjects) w.Sample("vigil_informer_objects", objects, ("kind", kind));
        w.Family("vigil_informers", "gauge", "Running informers (with sharding: one per assigned namespace and namespaced kind, plus the cluster-wide ones).");
        w.Sample("vigil_informers", pipeline.InformerCount);
        w.Family("vigil_incidents_duplicate_total", "counter", "Incidents already diagnosed by the previous owner of their namespace (after a hand-over): counted, not delivered again.");
        w.Sample("vigil_incidents_duplicate_total", counters.GetValueOrDefault("incidents_duplicate"));
        w.Family("vigil_shard_handovers_total", "counter", "Namespaces this replica took (acquired) or gave up (released) on shard map changes.");
        w.Sample("vigil_shard_handovers_total", counters.GetValueOrDefault("shard_handovers|acquired"), ("direction", "acquired"));
        w.Sample("vigil_shard_handovers_total", counters.GetValueOrDefault("shard_handovers|released"), ("direction", "released"));
        w.Family("vigil_shard_namespaces", "gauge", "Namespaces this replica watches.");
        w.Sample("vigil_shard_namespaces", pipeline.WatchedNamespaces);
        if (replica is not null)
        {
            w.Family("vigil_shard_members", "gauge", "Live members in the shard map this replica runs (1 without sharding).");
            w.Sample("vigil_shard_members", replica.MapMembers);
            w.Family("vigil_shard_epoch", "gauge", "The shard map epoch this replica has applied (0 without sharding).");
            w.Sample("vigil_shard_epoch", replica.AppliedEpoch);
            w.Family("vigil_shard_rebalance_seconds", "gauge", "How long applying the last shard map took on this replica (stop and start informers, write the ledger, acknowledge).");
            w.Sample("vigil_shard_rebalance_seconds", replica.LastRebalanceSeconds);
            w.Family("vigil_leader_is_leader", "gauge", "1 while this replica runs the cluster-scoped work (always 1 without sharding).");
            w.Sample("vigil_leader_is_leader", replica.IsLeader ? 1 : 0);
            w.Family("vigil_leader_transitions_total", "counter", "Times this replica became the leader.");
            w.Sample("vigil_leader_transitions_total", replica.LeaderTransitions);
        }
        if (api is not null)
        {
            w.Family("vigil_api_server_reachable", "gauge", "1 when the API server answered within the readiness staleness limit, else 0.");
            w.Sample("vigil_api_server_reachable", api.IsReachable ? 1 : 0);
        }
        ProcessMetrics.Write(w);
        return w.ToString();
    }

    /// <summary>Counters named <c>prefix|label|label...</c>, with their labels.</summary>
    private static IEnumerable<(string[] Labels, double Value)> Labelled(IReadOnlyDictionary<string, double> counters, string prefix) =>
        counters.Where(c => c.Key.StartsWith(prefix + "|", StringComparison.Ordinal))
            .Select(c => (Labels: c.Key[(prefix.Length + 1)..].Split('|'), c.Value))
            .OrderBy(c => c.Item1.Length == 0 ? "" : string.Join('|', c.Item1), StringComparer.Ordinal);
}
