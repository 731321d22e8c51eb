using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Kubernetes.Authentication;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Discovery;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.RateLimiting;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes;

/// <summary>
/// A connection to one API server: authentication, client-side rate limiting (QPS/burst), retries of 429/5xx and
/// connection failures with back-off, and typed errors. Obtain per-resource operations with <see cref="Resource{T}()"/>.
/// Thread-safe; share one per cluster.
/// </summary>
public sealed partial class KubernetesClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly TokenBucket? _rateLimiter;
    private readonly ILogger _logger;
    private readonly Uri _baseAddress;

    public KubernetesClient(
        KubernetesClientConfiguration configuration,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        HttpMessageHandler? handler = null,
        JsonSerializerOptions? serializerOptions = null)
    {
        Configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        TimeProvider = timeProvider ?? TimeProvider.System;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger<KubernetesClient>();
        SerializerOptions = serializerOptions ?? KubernetesSerializer.Options;
        _http = new HttpClient(handler ?? KubernetesHttpHandlerFactory.Create(configuration), disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(configuration.UserAgent);
        _rateLimiter = configuration.Qps > 0 ? new TokenBucket(configuration.Qps, Math.Max(1, configuration.Burst), TimeProvider) : null;
        var server = configuration.Server.ToString();
        _baseAddress = new Uri(server.EndsWith('/') ? server : server + "/");
        RetryPolicy = new RetryPolicy { MaxRetries = configuration.MaxRetries };
        Discovery = new DiscoveryClient(this);
    }

    public KubernetesClientConfiguration Configuration { get; }

    public TimeProvider TimeProvider { get; }

    public ILoggerFactory LoggerFactory { get; }

    public JsonSerializerOptions SerializerOptions { get; }

    public RetryPolicy RetryPolicy { get; init; }

    /// <summary>The namespace of the current context.</summary>
    public string DefaultNamespace => Configuration.Namespace;

    /// <summary>Server version, API groups and resources, cached.</summary>
    public DiscoveryClient Discovery { get; }

    /// <summary>Operations on a built-in kind.</summary>
    public ResourceClient<T> Resource<T>()
        where T : class, IKubernetesResource => new(this, T.ResourceType, ResponseShape.Full);

    /// <summary>Operations on a kind with its own model, such as a custom resource registered in <see cref="SerializerOptions"/>.</summary>
    public ResourceClient<T> Resource<T>(ResourceType resourceType)
        where T : class, IKubernetesObject => new(this, resourceType, ResponseShape.Full);

    /// <summary>Operations on any resource as <see cref="UnstructuredObject"/>.</summary>
    public ResourceClient<UnstructuredObject> Unstructured(ResourceType resourceType) => new(this, resourceType, ResponseShape.Full);

    /// <summary>Reads (get, list, watch) that return only metadata, as <see cref="PartialObjectMetadata"/>.</summary>
    public ResourceClient<PartialObjectMetadata> Metadata(ResourceType resourceType) => new(this, resourceType, ResponseShape.Metadata);

    public void Dispose() => _http.Dispose();

    /// <summary>Sends a request with rate limiting, authentication and retries; throws <see cref="KubernetesApiException"/> on an error answer.</summary>
    internal async Task<HttpResponseMessage> SendAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var refreshedCredentials = false;
        for (var attempt = 0; ; attempt++)
        {
            // Watches are long-running, not load: like the API server's in-flight limits, the client's rate limit leaves them
            // out, so a controller with thousands of watches (one per namespace and kind when sharded) is not throttled to
            // a crawl starting them, and they cannot starve the short requests queued behind them.
            if (_rateLimiter is not null && !request.Streaming)
            {
                await _rateLimiter.WaitAsync(cancellationToken);
            }
            using var timeout = new CancellationTokenSource(Configuration.RequestTimeout, TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            HttpResponseMessage response;
            var started = TimeProvider.GetTimestamp();
            var message = await BuildMessageAsync(request, linked.Token);
            try
            {
                response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token);
                if (!request.Streaming || !response.IsSuccessStatusCode)
                {
                    await response.Content.LoadIntoBufferAsync(linked.Token);
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or SocketException or IOException
                || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                message.Dispose();

                // SocketsHttpHandler can let a raw SocketException escape when a connection is reset while it is being
                // set up (seen with a peer that accepts and resets at once): treat it as a connection failure.
                var failure = exception switch
                {
                    OperationCanceledException => new HttpRequestException(HttpRequestError.Unknown, $"{request.Method} {request.PathAndQuery} timed out after {Configuration.RequestTimeout}.", exception),
                    SocketException socket => new HttpRequestException(HttpRequestError.ConnectionError, $"{request.Method} {request.PathAndQuery}: {socket.Message}", socket),
                    IOException io => new HttpRequestException(HttpRequestError.Unknown, $"{request.Method} {request.PathAndQuery}: {io.Message}", io),
                    _ => (HttpRequestException)exception,
                };
                var delay = RetryPolicy.ForException(request.Method, failure, attempt);
                if (delay is null)
                {
                    throw exception is OperationCanceledException ? new TimeoutException(failure.Message, exception) : failure;
                }

                LogRetryAfterFailure(_logger, request.Method, request.PathAndQuery, attempt + 1, delay.Value, failure.Message);
                await Task.Delay(delay.Value, TimeProvider, cancellationToken);
                continue;
            }

            message.Dispose();
            LogResponse(_logger, request.Method, request.PathAndQuery, (int)response.StatusCode, TimeProvider.GetElapsedTime(started));
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && !refreshedCredentials && Configuration.Credentials is { } credentials and not StaticCredentialProvider)
            {
                // An expired exec/token-file credential: fetch a fresh one once.
                refreshedCredentials = true;
                credentials.Invalidate();
                response.Dispose();
                attempt--;
                continue;
            }

            var retryDelay = response.StatusCode == HttpStatusCode.TooManyRequests && !request.RetryTooManyRequests
                ? null
                : RetryPolicy.ForResponse(request.Method, response, attempt, TimeProvider.GetUtcNow());
            if (retryDelay is not null)
            {
                LogRetryAfterStatus(_logger, request.Method, request.PathAndQuery, (int)response.StatusCode, attempt + 1, retryDelay.Value);
                response.Dispose();
                await Task.Delay(retryDelay.Value, TimeProvider, cancellationToken);
                continue;
            }

            using (response)
            {
                throw await ToExceptionAsync(response, cancellationToken);
            }
        }
    }

    /// <summary>Sends a request and decodes the JSON answer.</summary>
    internal async Task<TResult> SendAsync<TResult>(ApiRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var typeInfo = SerializerOptions.TypeInfo<TResult>();
        return await JsonSerializer.DeserializeAsync(stream, typeInfo, cancellationToken)
            ?? throw new KubernetesApiException($"{request.Method} {request.PathAndQuery} answered null.");
    }

    private async ValueTask<HttpRequestMessage> BuildMessageAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var message = new HttpRequestMessage(request.Method, new Uri(_baseAddress, request.PathAndQuery.TrimStart('/')))
        {
            // HTTP/2 over TLS when the server offers it, like client-go: every watch is a stream on a shared connection. Over
            // HTTP/1.1 each watch holds a connection of its own, and a sharded replica's thousands of per-namespace watches
            // would exhaust the pool and starve every other request.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        message.Headers.TryAddWithoutValidation("Accept", request.Accept);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType ?? "application/json");
        }

        if (Configuration.Credentials is { } provider)
        {
            var credential = await provider.GetCredentialAsync(cancellationToken);
            if (credential.BearerToken is { } token)
            {
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            else if (credential.BasicUser is not null)
            {
                var pair = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.BasicUser}:{credential.BasicPassword}"));
                message.Headers.Authorization = new AuthenticationHeaderValue("Basic", pair);
            }
        }

        return message;
    }

    private async Task<KubernetesApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        Status? status = null;
        if (body.Length > 0 && body[0] == (byte)'{')
        {
            try
            {
                status = JsonSerializer.Deserialize(body, KubernetesJsonContext.Default.Status);
                if (!string.Equals(status?.Kind, "Status", StringComparison.Ordinal))
                {
                    status = null;
                }
            }
            catch (JsonException)
            {
                status = null;
            }
        }

        status ??= new Status
        {
            Kind = "Status",
            ApiVersion = "v1",
            Outcome = "Failure",
            Message = body.Length == 0 ? response.ReasonPhrase : Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 1024)),
            Reason = ReasonFor(response.StatusCode),
        };
        status.Code ??= (int)response.StatusCode;
        return KubernetesApiException.From(status, RetryPolicy.RetryAfter(response.Headers, TimeProvider.GetUtcNow()));
    }

    private static string? ReasonFor(HttpStatusCode code) => (int)code switch
    {
        400 => StatusReasons.BadRequest,
        401 => StatusReasons.Unauthorized,
        403 => StatusReasons.Forbidden,
        404 => StatusReasons.NotFound,
        409 => StatusReasons.Conflict,
        410 => StatusReasons.Expired,
        422 => StatusReasons.Invalid,
        429 => StatusReasons.TooManyRequests,
        500 => StatusReasons.InternalError,
        503 => StatusReasons.ServiceUnavailable,
        504 => StatusReasons.Timeout,
        _ => null,
    };

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "{Method} {Path} answered {StatusCode} in {Elapsed}")]
    private static partial void LogResponse(ILogger logger, HttpMethod method, string path, int statusCode, TimeSpan elapsed);

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "{Method} {Path} failed ({Error}); retry {Attempt} in {Delay}")]
    private static partial void LogRetryAfterFailure(ILogger logger, HttpMethod method, string path, int attempt, TimeSpan delay, string error);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "{Method} {Path} answered {StatusCode}; retry {Attempt} in {Delay}")]
    private static partial void LogRetryAfterStatus(ILogger logger, HttpMethod method, string path, int statusCode, int attempt, TimeSpan delay);
}
