using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Operator.Sharding;

/// <summary>
/// The names, labels and annotations replicas coordinate through, all in the operator's namespace
/// (<c>operator.namespace</c>). Everything a replica knows about the others it reads from these objects, so
/// <c>vigil status</c> and <c>kubectl</c> see exactly what the replicas see.
/// <list type="bullet">
/// <item>Every running replica renews its own member Lease (<see cref="MemberLeasePrefix"/> + identity, labelled
/// <see cref="MemberLabel"/>) and publishes its <see cref="MemberStatus"/> in the <see cref="StatusAnnotation"/>.
/// A replica that stops deletes its Lease; one that dies stops renewing it.</item>
/// <item>With sharding on, replicas elect a leader through the <see cref="LeaderLease"/>. The leader runs the
/// cluster-scoped detectors (nodes, namespaces, storage) and publishes the <see cref="ShardMap"/> in the
/// <see cref="ShardMapName"/> ConfigMap.</item>
/// <item>A replica acknowledges a map by writing its epoch to <see cref="AppliedEpochAnnotation"/> once its informers
/// for released namespaces have stopped and their incidents are recorded; only then may the leader give those
/// namespaces to someone else.</item>
/// </list>
/// </summary>
public static class ShardProtocol
{
    public const string LeaderLease = "vigil-leader";
    public const string MemberLeasePrefix = "vigil-member-";
    public const string ShardMapName = "vigil-shards";
    public const string ShardMapKey = "assignments";

    /// <summary>Label on member Leases: <c>vigil.io/lease=member</c>.</summary>
    public const string MemberLabelKey = "vigil.io/lease";
    public const string MemberLabelValue = "member";
    public const string MemberLabel = MemberLabelKey + "=" + MemberLabelValue;

    public const string StatusAnnotation = "vigil.io/status";
    public const string AppliedEpochAnnotation = "vigil.io/applied-epoch";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string MemberLeaseName(string identity) => MemberLeasePrefix + identity;
}

/// <summary>
/// Which replica watches which namespace (the <c>assignments</c> key of the <c>vigil-shards</c> ConfigMap). A namespace
/// is in exactly one of <see cref="Namespaces"/> (owned by a member) or <see cref="Pending"/> (taken from a live replica
/// that has not yet confirmed it stopped watching; it goes to its new owner as soon as it has).
/// </summary>
public sealed record ShardMap
{
    /// <summary>Raised by one every time the leader publishes a changed map.</summary>
    public long Epoch { get; init; }

    /// <summary>The leader that wrote this map.</summary>
    public string Leader { get; init; } = "";

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Live members when the map was written, sorted.</summary>
    public IReadOnlyList<string> Members { get; init; } = [];

    /// <summary>Namespace → owning member.</summary>
    public IReadOnlyDictionary<string, string> Namespaces { get; init; } = new Dictionary<string, string>();

    /// <summary>Namespace → the member it is moving to, waiting for its previous owner to let go.</summary>
    public IReadOnlyDictionary<string, string> Pending { get; init; } = new Dictionary<string, string>();

    public IEnumerable<string> NamespacesOf(string member) =>
        Namespaces.Where(p => p.Value == member).Select(p => p.Key);

    public string ToJson() => JsonSerializer.Serialize(this, ShardProtocol.Json);

    /// <summary>Null when the text is not a shard map (a hand-edited ConfigMap): the replica keeps its last good map.</summary>
    public static ShardMap? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            return JsonSerializer.Deserialize<ShardMap>(json, ShardProtocol.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>What a replica publishes about itself every renewal (the <c>vigil.io/status</c> annotation of its member Lease).</summary>
public sealed record MemberStatus
{
    public string Identity { get; init; } = "";
    public string Version { get; init; } = "";
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Whether sharding is on (off: this replica watches every namespace).</summary>
    public bool Sharded { get; init; }

    /// <summary>Whether this replica holds the leader Lease (always true with sharding off: it does the cluster-scoped work itself).</summary>
    public bool Leader { get; init; }

    /// <summary>The shard map epoch this replica runs (0 with sharding off).</summary>
    public long Epoch { get; init; }

    /// <summary>Namespaces this replica watches (with sharding off: every namespace it has seen).</summary>
    public int Namespaces { get; init; }

    /// <summary>Kinds whose informers have not listed yet (empty when synced).</summary>
    public IReadOnlyList<string> Unsynced { get; init; } = [];

    public int WorkQueue { get; init; }
    public int DiagnosesInFlight { get; init; }
    public IReadOnlyDictionary<string, int> SinkQueues { get; init; } = new Dictionary<string, int>();
    public int IncidentsOpen { get; init; }

    /// <summary>The latest diagnoses this replica made, newest first (at most five).</summary>
    public IReadOnlyList<RecentIncident> RecentIncidents { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, ShardProtocol.Json);

    public static MemberStatus? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            return JsonSerializer.Deserialize<MemberStatus>(json, ShardProtocol.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>One diagnosis as <c>vigil status</c> lists it.</summary>
public sealed record RecentIncident(DateTimeOffset At, string Resource, string Category, string Severity, string Summary);
