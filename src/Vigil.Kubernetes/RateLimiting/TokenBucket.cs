namespace Vigil.Kubernetes.RateLimiting;

/// <summary>
/// A token bucket like <c>golang.org/x/time/rate</c>: <see cref="Rate"/> tokens a second, at most <see cref="Burst"/> saved.
/// <see cref="Reserve"/> takes a token now and says how long the caller must wait for it (the bucket may go negative,
/// so callers queue fairly); <see cref="WaitAsync"/> does that and waits.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _last;

    public TokenBucket(double rate, int burst, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        Rate = rate;
        Burst = burst;
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _tokens = burst;
        _last = timeProvider.GetTimestamp();
    }

    public double Rate { get; }

    public int Burst { get; }

    /// <summary>Takes one token; returns how long to wait before using it (zero when one was available).</summary>
    public TimeSpan Reserve()
    {
        lock (_gate)
        {
            var now = _timeProvider.GetTimestamp();
            var elapsed = _timeProvider.GetElapsedTime(_last, now);
            _last = now;
            _tokens = Math.Min(Burst, _tokens + (elapsed.TotalSeconds * Rate));
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / Rate);
        }
    }

    /// <summary>Takes a token if one is available now, without going into debt.</summary>
    public bool TryTake()
    {
        lock (_gate)
        {
            var now = _timeProvider.GetTimestamp();
            _tokens = Math.Min(Burst, _tokens + (_timeProvider.GetElapsedTime(_last, now).TotalSeconds * Rate));
            _last = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        var delay = Reserve();
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _timeProvider, cancellationToken);
        }
    }
}
