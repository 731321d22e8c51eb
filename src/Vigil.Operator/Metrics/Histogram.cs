namespace Vigil.Operator.Metrics;

/// <summary>A Prometheus histogram: counts of observations at or below each upper bound, their sum and count. Thread-safe.</summary>
public sealed class Histogram
{
    /// <summary>Latency bounds in seconds, from 1 ms to 30 s: gathers take tens of milliseconds, a slow webhook seconds.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly double[] _bounds;
    private readonly long[] _counts;
    private readonly Lock _gate = new();
    private double _sum;
    private long _count;

    public Histogram(IReadOnlyList<double>? bounds = null)
    {
        _bounds = [.. (bounds ?? LatencyBuckets).Order()];
        _counts = new long[_bounds.Length];
    }

    public void Observe(double value)
    {
        lock (_gate)
        {
            // Per-bucket counts; made cumulative when read.
            var i = Array.FindIndex(_bounds, b => value <= b);
            if (i >= 0) _counts[i]++;
            _sum += value;
            _count++;
        }
    }

    /// <summary>Cumulative counts per upper bound (the last one +Inf), with the sum and count, consistent with each other.</summary>
    public HistogramSnapshot Snapshot()
    {
        lock (_gate)
        {
            var buckets = new List<(double UpperBound, long Count)>(_bounds.Length + 1);
            long running = 0;
            for (var i = 0; i < _bounds.Length; i++)
            {
                running += _counts[i];
                buckets.Add((_bounds[i], running));
            }
            buckets.Add((double.PositiveInfinity, _count));
            return new HistogramSnapshot(buckets, _sum, _count);
        }
    }
}

public sealed record HistogramSnapshot(IReadOnlyList<(double UpperBound, long Count)> Buckets, double Sum, long Count);
