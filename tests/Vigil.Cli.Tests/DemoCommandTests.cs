using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Vigil.Cli.Tests;

/// <summary>
/// `vigil demo` as a user runs it: a separate process whose output is redirected (so it prints plain lines, one per
/// diagnosis), a kubeconfig on disk, the real kubectl.
/// </summary>
public sealed partial class DemoCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-demo-tests", Guid.NewGuid().ToString("N"));

    public DemoCommandTests() => Directory.CreateDirectory(_dir);

    /// <summary>The incidents the fault catalog must produce, by primary resource, with the category of their root cause.</summary>
    private static readonly Dictionary<string, string> ExpectedDiagnoses = new()
    {
        ["Pod/fault-oom-killed/oom-killed"] = "resources",
        ["Pod/fault-image-pull/image-pull-failure"] = "configuration",
        ["Pod/fault-crash-loop/crash-loop"] = "application",
        ["Pod/fault-failing-probe/not-ready"] = "application",
        ["Pod/fault-failing-probe/not-live"] = "application",
        ["Pod/fault-unschedulable/unschedulable"] = "scheduling",
        ["Node/bad-node"] = "node",
        ["PersistentVolumeClaim/fault-stuck-pvc/reports"] = "storage",
        ["PersistentVolumeClaim/fault-stuck-pvc/uploads"] = "storage",
        ["ResourceQuota/fault-quota-exhausted/team-quota"] = "resources",
        ["Job/fault-job-deadline/nightly-report"] = "application",
        ["Deployment/fault-stalled-rollout/checkout"] = "configuration",
    };

    [Fact]
    public async Task Demo_diagnoses_every_fault_of_the_catalog_and_kubectl_sees_the_Vigil_events_while_it_runs()
    {
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        // 10x: the slowest detector threshold (5 minutes for an unschedulable pod) passes in 30 s.
        using var demo = DemoProcess.Start(_dir, "demo", "--speed", "10", "--kubeconfig", kubeconfig, "--duration", "600");
        var export = await demo.WaitForLine(l => l.Contains("export KUBECONFIG=", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
        export.Trim().ShouldBe($"export KUBECONFIG={kubeconfig}");

        var diagnosed = await demo.WaitFor(() =>
        {
            var found = Diagnoses(demo.Lines);
            return ExpectedDiagnoses.Keys.All(found.ContainsKey) ? found : null;
        }, TimeSpan.FromSeconds(150), () => $"expected diagnoses of {string.Join(", ", ExpectedDiagnoses.Keys.Except(Diagnoses(demo.Lines).Keys))}");
        foreach (var (resource, category) in ExpectedDiagnoses)
            diagnosed[resource].Category.ShouldBe(category, $"{resource}: {diagnosed[resource].Line}");
        diagnosed["Pod/fault-oom-killed/oom-killed"].Reason.ShouldBe("OOMKilled");
        diagnosed["Pod/fault-image-pull/image-pull-failure"].Line.ShouldContain("registry.invalid/payments/api:3.1.0");
        diagnosed["Pod/fault-crash-loop/crash-loop"].Line.ShouldContain("panic: runtime error");
        // The healthy shop is not a fault.
        diagnosed.Keys.ShouldNotContain(k => k.Contains("/shop/", StringComparison.Ordinal) || k == "Namespace/shop");

        // While it runs, kubectl (with the printed kubeconfig) sees the diagnoses as Events.
        var events = await Eventually(async () =>
        {
            var json = JsonDocument.Parse(await Kubectl(kubeconfig, "get", "events", "-A", "-l", "vigil.io/category", "-o", "json"));
            return json.RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone()).ToList();
        }, items => items.Any(e => Involved(e) == "Pod/fault-oom-killed/oom-killed"), TimeSpan.FromSeconds(60));
        events.ShouldAllBe(e => e.GetProperty("reason").GetString() == "VigilDiagnosis");
        var oom = events.First(e => Involved(e) == "Pod/fault-oom-killed/oom-killed");
        oom.GetProperty("metadata").GetProperty("labels").GetProperty("vigil.io/category").GetString().ShouldBe("resources");
        oom.GetProperty("type").GetString().ShouldBe("Warning");

        demo.Terminate();
        (await demo.WaitForExit(TimeSpan.FromSeconds(60))).ShouldBe(0, demo.Stderr);
    }

    [Fact]
    public async Task At_the_default_speed_the_first_diagnosis_arrives_within_a_minute_and_SIGTERM_ends_the_demo_with_exit_code_0()
    {
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        var started = Stopwatch.StartNew();
        using var demo = DemoProcess.Start(_dir, "demo", "--kubeconfig", kubeconfig);
        var first = await demo.WaitForLine(l => DiagnosisLine().IsMatch(l), TimeSpan.FromSeconds(60) - started.Elapsed);
        started.Elapsed.ShouldBeLessThan(TimeSpan.FromMinutes(1), first);

        demo.Terminate();
        (await demo.WaitForExit(TimeSpan.FromSeconds(60))).ShouldBe(0, demo.Stderr);
        demo.Lines.ShouldContain(l => l.StartsWith("stopped after", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_no_faults_the_healthy_shop_stays_quiet_and_duration_ends_the_demo_by_itself()
    {
        // 30x for 25 s: 12 minutes of cluster time, past every detector's threshold and several CronJob runs.
        var clock = Stopwatch.StartNew();
        using var demo = DemoProcess.Start(_dir, "demo", "--no-faults", "--speed", "30", "--duration", "25", "--kubeconfig", Path.Combine(_dir, "kubeconfig"));
        (await demo.WaitForExit(TimeSpan.FromSeconds(120))).ShouldBe(0, demo.Stderr);
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(25));
        demo.Lines.ShouldContain(l => l.StartsWith("Deployed", StringComparison.Ordinal) && l.Contains("no faults", StringComparison.Ordinal));
        demo.Lines.Where(l => DiagnosisLine().IsMatch(l)).ShouldBeEmpty();
        demo.Lines.ShouldContain(l => l.StartsWith("stopped after", StringComparison.Ordinal) && l.Contains(": 0 diagnoses", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_options_are_refused_with_a_message_naming_them()
    {
        using var demo = DemoProcess.Start(_dir, "demo", "--speed", "0");
        (await demo.WaitForExit(TimeSpan.FromSeconds(60))).ShouldBe(2);
        demo.Stderr.ShouldContain("--speed must be a positive number");
    }

    private sealed record DiagnosisLineParts(string Severity, string Category, string Reason, string Line);

    /// <summary><c>+m:ss diagnosis severity category Kind/ns/name Reason: root cause</c>, the last one per resource.</summary>
    private static Dictionary<string, DiagnosisLineParts> Diagnoses(IEnumerable<string> lines)
    {
        var found = new Dictionary<string, DiagnosisLineParts>();
        foreach (var line in lines)
            if (DiagnosisLine().Match(line) is { Success: true } m)
                found[m.Groups["resource"].Value] = new(m.Groups["severity"].Value, m.Groups["category"].Value, m.Groups["reason"].Value, line);
        return found;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\+\d+:\d\d diagnosis (?<severity>\w+) (?<category>\w+) (?<resource>\S+) (?<reason>\w+): ")]
    private static partial System.Text.RegularExpressions.Regex DiagnosisLine();

    private static string Involved(JsonElement e)
    {
        var o = e.GetProperty("involvedObject");
        var ns = o.TryGetProperty("namespace", out var n) ? n.GetString() : null;
        return ns is null ? $"{o.GetProperty("kind").GetString()}/{o.GetProperty("name").GetString()}" : $"{o.GetProperty("kind").GetString()}/{ns}/{o.GetProperty("name").GetString()}";
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (deadline.Elapsed > timeout) throw new TimeoutException("condition not met");
            await Task.Delay(250);
        }
    }

    private static async Task<string> Kubectl(string kubeconfig, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["KUBECONFIG"] = kubeconfig;
        psi.Environment["KUBECACHEDIR"] = Path.Combine(Path.GetDirectoryName(kubeconfig)!, "cache");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        p.ExitCode.ShouldBe(0, await stderr);
        return await stdout;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>`dotnet vigil.dll ...` with its output collected line by line as it comes.</summary>
    private sealed class DemoProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly System.Text.StringBuilder _stderr = new();
        private readonly SemaphoreSlim _changed = new(0);

        private DemoProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                _lines.Enqueue(e.Data);
                _changed.Release();
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (_stderr) _stderr.AppendLine(e.Data);
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Lines => [.. _lines];

        public string Stderr
        {
            get
            {
                lock (_stderr) return _stderr.ToString();
            }
        }

        public static DemoProcess Start(string workingDirectory, params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vigil.dll"));
            foreach (var a in args) psi.ArgumentList.Add(a);
            return new DemoProcess(Process.Start(psi)!);
        }

        public async Task<string> WaitForLine(Func<string, bool> match, TimeSpan timeout) =>
            await WaitFor(() => Lines.FirstOrDefault(match), timeout, () => "the expected line");

        /// <summary>Re-evaluates <paramref name="probe"/> on every new line of output until it answers or the time is up.</summary>
        public async Task<T> WaitFor<T>(Func<T?> probe, TimeSpan timeout, Func<string> what) where T : class
        {
            using var cts = new CancellationTokenSource(timeout > TimeSpan.Zero ? timeout : TimeSpan.FromMilliseconds(1));
            while (true)
            {
                if (probe() is { } found) return found;
                if (_process.HasExited)
                {
                    // Exited: once its output is drained, the answer is final.
                    await _process.WaitForExitAsync(cts.Token);
                    return probe() ?? throw new InvalidOperationException($"vigil exited ({_process.ExitCode}) before {what()}:\n{string.Join('\n', Lines)}\n{Stderr}");
                }
                try
                {
                    await _changed.WaitAsync(TimeSpan.FromSeconds(1), cts.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"no {what()} within {timeout}; output so far:\n{string.Join('\n', Lines)}\n{Stderr}");
                }
            }
        }

        /// <summary>SIGTERM, as a service manager or `kill` sends it.</summary>
        public void Terminate()
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
            kill.WaitForExit();
            kill.ExitCode.ShouldBe(0);
        }

        public async Task<int> WaitForExit(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
            _changed.Dispose();
        }
    }
}
