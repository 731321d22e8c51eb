using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Vigil.Detection.Filtering;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Sharding;

/// <summary>
/// The leader's half of sharding: watches the namespaces and the member Leases, and publishes the <see cref="ShardMap"/>
/// that <see cref="ShardPlanner"/> decides whenever either changes (and every retry period, so an expired member is noticed
/// without an event). A member counts as live while its Lease keeps changing: like client-go's leader election, expiry is
/// measured on this replica's clock from when it last saw the Lease change, never by comparing the writer's clock with ours.
/// </summary>
internal sealed partial class ShardCoordinator(KubernetesClient client, string @namespace, string identity, ShardingOptions options, TimeProvider time, ILogger logger)
{
    private readonly ResourceClient<ConfigMap> _configMaps = client.Resource<ConfigMap>();
    private readonly Dictionary<string, (string Version, long SeenAt)> _seen = new(StringComparer.Ordinal);
    private readonly NamespacePattern[] _excluded = [.. options.ExcludedNamespaces.Select(p => new NamespacePattern(p))];
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Raised after each map this leader publishes.</summary>
    public event Action<ShardMap>? Published;

    public async Task RunAsync(CancellationToken leading)
    {
        await using var informers = new SharedInformerFactory(client);
        var namespaces = informers.ForMetadata(Namespace.ResourceType);
        var members = informers.For<Lease>(@namespace, labelSelector: ShardProtocol.MemberLabel);
        namespaces.AddEventHandler(onAdd: (_, _) => Poke(), onDelete: (_, _) => Poke());
        members.AddEventHandler(onAdd: (_, _) => Poke(), onUpdate: (_, _) => Poke(), onDelete: (_, _) => Poke());
        informers.Start();
        if (!await informers.WaitForCacheSyncAsync(leading)) return;
        // Members already there count as just seen: a new leader does not know how fresh they were.
        var (current, version) = await ReadMapAsync(leading);
        var lastCleanup = time.GetTimestamp();
        while (!leading.IsCancellationRequested)
        {
            try
            {
                var live = Live(members.Indexer.List());
                var applied = members.Indexer.List().Where(m => live.Contains(Identity(m)))
                    .ToDictionary(Identity, AppliedEpoch, StringComparer.Ordinal);
                var wanted = namespaces.Indexer.List().Select(n => n.Metadata.Name!).Where(n => !_excluded.Any(p => p.Matches(n))).ToList();
                if (ShardPlanner.Plan(current, wanted, live, applied, identity, time.GetUtcNow()) is { } next)
                {
                    version = await WriteMapAsync(next, version, leading);
                    current = next;
                    LogPublished(logger, next.Epoch, next.Members.Count, next.Namespaces.Count, next.Pending.Count);
                    Published?.Invoke(next);
                }
                if (time.GetElapsedTime(lastCleanup) > options.LeaseDuration * 4 && current.Pending.Count == 0 && applied.Values.All(e => e >= current.Epoch))
                {
                    await DeleteGoneMembersAsync(members.Indexer.List(), live, leading);
                    lastCleanup = time.GetTimestamp();
                }
            }
            catch (KubernetesApiException e) when (e.Status.Code == 409)
            {
                // Someone else wrote the map (a previous leader's last write): start again from what is there.
                (current, version) = await ReadMapAsync(leading);
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                LogFailed(logger, e);
            }
            using var tick = new CancellationTokenSource(options.RetryPeriod, time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(tick.Token, leading);
            try
            {
                await _changed.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!leading.IsCancellationRequested)
            {
                // The retry period passed without a change: look again (a member may have expired).
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void Poke() => _changed.Writer.TryWrite(true);

    private static string Identity(Lease lease) => lease.Spec?.HolderIdentity ?? lease.Metadata.Name![ShardProtocol.MemberLeasePrefix.Length..];

    private static long AppliedEpoch(Lease lease) =>
        lease.Metadata.Annotations?.TryGetValue(ShardProtocol.AppliedEpochAnnotation, out var text) == true && long.TryParse(text, out var epoch) ? epoch : 0;

    private HashSet<string> Live(IEnumerable<Lease> leases)
    {
        var now = time.GetTimestamp();
        var live = new HashSet<string>(StringComparer.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lease in leases)
        {
            var name = lease.Metadata.Name!;
            present.Add(name);
            var version = lease.Metadata.ResourceVersion ?? "";
            if (!_seen.TryGetValue(name, out var seen) || seen.Version != version) _seen[name] = seen = (version, now);
            var duration = lease.Spec?.LeaseDurationSeconds is int s and > 0 ? TimeSpan.FromSeconds(s) : options.LeaseDuration;
            if (time.GetElapsedTime(seen.SeenAt, now) < duration) live.Add(Identity(lease));
        }
        foreach (var gone in _seen.Keys.Where(k => !present.Contains(k)).ToList()) _seen.Remove(gone);
        return live;
    }

    private async Task<(ShardMap Map, string? Version)> ReadMapAsync(CancellationToken cancellationToken)
    {
        var map = await _configMaps.TryGetAsync(ShardProtocol.ShardMapName, @namespace, cancellationToken);
        var parsed = map?.Data is { } data && data.TryGetValue(ShardProtocol.ShardMapKey, out var json) ? ShardMap.Parse(json) : null;
        return (parsed ?? new ShardMap(), map?.Metadata.ResourceVersion);
    }

    private async Task<string?> WriteMapAsync(ShardMap map, string? version, CancellationToken cancellationToken)
    {
        var configMap = new ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new ObjectMeta { Name = ShardProtocol.ShardMapName, Namespace = @namespace, ResourceVersion = version },
            Data = new Dictionary<string, string> { [ShardProtocol.ShardMapKey] = map.ToJson() },
        };
        // Optimistic concurrency: a deposed leader's late write fails with a conflict instead of overwriting ours.
        var written = version is null
            ? await _configMaps.CreateAsync(configMap, cancellationToken: cancellationToken)
            : await _configMaps.UpdateAsync(configMap, cancellationToken: cancellationToken);
        return written.Metadata.ResourceVersion;
    }

    /// <summary>
    /// The Leases and ledgers of replicas that are gone (crashed: a clean stop deletes its own Lease), once every live member
    /// has applied the current map, so the new owners of their namespaces have read their ledgers.
    /// </summary>
    private async Task DeleteGoneMembersAsync(IReadOnlyList<Lease> leases, HashSet<string> members, CancellationToken cancellationToken)
    {
        var leaseClient = client.Resource<Lease>();
        foreach (var lease in leases.Where(l => !members.Contains(Identity(l))))
        {
            try
            {
                await leaseClient.DeleteAsync(lease.Metadata.Name!, @namespace, cancellationToken: cancellationToken);
            }
            catch (KubernetesApiException e) when (e.Status.Code == 404)
            {
            }
        }
        var ledgers = await _configMaps.ListAsync(@namespace, new ListOptions { LabelSelector = IncidentLedger.LabelKey + "=true" }, cancellationToken);
        foreach (var ledger in ledgers.Items)
        {
            var owner = ledger.Metadata.Name![IncidentLedger.NamePrefix.Length..];
            if (members.Contains(owner)) continue;
            try
            {
                await _configMaps.DeleteAsync(ledger.Metadata.Name, @namespace, cancellationToken: cancellationToken);
                LogLedgerDeleted(logger, owner);
            }
            catch (KubernetesApiException e) when (e.Status.Code == 404)
            {
            }
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "shard map {Epoch} published: {Members} members, {Namespaces} namespaces assigned, {Pending} waiting for their previous owner")]
    private static partial void LogPublished(ILogger logger, long epoch, int members, int namespaces, int pending);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "shard coordination failed (retried)")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "deleted the incident ledger of {Member}, which is gone")]
    private static partial void LogLedgerDeleted(ILogger logger, string member);
}
