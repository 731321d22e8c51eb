using System.Globalization;
using System.Text.Json;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Sharding;

/// <summary>
/// What <c>vigil status</c> reports: the replicas, the leader and the shard map as read from the operator's namespace
/// at one instant, and the <see cref="Problems"/> that need someone's attention (none: healthy). Built from the objects
/// alone (<see cref="From"/>), so it judges exactly what the replicas publish.
/// </summary>
public sealed record ClusterStatus
{
    /// <summary>
    /// How far a member's or the leader's renewTime may lag our clock before it counts as expired. The renewTime was
    /// written by the replica's clock and we compare it with ours (neither is the API server's); clocks of machines in
    /// one cluster differ by a little, and a replica that renews every retryPeriod (2 s) is never close to this.
    /// </summary>
    public static readonly TimeSpan DefaultClockSkewAllowance = TimeSpan.FromSeconds(5);

    public string Namespace { get; init; } = "";

    /// <summary>When this status was read (our clock).</summary>
    public DateTimeOffset ReadAt { get; init; }

    /// <summary>Whether the replicas split namespaces (leader election and the shard map).</summary>
    public bool Sharded { get; init; }

    public LeaderStatus? Leader { get; init; }

    /// <summary>The epoch of the published shard map (null: no map, e.g. sharding off).</summary>
    public long? Epoch { get; init; }

    /// <summary>Every member Lease, live ones first, then by identity.</summary>
    public IReadOnlyList<MemberSummary> Members { get; init; } = [];

    /// <summary>The published shard map, summarised (null: none published).</summary>
    public ShardSummary? Shards { get; init; }

    /// <summary>The recent diagnoses of every member, merged, newest first.</summary>
    public IReadOnlyList<MemberIncident> RecentIncidents { get; init; } = [];

    /// <summary>What needs attention, each a sentence naming the object and what is wrong; empty when healthy.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    public bool Healthy => Problems.Count == 0;

    public string ToJson() => JsonSerializer.Serialize(this, ShardProtocol.Json);

    /// <summary>Reads the member Leases, the leader Lease and the shard map in <paramref name="operatorNamespace"/>.</summary>
    public static async Task<ClusterStatus> ReadAsync(KubernetesClient client, string operatorNamespace, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        var leases = client.Resource<Lease>();
        var members = await leases.ListAsync(operatorNamespace, new ListOptions { LabelSelector = ShardProtocol.MemberLabel }, cancellationToken);
        var leader = await leases.TryGetAsync(ShardProtocol.LeaderLease, operatorNamespace, cancellationToken);
        var shards = await client.Resource<ConfigMap>().TryGetAsync(ShardProtocol.ShardMapName, operatorNamespace, cancellationToken);
        return From(operatorNamespace, members.Items, leader, shards, time.GetUtcNow());
    }

    /// <summary>The status the objects describe at <paramref name="now"/>.</summary>
    public static ClusterStatus From(string operatorNamespace, IEnumerable<Lease> memberLeases, Lease? leaderLease, ConfigMap? shardMap, DateTimeOffset now,
        TimeSpan? clockSkewAllowance = null)
    {
        ArgumentNullException.ThrowIfNull(memberLeases);
        var skew = clockSkewAllowance ?? DefaultClockSkewAllowance;
        var mapText = shardMap?.Data is { } data && data.TryGetValue(ShardProtocol.ShardMapKey, out var text) ? text : null;
        var map = ShardMap.Parse(mapText);
        var members = memberLeases.Select(l => Member(l, map, now, skew))
            .OrderByDescending(m => m.Live).ThenBy(m => m.Identity, StringComparer.Ordinal)
            .ToList();
        var live = members.Where(m => m.Live).ToList();

        // The replicas say whether they shard; when no live one says, the leader Lease or the map (written only with
        // sharding on) are the evidence it is on.
        var reporting = live.Where(m => m.StatusPublished).ToList();
        var sharded = reporting.Count > 0 ? reporting.Any(m => m.Sharded) : leaderLease is not null || shardMap is not null;
        var leader = sharded ? LeaderFromLease(leaderLease, now, skew) : LeaderFromMembers(live);
        if (sharded)
        {
            // The Lease decides who leads; a member's own claim may be one renewal old.
            members = members.Select(m => m with { Leader = leader is { Live: true } l && l.Identity == m.Identity }).ToList();
        }
        var shards = map is null ? null : Summarise(map, members);
        var incidents = members
            .SelectMany(m => m.RecentIncidents.Select(i => new MemberIncident(i.At, m.Identity, i.Resource, i.Category, i.Severity, i.Summary)))
            .OrderByDescending(i => i.At)
            .ToList();

        var status = new ClusterStatus
        {
            Namespace = operatorNamespace,
            ReadAt = now,
            Sharded = sharded,
            Leader = leader,
            Epoch = map?.Epoch,
            Members = members,
            Shards = shards,
            RecentIncidents = incidents,
        };
        return status with { Problems = Judge(status, leaderLease, shardMap is not null && map is null) };
    }

    private static MemberSummary Member(Lease lease, ShardMap? map, DateTimeOffset now, TimeSpan skew)
    {
        var name = lease.Metadata?.Name ?? "";
        var published = MemberStatus.Parse(lease.Metadata?.Annotation(ShardProtocol.StatusAnnotation));
        var identity = published?.Identity is { Length: > 0 } id ? id
            : lease.Spec?.HolderIdentity is { Length: > 0 } holder ? holder
            : name.StartsWith(ShardProtocol.MemberLeasePrefix, StringComparison.Ordinal) ? name[ShardProtocol.MemberLeasePrefix.Length..] : name;
        var expires = Expiry(lease);
        long? applied = long.TryParse(lease.Metadata?.Annotation(ShardProtocol.AppliedEpochAnnotation), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch) ? epoch : null;
        return new MemberSummary
        {
            Identity = identity,
            Lease = name,
            Live = expires is { } e && e + skew > now,
            RenewedAt = lease.Spec?.RenewTime?.Value,
            ExpiresAt = expires,
            StatusPublished = published is not null,
            Version = published?.Version,
            StartedAt = published?.StartedAt,
            Sharded = published?.Sharded ?? false,
            Leader = published?.Leader ?? false,
            Namespaces = published?.Namespaces,
            NamespacesAssigned = map?.NamespacesOf(identity).Count(),
            EpochRunning = published?.Epoch,
            EpochApplied = applied,
            Unsynced = published?.Unsynced ?? [],
            WorkQueue = published?.WorkQueue,
            DiagnosesInFlight = published?.DiagnosesInFlight,
            SinkQueue = published?.SinkQueues.Values.Sum(),
            IncidentsOpen = published?.IncidentsOpen,
            RecentIncidents = published?.RecentIncidents ?? [],
        };
    }

    private static DateTimeOffset? Expiry(Lease? lease) =>
        lease?.Spec is { RenewTime: { } renewed, LeaseDurationSeconds: { } seconds } ? renewed.Value.AddSeconds(seconds) : null;

    private static LeaderStatus? LeaderFromLease(Lease? lease, DateTimeOffset now, TimeSpan skew)
    {
        if (lease?.Spec is not { HolderIdentity: { Length: > 0 } holder } spec) return null;
        var expires = Expiry(lease);
        return new LeaderStatus
        {
            Identity = holder,
            Since = spec.AcquireTime?.Value,
            RenewedAt = spec.RenewTime?.Value,
            ExpiresAt = expires,
            Live = expires is { } e && e + skew > now,
            Transitions = spec.LeaseTransitions,
        };
    }

    /// <summary>With sharding off there is no leader Lease: each replica does the cluster-scoped work itself.</summary>
    private static LeaderStatus? LeaderFromMembers(IReadOnlyList<MemberSummary> live) =>
        live.Count == 1 && live[0] is var only
            ? new LeaderStatus { Identity = only.Identity, Since = only.StartedAt, RenewedAt = only.RenewedAt, ExpiresAt = only.ExpiresAt, Live = true }
            : null;

    private static ShardSummary Summarise(ShardMap map, IReadOnlyList<MemberSummary> members)
    {
        var live = members.Where(m => m.Live).Select(m => m.Identity).ToHashSet(StringComparer.Ordinal);
        var owners = map.Namespaces.Values.Concat(map.Pending.Values).Concat(map.Members).Distinct(StringComparer.Ordinal);
        return new ShardSummary
        {
            Epoch = map.Epoch,
            Leader = map.Leader,
            UpdatedAt = map.UpdatedAt,
            NamespacesAssigned = map.Namespaces.Count,
            PerMember = map.Namespaces.GroupBy(p => p.Value, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            Pending = map.Pending.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new PendingHandover(p.Key, p.Value)).ToList(),
            MembersNotLive = owners.Where(o => !live.Contains(o)).Order(StringComparer.Ordinal).ToList(),
            // A replica that still runs an older map is the one holding a pending namespace (it has not let go yet).
            MembersBehind = members.Where(m => m.Live && (m.EpochApplied ?? m.EpochRunning ?? 0) < map.Epoch)
                .Select(m => m.Identity).ToList(),
        };
    }

    private static List<string> Judge(ClusterStatus status, Lease? leaderLease, bool unreadableMap)
    {
        var problems = new List<string>();
        var ns = status.Namespace;
        var live = status.Members.Where(m => m.Live).ToList();
        if (live.Count == 0)
        {
            problems.Add(status.Members.Count == 0
                ? $"no Vigil replica is running: there is no member Lease in namespace {ns} (kubectl -n {ns} get pods)"
                : $"no Vigil replica is live: none of the {status.Members.Count} member Leases in namespace {ns} was renewed within its duration (kubectl -n {ns} get pods)");
        }

        if (status.Sharded)
        {
            if (leaderLease is null || status.Leader is null)
                problems.Add($"sharding is on but no replica holds the leader Lease {ns}/{ShardProtocol.LeaderLease}: cluster-scoped detectors are not running and the shard map is not maintained");
            else if (!status.Leader.Live)
                problems.Add($"the leader Lease {ns}/{ShardProtocol.LeaderLease} held by {status.Leader.Identity} expired {Ago(status.ReadAt, status.Leader.ExpiresAt)}: no replica is leading");
            if (unreadableMap)
                problems.Add($"the ConfigMap {ns}/{ShardProtocol.ShardMapName} has no readable shard map under \"{ShardProtocol.ShardMapKey}\"; replicas keep their last good one");
            else if (status.Shards is null && live.Count > 0)
                problems.Add($"sharding is on but no shard map is published ({ns}/{ShardProtocol.ShardMapName}): replicas watch nothing until the leader publishes one");
        }
        else if (live.Count > 1)
        {
            problems.Add($"{live.Count} replicas are live with sharding off: each watches every namespace and delivers every diagnosis (enable operator.sharding or run one replica)");
        }

        foreach (var member in live)
        {
            if (!member.StatusPublished)
                problems.Add($"member {member.Identity} publishes no readable status (annotation {ShardProtocol.StatusAnnotation} on Lease {member.Lease})");
            else if (member.Unsynced.Count > 0)
                problems.Add($"member {member.Identity} has not synced: the informers for {string.Join(", ", member.Unsynced)} have not listed (it cannot see those objects yet)");
        }

        if (status.Shards is { } shards)
        {
            foreach (var handover in shards.Pending)
                problems.Add($"namespace {handover.Namespace} is waiting to move to {handover.To}: its previous owner has not confirmed it stopped watching ({Behind(shards)})");
            foreach (var gone in shards.MembersNotLive)
            {
                var owned = shards.PerMember.GetValueOrDefault(gone);
                problems.Add(owned > 0
                    ? $"member {gone} owns {owned} namespace{(owned == 1 ? "" : "s")} in shard map epoch {shards.Epoch} but is not live: nobody watches them until the leader rebalances"
                    : $"member {gone} is in shard map epoch {shards.Epoch} but is not live");
            }
        }

        return problems;
    }

    private static string Behind(ShardSummary shards) => shards.MembersBehind.Count == 0
        ? $"every live member has applied epoch {shards.Epoch}; the leader has yet to move it"
        : $"{string.Join(", ", shards.MembersBehind)} has not applied epoch {shards.Epoch}";

    private static string Ago(DateTimeOffset now, DateTimeOffset? at) => at is { } t
        ? $"{Duration(now - t)} ago ({t.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture)})"
        : "(no renewTime)";

    /// <summary>A span as people read it: <c>42s</c>, <c>5m12s</c>, <c>3h4m</c>, <c>2d1h</c>.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero; // the replica's clock is a little ahead of ours
        return span.TotalDays >= 1 ? $"{(int)span.TotalDays}d{span.Hours}h"
            : span.TotalHours >= 1 ? $"{(int)span.TotalHours}h{span.Minutes}m"
            : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m{span.Seconds}s"
            : $"{(int)span.TotalSeconds}s";
    }
}

/// <summary>The replica doing the cluster-scoped work: the holder of the leader Lease, or the only replica with sharding off.</summary>
public sealed record LeaderStatus
{
    public string Identity { get; init; } = "";

    /// <summary>Since when it leads (the Lease's acquireTime; with sharding off, when the replica started).</summary>
    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? RenewedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool Live { get; init; }
    public int? Transitions { get; init; }
}

/// <summary>One replica as its member Lease describes it. Fields its status did not publish are null.</summary>
public sealed record MemberSummary
{
    public string Identity { get; init; } = "";
    public string Lease { get; init; } = "";

    /// <summary>Renewed within its lease duration (allowing for clock skew).</summary>
    public bool Live { get; init; }

    public DateTimeOffset? RenewedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool StatusPublished { get; init; }
    public string? Version { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public bool Sharded { get; init; }
    public bool Leader { get; init; }

    /// <summary>Namespaces the replica says it watches.</summary>
    public int? Namespaces { get; init; }

    /// <summary>Namespaces the published shard map gives it (null: no map).</summary>
    public int? NamespacesAssigned { get; init; }

    /// <summary>The map epoch the replica runs (its status).</summary>
    public long? EpochRunning { get; init; }

    /// <summary>The map epoch the replica has acknowledged (annotation <c>vigil.io/applied-epoch</c>).</summary>
    public long? EpochApplied { get; init; }

    /// <summary>Kinds whose informers have not listed yet.</summary>
    public IReadOnlyList<string> Unsynced { get; init; } = [];

    public int? WorkQueue { get; init; }
    public int? DiagnosesInFlight { get; init; }

    /// <summary>Diagnoses waiting in all its sinks' queues.</summary>
    public int? SinkQueue { get; init; }

    public int? IncidentsOpen { get; init; }

    /// <summary>Kept for merging; <see cref="ClusterStatus.RecentIncidents"/> is the list to read.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<RecentIncident> RecentIncidents { get; init; } = [];
}

/// <summary>The published shard map in numbers.</summary>
public sealed record ShardSummary
{
    public long Epoch { get; init; }
    public string Leader { get; init; } = "";
    public DateTimeOffset UpdatedAt { get; init; }
    public int NamespacesAssigned { get; init; }

    /// <summary>Member → namespaces it owns.</summary>
    public IReadOnlyDictionary<string, int> PerMember { get; init; } = new Dictionary<string, int>();

    public IReadOnlyList<PendingHandover> Pending { get; init; } = [];

    /// <summary>Members the map names (as owner, hand-over target or member) whose Lease is not live.</summary>
    public IReadOnlyList<string> MembersNotLive { get; init; } = [];

    /// <summary>Live members that have not applied the map's epoch.</summary>
    public IReadOnlyList<string> MembersBehind { get; init; } = [];
}

/// <summary>A namespace on its way to <see cref="To"/>, waiting for its previous owner to let go.</summary>
public sealed record PendingHandover(string Namespace, string To);

/// <summary>A recent diagnosis and the member that made it.</summary>
public sealed record MemberIncident(DateTimeOffset At, string Member, string Resource, string Category, string Severity, string Summary);
