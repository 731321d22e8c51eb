using System.Diagnostics.Metrics;

namespace Vigil.Kubernetes.WorkQueues;

/// <summary>
/// Work queue metrics on the <c>Vigil.Kubernetes.WorkQueue</c> meter, tagged with the queue name, after client-go's
/// workqueue metrics: depth, adds, queue latency, work duration, retries, unfinished work.
/// </summary>
internal sealed class WorkQueueMetrics : IDisposable
{
    public const string MeterName = "Vigil.Kubernetes.WorkQueue";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly KeyValuePair<string, object?> _nameTag;

    public WorkQueueMetrics(string name, IMeterFactory? meterFactory, Func<int> depth, Func<double> unfinishedSeconds)
    {
        _nameTag = new KeyValuePair<string, object?>("name", name);
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create(MeterName);
        }
        else
        {
            _meter = new Meter(MeterName);
            _ownsMeter = true;
        }

        _meter.CreateObservableGauge("workqueue.depth", () => new Measurement<int>(depth(), _nameTag), unit: "{item}", description: "Items waiting in the queue.");
        _meter.CreateObservableGauge("workqueue.unfinished_work", () => new Measurement<double>(unfinishedSeconds(), _nameTag), unit: "s", description: "Seconds of work in progress not yet marked done.");
        Adds = _meter.CreateCounter<long>("workqueue.adds", unit: "{item}", description: "Adds handled by the queue.");
        Retries = _meter.CreateCounter<long>("workqueue.retries", unit: "{item}", description: "Rate-limited re-adds.");
        QueueDuration = _meter.CreateHistogram<double>("workqueue.queue_duration", unit: "s", description: "How long an item waited before a worker took it.");
        WorkDuration = _meter.CreateHistogram<double>("workqueue.work_duration", unit: "s", description: "How long a worker took to process an item.");
    }

    public Counter<long> Adds { get; }

    public Counter<long> Retries { get; }

    public Histogram<double> QueueDuration { get; }

    public Histogram<double> WorkDuration { get; }

    public void Added() => Adds.Add(1, _nameTag);

    public void Retried() => Retries.Add(1, _nameTag);

    public void Waited(TimeSpan duration) => QueueDuration.Record(duration.TotalSeconds, _nameTag);

    public void Worked(TimeSpan duration) => WorkDuration.Record(duration.TotalSeconds, _nameTag);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
