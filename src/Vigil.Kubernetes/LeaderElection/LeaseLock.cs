using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.LeaderElection;

/// <summary>A lock on a <c>coordination.k8s.io/v1</c> Lease. Updates are conditional on the Lease's resourceVersion.</summary>
public sealed class LeaseLock(ResourceClient<Lease> leases, string @namespace, string name) : ILeaderElectionLock
{
    private Lease? _last;

    public LeaseLock(KubernetesClient client, string @namespace, string name)
        : this((client ?? throw new ArgumentNullException(nameof(client))).Resource<Lease>(), @namespace, name)
    {
    }

    public string Description => $"{@namespace}/{name}";

    public async Task<(LeaderElectionRecord Record, string Version)?> GetAsync(CancellationToken cancellationToken)
    {
        var lease = await leases.TryGetAsync(name, @namespace, cancellationToken);
        if (lease is null)
        {
            return null;
        }

        _last = lease;
        return (ToRecord(lease.Spec), lease.Metadata.ResourceVersion ?? string.Empty);
    }

    public async Task<string> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var created = await leases.CreateAsync(
            new Lease { Metadata = new ObjectMeta { Name = name, Namespace = @namespace }, Spec = ToSpec(record, null) },
            cancellationToken: cancellationToken);
        _last = created;
        return created.Metadata.ResourceVersion ?? string.Empty;
    }

    public async Task<string> UpdateAsync(LeaderElectionRecord record, string version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);

        // Keep every field of the Lease we read (labels, owner references, fields unknown to the model).
        var lease = _last ?? new Lease { Metadata = new ObjectMeta { Name = name, Namespace = @namespace } };
        var update = new Lease
        {
            ApiVersion = lease.ApiVersion,
            Kind = lease.Kind,
            Metadata = lease.Metadata,
            ExtensionData = lease.ExtensionData,
            Spec = ToSpec(record, lease.Spec),
        };
        update.Metadata.ResourceVersion = version;
        var updated = await leases.UpdateAsync(update, cancellationToken: cancellationToken);
        _last = updated;
        return updated.Metadata.ResourceVersion ?? string.Empty;
    }

    private static LeaderElectionRecord ToRecord(LeaseSpec? spec) => new(
        spec?.HolderIdentity ?? string.Empty,
        spec?.LeaseDurationSeconds ?? 0,
        spec?.AcquireTime,
        spec?.RenewTime,
        spec?.LeaseTransitions ?? 0);

    private static LeaseSpec ToSpec(LeaderElectionRecord record, LeaseSpec? previous) => new()
    {
        ExtensionData = previous?.ExtensionData,
        HolderIdentity = record.HolderIdentity,
        LeaseDurationSeconds = record.LeaseDurationSeconds,
        AcquireTime = record.AcquireTime,
        RenewTime = record.RenewTime,
        LeaseTransitions = record.LeaderTransitions,
    };
}
