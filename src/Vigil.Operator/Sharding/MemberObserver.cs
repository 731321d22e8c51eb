using Vigil.Kubernetes;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Sharding;

/// <summary>
/// Every replica's view of its peers' member Leases. A member counts as live while its Lease keeps changing: like client-go's
/// leader election, expiry is measured on this replica's clock from when it last saw the Lease change, never by comparing
/// the writer's clock with ours. Every replica observes from its start, not only the leader, so a new leader already knows
/// how fresh each member is: a member that died with the old leader is given up one lease duration after its last renewal,
/// not one lease duration after the new leader took over.
/// </summary>
internal sealed class MemberObserver : IAsyncDisposable
{
    private readonly SharedInformer<Lease> _leases;
    private readonly TimeProvider _time;
    private readonly TimeSpan _defaultDuration;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string Version, long SeenAt)> _seen = new(StringComparer.Ordinal);

    public MemberObserver(KubernetesClient client, string @namespace, TimeSpan defaultDuration, TimeProvider time)
    {
        _time = time;
        _defaultDuration = defaultDuration;
        _leases = new SharedInformer<Lease>(client.Resource<Lease>(), new InformerOptions<Lease> { Namespace = @namespace, LabelSelector = ShardProtocol.MemberLabel });
        _leases.AddEventHandler(onAdd: (l, _) => See(l), onUpdate: (_, l) => See(l), onDelete: (l, _) => Forget(l));
    }

    /// <summary>Raised on any change of a member Lease.</summary>
    public event Action? Changed;

    public IReadOnlyList<Lease> Leases => _leases.Indexer.List();

    public void Start() => _leases.Start();

    public Task<bool> WaitForSyncAsync(CancellationToken cancellationToken) => _leases.WaitForSyncAsync(cancellationToken);

    public static string Identity(Lease lease) => lease.Spec?.HolderIdentity ?? lease.Metadata.Name![ShardProtocol.MemberLeasePrefix.Length..];

    public static long AppliedEpoch(Lease lease) =>
        lease.Metadata.Annotations?.TryGetValue(ShardProtocol.AppliedEpochAnnotation, out var text) == true && long.TryParse(text, out var epoch) ? epoch : 0;

    /// <summary>Identities of the members whose Lease changed within its duration.</summary>
    public HashSet<string> Live()
    {
        var now = _time.GetTimestamp();
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lease in _leases.Indexer.List())
        {
            long seenAt;
            lock (_gate)
            {
                // A Lease listed before its change was recorded counts as seen now.
                if (!_seen.TryGetValue(lease.Metadata.Name!, out var seen)) _seen[lease.Metadata.Name!] = seen = (lease.Metadata.ResourceVersion ?? "", now);
                seenAt = seen.SeenAt;
            }
            var duration = lease.Spec?.LeaseDurationSeconds is int s and > 0 ? TimeSpan.FromSeconds(s) : _defaultDuration;
            if (_time.GetElapsedTime(seenAt, now) < duration) live.Add(Identity(lease));
        }
        return live;
    }

    private void See(Lease lease)
    {
        var version = lease.Metadata.ResourceVersion ?? "";
        lock (_gate)
        {
            if (!_seen.TryGetValue(lease.Metadata.Name!, out var seen) || seen.Version != version) _seen[lease.Metadata.Name!] = (version, _time.GetTimestamp());
        }
        Changed?.Invoke();
    }

    private void Forget(Lease lease)
    {
        lock (_gate) _seen.Remove(lease.Metadata.Name!);
        Changed?.Invoke();
    }

    public ValueTask DisposeAsync() => _leases.DisposeAsync();
}
