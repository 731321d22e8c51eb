using System.Collections.Concurrent;

namespace Vigil.Operator.Pipeline;

/// <summary>Counters and summed observations by name (<c>metric|label|label</c>), exported on /metrics.</summary>
public sealed class PipelineCounters
{
    private readonly ConcurrentDictionary<string, double> _values = new(StringComparer.Ordinal);

    public void Add(string key, double by = 1) => _values.AddOrUpdate(key, by, (_, v) => v + by);

    /// <summary>Records one observation: its sum and count.</summary>
    public void Observe(string key, double value)
    {
        Add(key + "_sum", value);
        Add(key + "_count");
    }

    public double Get(string key) => _values.GetValueOrDefault(key);

    public IReadOnlyDictionary<string, double> Snapshot() => new Dictionary<string, double>(_values);
}
