using System.Text.RegularExpressions;
using Vigil.Detection.Correlation;
using Vigil.Detection.Detectors;
using Vigil.Diagnosis.Logs;

namespace Vigil.Cli.Tests;

/// <summary>
/// docs/detectors.md is the catalog users read to know what Vigil detects and how it explains it: it must name every
/// detector, correlation rule, analyzer rule and log pattern the code has, so adding one without documenting it fails here.
/// </summary>
public sealed partial class DetectorCatalogDocsTests
{
    private static readonly string Root = RepositoryRoot();
    private static readonly string Catalog = File.ReadAllText(Path.Combine(Root, "docs", "detectors.md"));

    [Fact]
    public void Every_detector_is_in_the_catalog()
    {
        var names = DetectorCatalog.Create().Select(d => d.Name).Concat(DetectorCatalog.Defaults.Keys).Distinct().ToList();
        names.Count.ShouldBeGreaterThan(0);
        Missing(names, "Detectors", row: true).ShouldBeEmpty("detectors missing from the Detectors table of docs/detectors.md");
    }

    [Fact]
    public void Every_correlation_rule_is_in_the_catalog()
    {
        // Each rule has its switch in CorrelationOptions, and the correlator names it when it groups signals.
        var switches = typeof(CorrelationOptions).GetProperties().Where(p => p.PropertyType == typeof(bool)).Select(p => p.Name);
        var named = GroupRule().Matches(Source("src/Vigil.Detection/Correlation/Correlator.cs")).Select(m => m.Groups["rule"].Value);
        var rules = switches.Concat(named).Distinct().ToList();
        rules.ShouldContain("StorageCascade");
        Missing(rules, "Correlation rules", row: true).ShouldBeEmpty("correlation rules missing from the Correlation rules table of docs/detectors.md");
    }

    [Fact]
    public void Every_analyzer_rule_and_the_signal_reasons_it_ranks_are_in_the_catalog()
    {
        var source = Source("src/Vigil.Diagnosis/Analysis/RulesAnalyzer.cs");
        // Explanations are built as new(<reason>, <category>, ...): the rule names are the strings of the first argument;
        // crash-like ones take theirs from the switch that maps a signal reason to a rule reason.
        var first = Explanation().Matches(source).SelectMany(m => Quoted().Matches(m.Groups["first"].Value)).Select(m => m.Groups["s"].Value);
        var crash = CrashRules().Match(source).Groups["body"].Value;
        crash.ShouldNotBeEmpty();
        var rules = first.Concat(Arrow().Matches(crash).Select(m => m.Groups["rule"].Value)).Distinct().ToList();
        var priority = source[source.IndexOf("Priority =", StringComparison.Ordinal)..];
        priority = priority[..priority.IndexOf("];", StringComparison.Ordinal)];
        var ranked = Quoted().Matches(priority).Select(m => m.Groups["s"].Value).ToList();
        rules.ShouldContain("OOMKilled");
        ranked.ShouldContain("NodeNotReady");
        Missing(rules, "Analyzer rules", row: true).ShouldBeEmpty("analyzer rules missing from the Analyzer rules table of docs/detectors.md");
        Missing(ranked, "Analyzer rules", row: false).ShouldBeEmpty("signal reasons of the analyzer's priority missing from the Analyzer rules section of docs/detectors.md");
    }

    [Fact]
    public void Every_log_pattern_is_in_the_catalog_with_its_category()
    {
        foreach (var pattern in LogPatterns.All)
            Section("Log patterns").ShouldContain($"| `{pattern.Name}` | {pattern.Runtime} | {pattern.Category.ToString().ToLowerInvariant()} |", Case.Sensitive,
                $"log pattern {pattern.Name} missing from docs/detectors.md");
    }

    /// <summary>Names not in the section: as the first cell of a table row when <paramref name="row"/>, anywhere in backticks otherwise.</summary>
    private static List<string> Missing(IEnumerable<string> names, string section, bool row)
    {
        var text = Section(section);
        return [.. names.Where(n => !text.Contains(row ? $"\n| `{n}` |" : $"`{n}`", StringComparison.Ordinal))];
    }

    /// <summary>The text under a <c>## heading</c>, up to the next one.</summary>
    private static string Section(string heading)
    {
        var start = Catalog.IndexOf($"\n## {heading}\n", StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0, $"docs/detectors.md has no section '## {heading}'");
        var end = Catalog.IndexOf("\n## ", start + 4, StringComparison.Ordinal);
        return end < 0 ? Catalog[start..] : Catalog[start..end];
    }

    private static string Source(string path) => File.ReadAllText(Path.Combine(Root, path));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Vigil.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Vigil.slnx above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"new Group\(""(?<rule>\w+)""")]
    private static partial Regex GroupRule();

    [GeneratedRegex(@"(?:return new|=>\s*new)\((?<first>[^,]*),")]
    private static partial Regex Explanation();

    [GeneratedRegex(@"var reason = lead\.Reason switch \{(?<body>[^}]*)\}")]
    private static partial Regex CrashRules();

    [GeneratedRegex(@"=> ""(?<rule>\w+)""")]
    private static partial Regex Arrow();

    [GeneratedRegex(@"""(?<s>\w+)""")]
    private static partial Regex Quoted();
}
