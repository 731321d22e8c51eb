using Vigil.Kubernetes.RateLimiting;

namespace Vigil.Kubernetes.WorkQueues;

/// <summary>Decides how long an item waits before it is retried (client-go <c>workqueue.TypedRateLimiter</c>).</summary>
public interface IWorkQueueRateLimiter<in T>
{
    /// <summary>How long to wait before handing out <paramref name="item"/> again; counts as one more failure.</summary>
    TimeSpan When(T item);

    /// <summary>Forgets an item's failures (after it was processed successfully).</summary>
    void Forget(T item);

    int NumRequeues(T item);
}

/// <summary><c>baseDelay·2^failures</c>, capped at <c>maxDelay</c>, counted per item.</summary>
public sealed class ItemExponentialFailureRateLimiter<T>(TimeSpan baseDelay, TimeSpan maxDelay) : IWorkQueueRateLimiter<T>
    where T : notnull
{
    private readonly Dictionary<T, int> _failures = [];
    private readonly Lock _gate = new();

    public TimeSpan When(T item)
    {
        int exponent;
        lock (_gate)
        {
            exponent = _failures.GetValueOrDefault(item);
            _failures[item] = exponent + 1;
        }

        var delay = baseDelay.TotalMilliseconds * Math.Pow(2, exponent);
        return delay >= maxDelay.TotalMilliseconds || double.IsInfinity(delay) ? maxDelay : TimeSpan.FromMilliseconds(delay);
    }

    public void Forget(T item)
    {
        lock (_gate)
        {
            _failures.Remove(item);
        }
    }

    public int NumRequeues(T item)
    {
        lock (_gate)
        {
            return _failures.GetValueOrDefault(item);
        }
    }
}

/// <summary>An overall token bucket shared by every item: qps and burst (it keeps no per-item state).</summary>
public sealed class BucketRateLimiter<T>(TokenBucket bucket) : IWorkQueueRateLimiter<T>
{
    public TimeSpan When(T item) => bucket.Reserve();

    public void Forget(T item)
    {
    }

    public int NumRequeues(T item) => 0;
}

/// <summary>The longest delay any of its limiters asks for; requeues are the most any of them counts.</summary>
public sealed class MaxOfRateLimiter<T>(params IWorkQueueRateLimiter<T>[] limiters) : IWorkQueueRateLimiter<T>
{
    public TimeSpan When(T item)
    {
        var longest = TimeSpan.Zero;
        foreach (var limiter in limiters)
        {
            var delay = limiter.When(item);
            if (delay > longest)
            {
                longest = delay;
            }
        }

        return longest;
    }

    public void Forget(T item)
    {
        foreach (var limiter in limiters)
        {
            limiter.Forget(item);
        }
    }

    public int NumRequeues(T item) => limiters.Max(l => l.NumRequeues(item));
}

public static class WorkQueueRateLimiters
{
    /// <summary>
    /// client-go's default: the max of a per-item exponential back-off (5 ms·2^n, capped at 1000 s) and an overall
    /// token bucket of 10 qps with a burst of 100.
    /// </summary>
    public static IWorkQueueRateLimiter<T> Default<T>(TimeProvider timeProvider)
        where T : notnull =>
        new MaxOfRateLimiter<T>(
            new ItemExponentialFailureRateLimiter<T>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)),
            new BucketRateLimiter<T>(new TokenBucket(10, 100, timeProvider)));
}
