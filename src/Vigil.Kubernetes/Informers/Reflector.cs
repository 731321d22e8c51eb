using System.Net.Http;
using Microsoft.Extensions.Logging;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Watch;

namespace Vigil.Kubernetes.Informers;

/// <summary>Settings of a reflector.</summary>
public sealed record ReflectorOptions
{
    /// <summary>Page size of lists (client-go uses 500).</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>Watches ask the server to end after a random time in [min, 2·min]; client-go uses 5 minutes.</summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A watch silent for this long is treated as dead; null means the watch timeout plus 30 seconds.</summary>
    public TimeSpan? WatchIdleTimeout { get; init; }

    /// <summary>Initial back-off after an error (client-go: 800 ms, doubling to 30 s, reset after 2 minutes of quiet).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(800);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan BackoffResetAfter { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// client-go's Reflector: lists (paged, from RV "0" the first time) and replaces the store, then watches from the list's
/// resourceVersion with bookmarks and a random timeout. A watch that ends normally is re-opened from the last version
/// seen (no relist). 410 Expired relists from the last version; a second expiry relists from "" (the newest).
/// Errors back off exponentially with jitter; connection-level errors re-watch instead of relisting.
/// </summary>
internal sealed partial class Reflector<T>
    where T : class, IKubernetesObject
{
    private readonly IListerWatcher<T> _source;
    private readonly DeltaFifo<T> _store;
    private readonly ReflectorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<T, T>? _transform;
    private readonly Action _afterReplace;
    private volatile string _lastSyncResourceVersion = string.Empty;
    private bool _lastSyncResourceVersionUnavailable;

    public Reflector(IListerWatcher<T> source, DeltaFifo<T> store, ReflectorOptions options, TimeProvider time, ILogger logger, Func<T, T>? transform, Action afterReplace)
    {
        _source = source;
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        _transform = transform;
        _afterReplace = afterReplace;
    }

    public string LastSyncResourceVersion => _lastSyncResourceVersion;

    /// <summary>Lists done so far (for diagnostics and tests).</summary>
    public int Lists { get; private set; }

    /// <summary>Watches opened so far.</summary>
    public int Watches { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = new ExponentialBackoff(_time) { Initial = _options.InitialBackoff, Max = _options.MaxBackoff, ResetAfter = _options.BackoffResetAfter };
        var needList = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            var listing = needList;
            try
            {
                if (needList)
                {
                    await ListAsync(cancellationToken);
                    needList = false;
                    listing = false;
                }

                await WatchAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ResourceExpiredException exception)
            {
                if (listing)
                {
                    // The version we listed from is gone too: next time list the newest state.
                    _lastSyncResourceVersionUnavailable = true;
                    LogListExpired(_logger, _source.Description, exception.Message);
                    await DelayAsync(backoff.Next(), cancellationToken);
                }
                else
                {
                    LogWatchExpired(_logger, _source.Description, exception.Message);
                }

                needList = true;
            }
            catch (Exception exception) when (IsConnectionProblem(exception) && !listing)
            {
                var delay = backoff.Next();
                LogWatchFailed(_logger, _source.Description, exception.Message, delay);
                await DelayAsync(delay, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var delay = backoff.Next();
                LogFailed(_logger, _source.Description, listing ? "list" : "watch", exception.Message, delay);
                needList = true;
                await DelayAsync(delay, cancellationToken);
            }
        }
    }

    private static bool IsConnectionProblem(Exception exception) =>
        exception is HttpRequestException or IOException or WatchIdleTimeoutException or TooManyRequestsException or VeryShortWatchException or TimeoutException;

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>client-go's <c>relistResourceVersion</c>.</summary>
    private string RelistResourceVersion() =>
        _lastSyncResourceVersionUnavailable ? string.Empty
        : _lastSyncResourceVersion.Length == 0 ? "0"
        : _lastSyncResourceVersion;

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var resourceVersion = RelistResourceVersion();
        var items = new List<T>();
        string? listResourceVersion = null;
        string? continueToken = null;
        do
        {
            var options = continueToken is null
                ? new ListOptions { ResourceVersion = resourceVersion, Limit = _options.PageSize }
                : new ListOptions { Continue = continueToken, Limit = _options.PageSize };
            var page = await _source.ListAsync(options, cancellationToken);
            listResourceVersion ??= page.Metadata.ResourceVersion;
            foreach (var item in page.Items)
            {
                items.Add(_transform is null ? item : _transform(item));
            }

            continueToken = string.IsNullOrEmpty(page.Metadata.Continue) ? null : page.Metadata.Continue;
        }
        while (continueToken is not null);

        Lists++;
        _store.Replace(items);
        _lastSyncResourceVersion = listResourceVersion ?? string.Empty;
        _lastSyncResourceVersionUnavailable = false;
        LogListed(_logger, _source.Description, items.Count, _lastSyncResourceVersion);
        _afterReplace();
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var timeout = _options.MinWatchTimeout * (1 + Random.Shared.NextDouble());
        var timeoutSeconds = (int)timeout.TotalSeconds;
        var options = new WatchOptions
        {
            ResourceVersion = _lastSyncResourceVersion,
            AllowWatchBookmarks = true,
            TimeoutSeconds = timeoutSeconds,
            IdleTimeout = _options.WatchIdleTimeout ?? TimeSpan.FromSeconds(timeoutSeconds + 30),
        };
        Watches++;
        var started = _time.GetTimestamp();
        var events = 0;
        await foreach (var watchEvent in _source.WatchAsync(options, cancellationToken))
        {
            events++;
            var obj = watchEvent.Object;
            var version = obj.Metadata.ResourceVersion;
            switch (watchEvent.Type)
            {
                case WatchEventType.Added:
                    _store.Add(_transform is null ? obj : _transform(obj));
                    break;
                case WatchEventType.Modified:
                    _store.Update(_transform is null ? obj : _transform(obj));
                    break;
                case WatchEventType.Deleted:
                    _store.Delete(_transform is null ? obj : _transform(obj));
                    break;
                case WatchEventType.Bookmark:
                    break;
            }

            if (!string.IsNullOrEmpty(version))
            {
                _lastSyncResourceVersion = version;
            }
        }

        if (events == 0 && _time.GetElapsedTime(started) < TimeSpan.FromSeconds(1))
        {
            throw new VeryShortWatchException($"very short watch of {_source.Description}: ended after {_time.GetElapsedTime(started).TotalMilliseconds:F0} ms with no events");
        }

        LogWatchClosed(_logger, _source.Description, events, _lastSyncResourceVersion);
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Listed {Source}: {Count} objects at resourceVersion {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, string source, int count, string resourceVersion);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Watch of {Source} closed after {Events} events at resourceVersion {ResourceVersion}; re-watching")]
    private static partial void LogWatchClosed(ILogger logger, string source, int events, string resourceVersion);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Watch of {Source} expired ({Message}); relisting")]
    private static partial void LogWatchExpired(ILogger logger, string source, string message);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "List of {Source} from its last version expired ({Message}); relisting from the newest")]
    private static partial void LogListExpired(ILogger logger, string source, string message);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Watch of {Source} failed ({Message}); re-watching in {Delay}")]
    private static partial void LogWatchFailed(ILogger logger, string source, string message, TimeSpan delay);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "{Operation} of {Source} failed ({Message}); relisting in {Delay}")]
    private static partial void LogFailed(ILogger logger, string source, string operation, string message, TimeSpan delay);
}

/// <summary>A watch that the server closed at once without events: treated as an error so the reflector backs off.</summary>
public sealed class VeryShortWatchException : Exception
{
    public VeryShortWatchException()
    {
    }

    public VeryShortWatchException(string message)
        : base(message)
    {
    }

    public VeryShortWatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
