using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace Vigil.Cli.Tests.Support;

/// <summary>deploy/monitoring: the PrometheusRule's alerts and the Grafana dashboard's queries, read as Prometheus reads them.</summary>
internal static class MonitoringManifests
{
    public static string Directory { get; } = Path.Combine(RepoRoot(), "deploy", "monitoring");

    public static string RulePath => Path.Combine(Directory, "prometheusrule.yaml");

    public static string DashboardPath => Path.Combine(Directory, "grafana-dashboard.json");

    /// <summary>
    /// Writes the PrometheusRule's <c>spec</c> (its <c>groups:</c>) as a plain Prometheus rule file, the form promtool and
    /// Prometheus's rule_files read, and returns its path.
    /// </summary>
    public static string WriteRuleFile(string directory)
    {
        var rule = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(File.ReadAllText(RulePath));
        if (rule["kind"] as string != "PrometheusRule") throw new InvalidDataException($"{RulePath} is not a PrometheusRule");
        var path = Path.Combine(directory, "vigil-rules.yaml");
        // JSON is YAML: every scalar stays a quoted string, exactly as written.
        File.WriteAllText(path, new SerializerBuilder().JsonCompatible().Build().Serialize(rule["spec"]));
        return path;
    }

    /// <summary>Every alert's name and expression.</summary>
    public static IReadOnlyList<(string Alert, string Expr)> Alerts()
    {
        var rule = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(File.ReadAllText(RulePath));
        var spec = (Dictionary<object, object>)rule["spec"];
        return ((List<object>)spec["groups"]).Cast<Dictionary<object, object>>()
            .SelectMany(g => ((List<object>)g["rules"]).Cast<Dictionary<object, object>>())
            .Select(r => ((string)r["alert"], (string)r["expr"]))
            .ToList();
    }

    /// <summary>Every panel's title and query, with Grafana's $__rate_interval replaced by a duration Prometheus accepts.</summary>
    public static IReadOnlyList<(string Panel, string Expr)> DashboardQueries()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(DashboardPath))!;
        return dashboard["panels"]!.AsArray()
            .SelectMany(p => p!["targets"]!.AsArray().Select(t => (p["title"]!.GetValue<string>(), t!["expr"]!.GetValue<string>().Replace("$__rate_interval", "1m", StringComparison.Ordinal))))
            .ToList();
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Vigil.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Vigil.slnx above {AppContext.BaseDirectory}");
    }
}
