using Microsoft.Extensions.Logging;
using Vigil.Kubernetes;

namespace Vigil.Operator.Hosting;

/// <summary>
/// Asks the API server for its version every <c>interval</c> and remembers the last answer: readiness needs the API server
/// to have answered within <c>staleAfter</c>, since an operator that cannot reach it sees nothing.
/// </summary>
public sealed partial class ApiReachability(KubernetesClient client, TimeSpan interval, TimeSpan staleAfter, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private DateTimeOffset? _lastSuccess;
    private string? _lastError;

    public void Start() => _loop = Task.Run(LoopAsync);

    /// <summary>True when the last answer is recent enough.</summary>
    public bool IsReachable => _lastSuccess is { } at && time.GetUtcNow() - at <= staleAfter;

    /// <summary>Why the API server counts as unreachable, or null when it is reachable.</summary>
    public string? Problem => IsReachable ? null
        : _lastSuccess is null ? $"API server not reached yet{(_lastError is null ? "" : $": {_lastError}")}"
        : $"API server last reached {(time.GetUtcNow() - _lastSuccess.Value).TotalSeconds:0} s ago{(_lastError is null ? "" : $": {_lastError}")}";

    /// <summary>Probes once now.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(staleAfter);
        try
        {
            await client.Discovery.GetServerVersionAsync(timeout.Token);
            _lastSuccess = time.GetUtcNow();
            _lastError = null;
        }
        catch (Exception e) when (e is HttpRequestException or Kubernetes.Http.KubernetesApiException or IOException or System.Text.Json.JsonException
                                       || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _lastError = e is OperationCanceledException ? "timed out" : e.Message;
            LogUnreachable(logger, _lastError);
        }
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do await ProbeAsync(_stop.Token);
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop;
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "API server unreachable: {Error}")]
    private static partial void LogUnreachable(ILogger logger, string error);
}
