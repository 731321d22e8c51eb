using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Vigil.Detection;
using Vigil.Detection.Correlation;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;
using Vigil.Operator.Sharding;

namespace Vigil.Operator.Pipeline;

/// <summary>
/// Watching only assigned namespaces (<see cref="WatchScope.Assigned"/>), for sharding. Namespaced kinds get one informer
/// per assigned namespace; a hand-over stops a namespace's informers and lets go of its state without resolving anything
/// (its incidents are not over, they are another replica's now), and taking a namespace reads what its previous owner
/// recorded in the <see cref="IncidentLedger"/>, so a fault it already reported is counted as a duplicate instead of being
/// delivered again. Cluster-scoped kinds are cached everywhere (evidence needs nodes) but detected only by the leader.
/// </summary>
public sealed partial class DiagnosisPipeline
{
    private readonly List<INamespaceScoped> _scoped = [];
    private readonly ConcurrentDictionary<string, byte> _releasing = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _assigning = new(1, 1);
    private volatile HashSet<string> _assigned = new(StringComparer.Ordinal);
    private volatile bool _leadsClusterScope;
    private long _epoch;

    // Worker-thread state (detection and correlation run on one worker): what the previous owners diagnosed, and what this
    // replica has open per ledger key.
    private readonly Dictionary<string, (string Key, DateTimeOffset Expires)> _inherited = new(StringComparer.Ordinal);
    private readonly Lock _ledgerGate = new();
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _openByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _keyEpoch = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (LedgerEntry Entry, DateTimeOffset Until)> _released = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, QuietIncident>> _quietByKey = new(StringComparer.Ordinal);
    private volatile bool _ledgerDirty;
    private readonly SemaphoreSlim _ledgerWrite = new(1, 1);
    private readonly Channel<bool> _ledgerChanged = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    // Incidents opened here and not delivered yet (fingerprint → ledger key), and every open incident's fingerprints (its
    // own and its signals'): an incident enters the ledger when a sink has delivered it, not when it opens.
    private readonly ConcurrentDictionary<string, string> _undelivered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string[]> _incidentFingerprints = new(StringComparer.Ordinal);

    /// <summary>
    /// An incident of this replica's that has resolved, with its fingerprints and until when its detectors' cooldown keeps
    /// its return quiet here; <see cref="Delivered"/> once a sink has delivered it (its delivery may finish after it resolved).
    /// </summary>
    private sealed record QuietIncident(string[] Fingerprints, DateTimeOffset Until, bool Delivered);

    /// <summary>How long giving a namespace up waits for the deliveries of its incidents already diagnosed.</summary>
    private static readonly TimeSpan HandOverDeliveryWait = TimeSpan.FromSeconds(10);

    /// <summary>How long a released namespace's entry stays in this replica's ledger for its next owner to read.</summary>
    private static readonly TimeSpan ReleasedEntryGrace = TimeSpan.FromMinutes(10);

    private bool Assigned => _options.Scope == WatchScope.Assigned;

    /// <summary>Where this replica records what it diagnosed (sharding only; set before <see cref="StartAsync"/>).</summary>
    public IncidentLedger? Ledger { get; set; }

    /// <summary>Whether this replica runs the cluster-scoped detectors (always, unless sharded and not the leader).</summary>
    public bool LeadsClusterScope => !Assigned || _leadsClusterScope;

    /// <summary>How many namespaces this replica watches: those assigned to it, or every namespace in the cache when it watches the whole cluster.</summary>
    public int WatchedNamespaces => Assigned ? _assigned.Count : _view.List<Namespace>().Count();

    /// <summary>The shard map epoch last applied.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>Running informers: one per kind, or with sharding one per assigned namespace and namespaced kind plus the cluster-wide ones.</summary>
    public int InformerCount => _syncs.Count - _scoped.Count + _scoped.Sum(s => s.NamespaceCount);

    private interface INamespaceScoped
    {
        int NamespaceCount { get; }
        Task SetNamespacesAsync(IReadOnlyCollection<string> namespaces);
        ValueTask DisposeAsync();
    }

    private sealed class Scoped<T>(NamespacedInformerSet<T> set) : INamespaceScoped where T : KubernetesObject, IKubernetesResource
    {
        public int NamespaceCount => set.Namespaces.Count;
        public Task SetNamespacesAsync(IReadOnlyCollection<string> namespaces) => set.SetNamespacesAsync(namespaces);
        public ValueTask DisposeAsync() => set.DisposeAsync();
    }

    private NamespacedInformerSet<T> Scope<T>() where T : KubernetesObject, IKubernetesResource
    {
        var set = new NamespacedInformerSet<T>(ns => InformerClusterView.NamespaceInformer<T>(_client, _informers, ns));
        _view.Scope(set);
        _scoped.Add(new Scoped<T>(set));
        _syncs.Add((T.ResourceType.Kind, () => set.HasSynced, () => set.Count));
        _caches.Add(CachedKind.Of(set));
        return set;
    }

    private void WatchAssigned<T>() where T : KubernetesObject, IKubernetesResource
    {
        var set = Scope<T>();
        set.AddEventHandler(new ResourceEventHandler<T>
        {
            Added = (obj, _) => Post(() => Observe(obj)),
            Updated = (_, obj) => Post(() => Observe(obj)),
            // A namespace handed over drops its objects as "final state unknown": let go of them, do not clear their signals.
            Deleted = (obj, unknown) => Post(unknown && _releasing.ContainsKey(obj.Metadata.Namespace ?? "") ? () => Drop(obj) : () => Forget(obj)),
        });
    }

    /// <summary>
    /// The kinds watched per assigned namespace: those whose numbers grow with the cluster and churn all day (pods and their
    /// events). Each namespace costs one list and one watch per such kind, so the rest — few objects, rarely changing — stay
    /// cluster-wide on every replica, evaluated only in the namespaces assigned to it.
    /// </summary>
    private static bool PerNamespace<T>() where T : KubernetesObject, IKubernetesResource => typeof(T) == typeof(Pod) || typeof(T) == typeof(Event);

    private void Drop(KubernetesObject obj) => Engine.Forget(obj.Kind ?? "", obj.Metadata.Namespace, obj.Metadata.Name ?? "");

    /// <summary>Whether this replica evaluates <paramref name="obj"/>: in its namespaces, and cluster-scoped objects while it leads.</summary>
    private bool Observes(KubernetesObject obj) => OwnsScope(ScopeOf(obj));

    /// <summary>The namespace an object's faults belong to (a Namespace's own name); null for the other cluster-scoped kinds.</summary>
    private static string? ScopeOf(KubernetesObject obj) => obj.Metadata.Namespace ?? (obj is Namespace ? obj.Metadata.Name : null);

    private bool OwnsScope(string? ns) => !Assigned || (ns is null ? _leadsClusterScope : _assigned.Contains(ns) && !_releasing.ContainsKey(ns));

    /// <summary>Whether faults of <paramref name="resource"/> are this replica's to report.</summary>
    private bool Owns(ResourceRef resource)
    {
        return OwnsScope(resource.ScopeNamespace);
    }

    /// <summary>
    /// Makes the watched namespaces exactly <paramref name="namespaces"/> (map <paramref name="epoch"/>). Returns once the
    /// namespaces given up are no longer watched, their state is let go and the ledger (with their incidents) is written,
    /// and the informers of the new ones have started (not necessarily listed): from then on, another replica may take
    /// what this one gave up.
    /// </summary>
    public async Task AssignNamespacesAsync(IReadOnlyCollection<string> namespaces, long epoch, CancellationToken cancellationToken)
    {
        if (!Assigned) throw new InvalidOperationException("the pipeline watches the whole cluster (PipelineOptions.Scope is Cluster)");
        await _assigning.WaitAsync(cancellationToken);
        try
        {
            var wanted = namespaces.ToHashSet(StringComparer.Ordinal);
            var current = _assigned;
            var released = current.Where(n => !wanted.Contains(n)).ToList();
            var acquired = wanted.Where(n => !current.Contains(n)).ToList();
            if (released.Count > 0)
            {
                foreach (var ns in released) _releasing[ns] = 0;
                var kept = current.Where(wanted.Contains).ToHashSet(StringComparer.Ordinal);
                foreach (var scoped in _scoped) await scoped.SetNamespacesAsync(kept);
                var gone = released.ToHashSet(StringComparer.Ordinal);
                await RunOnWorkerAsync(() =>
                {
                    // Objects of the kinds cached cluster-wide stay cached, but their detection state goes with the namespace.
                    foreach (var obj in _caches.SelectMany(c => c.In(gone))) Drop(obj);
                    Correlator.Release(r => r.ScopeNamespace is { } n && gone.Contains(n));
                });
                // Diagnoses already under way here are delivered here, and recorded, before the next owner reads the ledger.
                await UntilDeliveredAsync(gone, cancellationToken);
                await RunOnWorkerAsync(() => FreezeLedger(released));
                _assigned = kept;
                foreach (var ns in released) _releasing.TryRemove(ns, out _);
                Counters.Add("shard_handovers|released", released.Count);
            }
            Interlocked.Exchange(ref _epoch, epoch);
            if (acquired.Count > 0) await InheritAsync(acquired, epoch, cancellationToken);
            await SaveLedgerAsync(cancellationToken);
            _assigned = wanted;
            foreach (var scoped in _scoped) await scoped.SetNamespacesAsync(wanted);
            if (acquired.Count > 0)
            {
                // Per-namespace informers deliver their objects as they list; the kinds cached cluster-wide are already here.
                var taken = acquired.ToHashSet(StringComparer.Ordinal);
                Post(() => Apply(Engine.Rescan([.. _caches.SelectMany(c => c.In(taken))], _view)));
            }
            if (acquired.Count > 0) Counters.Add("shard_handovers|acquired", acquired.Count);
            LogAssigned(_logger, epoch, wanted.Count, acquired.Count, released.Count);
        }
        finally
        {
            _assigning.Release();
        }
    }

    /// <summary>
    /// Starts or stops the cluster-scoped detectors (nodes, namespaces) on this replica. On gaining them, what the previous
    /// leader diagnosed is inherited and every cluster-scoped object is evaluated; on losing them, their state is let go.
    /// </summary>
    public async Task SetClusterScopeAsync(bool leads, long epoch, CancellationToken cancellationToken)
    {
        if (!Assigned || leads == _leadsClusterScope) return;
        if (leads)
        {
            await InheritAsync([IncidentLedger.ClusterKey], epoch, cancellationToken);
            _leadsClusterScope = true;
            Post(() => Apply(Engine.Rescan([.. _caches.SelectMany(c => c.ClusterScoped())], _view)));
        }
        else
        {
            _leadsClusterScope = false;
            await RunOnWorkerAsync(() =>
            {
                foreach (var obj in _caches.SelectMany(c => c.ClusterScoped())) Drop(obj);
                Correlator.Release(r => r.ScopeNamespace is null);
                FreezeLedger([IncidentLedger.ClusterKey]);
            });
            await SaveLedgerAsync(cancellationToken);
        }
    }

    private async Task InheritAsync(IReadOnlyCollection<string> keys, long epoch, CancellationToken cancellationToken)
    {
        var entries = Ledger is null ? new Dictionary<string, LedgerEntry>() : await Ledger.LoadAsync(keys, cancellationToken);
        LogInherited(_logger, entries.Values.Sum(e => e.Fingerprints.Count), entries.Count, keys.Count, epoch);
        var expires = _time.GetUtcNow() + _options.InheritedIncidentTtl;
        await RunOnWorkerAsync(() =>
        {
            lock (_ledgerGate)
            {
                foreach (var key in keys)
                {
                    _keyEpoch[key] = epoch;
                    _released.Remove(key);
                    _openByKey.TryAdd(key, new Dictionary<string, HashSet<string>>(StringComparer.Ordinal));
                    if (!entries.TryGetValue(key, out var entry)) continue;
                    foreach (var fingerprint in entry.Fingerprints) _inherited[fingerprint] = (key, expires);
                }
            }
            LedgerChanged();
        });
    }

    /// <summary>
    /// Keeps the ledger true to what this replica would not deliver again: its open incidents that have reached someone, and
    /// those that resolved while their detectors' cooldown would keep a return quiet here. Returns true when an opened
    /// incident was already delivered by the previous owner of its namespace (counted, not diagnosed again).
    /// <para>
    /// An incident enters the ledger once a sink has delivered it (<see cref="OnDelivered"/>), not when it opens: a replica
    /// that dies between the two leaves it out, and the next owner, detecting the fault again, delivers it. Recording at
    /// open time would lose it instead. What stays is a window of one ledger write after a delivery in which a crash
    /// means a second delivery.
    /// </para>
    /// <para>
    /// A resolved incident stays in the ledger for its cooldown: the fault may come back (or its delivery may finish only
    /// after it resolved), and then this replica keeps quiet about it, so the next owner must too.
    /// </para>
    /// </summary>
    private bool Record(IncidentChange change)
    {
        var incident = change.Incident;
        var key = IncidentLedger.KeyOf(incident.PrimaryResource.ScopeNamespace);
        string[] fingerprints = [.. incident.Signals.Select(s => s.Fingerprint).Prepend(incident.Fingerprint).Distinct(StringComparer.Ordinal)];
        if (change.Kind == IncidentChangeKind.Resolved)
        {
            _incidentFingerprints.TryRemove(incident.Fingerprint, out _);
            lock (_ledgerGate)
            {
                var delivered = _openByKey.TryGetValue(key, out var open) && open.Remove(incident.Fingerprint);
                var inFlight = _undelivered.TryRemove(incident.Fingerprint, out _);
                if ((delivered || inFlight) && QuietUntil(incident) is var until && until > _time.GetUtcNow())
                    Quiet(key)[incident.Fingerprint] = new QuietIncident(fingerprints, until, delivered);
            }
            LedgerChanged();
            return false;
        }
        _incidentFingerprints[incident.Fingerprint] = fingerprints;
        if (change.Kind == IncidentChangeKind.Updated)
        {
            lock (_ledgerGate)
            {
                if (_openByKey.TryGetValue(key, out var open) && open.ContainsKey(incident.Fingerprint)) open[incident.Fingerprint] = [.. fingerprints];
            }
            LedgerChanged();
            return false;
        }
        var duplicate = false;
        var now = _time.GetUtcNow();
        lock (_ledgerGate)
        {
            foreach (var fingerprint in fingerprints)
            {
                if (_inherited.Remove(fingerprint, out var inherited) && inherited.Expires > now) duplicate = true;
            }
            // Delivered by the previous owner: in this replica's ledger at once, for whoever comes next.
            if (duplicate) Open(key)[incident.Fingerprint] = [.. fingerprints];
        }
        if (duplicate)
        {
            LedgerChanged();
            Counters.Add("incidents_duplicate");
            LogDuplicate(_logger, incident.PrimaryResource.Key);
        }
        else
        {
            _undelivered[incident.Fingerprint] = key;
        }
        return duplicate;
    }

    private Dictionary<string, HashSet<string>> Open(string key)
    {
        if (!_openByKey.TryGetValue(key, out var open)) _openByKey[key] = open = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        return open;
    }

    private Dictionary<string, QuietIncident> Quiet(string key)
    {
        if (!_quietByKey.TryGetValue(key, out var quiet)) _quietByKey[key] = quiet = new Dictionary<string, QuietIncident>(StringComparer.Ordinal);
        return quiet;
    }

    /// <summary>
    /// Until when the engine would hold back the return of <paramref name="incident"/>'s signals here: each signal's last
    /// raise plus its detector's cooldown.
    /// </summary>
    private DateTimeOffset QuietUntil(Incident incident)
    {
        var until = DateTimeOffset.MinValue;
        foreach (var signal in incident.Signals)
        {
            if (Engine.Detectors.FirstOrDefault(d => d.Name == signal.Source) is { } detector && signal.ObservedAt + detector.Options.Cooldown > until)
                until = signal.ObservedAt + detector.Options.Cooldown;
        }
        return until;
    }

    /// <summary>A sink delivered a diagnosis (any sink thread): its incident enters the ledger, written at once.</summary>
    private void OnDelivered(Diagnosis.Diagnosis diagnosis)
    {
        if (!Assigned) return;
        var incident = diagnosis.Incident.Fingerprint;
        lock (_ledgerGate)
        {
            string[] fingerprints;
            if (_undelivered.TryGetValue(incident, out var key))
            {
                fingerprints = _incidentFingerprints.GetValueOrDefault(incident) ?? [incident];
                if (_keyEpoch.ContainsKey(key)) Open(key)[incident] = [.. fingerprints];
                // Only now is it no longer undelivered: a hand-over waiting for this namespace's deliveries must find it
                // recorded when it stops waiting, or its ledger would go to the next owner without it.
                _undelivered.TryRemove(incident, out _);
            }
            else
            {
                // Resolved before its delivery finished: this replica's cooldown keeps its return quiet, so the ledger has it.
                key = IncidentLedger.KeyOf(diagnosis.Incident.PrimaryResource.ScopeNamespace);
                if (!_quietByKey.TryGetValue(key, out var quiet) || !quiet.TryGetValue(incident, out var resolved) || resolved.Delivered) return;
                quiet[incident] = resolved with { Delivered = true };
                fingerprints = resolved.Fingerprints;
            }
            if (!_keyEpoch.ContainsKey(key) && _released.TryGetValue(key, out var released))
                _released[key] = (released.Entry with { Fingerprints = [.. released.Entry.Fingerprints.Union(fingerprints, StringComparer.Ordinal)] }, released.Until);
        }
        LedgerChanged();
    }

    private async Task UntilDeliveredAsync(HashSet<string> keys, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (_undelivered.Values.Any(keys.Contains) && TimeProvider.System.GetElapsedTime(started) < HandOverDeliveryWait)
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
    }

    private void LedgerChanged()
    {
        _ledgerDirty = true;
        _ledgerChanged.Writer.TryWrite(true);
    }

    /// <summary>Keeps given-up keys' last entries in the ledger a while, for their next owner to read.</summary>
    private void FreezeLedger(IEnumerable<string> keys)
    {
        var until = _time.GetUtcNow() + ReleasedEntryGrace;
        lock (_ledgerGate)
        {
            foreach (var key in keys)
            {
                _released[key] = (Entry(key), until);
                _openByKey.Remove(key);
                _keyEpoch.Remove(key);
                foreach (var f in _inherited.Where(i => i.Value.Key == key).Select(i => i.Key).ToList()) _inherited.Remove(f);
            }
        }
        LedgerChanged();
    }

    private LedgerEntry Entry(string key)
    {
        var now = _time.GetUtcNow();
        var fingerprints = new HashSet<string>(StringComparer.Ordinal);
        if (_openByKey.TryGetValue(key, out var open)) foreach (var set in open.Values) fingerprints.UnionWith(set);
        if (_quietByKey.TryGetValue(key, out var quiet))
            foreach (var resolved in quiet.Values)
                if (resolved.Delivered && resolved.Until > now) fingerprints.UnionWith(resolved.Fingerprints);
        foreach (var (fingerprint, inherited) in _inherited)
            if (inherited.Key == key && inherited.Expires > now) fingerprints.Add(fingerprint);
        return new LedgerEntry(_keyEpoch.GetValueOrDefault(key, Epoch), [.. fingerprints.Order(StringComparer.Ordinal)]);
    }

    private void PruneQuiet(DateTimeOffset now)
    {
        foreach (var (key, quiet) in _quietByKey.ToList())
        {
            foreach (var over in quiet.Where(q => q.Value.Until <= now).Select(q => q.Key).ToList()) quiet.Remove(over);
            if (quiet.Count == 0) _quietByKey.Remove(key);
        }
    }

    /// <summary>Writes the ledger; false when the write failed (it is retried).</summary>
    private async Task<bool> SaveLedgerAsync(CancellationToken cancellationToken)
    {
        if (Ledger is null) return true;
        // One write at a time: two snapshots racing could leave the older one stored.
        await _ledgerWrite.WaitAsync(cancellationToken);
        try
        {
            return await WriteLedgerAsync(Ledger, cancellationToken);
        }
        finally
        {
            _ledgerWrite.Release();
        }
    }

    private async Task<bool> WriteLedgerAsync(IncidentLedger ledger, CancellationToken cancellationToken)
    {
        Dictionary<string, LedgerEntry> entries;
        var now = _time.GetUtcNow();
        lock (_ledgerGate)
        {
            _ledgerDirty = false;
            foreach (var gone in _released.Where(r => r.Value.Until <= now).Select(r => r.Key).ToList()) _released.Remove(gone);
            PruneQuiet(now);
            entries = _keyEpoch.Keys.ToDictionary(k => k, Entry, StringComparer.Ordinal);
            foreach (var (key, released) in _released) entries.TryAdd(key, released.Entry);
        }
        try
        {
            await ledger.SaveAsync(entries, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // Retried; meanwhile a crash could let a new owner report an incident a second time.
            _ledgerDirty = true;
            Counters.Add("ledger_errors");
            LogLedgerFailed(_logger, e);
            return false;
        }
    }

    /// <summary>Writes the ledger as soon as it changes; changes made during a write are coalesced into the next.</summary>
    private async Task LedgerLoopAsync()
    {
        try
        {
            while (await _ledgerChanged.Reader.WaitToReadAsync(_stop.Token))
            {
                _ledgerChanged.Reader.TryRead(out _);
                if (_ledgerDirty && !await SaveLedgerAsync(_stop.Token))
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
                    _ledgerChanged.Writer.TryWrite(true);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Runs <paramref name="action"/> on the detection worker, in order with the events queued before it.</summary>
    private Task RunOnWorkerAsync(Action action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_work.Writer.TryWrite(() =>
            {
                try
                {
                    action();
                    done.SetResult();
                }
                catch (Exception e)
                {
                    done.SetException(e);
                    throw;
                }
            }))
        {
            // Stopping: the worker is gone, nothing is left to order against.
            action();
            return Task.CompletedTask;
        }
        return done.Task;
    }

    private async Task StopAssignedAsync()
    {
        foreach (var ns in _assigned) _releasing[ns] = 0;
        foreach (var scoped in _scoped) await scoped.DisposeAsync();
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "shard map {Epoch} applied: watching {Namespaces} namespaces ({Acquired} taken, {Released} handed over)")]
    private static partial void LogAssigned(ILogger logger, long epoch, int namespaces, int acquired, int released);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "incident on {Resource} was already diagnosed by the namespace's previous owner: not delivered again")]
    private static partial void LogDuplicate(ILogger logger, string resource);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "took {Fingerprints} fingerprints of incidents already delivered, in {WithEntries} of {Namespaces} namespaces taken at map {Epoch}")]
    private static partial void LogInherited(ILogger logger, int fingerprints, int withEntries, int namespaces, long epoch);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "could not write the incident ledger (retried at the next change)")]
    private static partial void LogLedgerFailed(ILogger logger, Exception exception);
}
