namespace Vigil.Kubernetes.Informers;

/// <summary>
/// The reflector's back-off (client-go's <c>wait.NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0)</c>): starts at
/// <see cref="Initial"/>, doubles up to <see cref="Max"/>, adds up to 100% jitter, and starts over after
/// <see cref="ResetAfter"/> without failures.
/// </summary>
public sealed class ExponentialBackoff(TimeProvider timeProvider)
{
    private TimeSpan _current = TimeSpan.Zero;
    private DateTimeOffset _lastFailure = DateTimeOffset.MinValue;

    public TimeSpan Initial { get; init; } = TimeSpan.FromMilliseconds(800);

    public TimeSpan Max { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ResetAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Fraction of the delay added at random, 0 to 1.</summary>
    public double Jitter { get; init; } = 1.0;

    /// <summary>Records a failure and returns how long to wait before trying again.</summary>
    public TimeSpan Next()
    {
        var now = timeProvider.GetUtcNow();
        if (_current == TimeSpan.Zero || now - _lastFailure > ResetAfter)
        {
            _current = Initial;
        }
        else
        {
            _current = TimeSpan.FromTicks(Math.Min(_current.Ticks * 2, Max.Ticks));
        }

        _lastFailure = now;
        var jittered = _current + TimeSpan.FromTicks((long)(_current.Ticks * Jitter * Random.Shared.NextDouble()));
        return jittered;
    }

    /// <summary>The base delay the next failure would start from (without jitter), for diagnostics.</summary>
    public TimeSpan Current => _current;
}
