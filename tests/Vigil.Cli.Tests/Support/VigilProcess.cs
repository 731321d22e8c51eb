using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Vigil.Cli.Tests.Support;

/// <summary>A running `vigil` process whose output lines are collected as they come.</summary>
internal sealed class VigilProcess : IDisposable
{
    public VigilProcess(params string[] args) : this(new Dictionary<string, string>(), args)
    {
    }

    public VigilProcess(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vigil.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process = new Process { StartInfo = psi };
        Process.OutputDataReceived += (_, e) => { if (e.Data is not null) Stdout.Enqueue(e.Data); };
        Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Stderr.Enqueue(e.Data); };
        Process.Start();
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }
    public ConcurrentQueue<string> Stdout { get; } = new();
    public ConcurrentQueue<string> Stderr { get; } = new();

    public string Output => string.Join("\n", Stdout) + "\n--- stderr ---\n" + string.Join("\n", Stderr);

    /// <summary>The structured log entries on stdout (every line must be JSON).</summary>
    public IEnumerable<JsonObject> Log => Stdout.Select(l => JsonNode.Parse(l)!.AsObject());

    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await Process.WaitForExitAsync(cts.Token);
        Process.WaitForExit(); // flushes the redirected streams
        return Process.ExitCode;
    }

    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: a crash, with no chance to release Leases or write anything.</summary>
    public void Crash()
    {
        Process.Kill(entireProcessTree: true);
        Process.WaitForExit();
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}

