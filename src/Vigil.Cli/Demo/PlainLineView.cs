using System.Globalization;
using Vigil.Detection;

namespace Vigil.Cli.Demo;

/// <summary>
/// The demo's output when stdout is not a terminal (a pipe, a file, a test): one line per diagnosis and one per resolved
/// incident, as they happen, each starting with the time since the demo started:
/// <code>
/// +0:34 diagnosis warning resources Pod/fault-oom-killed/oom-killed OOMKilled: Container app of ... Next: kubectl top pod ...
/// +2:05 resolved Pod/fault-bad-node/evicted-from-bad-node (incident 3f2a9c1b7d4e)
/// </code>
/// </summary>
internal sealed class PlainLineView : IDisposable
{
    private readonly TextWriter _out;
    private readonly IncidentBoard _board;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly Lock _gate = new();

    public PlainLineView(TextWriter output, IncidentBoard board, TimeProvider time, long started)
    {
        _out = output;
        _board = board;
        _time = time;
        _started = started;
        board.Diagnosed += OnDiagnosed;
        board.Resolved += OnResolved;
    }

    private void OnDiagnosed(Diagnosis.Diagnosis d)
    {
        var next = d.RemediationSteps.FirstOrDefault(s => s.Command is not null)?.Command;
        Write(_time.GetElapsedTime(_started), $"diagnosis {Lower(d.Severity)} {d.Category.ToString().ToLowerInvariant()} {d.Incident.PrimaryResource.Key} {d.Reason}: {OneLine(d.RootCause)}"
            + (next is null ? "" : $" Next: {next}"));
    }

    private void OnResolved(Incident incident) =>
        Write(_time.GetElapsedTime(_started), $"resolved {incident.PrimaryResource.Key} (incident {incident.Id})");

    private void Write(TimeSpan elapsed, string text)
    {
        lock (_gate)
        {
            _out.WriteLine($"{Elapsed(elapsed)} {text}");
            _out.Flush();
        }
    }

    /// <summary><c>+m:ss</c>.</summary>
    public static string Elapsed(TimeSpan t) =>
        string.Create(CultureInfo.InvariantCulture, $"+{(int)t.TotalMinutes}:{t.Seconds:00}");

    private static string Lower(Severity s) => s.ToString().ToLowerInvariant();

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");

    public void Dispose()
    {
        _board.Diagnosed -= OnDiagnosed;
        _board.Resolved -= OnResolved;
    }
}
