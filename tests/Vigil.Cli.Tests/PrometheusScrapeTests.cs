using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Vigil.Cli.Tests.Support;
using Vigil.Cluster;
using Vigil.Cluster.Server;

namespace Vigil.Cli.Tests;

/// <summary>
/// A real Prometheus scrapes a running `vigil run` process and answers queries about it through its HTTP API, with
/// deploy/monitoring's alerts loaded: what an operator sees once Vigil is installed and monitored.
/// </summary>
public sealed class PrometheusScrapeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-scrape-tests", Guid.NewGuid().ToString("N"));
    private readonly List<IDisposable> _running = [];

    public PrometheusScrapeTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public async Task Prometheus_scrapes_vigil_run_and_queries_return_the_signal_by_detector_after_a_fault_with_the_alerts_evaluating()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Speed = 10, Nodes = 1 });
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        cluster.WriteKubeconfig(kubeconfig);
        var config = Path.Combine(_dir, "vigil.yaml");
        await File.WriteAllTextAsync(config, """
            apiVersion: vigil.io/v1alpha1
            kind: VigilConfig
            correlation: {window: 0s}
            operator: {rescanInterval: 1s}
            """);
        var vigil = Track(new VigilProcess("run", "--kubeconfig", kubeconfig, "--config", config, "--metrics-address", "127.0.0.1:0"));
        string? address = null;
        await vigil.UntilAsync(() => (address = vigil.MetricsAddress) is not null, "the operator to run");

        var prometheus = Track(await PrometheusServer.StartAsync("vigil", new Uri(address!).Authority, [MonitoringManifests.WriteRuleFile(_dir)]));
        async Task<bool> Holds(string promql) => (await prometheus.QueryAsync(promql)).Count > 0;
        await prometheus.UntilAsync(() => Holds("""up{job="vigil"} == 1"""), "Prometheus to scrape vigil");
        // Every enabled detector's counter exists at 0 before any signal, so a dashboard sees the series from the start.
        (await prometheus.QueryAsync("""vigil_signals_total{job="vigil",detector="OOMKilled"}""")).ShouldHaveSingleItem().Value.ShouldBe(0);

        // A container using twice its memory limit is OOMKilled by the simulated kubelet.
        cluster.Apply("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop}
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: cache
              namespace: shop
              annotations: {sim.vigil.io/memory-usage: 256Mi, sim.vigil.io/start-seconds: "1"}
            spec:
              containers: [{name: cache, image: "shop/cache:1", resources: {limits: {memory: 128Mi}}}]
            """);

        await prometheus.UntilAsync(() => Holds("""vigil_signals_total{job="vigil",detector="OOMKilled"} >= 1"""), "the OOMKilled signal in Prometheus");
        await prometheus.UntilAsync(() => Holds("""vigil_sink_deliveries_total{job="vigil",sink="kubernetes-events",outcome="delivered"} >= 1"""), "the delivery in Prometheus");
        var signal = (await prometheus.QueryAsync("""vigil_signals_total{detector="OOMKilled"}""")).ShouldHaveSingleItem();
        ((string?)signal.Labels["job"]).ShouldBe("vigil");
        ((string?)signal.Labels["instance"]).ShouldBe(new Uri(address!).Authority);
        (await prometheus.QueryAsync("""sum(vigil_diagnoses_total{job="vigil"})""")).ShouldHaveSingleItem().Value.ShouldBeGreaterThanOrEqualTo(1);
        (await prometheus.QueryAsync("""vigil_gather_duration_seconds_count{job="vigil"}""")).ShouldHaveSingleItem().Value.ShouldBeGreaterThanOrEqualTo(1);
        (await prometheus.QueryAsync("""process_resident_memory_bytes{job="vigil"}""")).ShouldHaveSingleItem().Value.ShouldBeGreaterThan(1024 * 1024);
        var started = (await prometheus.QueryAsync("""process_start_time_seconds{job="vigil"}""")).ShouldHaveSingleItem().Value;
        started.ShouldBe(new DateTimeOffset(vigil.Process.StartTime.ToUniversalTime()).ToUnixTimeSeconds(), tolerance: 2);

        // The alerts load and evaluate without error against the real series, and none fires for a healthy Vigil.
        IReadOnlyList<JsonObject> rules = [];
        try
        {
            // The first evaluations may precede the first scrape (VigilDown pending on absent(up)): wait for them to settle.
            await prometheus.UntilAsync(async () => (rules = await prometheus.RulesAsync()).Count > 0
                && rules.All(r => !((string?)r["lastEvaluation"] ?? "").StartsWith("0001", StringComparison.Ordinal) && (string?)r["state"] == "inactive"),
                "every alert to be evaluated and inactive", seconds: 30);
        }
        catch (TimeoutException)
        {
            // The assertions below say which rule and why.
        }
        rules.Select(r => (string?)r["name"]).ShouldContain("VigilDown");
        rules.ShouldAllBe(r => (string?)r["health"] == "ok", string.Join("\n", rules.Select(r => $"{r["name"]}: {r["health"]} {r["lastError"]}")));
        rules.ShouldAllBe(r => (string?)r["state"] == "inactive", string.Join("\n", rules.Select(r => $"{r["name"]}: {r["state"]}")));

        // Vigil gone: the scrape fails and VigilDown's condition holds (it fires after its 5 minutes).
        vigil.Dispose();
        await prometheus.UntilAsync(() => Holds("""up{job="vigil"} == 0"""), "Prometheus to see vigil down");
        await prometheus.UntilAsync(async () => (await prometheus.RulesAsync()).Any(r => (string?)r["name"] == "VigilDown" && (string?)r["state"] == "pending"), "VigilDown to be pending");
    }

    private T Track<T>(T disposable) where T : IDisposable
    {
        _running.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_running)) d.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A running `vigil` process whose JSON log lines are collected as they come.</summary>
    private sealed class VigilProcess : IDisposable
    {
        private readonly ConcurrentQueue<string> _stdout = new();
        private readonly ConcurrentQueue<string> _stderr = new();
        private bool _disposed;

        public VigilProcess(params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vigil.dll"));
            foreach (var a in args) psi.ArgumentList.Add(a);
            Process = new Process { StartInfo = psi };
            Process.OutputDataReceived += (_, e) => { if (e.Data is not null) _stdout.Enqueue(e.Data); };
            Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _stderr.Enqueue(e.Data); };
            Process.Start();
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public Process Process { get; }

        /// <summary>The address logged by the "running" entry (event 101), once it is logged.</summary>
        public string? MetricsAddress => _stdout.Select(l => JsonNode.Parse(l)!.AsObject()).FirstOrDefault(l => (int?)l["event"] == 101)?["MetricsAddress"]?.GetValue<string>();

        public async Task UntilAsync(Func<bool> condition, string what, int seconds = 60)
        {
            var deadline = DateTime.UtcNow.AddSeconds(seconds);
            while (!condition())
            {
                if (Process.HasExited) throw new InvalidOperationException($"vigil exited ({Process.ExitCode}) while waiting for {what}:\n{Output}");
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}:\n{Output}");
                await Task.Delay(100);
            }
        }

        private string Output => string.Join("\n", _stdout) + "\n--- stderr ---\n" + string.Join("\n", _stderr);

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.WaitForExit(10_000);
            Process.Dispose();
        }
    }
}
