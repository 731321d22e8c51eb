using System.Reflection;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.LeaderElection;
using Vigil.Kubernetes.Models;
using Vigil.Operator.Pipeline;

namespace Vigil.Operator.Sharding;

/// <summary>
/// One running operator among its peers. Always: renews its member Lease with its <see cref="MemberStatus"/> (what
/// <c>vigil status</c> reads). With sharding on: campaigns for the leader Lease (the leader runs the cluster-scoped detectors
/// and the <see cref="ShardCoordinator"/>), follows the shard map, hands its pipeline the namespaces the map gives it, and
/// acknowledges each map once applied, which is what lets the leader move namespaces it gave up to someone else.
/// </summary>
public sealed partial class Replica : IAsyncDisposable
{
    private const int RecentIncidentCount = 5;

    private readonly KubernetesClient _client;
    private readonly DiagnosisPipeline _pipeline;
    private readonly ShardingOptions _options;
    private readonly string _namespace;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResourceClient<Lease> _leases;
    private readonly DateTimeOffset _startedAt;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _stopLeading = new();
    private readonly CancellationTokenSource _stopRenewing = new();
    private Task _renewLoop = Task.CompletedTask;
    private readonly SemaphoreSlim _leaseWrite = new(1, 1);
    private readonly Channel<ShardMap> _maps = Channel.CreateBounded<ShardMap>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly List<Task> _loops = [];
    private readonly Lock _recentGate = new();
    private readonly LinkedList<RecentIncident> _recent = new();
    private SharedInformer<ConfigMap>? _mapInformer;
    private MemberObserver? _members;
    private long _appliedEpoch;
    private int _following = 1;
    private long _leaderTransitions;
    private volatile bool _leader;
    private volatile bool _publishing = true;
    private double _lastRebalanceSeconds;
    private int _mapMembers = 1;

    public Replica(KubernetesClient client, DiagnosisPipeline pipeline, ShardingOptions options, string @namespace, string identity, TimeProvider time, ILogger<Replica> logger)
    {
        _client = client;
        _pipeline = pipeline;
        _options = options;
        _namespace = @namespace;
        Identity = identity;
        _time = time;
        _logger = logger;
        _leases = client.Resource<Lease>();
        _startedAt = time.GetUtcNow();
        pipeline.Diagnosed += Remember;
    }

    public string Identity { get; }

    public bool Sharded => _options.Enabled;

    /// <summary>Leads the cluster-scoped work (always true with sharding off: this replica does all of it).</summary>
    public bool IsLeader => !Sharded || _leader;

    public long LeaderTransitions => Interlocked.Read(ref _leaderTransitions);

    /// <summary>Live members in the shard map this replica runs (1 with sharding off).</summary>
    public int MapMembers => Sharded ? Volatile.Read(ref _mapMembers) : 1;

    public long AppliedEpoch => Interlocked.Read(ref _appliedEpoch);

    /// <summary>How long applying the last shard map took, from reading it to acknowledging it.</summary>
    public double LastRebalanceSeconds => Volatile.Read(ref _lastRebalanceSeconds);

    /// <summary>
    /// A replica name from the environment: the pod's name (unique in a Deployment, kept across container restarts), or
    /// outside a cluster host and process id.
    /// </summary>
    public static string DefaultIdentity()
    {
        var name = Environment.GetEnvironmentVariable("POD_NAME");
        if (string.IsNullOrWhiteSpace(name)) name = $"{Environment.MachineName}-{Environment.ProcessId}";
        var clean = new string([.. name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '-')]).Trim('-', '.');
        return clean.Length > 200 ? clean[..200] : clean;
    }

    /// <summary>Writes the member Lease (so the leader counts this replica), then follows leadership and the shard map.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RenewAsync(cancellationToken);
        }
        catch (KubernetesApiException e) when (!Sharded && e.Status.Code is 403 or 404)
        {
            // Without sharding the Lease only publishes status: its absence must not stop detection.
            _publishing = false;
            LogStatusOff(_logger, _namespace, e.Status.Message ?? e.Message);
        }
        if (_publishing) _renewLoop = Task.Run(RenewLoopAsync);
        if (!Sharded) return;
        _mapInformer = new SharedInformer<ConfigMap>(_client.Resource<ConfigMap>(), new InformerOptions<ConfigMap>
        {
            Namespace = _namespace,
            FieldSelector = "metadata.name=" + ShardProtocol.ShardMapName,
        });
        _mapInformer.AddEventHandler(onAdd: (m, _) => Offer(m), onUpdate: (_, m) => Offer(m));
        _mapInformer.Start();
        _members = new MemberObserver(_client, _namespace, _options.LeaseDuration, _time);
        _members.Start();
        _loops.Add(Task.Run(ApplyMapsAsync));
        _loops.Add(Task.Run(CampaignAsync));
    }

    private void Offer(ConfigMap configMap)
    {
        if (configMap.Data is { } data && data.TryGetValue(ShardProtocol.ShardMapKey, out var json) && ShardMap.Parse(json) is { } map)
            _maps.Writer.TryWrite(map);
        else LogBadMap(_logger, ShardProtocol.ShardMapName);
    }

    private async Task ApplyMapsAsync()
    {
        try
        {
            await foreach (var map in _maps.Reader.ReadAllAsync(_stop.Token))
            {
                if (map.Epoch <= AppliedEpoch) continue;
                var started = _time.GetTimestamp();
                try
                {
                    await _pipeline.AssignNamespacesAsync([.. map.NamespacesOf(Identity)], map.Epoch, _stop.Token);
                    Interlocked.Exchange(ref _appliedEpoch, map.Epoch);
                    Volatile.Write(ref _mapMembers, map.Members.Count);
                    await RenewAsync(_stop.Token);
                    Volatile.Write(ref _lastRebalanceSeconds, _time.GetElapsedTime(started).TotalSeconds);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    // Not acknowledged: the leader keeps what this replica gave up pending, and the next map is tried afresh.
                    LogApplyFailed(_logger, map.Epoch, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task CampaignAsync()
    {
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, _stopLeading.Token);
        var elector = new LeaderElector(new LeaderElectionConfig
        {
            Lock = new LeaseLock(_client, _namespace, ShardProtocol.LeaderLease),
            Identity = Identity,
            LeaseDuration = _options.LeaseDuration,
            RenewDeadline = _options.RenewDeadline,
            RetryPeriod = _options.RetryPeriod,
            // A replica that stops hands leadership on at once instead of after a lease duration.
            ReleaseOnCancel = true,
            OnStartedLeading = LeadAsync,
            OnStoppedLeading = () => _leader = false,
        }, _time);
        while (!leading.IsCancellationRequested)
        {
            try
            {
                await elector.RunAsync(leading.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogElectionFailed(_logger, e);
            }
            if (!leading.IsCancellationRequested) await _pipeline.SetClusterScopeAsync(false, AppliedEpoch, CancellationToken.None);
        }
    }

    private async Task LeadAsync(CancellationToken leading)
    {
        _leader = true;
        Interlocked.Increment(ref _leaderTransitions);
        LogLeading(_logger, Identity);
        await RenewAsync(leading);
        await _pipeline.SetClusterScopeAsync(true, AppliedEpoch, leading);
        var coordinator = new ShardCoordinator(_client, _namespace, Identity, _options, _members!, _time, _logger);
        await coordinator.RunAsync(leading);
    }

    private async Task RenewLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.RetryPeriod, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopRenewing.Token))
            {
                try
                {
                    await RenewAsync(_stopRenewing.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    LogRenewFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Renews the member Lease with the current status and applied epoch (server-side apply: one request, no read).</summary>
    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var lease = new Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new ObjectMeta
            {
                Name = ShardProtocol.MemberLeaseName(Identity),
                Namespace = _namespace,
                Labels = new Dictionary<string, string> { [ShardProtocol.MemberLabelKey] = ShardProtocol.MemberLabelValue },
                Annotations = new Dictionary<string, string>
                {
                    [ShardProtocol.AppliedEpochAnnotation] = AppliedEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    [ShardProtocol.StatusAnnotation] = Status(now).ToJson(),
                },
            },
            Spec = new LeaseSpec
            {
                HolderIdentity = Identity,
                LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds),
                AcquireTime = new MicroTime(_startedAt),
                RenewTime = new MicroTime(now),
            },
        };
        await _leaseWrite.WaitAsync(cancellationToken);
        try
        {
            await _leases.ApplyAsync(lease, "vigil", force: true, cancellationToken: cancellationToken);
        }
        finally
        {
            _leaseWrite.Release();
        }
    }

    public MemberStatus Status(DateTimeOffset now)
    {
        List<RecentIncident> recent;
        lock (_recentGate) recent = [.. _recent];
        return new MemberStatus
        {
            Identity = Identity,
            Version = typeof(Replica).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            StartedAt = _startedAt,
            UpdatedAt = now,
            Sharded = Sharded,
            Leader = IsLeader,
            Epoch = AppliedEpoch,
            Namespaces = _pipeline.WatchedNamespaces,
            Unsynced = [.. _pipeline.InformerSync.Where(s => !s.Synced).Select(s => s.Kind)],
            WorkQueue = _pipeline.WorkQueueDepth,
            DiagnosesInFlight = _pipeline.DiagnosesInFlight,
            SinkQueues = _pipeline.Dispatcher.Depths.ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal),
            IncidentsOpen = _pipeline.Correlator.OpenIncidents,
            RecentIncidents = recent,
        };
    }

    private void Remember(Diagnosis.Diagnosis diagnosis)
    {
        var entry = new RecentIncident(diagnosis.DiagnosedAt, diagnosis.Incident.PrimaryResource.Key, diagnosis.Category.ToString(), diagnosis.Severity.ToString(), diagnosis.RootCause);
        lock (_recentGate)
        {
            _recent.AddFirst(entry);
            while (_recent.Count > RecentIncidentCount) _recent.RemoveLast();
        }
    }

    /// <summary>
    /// The first step of leaving: stops leading (the leader Lease is released for a successor at once) and stops following
    /// the map, but keeps renewing the member Lease, so this replica's namespaces stay its own while its pipeline drains.
    /// </summary>
    public async Task StopFollowingAsync()
    {
        if (Interlocked.Exchange(ref _following, 0) == 0) return;
        await _stopLeading.CancelAsync();
        await _stop.CancelAsync();
        _maps.Writer.TryComplete();
        if (_mapInformer is not null) await _mapInformer.StopAsync();
        await Task.WhenAll(_loops);
        if (_members is not null) await _members.DisposeAsync();
    }

    /// <summary>
    /// Leaves: stops following the map (if <see cref="StopFollowingAsync"/> has not) and renewing, then deletes the member
    /// Lease, so the leader moves this replica's namespaces at once. Call after the pipeline stopped (its ledger is written by then).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _pipeline.Diagnosed -= Remember;
        await StopFollowingAsync();
        await _stopRenewing.CancelAsync();
        await _renewLoop;
        if (_publishing)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _leases.DeleteAsync(ShardProtocol.MemberLeaseName(Identity), _namespace, cancellationToken: timeout.Token);
            }
            catch (Exception e) when (e is KubernetesApiException or OperationCanceledException or HttpRequestException)
            {
                // Expires on its own after the lease duration.
                LogLeaveFailed(_logger, e.Message);
            }
        }
        _stop.Dispose();
        _stopLeading.Dispose();
        _stopRenewing.Dispose();
        _leaseWrite.Dispose();
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "status is not published: the member Lease in namespace {Namespace} cannot be written ({Problem}); set operator.namespace or create it")]
    private static partial void LogStatusOff(ILogger logger, string @namespace, string problem);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "the {Name} ConfigMap does not hold a shard map: keeping the last one")]
    private static partial void LogBadMap(ILogger logger, string name);

    [LoggerMessage(EventId = 32, Level = LogLevel.Error, Message = "could not apply shard map {Epoch} (retried with the next)")]
    private static partial void LogApplyFailed(ILogger logger, long epoch, Exception exception);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "leader election failed (campaigning again)")]
    private static partial void LogElectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 34, Level = LogLevel.Information, Message = "{Identity} is the leader: running cluster-scoped detectors and shard coordination")]
    private static partial void LogLeading(ILogger logger, string identity);

    [LoggerMessage(EventId = 35, Level = LogLevel.Warning, Message = "member Lease renewal failed (retried)")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 36, Level = LogLevel.Warning, Message = "could not delete the member Lease on leaving ({Problem}): it expires on its own")]
    private static partial void LogLeaveFailed(ILogger logger, string problem);
}
