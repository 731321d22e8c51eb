using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Detectors;

/// <summary>What one observation changed: signals raised, fingerprints of signals that stopped holding, and what was held back.</summary>
public sealed record DetectionResult(IReadOnlyList<Signal> Raised, IReadOnlyList<string> Cleared, int SuppressedByCooldown)
{
    public static DetectionResult None { get; } = new([], [], 0);
    public bool IsEmpty => Raised.Count == 0 && Cleared.Count == 0 && SuppressedByCooldown == 0;
}

/// <summary>
/// Runs the detectors over objects as they change. A finding that starts holding becomes a Signal once it has held for
/// the detector's threshold (a periodic <see cref="Rescan"/> catches thresholds that pass between changes); one that stops
/// holding is reported cleared. After raising, a detector stays quiet about the same resource for its cooldown.
/// An object that holds something is never evaluated at an older version than the one it was last evaluated at (see
/// <see cref="Observe"/>). Thread-safe; a detector that throws on a malformed object is counted and skipped, never fatal.
/// </summary>
public sealed class DetectorEngine
{
    private volatile ILookup<string, IDetector> _byKind;
    private readonly IReadOnlyList<IDetector> _builtIn;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    // What holds, per source object: fingerprint → holding.
    private readonly Dictionary<string, Dictionary<string, Holding>> _bySource = new(StringComparer.Ordinal);
    // The resource version each of those source objects was last evaluated at (when it has a numeric one).
    private readonly Dictionary<string, ulong> _versionBySource = new(StringComparer.Ordinal);
    // The object last evaluated for each of those sources: what a rescan re-evaluates as time passes, without reading
    // (and decoding) it from a cache again. Only objects holding something: the faulty few.
    private readonly Dictionary<string, KubernetesObject> _objectBySource = new(StringComparer.Ordinal);
    // How many source objects hold each raised fingerprint (events from several objects can say the same thing).
    private readonly Dictionary<string, int> _raisedHolders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastRaised = new(StringComparer.Ordinal);

    private sealed class Holding(IDetector detector, Finding finding, DateTimeOffset since)
    {
        public IDetector Detector { get; } = detector;
        public Finding Finding { get; set; } = finding;
        public DateTimeOffset Since { get; } = since;
        public bool Raised { get; set; }
        public bool Suppressed { get; set; }
    }

    public DetectorEngine(IEnumerable<IDetector> detectors, TimeProvider time)
    {
        _builtIn = [.. detectors.Where(d => d.Options.Enabled)];
        _byKind = ByKind(_builtIn);
        Detectors = _builtIn;
        _time = time;
    }

    private static ILookup<string, IDetector> ByKind(IEnumerable<IDetector> detectors) =>
        detectors.SelectMany(d => d is ReplicasUnavailable ? ReplicasUnavailable.Kinds.Select(k => (k, d)) : [(d.Kind, d)]).ToLookup(x => x.Item1, x => x.Item2);

    /// <summary>Every detector in effect: the built-in ones and the custom ones set last.</summary>
    public IReadOnlyList<IDetector> Detectors { get; private set; }

    /// <summary>
    /// Replaces the custom detectors (Detector resources) beside the built-in ones. What a removed or replaced detector
    /// held clears the next time its object is evaluated (the periodic rescan guarantees it).
    /// </summary>
    public void SetCustomDetectors(IReadOnlyList<IDetector> custom)
    {
        lock (_gate)
        {
            var all = _builtIn.Concat(custom.Where(d => d.Options.Enabled)).ToList();
            Detectors = all;
            _byKind = ByKind(all);
        }
    }

    /// <summary>Kinds some detector evaluates: what the operator must watch.</summary>
    public IEnumerable<string> Kinds => _byKind.Select(g => g.Key);

    /// <summary>
    /// What a rescan of <paramref name="kind"/> must re-evaluate: nothing when no detector looks at the kind; only the
    /// objects holding something (<see cref="HoldingObjects"/>) when every detector of the kind says findings start only
    /// on a change (<see cref="IDetector.FindingsStartOnlyOnChange"/>); otherwise every object.
    /// </summary>
    public RescanScope RescanScopeOf(string kind)
    {
        var detectors = _byKind[kind];
        if (!detectors.Any()) return RescanScope.Nothing;
        return detectors.All(d => d.FindingsStartOnlyOnChange) ? RescanScope.Holding : RescanScope.Everything;
    }

    /// <summary>The objects of <paramref name="kind"/> that hold something now, as last evaluated.</summary>
    public IReadOnlyList<KubernetesObject> HoldingObjects(string kind)
    {
        lock (_gate)
        {
            return [.. _objectBySource.Values.Where(o => o.Kind == kind)];
        }
    }

    /// <summary>Detector failures on malformed objects, by detector name.</summary>
    public IReadOnlyDictionary<string, long> Failures
    {
        get
        {
            lock (_gate) return new Dictionary<string, long>(_failures);
        }
    }

    private readonly Dictionary<string, long> _failures = new(StringComparer.Ordinal);

    /// <summary>
    /// Evaluates an object that was added or changed. A version older than the one an object holding something was last
    /// evaluated at changes nothing: a rescan reads the informer's cache, which is ahead of the change notifications still
    /// queued, and evaluating such a notification after it would clear what holds now (the incident resolves while the
    /// fault is still there, and the cooldown then keeps its return quiet).
    /// </summary>
    public DetectionResult Observe(KubernetesObject obj, IClusterView cluster)
    {
        var source = SourceKey(obj);
        var version = VersionOf(obj);
        var kind = obj.Kind ?? "";
        var now = _time.GetUtcNow();
        var findings = new List<(IDetector Detector, Finding Finding)>();
        foreach (var detector in _byKind[kind])
        {
            try
            {
                foreach (var f in detector.Evaluate(obj, now, cluster)) findings.Add((detector, f));
            }
            catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException or System.Text.Json.JsonException)
            {
                lock (_gate) _failures[detector.Name] = _failures.GetValueOrDefault(detector.Name) + 1;
            }
        }
        lock (_gate)
        {
            if (version is { } v && _versionBySource.TryGetValue(source, out var evaluated) && v < evaluated) return DetectionResult.None;
            return Reconcile(source, findings, now, version, obj);
        }
    }

    /// <summary>
    /// The object's resource version as a number. The API server's are etcd revisions (decimal, growing); one that is not a
    /// number is never compared, so its object is always evaluated.
    /// </summary>
    private static ulong? VersionOf(KubernetesObject obj) =>
        ulong.TryParse(obj.Metadata.ResourceVersion, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>An object was deleted: everything it held clears.</summary>
    public DetectionResult Forget(string kind, string? ns, string name)
    {
        lock (_gate) return Reconcile(SourceKey(kind, ns, name), [], _time.GetUtcNow(), null, null);
    }

    /// <summary>Re-evaluates every object, so thresholds that passed without a change are noticed.</summary>
    public DetectionResult Rescan(IEnumerable<KubernetesObject> objects, IClusterView cluster)
    {
        var raised = new List<Signal>();
        var cleared = new List<string>();
        var suppressed = 0;
        foreach (var obj in objects)
        {
            var r = Observe(obj, cluster);
            raised.AddRange(r.Raised);
            cleared.AddRange(r.Cleared);
            suppressed += r.SuppressedByCooldown;
        }
        return raised.Count == 0 && cleared.Count == 0 && suppressed == 0 ? DetectionResult.None : new DetectionResult(raised, cleared, suppressed);
    }

    private DetectionResult Reconcile(string source, List<(IDetector Detector, Finding Finding)> findings, DateTimeOffset now, ulong? version, KubernetesObject? obj)
    {
        _bySource.TryGetValue(source, out var held);
        // Most changes are to healthy objects that held nothing before and hold nothing now: nothing to reconcile.
        if (findings.Count == 0 && held is null) return DetectionResult.None;
        var next = new Dictionary<string, Holding>(StringComparer.Ordinal);
        var raised = new List<Signal>();
        var cleared = new List<string>();
        var suppressed = 0;
        foreach (var (detector, finding) in findings)
        {
            var fingerprint = Fingerprint(detector, finding);
            if (next.ContainsKey(fingerprint)) continue;
            var holding = held?.GetValueOrDefault(fingerprint) ?? new Holding(detector, finding, finding.Since ?? now);
            holding.Finding = finding;
            next[fingerprint] = holding;
            if (holding.Raised || holding.Suppressed || now - holding.Since < detector.Options.Threshold) continue;
            var cooldownKey = $"{detector.Name}|{finding.Resource.Key}";
            holding.Raised = true;
            if (_lastRaised.TryGetValue(cooldownKey, out var last) && now - last < detector.Options.Cooldown && !IsHeld(fingerprint))
            {
                // Quiet within the cooldown: the condition came back too soon after it was last raised. Its clearing stays silent too.
                suppressed++;
                holding.Raised = false;
                holding.Suppressed = true;
                continue;
            }
            if (_raisedHolders.TryGetValue(fingerprint, out var holders) && holders > 0)
            {
                _raisedHolders[fingerprint] = holders + 1;
                continue;
            }
            _raisedHolders[fingerprint] = 1;
            _lastRaised[cooldownKey] = now;
            raised.Add(ToSignal(detector, finding, now));
        }
        foreach (var (fingerprint, old) in held ?? [])
        {
            if (next.ContainsKey(fingerprint) || !old.Raised) continue;
            var holders = _raisedHolders.GetValueOrDefault(fingerprint) - 1;
            if (holders > 0) _raisedHolders[fingerprint] = holders;
            else
            {
                _raisedHolders.Remove(fingerprint);
                cleared.Add(fingerprint);
            }
        }
        if (next.Count == 0)
        {
            _bySource.Remove(source);
            _versionBySource.Remove(source);
            _objectBySource.Remove(source);
        }
        else
        {
            _bySource[source] = next;
            if (version is { } v) _versionBySource[source] = v;
            else _versionBySource.Remove(source);
            if (obj is not null) _objectBySource[source] = obj;
        }
        if (_lastRaised.Count > _pruneAbove) PruneCooldowns(now);
        return raised.Count == 0 && cleared.Count == 0 && suppressed == 0 ? DetectionResult.None : new DetectionResult(raised, cleared, suppressed);
    }

    private bool IsHeld(string fingerprint) => _raisedHolders.GetValueOrDefault(fingerprint) > 0;

    private static Signal ToSignal(IDetector detector, Finding finding, DateTimeOffset now) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Source = detector.Name,
        Reason = finding.Reason,
        Severity = detector.Options.Severity,
        Resource = finding.Resource,
        Message = finding.Message,
        ObservedAt = now,
        Labels = finding.Labels,
        Attributes = finding.Attributes,
    };

    /// <summary>The fingerprint of the signal a finding becomes (the same as <see cref="Signal.Fingerprint"/>).</summary>
    public static string Fingerprint(IDetector detector, Finding finding) => $"{detector.Name}|{finding.Reason}|{finding.Resource.Key}";

    private void PruneCooldowns(DateTimeOffset now)
    {
        var longest = Detectors.Max(d => d.Options.Cooldown);
        foreach (var (key, at) in _lastRaised.ToList())
            if (now - at > longest) _lastRaised.Remove(key);
        // When most entries are still within their cooldown, pruning again on the next change would walk them all again.
        _pruneAbove = Math.Max(PruneAbove, _lastRaised.Count * 2);
    }

    private const int PruneAbove = 100_000;
    private int _pruneAbove = PruneAbove;

    private static string SourceKey(KubernetesObject obj) => SourceKey(obj.Kind ?? "", obj.Metadata.Namespace, obj.Metadata.Name ?? "");

    private static string SourceKey(string kind, string? ns, string name) => $"{kind}/{ns}/{name}";
}

/// <summary>What a periodic rescan re-evaluates of a kind (<see cref="DetectorEngine.RescanScopeOf"/>).</summary>
public enum RescanScope
{
    Nothing,
    Holding,
    Everything,
}
