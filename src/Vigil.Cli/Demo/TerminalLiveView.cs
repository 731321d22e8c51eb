using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Vigil.Detection;
using static System.FormattableString;

namespace Vigil.Cli.Demo;

/// <summary>What the demo's header says about the cluster.</summary>
internal sealed record DemoHeader(Uri Address, string Kubeconfig, double Speed);

/// <summary>
/// The demo's live view in a terminal: counters, the incidents table (severity, category, resource, root cause, age) and
/// the latest diagnosis with its remediation steps and the kubectl commands to run. Redrawn twice a second from a
/// snapshot of the board, so rendering never holds the lock the pipeline's threads take.
/// </summary>
internal sealed class TerminalLiveView(IAnsiConsole console, IncidentBoard board, DemoHeader header, Func<DemoCounters> counters,
    TimeProvider clusterClock, TimeProvider time, long started)
{
    /// <summary>Rows beyond this are summarised, so the table fits a terminal.</summary>
    private const int MaxRows = 14;

    /// <summary>Renders until <paramref name="until"/> completes, then leaves the last frame on screen.</summary>
    public async Task RunAsync(Task until)
    {
        await console.Live(Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Cropping(VerticalOverflowCropping.Bottom)
            .StartAsync(async ctx =>
            {
                while (!until.IsCompleted)
                {
                    ctx.UpdateTarget(Render());
                    await Task.WhenAny(until, Task.Delay(TimeSpan.FromMilliseconds(500), time));
                }
                ctx.UpdateTarget(Render());
            });
    }

    internal IRenderable Render()
    {
        var snapshot = board.Snapshot();
        var c = counters();
        var now = clusterClock.GetUtcNow();
        var elapsed = time.GetElapsedTime(started);
        var title = new Markup(
            $"[bold]Vigil demo[/]  simulated cluster {Markup.Escape(header.Address.ToString())}  speed {header.Speed.ToString("0.##", CultureInfo.InvariantCulture)}x  "
            + $"running {Markup.Escape(PlainLineView.Elapsed(elapsed).TrimStart('+'))}\n"
            + $"[grey]kubectl:[/] export KUBECONFIG={Markup.Escape(header.Kubeconfig)}   [grey]then[/] kubectl get events -A -l vigil.io/category");
        var stats = new Markup(
            Invariant($"[grey]signals[/] {c.Signals:0}   [grey]incidents[/] {snapshot.Open} open, {snapshot.Resolved} resolved   ")
            + Invariant($"[grey]diagnoses[/] {snapshot.Diagnoses}   [grey]Kubernetes Events written for[/] {c.EventsDelivered} diagnoses")
            + (c.EventsFailed > 0 ? Invariant($" [red]({c.EventsFailed} failed)[/]") : "")
            + (c.PipelineErrors > 0 ? Invariant($"   [red]pipeline errors {c.PipelineErrors:0}[/]") : ""));
        return new Rows(title, stats, Incidents(snapshot, now), Latest(snapshot.Latest));
    }

    private static Table Incidents(BoardSnapshot snapshot, DateTimeOffset now)
    {
        var table = new Table().Border(TableBorder.Rounded).Expand().Title("[bold]Incidents[/]")
            .AddColumn("Severity").AddColumn("Category").AddColumn("Resource").AddColumn(new TableColumn("Root cause")).AddColumn(new TableColumn("Age").RightAligned());
        var rows = snapshot.Ordered.ToList();
        if (rows.Count == 0)
            table.AddRow(new Markup("[grey]—[/]"), new Markup("[grey]—[/]"), new Markup("[grey]waiting for the first incident[/]"), new Markup("[grey]detectors have thresholds and incidents a 30 s correlation window[/]"), new Markup(""));
        foreach (var entry in rows.Take(MaxRows))
        {
            var dim = entry.Resolved ? "grey" : "default";
            var cause = entry.Diagnosis is { } d ? Shorten(d.RootCause, 110) : "diagnosing…";
            table.AddRow(
                new Markup(entry.Resolved ? "[grey]resolved[/]" : Severity(entry.Severity)),
                new Markup($"[{dim}]{Markup.Escape(entry.Diagnosis?.Category.ToString().ToLowerInvariant() ?? "")}[/]"),
                new Markup($"[{dim}]{Markup.Escape(entry.Incident.PrimaryResource.Key)}[/]"),
                new Markup($"[{dim}]{Markup.Escape(cause)}[/]"),
                new Markup($"[{dim}]{Age(now - entry.Incident.FirstSeen)}[/]"));
        }
        if (rows.Count > MaxRows)
            table.Caption($"[grey]{(rows.Count - MaxRows).ToString(CultureInfo.InvariantCulture)} more (older or resolved)[/]");
        return table;
    }

    private static Panel Latest(Diagnosis.Diagnosis? latest)
    {
        if (latest is null)
            return new Panel(new Markup("[grey]The newest diagnosis and what to do about it appear here.[/]")).Header("Latest diagnosis").Expand();
        var lines = new List<string>
        {
            $"{Severity(latest.Severity)} [bold]{Markup.Escape(latest.Incident.PrimaryResource.Key)}[/]  {Markup.Escape(latest.Reason)}, "
            + $"{Markup.Escape(latest.Category.ToString().ToLowerInvariant())}, confidence {latest.Confidence.ToString("0%", CultureInfo.InvariantCulture)}"
            + (latest.Systemic ? ", systemic" : ""),
            Markup.Escape(latest.RootCause),
            $"[grey]{Markup.Escape(latest.BlastRadius)}[/]",
            "",
            "[bold]What to do[/]",
        };
        var n = 0;
        foreach (var step in latest.RemediationSteps)
        {
            lines.Add($"{(++n).ToString(CultureInfo.InvariantCulture)}. {Markup.Escape(step.Description)}");
            if (step.Command is not null) lines.Add($"   [cyan]$ {Markup.Escape(step.Command)}[/]");
        }
        return new Panel(new Markup(string.Join('\n', lines))).Header("Latest diagnosis").Expand();
    }

    private static string Severity(Severity s) => s switch
    {
        Detection.Severity.Critical => "[bold red]critical[/]",
        Detection.Severity.Warning => "[yellow]warning[/]",
        _ => "[blue]info[/]",
    };

    private static string Shorten(string s, int max)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length <= max ? s : s[..(max - 1)] + "…";
    }

    /// <summary><c>45s</c>, <c>3m</c>, <c>2h</c>: kubectl's way.</summary>
    internal static string Age(TimeSpan t) => t switch
    {
        { TotalSeconds: < 0 } => "0s",
        { TotalMinutes: < 2 } => $"{(int)t.TotalSeconds}s",
        { TotalHours: < 2 } => $"{(int)t.TotalMinutes}m",
        _ => $"{(int)t.TotalHours}h",
    };
}
