namespace Vigil.Operator.Sharding;

/// <summary>How replicas split the cluster (<c>operator.sharding</c>; docs/operations.md, "Sharding").</summary>
public sealed class ShardingOptions
{
    /// <summary>Split namespaces across replicas, with a leader for cluster-scoped work. Off: one replica watches everything.</summary>
    public bool Enabled { get; set; }

    /// <summary>How long a leader or member Lease stays valid without renewal: a crashed replica's namespaces move after this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps retrying a renewal before it steps down (must be less than the lease duration).</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often Leases are renewed and candidates retry; also how often the leader re-checks the assignments.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Namespaces never assigned to anyone (exact names or globs: the filters' excludeNamespaces).</summary>
    public IReadOnlyList<string> ExcludedNamespaces { get; set; } = [];
}
