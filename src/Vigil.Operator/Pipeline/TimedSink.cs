using Vigil.Delivery;
using Vigil.Detection;

namespace Vigil.Operator.Pipeline;

/// <summary>
/// A sink that records how long each delivery attempt takes (<c>vigil_deliver_duration_seconds{sink}</c>) and reports
/// each successful delivery (the incident ledger records an incident once it has reached someone).
/// </summary>
internal sealed class TimedSink(ISink inner, PipelineCounters counters, TimeProvider time, Action<Diagnosis.Diagnosis>? delivered = null) : ISink
{
    private readonly string _key = $"deliver_seconds|{inner.Name}";

    public ISink Inner => inner;

    public string Name => inner.Name;

    public Severity MinimumSeverity => inner.MinimumSeverity;

    public async Task SendAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            await inner.SendAsync(diagnosis, cancellationToken);
            delivered?.Invoke(diagnosis);
        }
        finally
        {
            counters.Observe(_key, time.GetElapsedTime(started).TotalSeconds);
        }
    }
}
