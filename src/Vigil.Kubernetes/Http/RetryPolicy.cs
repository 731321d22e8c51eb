using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Vigil.Kubernetes.Http;

/// <summary>
/// When and how long to wait before retrying a request: 429 always; 5xx for idempotent verbs or when the server sent
/// Retry-After; connection failures when nothing reached the server (any verb) or for idempotent verbs. Back-off is
/// exponential from <see cref="BaseDelay"/> to <see cref="MaxDelay"/> with jitter; Retry-After is honoured.
/// </summary>
public sealed class RetryPolicy
{
    public int MaxRetries { get; init; } = 5;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retry-After values above this are cut to it.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    public static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete || method == HttpMethod.Options;

    /// <summary>The delay before retry number <paramref name="attempt"/> (0-based) after a response, or null for no retry.</summary>
    public TimeSpan? ForResponse(HttpMethod method, HttpResponseMessage response, int attempt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(response);
        if (attempt >= MaxRetries)
        {
            return null;
        }

        var code = (int)response.StatusCode;
        var retryAfter = RetryAfter(response.Headers, now);
        var retryable = response.StatusCode == HttpStatusCode.TooManyRequests
            || (code is 500 or 502 or 503 or 504 && (IsIdempotent(method) || retryAfter is not null));
        if (!retryable)
        {
            return null;
        }

        return retryAfter is { } after ? TimeSpan.FromTicks(Math.Min(after.Ticks, MaxRetryAfter.Ticks)) : Backoff(attempt);
    }

    /// <summary>The delay before retry number <paramref name="attempt"/> after a transport failure, or null for no retry.</summary>
    public TimeSpan? ForException(HttpMethod method, Exception exception, int attempt)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (attempt >= MaxRetries || exception is not HttpRequestException request)
        {
            return null;
        }

        var neverSent = request.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            || request.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
        return neverSent || IsIdempotent(method) ? Backoff(attempt) : null;
    }

    public TimeSpan Backoff(int attempt)
    {
        var exponential = BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20));
        var capped = Math.Min(exponential, MaxDelay.TotalMilliseconds);

        // Jitter: somewhere between half and all of the capped delay.
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    public static TimeSpan? RetryAfter(HttpResponseHeaders headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.RetryAfter is not { } header)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta;
        }

        return header.Date is { } date ? (date > now ? date - now : TimeSpan.Zero) : null;
    }
}
