using Vigil.Delivery;
using Vigil.Detection;

namespace Vigil.Operator.Pipeline;

/// <summary>A sink that records how long each delivery attempt takes (<c>vigil_deliver_duration_seconds{sink}</c>).</summary>
internal sealed class TimedSink(ISink inner, PipelineCounters counters, TimeProvider time) : ISink
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
        }
        finally
        {
            counters.Observe(_key, time.GetElapsedTime(started).TotalSeconds);
        }
    }
}
