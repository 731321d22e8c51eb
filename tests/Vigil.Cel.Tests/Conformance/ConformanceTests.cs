using Xunit.Abstractions;

namespace Vigil.Cel.Tests.Conformance;

/// <summary>
/// Runs the cel-spec conformance files. Each file must pass every applicable case except the ones listed in
/// <see cref="KnownFailures"/> (each with its reason, also listed in docs/cel.md).
/// </summary>
public sealed class ConformanceTests(ITestOutputHelper output)
{
    /// <summary>Applicable cases that do not pass, by id, with the reason.</summary>
    public static readonly Dictionary<string, string> KnownFailures = new(StringComparer.Ordinal)
    {
    };

    public static TheoryData<string> FileNames() => new(ConformanceSuite.Files);

    [Theory]
    [MemberData(nameof(FileNames))]
    public void File_passes_its_applicable_cases(string file)
    {
        var results = ConformanceSuite.Load(file).Select(ConformanceSuite.Run).ToList();
        output.WriteLine(ConformanceSuite.Report(results));
        var unexpected = new List<string>();
        foreach (var r in results)
        {
            if (r.Outcome == Outcome.Fail && !KnownFailures.ContainsKey(r.Case.Id)) unexpected.Add($"{r.Case.Id}: {r.Case.Expr}\n    {r.Detail}");
            if (r.Outcome == Outcome.Pass && KnownFailures.ContainsKey(r.Case.Id)) unexpected.Add($"{r.Case.Id} now passes: remove it from KnownFailures");
        }
        foreach (var line in unexpected) output.WriteLine(line);
        unexpected.ShouldBeEmpty();
    }

    /// <summary>The checker's inferred result types against the types cel-go's checker deduced for the same cases.</summary>
    [Fact]
    public void Inferred_types_agree_with_cel_go_for_most_checked_cases()
    {
        var results = ConformanceSuite.Files.SelectMany(ConformanceSuite.Load).Select(ConformanceSuite.Run)
            .Where(r => r.Outcome == Outcome.Pass && r.InferredType is not null && r.Case.Test["checkedType"] is not null)
            .ToList();
        var differ = results
            .Where(r => ConformanceSuite.NormalizeType(r.InferredType!) != ConformanceSuite.NormalizeType((string)r.Case.Test["checkedType"]!))
            .ToList();
        foreach (var r in differ) output.WriteLine($"{r.Case.Id}: {r.Case.Expr}\n    cel-go: {r.Case.Test["checkedType"]}, Vigil: {r.InferredType}");
        output.WriteLine($"{results.Count - differ.Count} of {results.Count} inferred types agree with cel-go");
        ((results.Count - differ.Count) / (double)results.Count).ShouldBeGreaterThanOrEqualTo(0.99);
    }

    [Fact]
    public void Overall_pass_rate_is_at_least_95_percent_of_applicable_cases()
    {
        var results = ConformanceSuite.Files.SelectMany(ConformanceSuite.Load).Select(ConformanceSuite.Run).ToList();
        var report = ConformanceSuite.Report(results);
        output.WriteLine(report);
        if (Environment.GetEnvironmentVariable("CEL_CONFORMANCE_REPORT") is { Length: > 0 } path)
        {
            var lines = new List<string> { report, "", "| case | reason |", "| --- | --- |" };
            lines.AddRange(results.Where(r => r.Outcome != Outcome.Pass)
                .Select(r => $"| {r.Case.Id} | {(r.Outcome == Outcome.Skip ? "skipped: " : "fails: ")}{r.Detail.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal)} |"));
            File.WriteAllLines(path, lines);
        }
        var passed = results.Count(r => r.Outcome == Outcome.Pass);
        var applicable = results.Count(r => r.Outcome != Outcome.Skip);
        (passed / (double)applicable).ShouldBeGreaterThanOrEqualTo(0.95);
    }
}
