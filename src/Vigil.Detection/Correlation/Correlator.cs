namespace Vigil.Detection.Correlation;

/// <summary>
/// Groups signals into incidents. Each signal is held for up to the window so related signals can join it; then the rules
/// run, in order, over everything held: NodeCascade (a node's signal with signals of pods on it), StorageCascade (a PVC's
/// signal with signals of pods mounting it), Owner (signals of the pods and the workload of one owner), NamespaceStorm
/// (many leftover signals in one namespace; a Warning-event storm joins the incident of its namespace that explains it);
/// a workload's signal joins the node or claim cascade that holds its pods' signals; what is left becomes one incident per resource. A signal that belongs to an
/// open incident (same primary resource: the incident's fingerprint) updates it instead of opening another. An incident resolves when all its signals clear.
/// Thread-safe; time comes from the injected clock.
/// </summary>
public sealed class Correlator
{
    private readonly CorrelationOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<(Signal Signal, DateTimeOffset Due)> _held = [];
    private readonly Dictionary<string, OpenIncident> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _incidentBySignal = new(StringComparer.Ordinal);
    // The open incidents on nodes and claims, which pod signals may join. Every flush looks them up, so they are kept
    // apart from the others: scanning all open incidents made each signal cost O(open incidents).
    private readonly Dictionary<string, OpenIncident> _openNodesAndClaims = new(StringComparer.Ordinal);

    private sealed class OpenIncident(Incident incident)
    {
        public Incident Incident { get; set; } = incident;
        public HashSet<string> ActiveSignals { get; } = new(StringComparer.Ordinal);
    }

    public Correlator(CorrelationOptions options, TimeProvider time)
    {
        options.Validate();
        _options = options;
        _time = time;
    }

    /// <summary>Signals waiting for their window.</summary>
    public int Held
    {
        get
        {
            lock (_gate) return _held.Count;
        }
    }

    public int OpenIncidents
    {
        get
        {
            lock (_gate) return _open.Count;
        }
    }

    /// <summary>Accepts a signal; with a zero window its incident change is returned at once.</summary>
    public IReadOnlyList<IncidentChange> Add(Signal signal)
    {
        lock (_gate)
        {
            _held.Add((signal, _time.GetUtcNow() + _options.Window));
            return _options.Window == TimeSpan.Zero ? FlushLocked(force: true) : [];
        }
    }

    /// <summary>Groups the signals whose window has passed (all of them when <paramref name="force"/>), with any held signals related to them.</summary>
    public IReadOnlyList<IncidentChange> Flush(bool force = false)
    {
        lock (_gate) return FlushLocked(force);
    }

    /// <summary>A condition a detector reported has cleared: its incident resolves once none of its signals hold.</summary>
    public IReadOnlyList<IncidentChange> Clear(string signalFingerprint)
    {
        lock (_gate)
        {
            _held.RemoveAll(h => h.Signal.Fingerprint == signalFingerprint);
            if (!_incidentBySignal.Remove(signalFingerprint, out var incidentKey) || !_open.TryGetValue(incidentKey, out var open)) return [];
            open.ActiveSignals.Remove(signalFingerprint);
            if (open.ActiveSignals.Count > 0) return [];
            _open.Remove(incidentKey);
            _openNodesAndClaims.Remove(incidentKey);
            var resolved = open.Incident with { State = IncidentState.Resolved, LastSeen = _time.GetUtcNow() };
            return [new IncidentChange(IncidentChangeKind.Resolved, resolved)];
        }
    }

    /// <summary>
    /// Forgets, without resolving anything, the held signals and open incidents of resources another replica now watches
    /// (a shard hand-over): the incidents are not over, they are someone else's. Returns how many incidents were let go.
    /// </summary>
    public int Release(Func<ResourceRef, bool> released)
    {
        lock (_gate)
        {
            _held.RemoveAll(h => released(h.Signal.Resource));
            var gone = _open.Where(o => released(o.Value.Incident.PrimaryResource)).Select(o => o.Key).ToList();
            foreach (var key in gone)
            {
                foreach (var signal in _open[key].ActiveSignals) _incidentBySignal.Remove(signal);
                _open.Remove(key);
                _openNodesAndClaims.Remove(key);
            }
            return gone.Count;
        }
    }

    private List<IncidentChange> FlushLocked(bool force)
    {
        var now = _time.GetUtcNow();
        if (_held.Count == 0 || (!force && _held.All(h => h.Due > now))) return [];
        var pending = _held.Select(h => h.Signal).ToList();
        var due = new HashSet<string>(_held.Where(h => force || h.Due <= now).Select(h => h.Signal.Id), StringComparer.Ordinal);
        var groups = GroupSignals(pending);
        var changes = new List<IncidentChange>();
        var emitted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            // A group waits until one of its signals is due, so late companions can still join it.
            if (!group.Signals.Any(s => due.Contains(s.Id))) continue;
            foreach (var s in group.Signals) emitted.Add(s.Id);
            changes.Add(Merge(group, now));
        }
        _held.RemoveAll(h => emitted.Contains(h.Signal.Id));
        return changes;
    }

    private sealed record Group(string? Rule, ResourceRef Primary, List<Signal> Signals);

    private List<Group> GroupSignals(List<Signal> signals)
    {
        var left = new List<Signal>(signals);
        var groups = new List<Group>();

        if (_options.NodeCascade)
        {
            foreach (var node in left.Where(s => s.Resource.Kind == "Node").GroupBy(s => s.Resource.Name).ToList())
            {
                var pods = left.Where(s => s.Resource.Kind == "Pod" && s.Attributes.GetValueOrDefault(Signal.Attribute.Node) == node.Key).ToList();
                var rule = pods.Count >= _options.NodeCascadeMinPodSignals ? "NodeCascade" : null;
                groups.Add(new Group(rule, node.First().Resource, [.. node, .. pods]));
                left.RemoveAll(s => node.Contains(s) || pods.Contains(s));
            }
            // Pod signals on a node that already has an open incident join it, and make it a cascade.
            foreach (var open in _openNodesAndClaims.Values.Where(o => o.Incident.PrimaryResource.Kind == "Node").ToList())
            {
                var pods = left.Where(s => s.Resource.Kind == "Pod" && s.Attributes.GetValueOrDefault(Signal.Attribute.Node) == open.Incident.PrimaryResource.Name).ToList();
                if (pods.Count == 0) continue;
                groups.Add(new Group("NodeCascade", open.Incident.PrimaryResource, pods));
                left.RemoveAll(pods.Contains);
            }
        }

        if (_options.StorageCascade)
        {
            foreach (var pvc in left.Where(s => s.Resource.Kind == "PersistentVolumeClaim").GroupBy(s => s.Resource.Key).ToList())
            {
                var claim = pvc.First().Resource;
                var pods = PodsMounting(left, claim);
                groups.Add(new Group(pods.Count > 0 ? "StorageCascade" : null, claim, [.. pvc, .. pods]));
                left.RemoveAll(s => pvc.Contains(s) || pods.Contains(s));
            }
            foreach (var open in _openNodesAndClaims.Values.Where(o => o.Incident.PrimaryResource.Kind == "PersistentVolumeClaim").ToList())
            {
                var pods = PodsMounting(left, open.Incident.PrimaryResource);
                if (pods.Count == 0) continue;
                groups.Add(new Group("StorageCascade", open.Incident.PrimaryResource, pods));
                left.RemoveAll(pods.Contains);
            }
        }

        if (_options.NodeCascade || _options.StorageCascade) JoinWorkloadsToCascades(left, groups);

        if (_options.Owner)
        {
            foreach (var owned in left.Where(s => OwnerOf(s) is not null).GroupBy(s => OwnerOf(s)!.Key).ToList())
            {
                var owner = OwnerOf(owned.First())!;
                groups.Add(new Group("Owner", owner, [.. owned]));
                left.RemoveAll(owned.Contains);
            }
        }

        if (_options.NamespaceStorm)
        {
            foreach (var storm in left.Where(s => s.Resource.Namespace is not null).GroupBy(s => s.Resource.Namespace!).Where(g => g.Count() > _options.NamespaceStormThreshold).ToList())
            {
                groups.Add(new Group("NamespaceStorm", new ResourceRef("Namespace", null, storm.Key), [.. storm]));
                left.RemoveAll(storm.Contains);
            }
        }

        if (_options.NamespaceStorm) JoinStormsToTheirNamespace(left, groups);

        foreach (var single in left.GroupBy(s => s.Resource.Key))
            groups.Add(new Group(null, single.First().Resource, [.. single]));
        return groups;
    }

    /// <summary>
    /// A workload short of replicas because its pods sit on a failed node or wait for a stuck claim is the same incident as
    /// that node or claim: its signal joins the cascade (held now, or open) that holds signals of its pods.
    /// </summary>
    private void JoinWorkloadsToCascades(List<Signal> left, List<Group> groups)
    {
        foreach (var workload in left.Where(s => s.Resource.Kind is "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet").ToList())
        {
            bool OwnsPodIn(IEnumerable<Signal> signals) => signals.Any(p => p.Resource.Kind == "Pod" && p.Resource.Namespace == workload.Resource.Namespace
                && p.Attributes.GetValueOrDefault(Signal.Attribute.OwnerKind) == workload.Resource.Kind
                && p.Attributes.GetValueOrDefault(Signal.Attribute.OwnerName) == workload.Resource.Name);
            if (groups.FirstOrDefault(g => g.Rule is "NodeCascade" or "StorageCascade" && OwnsPodIn(g.Signals)) is { } held)
            {
                held.Signals.Add(workload);
                left.Remove(workload);
                continue;
            }
            if (_open.Values.FirstOrDefault(o => o.Incident.CorrelationRule is "NodeCascade" or "StorageCascade" && OwnsPodIn(o.Incident.Signals)) is { } open)
            {
                groups.Add(new Group(open.Incident.CorrelationRule, open.Incident.PrimaryResource, [workload]));
                left.Remove(workload);
            }
        }
    }

    /// <summary>
    /// A storm of Warning events in a namespace where other signals already explain what is failing is a consequence,
    /// not another incident: it joins the largest incident of that namespace (held now, or open). Alone, it stands alone.
    /// </summary>
    private void JoinStormsToTheirNamespace(List<Signal> left, List<Group> groups)
    {
        foreach (var storm in left.Where(s => s.Reason == "WarningEventStorm" && s.Resource.Kind == "Namespace").ToList())
        {
            var ns = storm.Resource.Name;
            bool In(ResourceRef r) => r.Namespace == ns || r is { Kind: "Namespace" } && r.Name == ns;
            var others = left.Where(s => s != storm && In(s.Resource)).ToList();
            if (groups.Where(g => In(g.Primary)).MaxBy(g => g.Signals.Count) is { } held)
            {
                held.Signals.Add(storm);
                left.Remove(storm);
                continue;
            }
            if (_open.Values.Where(o => In(o.Incident.PrimaryResource)).MaxBy(o => o.Incident.Signals.Count) is { } open)
            {
                groups.Add(new Group(open.Incident.CorrelationRule, open.Incident.PrimaryResource, [storm]));
                left.Remove(storm);
                continue;
            }
            if (others.Count > 0)
            {
                var companion = others[0].Resource;
                var signals = left.Where(s => s.Resource.Key == companion.Key).Append(storm).ToList();
                groups.Add(new Group(null, companion, signals));
                left.RemoveAll(signals.Contains);
            }
        }
    }

    /// <summary>The workload a signal is really about: the owner named by the detector, or the resource itself when it is a workload.</summary>
    private static ResourceRef? OwnerOf(Signal s)
    {
        if (s.Attributes.TryGetValue(Signal.Attribute.OwnerKind, out var kind) && s.Attributes.TryGetValue(Signal.Attribute.OwnerName, out var name))
            return new ResourceRef(kind, s.Resource.Namespace, name);
        return s.Resource.Kind is "Deployment" or "StatefulSet" or "DaemonSet" or "Job" or "CronJob" or "ReplicaSet" ? s.Resource with { Uid = null, ApiVersion = null } : null;
    }

    private static List<Signal> PodsMounting(List<Signal> signals, ResourceRef claim) =>
        signals.Where(s => s.Resource.Kind == "Pod" && s.Resource.Namespace == claim.Namespace && ClaimNames(s).Contains(claim.Name)).ToList();

    private static string[] ClaimNames(Signal s) =>
        s.Attributes.TryGetValue(Signal.Attribute.PersistentVolumeClaims, out var claims) ? claims.Split(',', StringSplitOptions.RemoveEmptyEntries) : [];

    /// <summary>One open incident per primary resource: its fingerprint.</summary>
    private static string Key(ResourceRef primary) => primary.Key;

    private IncidentChange Merge(Group group, DateTimeOffset now)
    {
        var key = Key(group.Primary);
        if (_open.TryGetValue(key, out var open))
        {
            var signals = open.Incident.Signals.Concat(group.Signals).GroupBy(s => s.Fingerprint).Select(g => g.Last()).ToList();
            open.Incident = open.Incident with
            {
                Signals = signals,
                CorrelationRule = group.Rule ?? open.Incident.CorrelationRule,
                LastSeen = now,
                Occurrences = open.Incident.Occurrences + group.Signals.Count,
            };
            Track(open, group.Signals, key);
            return new IncidentChange(IncidentChangeKind.Updated, open.Incident);
        }
        var incident = new Incident
        {
            Id = Guid.NewGuid().ToString("N")[..12],
            Fingerprint = key,
            CorrelationRule = group.Rule,
            PrimaryResource = group.Primary,
            Signals = group.Signals.GroupBy(s => s.Fingerprint).Select(g => g.Last()).ToList(),
            FirstSeen = group.Signals.Min(s => s.ObservedAt),
            LastSeen = now,
            Occurrences = group.Signals.Count,
        };
        var created = new OpenIncident(incident);
        _open[key] = created;
        if (group.Primary.Kind is "Node" or "PersistentVolumeClaim") _openNodesAndClaims[key] = created;
        Track(created, group.Signals, key);
        return new IncidentChange(IncidentChangeKind.Opened, incident);
    }

    private void Track(OpenIncident open, IEnumerable<Signal> signals, string key)
    {
        foreach (var s in signals)
        {
            open.ActiveSignals.Add(s.Fingerprint);
            _incidentBySignal[s.Fingerprint] = key;
        }
    }
}
