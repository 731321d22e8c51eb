using System.Collections.Concurrent;
using Vigil.Operator.Metrics;

namespace Vigil.Operator.Pipeline;

/// <summary>
/// Counters by name (<c>metric|label|label</c>) and latency histograms by name (<c>metric|label</c>), exported on /metrics
/// (see <see cref="Hosting.MetricsExporter"/> for the names).
/// </summary>
public sealed class PipelineCounters
{
    private readonly ConcurrentDictionary<string, double> _values = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Histogram> _histograms = new(StringComparer.Ordinal);

    public void Add(string key, double by = 1) => _values.AddOrUpdate(key, by, (_, v) => v + by);

    /// <summary>Records one observation in the histogram <paramref name="key"/>; its sum and count are also readable as <c>key_sum</c> and <c>key_count</c>.</summary>
    public void Observe(string key, double value)
    {
        _histograms.GetOrAdd(key, _ => new Histogram()).Observe(value);
        Add(key + "_sum", value);
        Add(key + "_count");
    }

    public double Get(string key) => _values.GetValueOrDefault(key);

    public IReadOnlyDictionary<string, double> Snapshot() => new Dictionary<string, double>(_values);

    public IReadOnlyDictionary<string, HistogramSnapshot> Histograms() => _histograms.ToDictionary(h => h.Key, h => h.Value.Snapshot());
}
