using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Cli.Tests.Support;
using Vigil.Operator.Tests.Support;

namespace Vigil.Cli.Tests;

/// <summary>`vigil run` as an operator runs it: a separate process against a cluster, stopped with SIGTERM.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-run-tests", Guid.NewGuid().ToString("N"));

    public RunCommandTests() => Directory.CreateDirectory(_dir);

    private static async Task Until(Func<Task<bool>> probe, string what, VigilProcess vigil, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await probe())
        {
            if (vigil.Process.HasExited) throw new InvalidOperationException($"vigil exited ({vigil.Process.ExitCode}) while waiting for {what}:\n{vigil.Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}:\n{vigil.Output}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Vigil_run_diagnoses_a_fault_writes_the_Vigil_event_shows_the_signal_on_metrics_and_exits_0_on_SIGTERM()
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

        using var vigil = new VigilProcess("run", "--kubeconfig", kubeconfig, "--config", config, "--metrics-address", "127.0.0.1:0");
        string? address = null;
        await Until(() => Task.FromResult((address = vigil.Log.FirstOrDefault(l => (int?)l["event"] == 101)?["MetricsAddress"]?.GetValue<string>()) is not null), "the operator to run", vigil);
        using var http = new HttpClient { BaseAddress = new Uri(address!) };
        await Until(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "readiness", vigil);

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

        using var client = new KubernetesClient(KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = [kubeconfig] }, TimeProvider.System));
        IList<Event> events = [];
        await Until(async () => (events = (await client.Resource<Event>().ListAsync("shop", new ListOptions { LabelSelector = "vigil.io/category" })).Items).Count > 0,
            "the Vigil event", vigil);
        events[0].Reason.ShouldBe("VigilDiagnosis");
        events[0].InvolvedObject!.Name.ShouldBe("cache");
        events[0].Metadata.Labels!["vigil.io/detector"].ShouldBe("OOMKilled");

        var metrics = Exposition.Parse(await http.GetStringAsync("/metrics"));
        metrics.Value("vigil_signals_total", ("detector", "OOMKilled")).ShouldBeGreaterThanOrEqualTo(1);
        metrics.Value("vigil_sink_deliveries_total", ("sink", "kubernetes-events"), ("outcome", "delivered")).ShouldBeGreaterThanOrEqualTo(1);
        vigil.Log.ShouldContain(l => (string?)l["msg"] == "diagnosis" && l["diagnosis"]!["reason"]!.GetValue<string>() == "OOMKilled");

        vigil.Terminate();
        (await vigil.ExitCodeAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, vigil.Output);
        var log = vigil.Log.ToList();
        log.ShouldContain(l => (string?)l["msg"] == "SIGTERM received: stopping");
        log.Last()["msg"]!.GetValue<string>().ShouldBe("stopped");
        log.ShouldAllBe(l => l.ContainsKey("msg"));
    }

    [Fact]
    public async Task A_bad_configuration_file_exits_2_naming_every_bad_key()
    {
        var config = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(config, "detectors:\n  PodCrashLoop:\n    threshold: 5x\ncorrelation:\n  windw: 10s\n");
        using var vigil = new VigilProcess("run", "--kubeconfig", Path.Combine(_dir, "none"), "--config", config);
        (await vigil.ExitCodeAsync(TimeSpan.FromSeconds(60))).ShouldBe(2);
        var stderr = string.Join("\n", vigil.Stderr);
        stderr.ShouldContain("bad.yaml");
        stderr.ShouldContain("detectors.PodCrashLoop.threshold: \"5x\" is not a duration (use 30s, 5m, 1h)");
        stderr.ShouldContain("correlation.windw: unknown key (did you mean window?)");
    }

    [Fact]
    public async Task A_missing_kubeconfig_or_a_bad_metrics_address_exits_2()
    {
        using (var vigil = new VigilProcess("run", "--kubeconfig", Path.Combine(_dir, "missing-kubeconfig")))
        {
            (await vigil.ExitCodeAsync(TimeSpan.FromSeconds(60))).ShouldBe(2);
            string.Join("\n", vigil.Stderr).ShouldContain("kubeconfig");
        }
        using (var vigil = new VigilProcess("run", "--kubeconfig", Path.Combine(_dir, "missing-kubeconfig"), "--metrics-address", "nowhere"))
        {
            (await vigil.ExitCodeAsync(TimeSpan.FromSeconds(60))).ShouldBe(2);
            string.Join("\n", vigil.Stderr).ShouldContain("--metrics-address: \"nowhere\" is not a listen address");
        }
    }

    [Fact]
    public async Task A_metrics_port_already_taken_is_a_runtime_failure_exit_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x
            """);
        using var vigil = new VigilProcess("run", "--kubeconfig", kubeconfig, "--metrics-address", $"127.0.0.1:{port}");
        (await vigil.ExitCodeAsync(TimeSpan.FromSeconds(60))).ShouldBe(1, vigil.Output);
        vigil.Log.ShouldContain(l => (string?)l["level"] == "critical" && ((string?)l["exception"] ?? "").Contains("address already in use", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Help_lists_the_options_and_exit_codes()
    {
        using var vigil = new VigilProcess("run", "--help");
        (await vigil.ExitCodeAsync(TimeSpan.FromSeconds(60))).ShouldBe(0);
        var help = string.Join("\n", vigil.Stdout);
        foreach (var option in new[] { "--kubeconfig", "--context", "--config", "--metrics-address", "--log-level", "Exit codes" }) help.ShouldContain(option);
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
}
