using Vigil.Delivery;
using Vigil.Detection;
using Vigil.Detection.Correlation;

namespace Vigil.Cli.Demo;

/// <summary>One incident as the demo shows it: what opened it, its diagnosis once there is one, whether it resolved.</summary>
internal sealed record BoardEntry(Incident Incident, Diagnosis.Diagnosis? Diagnosis, bool Resolved)
{
    public Severity Severity => Diagnosis?.Severity ?? Incident.Severity;
}

/// <summary>
/// What Vigil has found so far, for the demo's views. It is a sink (the one that takes the log's place in the demo, so it
/// sees exactly what sinks see) and it follows the pipeline's incident changes (to show incidents being diagnosed and
/// resolving). Diagnoses arrive on the dispatcher's thread and incident changes on the pipeline's worker: one lock guards it.
/// </summary>
internal sealed class IncidentBoard : ISink
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, BoardEntry> _entries = new(StringComparer.Ordinal);
    private Diagnosis.Diagnosis? _latest;
    private int _diagnoses;
    private int _resolved;

    public string Name => "live-view";

    public Severity MinimumSeverity => Severity.Info;

    /// <summary>Raised, outside the lock, for every diagnosis received.</summary>
    public event Action<Diagnosis.Diagnosis>? Diagnosed;

    /// <summary>Raised, outside the lock, for every incident that resolved.</summary>
    public event Action<Incident>? Resolved;

    public Task SendAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var id = diagnosis.Incident.Id;
            var resolved = _entries.TryGetValue(id, out var known) && known.Resolved;
            _entries[id] = new BoardEntry(known?.Incident ?? diagnosis.Incident, diagnosis, resolved);
            _latest = diagnosis;
            _diagnoses++;
        }
        Diagnosed?.Invoke(diagnosis);
        return Task.CompletedTask;
    }

    /// <summary>Follows <c>DiagnosisPipeline.IncidentChanged</c>.</summary>
    public void OnIncidentChanged(IncidentChange change)
    {
        var id = change.Incident.Id;
        lock (_gate)
        {
            _entries.TryGetValue(id, out var known);
            switch (change.Kind)
            {
                case IncidentChangeKind.Opened or IncidentChangeKind.Updated:
                    _entries[id] = new BoardEntry(change.Incident, known?.Diagnosis, false);
                    return;
                case IncidentChangeKind.Resolved:
                    _entries[id] = new BoardEntry(change.Incident, known?.Diagnosis, true);
                    _resolved++;
                    break;
            }
        }
        Resolved?.Invoke(change.Incident);
    }

    public BoardSnapshot Snapshot()
    {
        lock (_gate) return new BoardSnapshot([.. _entries.Values], _latest, _diagnoses, _resolved);
    }
}

/// <summary>A consistent copy of the board for one render.</summary>
internal sealed record BoardSnapshot(IReadOnlyList<BoardEntry> Entries, Diagnosis.Diagnosis? Latest, int Diagnoses, int Resolved)
{
    /// <summary>Open incidents first, the most severe first, then the newest.</summary>
    public IEnumerable<BoardEntry> Ordered =>
        Entries.OrderBy(e => e.Resolved).ThenByDescending(e => e.Severity).ThenByDescending(e => e.Incident.FirstSeen);

    public int Open => Entries.Count(e => !e.Resolved);
}
