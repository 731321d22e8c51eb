using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Vigil.Bench.Cluster;

/// <summary>One measured figure, with its target when the issue sets one.</summary>
internal sealed record Result(string Area, string Metric, double Value, string Unit, string? Target = null, bool? Met = null, string? Note = null);

/// <summary>Collects results, prints a table and writes JSON and markdown under artifacts/bench/.</summary>
internal sealed class ResultSet
{
    private readonly List<Result> _results = [];
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);
    public IReadOnlyList<Result> All => _results;

    public void Add(Result r)
    {
        _results.Add(r);
        Console.WriteLine($"  {r.Metric,-52} {Format(r.Value),14} {r.Unit,-10} {r.Target ?? "",-14} {(r.Met is null ? "" : r.Met.Value ? "PASS" : "MISS"),-4}{(r.Note is null ? "" : "  " + r.Note)}");
    }

    public static string Format(double v) =>
        v >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);

    public string Markdown()
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in Environment) sb.Append(CultureInfo.InvariantCulture, $"- {k}: {v}\n");
        sb.Append('\n');
        sb.Append("| area | metric | value | unit | target | met | note |\n|---|---|---:|---|---|---|---|\n");
        foreach (var r in _results)
            sb.Append(CultureInfo.InvariantCulture, $"| {r.Area} | {r.Metric} | {Format(r.Value)} | {r.Unit} | {r.Target ?? ""} | {(r.Met is null ? "" : r.Met.Value ? "yes" : "**no**")} | {r.Note ?? ""} |\n");
        return sb.ToString();
    }

    public void PrintTable()
    {
        Console.WriteLine();
        Console.WriteLine($"{"area",-8} {"metric",-52} {"value",14} {"unit",-10} {"target",-14} met");
        Console.WriteLine(new string('-', 110));
        foreach (var r in _results)
            Console.WriteLine($"{r.Area,-8} {r.Metric,-52} {Format(r.Value),14} {r.Unit,-10} {r.Target ?? "",-14} {(r.Met is null ? "" : r.Met.Value ? "PASS" : "MISS")}");
    }

    public (string Json, string Markdown) Write(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        var json = Path.Combine(directory, name + ".json");
        var md = Path.Combine(directory, name + ".md");
        File.WriteAllText(json, JsonSerializer.Serialize(new { environment = Environment, results = _results }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        File.WriteAllText(md, Markdown());
        return (json, md);
    }
}
