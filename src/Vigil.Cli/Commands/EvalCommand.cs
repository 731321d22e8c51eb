using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Embedded.Evaluation;

namespace Vigil.Cli.Commands;

/// <summary>
/// <c>vigil eval</c>: runs labelled fault scenarios, each on a fresh simulated cluster with Vigil watching it, and scores
/// the diagnoses: precision, recall, category accuracy. Exits non-zero below the thresholds, so CI can hold the line.
/// </summary>
internal static class EvalCommand
{
    public const int ExitPassed = 0;
    public const int ExitBelowThreshold = 1;
    public const int ExitBadInput = 2;

    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Scenario files, or directories searched recursively for *.yaml and *.yml.", Arity = ArgumentArity.OneOrMore };
        var minRecall = new Option<double>("--min-recall") { Description = "Fail (exit 1) when recall is below this (0 to 1).", DefaultValueFactory = _ => 0.95 };
        var minPrecision = new Option<double>("--min-precision") { Description = "Fail (exit 1) when precision is below this (0 to 1).", DefaultValueFactory = _ => 0.95 };
        var output = new Option<string>("--output", "-o") { Description = "table or json.", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");
        var speed = new Option<double>("--speed") { Description = "Cluster seconds per real second for every scenario's simulated cluster.", DefaultValueFactory = _ => 30 };
        var parallel = new Option<int>("--parallel") { Description = "Scenarios run at once, each on its own cluster.", DefaultValueFactory = _ => 3 };
        var settle = new Option<string>("--settle")
        {
            Description = "With noOtherIncidents: how long (cluster time) after the last manifests the run keeps watching for false positives.",
            DefaultValueFactory = _ => "6m",
        };
        var command = new Command("eval",
            "Run labelled fault scenarios (kind: Scenario, see docs/evaluation.md) on fresh simulated clusters and report precision, recall and category accuracy.\n"
            + "Exit codes: 0 thresholds met; 1 recall or precision below its threshold; 2 bad arguments or an invalid scenario file.")
        {
            paths, minRecall, minPrecision, output, speed, parallel, settle,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var recall = result.GetValue(minRecall);
            var precision = result.GetValue(minPrecision);
            if (recall is < 0 or > 1 || double.IsNaN(recall)) return Fail("--min-recall must be between 0 and 1");
            if (precision is < 0 or > 1 || double.IsNaN(precision)) return Fail("--min-precision must be between 0 and 1");
            if (!ScenarioLoader.TryParseDuration(result.GetValue(settle) ?? "", out var settleTime)) return Fail("--settle must be a duration such as 6m or 90s");
            var options = new EvaluationOptions { Speed = result.GetValue(speed), Parallel = result.GetValue(parallel), Settle = settleTime };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                return Fail(e.Message);
            }
            IReadOnlyList<Scenario> scenarios;
            try
            {
                scenarios = ScenarioLoader.Load(result.GetValue(paths) ?? []);
            }
            catch (ScenarioFormatException e)
            {
                return Fail(e.Message);
            }
            if (scenarios.Count == 0) return Fail("no scenario files found");

            var done = 0;
            await Console.Error.WriteLineAsync($"running {scenarios.Count} scenario(s), {options.Parallel} at a time, at {options.Speed.ToString(CultureInfo.InvariantCulture)}x");
            var report = await Evaluator.RunAsync(scenarios, options, r =>
            {
                var n = Interlocked.Increment(ref done);
                Console.Error.WriteLine($"[{n}/{scenarios.Count}] {r.Scenario.Name}: {(r.Passed ? "passed" : "FAILED")} ({r.RealDuration.TotalSeconds:0.0} s)");
            }, cancellationToken);

            var json = result.GetValue(output) == "json";
            if (json) Console.WriteLine(JsonSerializer.Serialize(EvalJson.From(report, recall, precision), EvalJsonContext.Default.EvalJson));
            else WriteTable(report, recall, precision, Console.Out);
            return report.Recall >= recall && report.Precision >= precision ? ExitPassed : ExitBelowThreshold;
        });
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return ExitBadInput;
    }

    internal static void WriteTable(EvaluationReport report, double minRecall, double minPrecision, TextWriter output)
    {
        var rows = new List<string[]> { new[] { "SCENARIO", "EXPECTED", "FOUND", "MISSED", "FALSE POSITIVES", "TIME TO DIAGNOSE", "RESULT" } };
        foreach (var s in report.Scenarios)
            rows.Add([
                s.Scenario.Name, N(s.Expected), N(s.TruePositives), N(s.FalseNegatives), N(s.FalsePositiveCount),
                s.TimeToDiagnose is { } t ? Duration(t) : "-", s.Error is not null ? "ERROR" : s.Passed ? "pass" : "FAIL",
            ]);
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows) output.WriteLine(string.Join("   ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        output.WriteLine();
        foreach (var s in report.Failed)
        {
            output.WriteLine($"{s.Scenario.Name} ({s.Scenario.File}):");
            if (s.Error is not null) output.WriteLine($"  error: {s.Error}");
            foreach (var o in s.Outcomes.Where(o => !o.Found))
                output.WriteLine($"  missed {o.Expected}" + (o.OnSameResource is { } d ? $": diagnosed as {d.Category.ToString().ToLowerInvariant()}/{d.Reason} instead" : ""));
            foreach (var d in s.FalsePositives)
                output.WriteLine($"  false positive {d.Incident.PrimaryResource} {d.Category.ToString().ToLowerInvariant()}/{d.Reason}: {d.RootCause}");
        }
        output.WriteLine($"scenarios {N(report.Passed)}/{N(report.Scenarios.Count)} passed; expected {N(report.Expected)}, found {N(report.TruePositives)}, missed {N(report.FalseNegatives)}, false positives {N(report.FalsePositives)}");
        output.WriteLine($"precision {P(report.Precision)} (min {P(minPrecision)})   recall {P(report.Recall)} (min {P(minRecall)})   category accuracy {P(report.CategoryAccuracy)}   ({report.RealDuration.TotalSeconds:0} s)");
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string P(double ratio) => ratio.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan t) => t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{(int)t.TotalSeconds}s";
}

/// <summary>The <c>-o json</c> report.</summary>
internal sealed record EvalJson(
    bool Passed, double Precision, double Recall, double CategoryAccuracy, EvalJson.TotalsJson Totals, EvalJson.ThresholdsJson Thresholds,
    IReadOnlyList<EvalJson.ScenarioJson> Scenarios)
{
    internal sealed record TotalsJson(int Scenarios, int ScenariosPassed, int Expected, int TruePositives, int FalseNegatives, int FalsePositives, double RealSeconds);

    internal sealed record ThresholdsJson(double MinRecall, double MinPrecision);

    internal sealed record ScenarioJson(string Name, string File, bool Passed, string? Error, int Expected, int Found, int Missed, int FalsePositives,
        double Precision, double Recall, double? SecondsToDiagnose, double ClusterSeconds, IReadOnlyList<IncidentJson> Incidents, IReadOnlyList<DiagnosisJson> FalsePositiveDiagnoses,
        IReadOnlyList<DiagnosisJson> Diagnoses);

    internal sealed record IncidentJson(string Kind, string? Namespace, string Name, string Category, string? Reason, bool Found, double? SecondsToDiagnose,
        string? DiagnosedCategory, string? DiagnosedReason);

    internal sealed record DiagnosisJson(string Kind, string? Namespace, string Name, string Category, string Reason, string RootCause, double SecondsFromStart, string? CorrelationRule, int Signals);

    public static EvalJson From(EvaluationReport report, double minRecall, double minPrecision) => new(
        report.Recall >= minRecall && report.Precision >= minPrecision, report.Precision, report.Recall, report.CategoryAccuracy,
        new TotalsJson(report.Scenarios.Count, report.Passed, report.Expected, report.TruePositives, report.FalseNegatives, report.FalsePositives, Math.Round(report.RealDuration.TotalSeconds, 1)),
        new ThresholdsJson(minRecall, minPrecision),
        [.. report.Scenarios.Select(s => new ScenarioJson(
            s.Scenario.Name, s.Scenario.File, s.Passed, s.Error, s.Expected, s.TruePositives, s.FalseNegatives, s.FalsePositiveCount, s.Precision, s.Recall,
            s.TimeToDiagnose?.TotalSeconds, Math.Round(s.ClusterDuration.TotalSeconds),
            [.. s.Outcomes.Select(o => new IncidentJson(o.Expected.Resource.Kind, o.Expected.Resource.Namespace, o.Expected.Resource.Name,
                Lower(o.Expected.Category), o.Expected.Reason, o.Found, o.TimeToDiagnose is { } t ? Math.Round(t.TotalSeconds) : null,
                o.DiagnosedCategory is { } c ? Lower(c) : null, (o.Match ?? o.OnSameResource)?.Reason))],
            [.. s.FalsePositives.Select(d => Json(s, d))],
            [.. s.Diagnoses.Select(d => Json(s, d.Diagnosis))]))]);

    private static DiagnosisJson Json(ScenarioResult s, Diagnosis.Diagnosis d) =>
        new(d.Incident.PrimaryResource.Kind, d.Incident.PrimaryResource.Namespace, d.Incident.PrimaryResource.Name, Lower(d.Category), d.Reason, d.RootCause,
            Math.Round(s.Diagnoses.First(x => ReferenceEquals(x.Diagnosis, d)).At.TotalSeconds), s.Final(d).CorrelationRule, s.Final(d).Signals.Count);

    private static string Lower(Diagnosis.Category c) => c.ToString().ToLowerInvariant();
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(EvalJson))]
internal sealed partial class EvalJsonContext : JsonSerializerContext;
