using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.LeaderElection;

/// <summary>What a lock stores: who holds it, for how long, since when, and how many times it changed hands.</summary>
public sealed record LeaderElectionRecord(
    string HolderIdentity,
    int LeaseDurationSeconds,
    MicroTime? AcquireTime,
    MicroTime? RenewTime,
    int LeaderTransitions);

/// <summary>A resource lock (client-go <c>resourcelock.Interface</c>).</summary>
public interface ILeaderElectionLock
{
    /// <summary>Names the lock in logs: <c>kube-system/vigil-controller</c>.</summary>
    string Description { get; }

    /// <summary>The current record and an opaque version for conditional updates; null when the lock does not exist.</summary>
    Task<(LeaderElectionRecord Record, string Version)?> GetAsync(CancellationToken cancellationToken);

    /// <summary>Creates the lock; throws <see cref="Http.AlreadyExistsException"/> if someone was faster.</summary>
    Task<string> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken);

    /// <summary>Replaces the record if the lock is still at <paramref name="version"/>; throws <see cref="Http.ConflictException"/> otherwise.</summary>
    Task<string> UpdateAsync(LeaderElectionRecord record, string version, CancellationToken cancellationToken);
}
