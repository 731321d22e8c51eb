using Spectre.Console;
using Vigil.Cli.Demo;
using Vigil.Detection;
using Vigil.Detection.Correlation;
using Vigil.Diagnosis;
using DiagnosisRecord = Vigil.Diagnosis.Diagnosis;

namespace Vigil.Cli.Tests.Demo;

/// <summary>The demo's two views, fed as the pipeline feeds them: incident changes and diagnoses through the board.</summary>
public sealed class LiveViewTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_terminal_view_shows_each_incident_and_the_latest_diagnosis_with_its_commands_even_when_text_looks_like_markup()
    {
        var board = new IncidentBoard();
        var oom = Incident("a1", new ResourceRef("Pod", "shop", "cart-7d9f"), "OOMKilled");
        board.OnIncidentChanged(new IncidentChange(IncidentChangeKind.Opened, oom));
        await board.SendAsync(Diagnosed(oom, "Container api used more than its limit [REDACTED] and was killed [bold]", Category.Resources,
            new RemediationStep("See its memory use.", "kubectl top pod cart-7d9f -n shop --containers")), CancellationToken.None);
        var node = Incident("b2", new ResourceRef("Node", null, "node-2"), "NodeNotReady");
        board.OnIncidentChanged(new IncidentChange(IncidentChangeKind.Opened, node));

        var text = Render(board, Start.AddMinutes(3));

        text.ShouldContain("Pod/shop/cart-7d9f");
        text.ShouldContain("resources");
        text.ShouldContain("[REDACTED]");
        text.ShouldContain("$ kubectl top pod cart-7d9f -n shop --containers");
        text.ShouldContain("Node/node-2");
        text.ShouldContain("diagnosing…");
        text.ShouldContain("3m");
        text.ShouldContain("incidents 2 open, 0 resolved");
    }

    [Fact]
    public async Task A_resolved_incident_is_shown_as_resolved_and_counted()
    {
        var board = new IncidentBoard();
        var crash = Incident("c3", new ResourceRef("Pod", "shop", "worker"), "CrashLoopBackOff");
        board.OnIncidentChanged(new IncidentChange(IncidentChangeKind.Opened, crash));
        await board.SendAsync(Diagnosed(crash, "Container worker keeps crashing.", Category.Application), CancellationToken.None);
        board.OnIncidentChanged(new IncidentChange(IncidentChangeKind.Resolved, crash with { State = IncidentState.Resolved }));

        var snapshot = board.Snapshot();
        snapshot.Open.ShouldBe(0);
        snapshot.Resolved.ShouldBe(1);
        snapshot.Entries.Single().Diagnosis.ShouldNotBeNull();
        Render(board, Start.AddMinutes(1)).ShouldContain("resolved");
    }

    [Fact]
    public async Task Plain_lines_are_one_per_diagnosis_and_one_per_resolved_incident()
    {
        var board = new IncidentBoard();
        var output = new StringWriter();
        var time = new StepClock();
        using var view = new PlainLineView(output, board, time, time.GetTimestamp());
        var pvc = Incident("d4", new ResourceRef("PersistentVolumeClaim", "shop", "data"), "PVCStuckBinding");
        board.OnIncidentChanged(new IncidentChange(IncidentChangeKind.Opened, pvc));
        time.Advance(TimeSpan.FromSeconds(95));
        await board.SendAsync(Diagnosed(pvc, "PersistentVolumeClaim data cannot bind:\nits storage class does not exist.", Category.Storage,
            new RemediationStep("Read this first."), new RemediationStep("See the claim.", "kubectl describe pvc data -n shop")), CancellationToken.None);
        board.OnIncidentChanged(new IncidentChange(IncidentChangeKind.Resolved, pvc));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        lines.Count.ShouldBe(2);
        lines[0].ShouldBe("+1:35 diagnosis warning storage PersistentVolumeClaim/shop/data PVCPending: PersistentVolumeClaim data cannot bind: its storage class does not exist. Next: kubectl describe pvc data -n shop");
        lines[1].ShouldBe("+1:35 resolved PersistentVolumeClaim/shop/data (incident d4)");
    }

    private static string Render(IncidentBoard board, DateTimeOffset clusterNow)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 220;
        var view = new TerminalLiveView(console, board, new DemoHeader(new Uri("https://127.0.0.1:6443/"), "/tmp/kubeconfig", 1),
            () => new DemoCounters(3, 2, 1, 0, 0), new FixedClock(clusterNow), TimeProvider.System, TimeProvider.System.GetTimestamp());
        console.Write(view.Render());
        return writer.ToString();
    }

    private static Incident Incident(string id, ResourceRef resource, string reason) => new()
    {
        Id = id,
        Fingerprint = resource.Key,
        PrimaryResource = resource,
        Signals = [new Signal { Id = id + "-s", Source = "test", Reason = reason, Severity = Severity.Warning, Resource = resource, Message = reason, ObservedAt = Start }],
        FirstSeen = Start,
        LastSeen = Start,
    };

    private static DiagnosisRecord Diagnosed(Incident incident, string rootCause, Category category, params RemediationStep[] steps) => new()
    {
        Incident = incident,
        RootCause = rootCause,
        Category = category,
        Severity = Severity.Warning,
        Confidence = 0.9,
        BlastRadius = "1 resource affected",
        RemediationSteps = steps,
        Analyzer = "rules",
        Reason = category == Category.Storage ? "PVCPending" : incident.Signals[0].Reason,
        DiagnosedAt = Start,
    };

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>A clock whose timestamps move only when told (elapsed time in the plain lines).</summary>
    private sealed class StepClock : TimeProvider
    {
        private long _ticks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }
}
