namespace Vigil.Kubernetes.LeaderElection;

/// <summary>
/// Leader election settings, with client-go's defaults (15 s / 10 s / 2 s) and validation:
/// LeaseDuration &gt; RenewDeadline &gt; 1.2 × RetryPeriod.
/// </summary>
public sealed record LeaderElectionConfig
{
    public const double JitterFactor = 1.2;

    public required ILeaderElectionLock Lock { get; init; }

    /// <summary>This candidate's identity (usually the pod name plus a random suffix).</summary>
    public required string Identity { get; init; }

    /// <summary>How long others wait, from the last change they observed, before taking over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps retrying a renewal before it gives up leadership.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often candidates try to acquire and the leader renews.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On cancellation the leader writes an empty holder with a 1 s lease so others take over at once.</summary>
    public bool ReleaseOnCancel { get; init; }

    /// <summary>Called when this candidate becomes leader; the token is cancelled when leadership ends.</summary>
    public Func<CancellationToken, Task>? OnStartedLeading { get; init; }

    /// <summary>Called when this candidate stops leading (lost the lease, or stopped).</summary>
    public Action? OnStoppedLeading { get; init; }

    /// <summary>Called when a different holder is observed (including this candidate).</summary>
    public Action<string>? OnNewLeader { get; init; }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Identity))
        {
            throw new ArgumentException("Leader election needs an identity.", nameof(Identity));
        }

        if (LeaseDuration <= RenewDeadline)
        {
            throw new ArgumentException($"LeaseDuration ({LeaseDuration}) must be greater than RenewDeadline ({RenewDeadline}).", nameof(LeaseDuration));
        }

        if (RenewDeadline <= RetryPeriod * JitterFactor)
        {
            throw new ArgumentException($"RenewDeadline ({RenewDeadline}) must be greater than {JitterFactor} × RetryPeriod ({RetryPeriod}).", nameof(RenewDeadline));
        }

        if (RetryPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException("RetryPeriod must be positive.", nameof(RetryPeriod));
        }

        if (LeaseDuration.TotalSeconds < 1)
        {
            throw new ArgumentException("LeaseDuration must be at least one second (it is stored in whole seconds).", nameof(LeaseDuration));
        }
    }
}
