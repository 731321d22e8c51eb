namespace Vigil.Kubernetes.Http;

/// <summary>One API call, rebuilt into a fresh HttpRequestMessage for every attempt.</summary>
internal sealed record ApiRequest(HttpMethod Method, string PathAndQuery)
{
    public byte[]? Body { get; init; }

    public string? ContentType { get; init; }

    public string Accept { get; init; } = "application/json";

    /// <summary>Watches and followed logs: no request timeout once the headers have arrived.</summary>
    public bool Streaming { get; init; }

    /// <summary>False for calls whose 429 is an answer, not throttling (an eviction blocked by a disruption budget).</summary>
    public bool RetryTooManyRequests { get; init; } = true;
}
