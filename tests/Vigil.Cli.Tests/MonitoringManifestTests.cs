using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Cli.Tests.Support;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Operator.Hosting;
using Vigil.Operator.Pipeline;
using Vigil.Operator.Tests.Support;

namespace Vigil.Cli.Tests;

/// <summary>deploy/monitoring is loadable as shipped: promtool accepts the alerts and the dashboard's queries, and they use only metrics Vigil serves.</summary>
public sealed partial class MonitoringManifestTests : IDisposable
{
    private const string Promtool = "/usr/bin/promtool";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-monitoring-tests", Guid.NewGuid().ToString("N"));

    public MonitoringManifestTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public async Task Promtool_accepts_the_PrometheusRule_alerts()
    {
        var alerts = MonitoringManifests.Alerts();
        alerts.Select(a => a.Alert).ShouldBe(["VigilDown", "VigilNoLeader", "VigilShardMapNotApplied", "VigilInformersNotSynced", "VigilPipelineBacklog", "VigilSinkQueueBacklog", "VigilSinkFailureRate", "VigilMemoryGrowth", "VigilPipelineErrors"], ignoreOrder: true);

        var (exit, output) = await RunAsync(Promtool, "check", "rules", MonitoringManifests.WriteRuleFile(_dir));

        exit.ShouldBe(0, output);
        output.ShouldContain($"SUCCESS: {alerts.Count} rules found");
    }

    [Fact]
    public async Task The_alerts_fire_as_promtool_unit_tests_expect_no_leader_an_old_shard_map_and_unsynced_informers()
    {
        // alerts.test.yaml names the rules vigil-rules.yaml, in its own directory.
        MonitoringManifests.WriteRuleFile(_dir);
        var tests = Path.Combine(_dir, "alerts.test.yaml");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Monitoring", "alerts.test.yaml"), tests);

        var (exit, output) = await RunAsync(Promtool, "test", "rules", tests);

        exit.ShouldBe(0, output);
        output.ShouldContain("SUCCESS");
    }

    [Fact]
    public async Task Promtool_accepts_every_dashboard_query_and_the_dashboard_covers_the_pipeline_leader_and_shards()
    {
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(MonitoringManifests.DashboardPath))!;
        var panels = dashboard["panels"]!.AsArray();
        panels.Select(p => (int)p!["id"]!).ShouldBeUnique();
        panels.ShouldAllBe(p => p!["gridPos"] != null && p["datasource"]!["uid"]!.GetValue<string>() == "${datasource}");
        ((string?)dashboard["uid"]).ShouldBe("vigil-operator");
        var queries = MonitoringManifests.DashboardQueries();
        var used = queries.SelectMany(q => MetricNames(q.Expr)).ToHashSet(StringComparer.Ordinal);
        new[] {
            "vigil_signals_total", "vigil_signals_dropped_total", "vigil_incidents_total", "vigil_diagnoses_total",
            "vigil_gather_duration_seconds_bucket", "vigil_analyze_duration_seconds_bucket", "vigil_deliver_duration_seconds_bucket",
            "vigil_work_queue_depth", "vigil_diagnoses_in_flight", "vigil_sink_queue_depth", "vigil_sink_deliveries_total",
            "vigil_leader_is_leader", "vigil_shard_namespaces", "vigil_shard_handovers_total", "vigil_informers", "vigil_informer_objects",
        }.ShouldBeSubsetOf(used);

        // promtool parses PromQL offline when the queries are recording rules.
        var rules = new JsonObject
        {
            ["groups"] = new JsonArray(new JsonObject
            {
                ["name"] = "dashboard",
                ["rules"] = new JsonArray([.. queries.Select((q, i) => (JsonNode)new JsonObject { ["record"] = $"vigil_dashboard:query_{i}", ["expr"] = q.Expr })]),
            }),
        };
        var file = Path.Combine(_dir, "dashboard-queries.yaml");
        await File.WriteAllTextAsync(file, rules.ToJsonString());
        var (exit, output) = await RunAsync(Promtool, "check", "rules", file);

        exit.ShouldBe(0, output);
        output.ShouldContain($"SUCCESS: {queries.Count} rules found");
    }

    [Fact]
    public async Task Every_metric_the_alerts_and_the_dashboard_use_is_one_vigil_run_serves_on_metrics()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Nodes = 1 });
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        cluster.WriteKubeconfig(kubeconfig);
        using var client = new KubernetesClient(KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = [kubeconfig] }, TimeProvider.System));
        await using var host = await OperatorHost.StartAsync(client, new PipelineOptions(), [], new OperatorOptions { MetricsAddress = "127.0.0.1:0" },
            TimeProvider.System, NullLoggerFactory.Instance);
        using var http = new HttpClient { BaseAddress = host.Address };
        var exposition = Exposition.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        var served = exposition.Families.Values
            .SelectMany(f => f.Type == "histogram" ? new[] { f.Name + "_bucket", f.Name + "_sum", f.Name + "_count" } : [f.Name])
            .Append("up") // Prometheus's own series for every scrape
            .ToHashSet(StringComparer.Ordinal);
        served.ShouldContain("process_resident_memory_bytes");

        var uses = MonitoringManifests.Alerts().Select(a => ($"alert {a.Alert}", a.Expr))
            .Concat(MonitoringManifests.DashboardQueries().Select(q => ($"dashboard panel {q.Panel}", q.Expr)))
            .ToList();
        uses.Count.ShouldBeGreaterThan(10);
        foreach (var (where, expr) in uses)
        {
            var names = MetricNames(expr);
            names.ShouldNotBeEmpty($"{where} uses no metric: {expr}");
            foreach (var name in names) served.ShouldContain(name, $"{where} uses {name}, which /metrics does not serve: {expr}");
        }
    }

    /// <summary>The metric names in a PromQL expression: Vigil's, the process ones and up (label names and functions are neither).</summary>
    private static List<string> MetricNames(string expr) => MetricName().Matches(expr).Select(m => m.Value).Distinct(StringComparer.Ordinal).ToList();

    [GeneratedRegex(@"\b(?:vigil_[a-z0-9_]+|process_[a-z0-9_]+|up)\b(?=\s*[{\[)\s]|$)")]
    private static partial Regex MetricName();

    private static async Task<(int Exit, string Output)> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
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
