namespace Vigil.Cluster.Simulation;

/// <summary>
/// The simulated cluster's clock: it starts at the real time and runs <see cref="Speed"/> times faster, so a 5-minute
/// back-off takes 30 real seconds at speed 10 while every timestamp the cluster writes stays coherent with every other.
/// Timers and delays created through it are scaled the same way.
/// </summary>
public sealed class ClusterClock : TimeProvider
{
    private readonly TimeProvider _real;
    private readonly DateTimeOffset _start;
    private readonly long _startTimestamp;

    public ClusterClock(double speed, TimeProvider? real = null)
    {
        if (!(speed > 0) || double.IsInfinity(speed)) throw new ArgumentOutOfRangeException(nameof(speed), speed, "speed must be a positive number");
        Speed = speed;
        _real = real ?? System;
        _start = _real.GetUtcNow();
        _startTimestamp = _real.GetTimestamp();
    }

    /// <summary>How many cluster seconds pass in one real second.</summary>
    public double Speed { get; }

    public override DateTimeOffset GetUtcNow() =>
        _start + TimeSpan.FromTicks((long)(_real.GetElapsedTime(_startTimestamp).Ticks * Speed));

    public override long TimestampFrequency => _real.TimestampFrequency;

    public override long GetTimestamp()
    {
        var real = _real.GetTimestamp();
        return _startTimestamp + (long)((real - _startTimestamp) * Speed);
    }

    public override TimeZoneInfo LocalTimeZone => _real.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _real.CreateTimer(callback, state, Scale(dueTime), Scale(period));

    /// <summary>The real duration of a cluster duration.</summary>
    public TimeSpan Scale(TimeSpan clusterDuration) =>
        clusterDuration == Timeout.InfiniteTimeSpan || clusterDuration <= TimeSpan.Zero
            ? clusterDuration
            : TimeSpan.FromTicks(Math.Max(1, (long)(clusterDuration.Ticks / Speed)));
}
