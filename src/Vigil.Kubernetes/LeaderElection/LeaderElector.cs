using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.LeaderElection;

/// <summary>
/// client-go's leader election. A lease held by someone else counts as valid until <b>the local time this candidate
/// last saw the record change</b> plus LeaseDuration; the server's renewTime is never compared with the local clock,
/// so clock skew between machines does not matter. The leader renews every RetryPeriod and steps down if it cannot
/// renew within RenewDeadline; since LeaseDuration &gt; RenewDeadline, the old leader has stopped before anyone else
/// may take over.
/// </summary>
public sealed partial class LeaderElector
{
    private readonly LeaderElectionConfig _config;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private LeaderElectionRecord? _observedRecord;
    private string? _observedVersion;
    private long _observedAt;
    private string? _reportedLeader;

    public LeaderElector(LeaderElectionConfig config, TimeProvider? timeProvider = null, ILogger<LeaderElector>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Raised (on a pool thread) whenever a different leader is observed.</summary>
    public event EventHandler<string>? LeaderChanged;

    /// <summary>The holder of the lock as last observed, or null before the first observation or when it is free.</summary>
    public string? CurrentLeader
    {
        get
        {
            lock (_gate)
            {
                return string.IsNullOrEmpty(_observedRecord?.HolderIdentity) ? null : _observedRecord.HolderIdentity;
            }
        }
    }

    /// <summary>True while this candidate holds the lock by its last observation.</summary>
    public bool IsLeader
    {
        get
        {
            lock (_gate)
            {
                return _observedRecord?.HolderIdentity == _config.Identity;
            }
        }
    }

    /// <summary>
    /// Campaigns until leader, leads until the lease is lost or <paramref name="cancellationToken"/> fires, then
    /// returns (client-go's <c>Run</c>; call again to campaign again).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!await AcquireAsync(cancellationToken))
        {
            return;
        }

        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task leadingTask = Task.CompletedTask;
        if (_config.OnStartedLeading is { } onStarted)
        {
            leadingTask = Task.Run(async () =>
            {
                try
                {
                    await onStarted(leading.Token);
                }
                catch (OperationCanceledException) when (leading.IsCancellationRequested)
                {
                }
                catch (Exception exception)
                {
                    LogCallbackFailed(_logger, _config.Identity, exception);
                }
            }, CancellationToken.None);
        }

        try
        {
            await RenewLoopAsync(cancellationToken);
        }
        finally
        {
            await leading.CancelAsync();
            LogStoppedLeading(_logger, _config.Identity, _config.Lock.Description);
            _config.OnStoppedLeading?.Invoke();
            if (cancellationToken.IsCancellationRequested && _config.ReleaseOnCancel)
            {
                await ReleaseAsync();
            }

            await leadingTask;
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        LogCampaigning(_logger, _config.Identity, _config.Lock.Description);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(cancellationToken))
            {
                LogAcquired(_logger, _config.Identity, _config.Lock.Description);
                return true;
            }

            // Sliding, jittered wait (client-go's JitterUntil with factor 1.2), but no later than just after the observed
            // lease runs out: with only the jittered retry, a candidate could notice a crashed leader up to 2.2 retry
            // periods late; this way failover takes the lease duration from the last renewal it saw, plus one request.
            var wait = _config.RetryPeriod * (1 + (Random.Shared.NextDouble() * LeaderElectionConfig.JitterFactor));
            if (ObservedLeaseRemaining() is { } remaining && remaining + ExpiryMargin < wait)
            {
                wait = remaining + ExpiryMargin;
            }

            if (!await DelayAsync(wait, cancellationToken))
            {
                return false;
            }
        }

        return false;
    }

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var renewed = false;
            using (var deadline = new CancellationTokenSource(_config.RenewDeadline, _time))
            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token))
            {
                while (!attempt.IsCancellationRequested)
                {
                    if (await TryAcquireOrRenewAsync(attempt.Token))
                    {
                        renewed = true;
                        break;
                    }

                    if (!await DelayAsync(_config.RetryPeriod, attempt.Token))
                    {
                        break;
                    }
                }
            }

            if (!renewed)
            {
                if (!cancellationToken.IsCancellationRequested)
                {
                    LogLostLease(_logger, _config.Identity, _config.Lock.Description);
                }

                return;
            }

            if (!await DelayAsync(_config.RetryPeriod, cancellationToken))
            {
                return;
            }
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await TryAcquireOrRenewCoreAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Any failure of one attempt (API error, transport, a malformed answer) is a failed attempt, never a crash
            // of the election loop; client-go does the same.
            LogAttemptFailed(_logger, _config.Identity, _config.Lock.Description, exception.Message);
            return false;
        }
    }

    private async Task<bool> TryAcquireOrRenewCoreAsync(CancellationToken cancellationToken)
    {
        var now = MicroTime.From(_time);
        var leaseSeconds = (int)Math.Ceiling(_config.LeaseDuration.TotalSeconds);

        // Fast path: the leader renews with the version it last wrote, without reading first.
        LeaderElectionRecord? observed;
        string? observedVersion;
        lock (_gate)
        {
            observed = _observedRecord;
            observedVersion = _observedVersion;
        }

        if (observed is not null && observedVersion is not null && observed.HolderIdentity == _config.Identity && IsObservedLeaseValid())
        {
            var renewal = observed with { RenewTime = now, LeaseDurationSeconds = leaseSeconds };
            try
            {
                var version = await _config.Lock.UpdateAsync(renewal, observedVersion, cancellationToken);
                Observe(renewal, version);
                return true;
            }
            catch (ConflictException)
            {
                // Someone else wrote the lock: fall back to reading it.
            }
        }

        var current = await _config.Lock.GetAsync(cancellationToken);
        var desired = new LeaderElectionRecord(_config.Identity, leaseSeconds, now, now, 0);
        if (current is null)
        {
            try
            {
                var version = await _config.Lock.CreateAsync(desired, cancellationToken);
                Observe(desired, version);
                return true;
            }
            catch (AlreadyExistsException)
            {
                return false;
            }
        }

        var (record, currentVersion) = current.Value;
        lock (_gate)
        {
            if (_observedVersion != currentVersion)
            {
                // The record changed since we last looked: restart the validity clock from our own "now".
                SetObservedLocked(record, currentVersion);
            }
        }

        if (record.HolderIdentity.Length > 0 && record.HolderIdentity != _config.Identity && IsObservedLeaseValid())
        {
            return false;
        }

        desired = record.HolderIdentity == _config.Identity
            ? desired with { AcquireTime = record.AcquireTime, LeaderTransitions = record.LeaderTransitions }
            : desired with { LeaderTransitions = record.LeaderTransitions + 1 };
        try
        {
            var version = await _config.Lock.UpdateAsync(desired, currentVersion, cancellationToken);
            Observe(desired, version);
            return true;
        }
        catch (ConflictException)
        {
            return false;
        }
    }

    /// <summary>True while the observed record is within its lease duration, measured on the local clock from when we saw it change.</summary>
    /// <summary>After the observed lease runs out, how long to wait before trying: enough for the expiry check to pass.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromMilliseconds(20);

    /// <summary>How long the lease held by someone else stays valid by this candidate's observation; null when none is held.</summary>
    private TimeSpan? ObservedLeaseRemaining()
    {
        lock (_gate)
        {
            if (_observedRecord is null || string.IsNullOrEmpty(_observedRecord.HolderIdentity) || _observedRecord.HolderIdentity == _config.Identity)
            {
                return null;
            }

            var left = TimeSpan.FromSeconds(_observedRecord.LeaseDurationSeconds) - _time.GetElapsedTime(_observedAt);
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    private bool IsObservedLeaseValid()
    {
        lock (_gate)
        {
            if (_observedRecord is null)
            {
                return false;
            }

            var duration = TimeSpan.FromSeconds(_observedRecord.LeaseDurationSeconds);
            return _time.GetElapsedTime(_observedAt) < duration;
        }
    }

    private void Observe(LeaderElectionRecord record, string version)
    {
        lock (_gate)
        {
            SetObservedLocked(record, version);
        }
    }

    private void SetObservedLocked(LeaderElectionRecord record, string version)
    {
        _observedRecord = record;
        _observedVersion = version;
        _observedAt = _time.GetTimestamp();
        if (record.HolderIdentity != _reportedLeader)
        {
            _reportedLeader = record.HolderIdentity;
            if (record.HolderIdentity.Length > 0)
            {
                var leader = record.HolderIdentity;
                LogNewLeader(_logger, _config.Identity, leader, _config.Lock.Description);
                _ = Task.Run(() =>
                {
                    _config.OnNewLeader?.Invoke(leader);
                    LeaderChanged?.Invoke(this, leader);
                });
            }
        }
    }

    private async Task ReleaseAsync()
    {
        LeaderElectionRecord? observed;
        string? version;
        lock (_gate)
        {
            observed = _observedRecord;
            version = _observedVersion;
        }

        if (observed is null || version is null || observed.HolderIdentity != _config.Identity)
        {
            return;
        }

        var now = MicroTime.From(_time);
        var released = new LeaderElectionRecord(string.Empty, 1, now, now, observed.LeaderTransitions);
        using var timeout = new CancellationTokenSource(_config.RenewDeadline, _time);
        try
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                try
                {
                    var newVersion = await _config.Lock.UpdateAsync(released, version, timeout.Token);
                    Observe(released, newVersion);
                    LogReleased(_logger, _config.Identity, _config.Lock.Description);
                    return;
                }
                catch (ConflictException)
                {
                    // A renewal cancelled in flight may still have been applied: read the lock again and release it
                    // if it is still ours.
                    var current = await _config.Lock.GetAsync(timeout.Token);
                    if (current is not { } found || found.Record.HolderIdentity != _config.Identity)
                    {
                        return;
                    }

                    version = found.Version;
                    released = released with { LeaderTransitions = found.Record.LeaderTransitions };
                }
            }
        }
        catch (Exception exception) when (exception is KubernetesApiException or HttpRequestException or OperationCanceledException or TimeoutException or IOException)
        {
            LogAttemptFailed(_logger, _config.Identity, _config.Lock.Description, "release: " + exception.Message);
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "{Identity} is campaigning for {Lock}")]
    private static partial void LogCampaigning(ILogger logger, string identity, string @lock);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "{Identity} acquired {Lock}")]
    private static partial void LogAcquired(ILogger logger, string identity, string @lock);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "{Identity} could not renew {Lock} within the renew deadline")]
    private static partial void LogLostLease(ILogger logger, string identity, string @lock);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "{Identity} stopped leading {Lock}")]
    private static partial void LogStoppedLeading(ILogger logger, string identity, string @lock);

    [LoggerMessage(EventId = 404, Level = LogLevel.Debug, Message = "{Identity} failed to acquire or renew {Lock}: {Message}")]
    private static partial void LogAttemptFailed(ILogger logger, string identity, string @lock, string message);

    [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "{Identity} observed new leader {Leader} of {Lock}")]
    private static partial void LogNewLeader(ILogger logger, string identity, string leader, string @lock);

    [LoggerMessage(EventId = 406, Level = LogLevel.Information, Message = "{Identity} released {Lock}")]
    private static partial void LogReleased(ILogger logger, string identity, string @lock);

    [LoggerMessage(EventId = 407, Level = LogLevel.Error, Message = "OnStartedLeading of {Identity} failed")]
    private static partial void LogCallbackFailed(ILogger logger, string identity, Exception exception);
}
