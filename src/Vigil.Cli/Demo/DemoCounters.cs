using Vigil.Delivery;
using Vigil.Delivery.Sinks;
using Vigil.Embedded;

namespace Vigil.Cli.Demo;

/// <summary>The pipeline's counts the demo shows: signals raised, incidents opened, diagnoses delivered as Kubernetes Events.</summary>
internal sealed record DemoCounters(double Signals, double IncidentsOpened, long EventsDelivered, long EventsFailed, double PipelineErrors)
{
    public static DemoCounters From(EmbeddedVigil vigil)
    {
        var counts = vigil.Pipeline.Counters.Snapshot();
        double Sum(string prefix) => counts.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(c => c.Value);
        var delivery = vigil.Pipeline.Dispatcher.Counters;
        return new DemoCounters(
            Sum("signals_total|"),
            Sum("incidents_total|opened|"),
            delivery.Get(EventSinkName, DeliveryCounters.Delivered),
            delivery.Get(EventSinkName, DeliveryCounters.Failed),
            counts.GetValueOrDefault("pipeline_errors"));
    }

    /// <summary>The name <see cref="KubernetesEventSink"/> reports its deliveries under.</summary>
    private const string EventSinkName = "kubernetes-events";
}
