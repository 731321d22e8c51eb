using Vigil.Embedded.Evaluation;

namespace Vigil.Embedded.Tests.Evaluation;

/// <summary>
/// The labelled scenario catalog (scenarios/) is Vigil's measured detection quality: every scenario runs on its own
/// simulated cluster and the catalog must keep recall and precision at or above 0.95 (what `vigil eval` checks by default).
/// </summary>
public sealed class ScenarioCatalogTests
{
    /// <summary>Fast enough to keep the catalog near a minute, slow enough that the pipeline's real-time latency stays small in cluster time.</summary>
    internal static readonly EvaluationOptions Options = new() { Speed = 40, Parallel = 4 };

    [Fact]
    public async Task The_scenario_catalog_is_diagnosed_with_recall_and_precision_of_at_least_95_percent()
    {
        var scenarios = ScenarioLoader.Load([Repository.Path("scenarios")]);
        scenarios.Count.ShouldBeGreaterThanOrEqualTo(25);

        var report = await Evaluator.RunAsync(scenarios, Options);

        var failures = string.Join("\n", report.Failed.Select(Describe));
        report.Recall.ShouldBeGreaterThanOrEqualTo(0.95, $"recall {report.Recall:0.000}; failing scenarios:\n{failures}");
        report.Precision.ShouldBeGreaterThanOrEqualTo(0.95, $"precision {report.Precision:0.000}; failing scenarios:\n{failures}");
    }

    internal static string Describe(ScenarioResult r) =>
        $"{r.Scenario.Name} ({r.Scenario.File}): "
        + string.Join("; ", new[] { r.Error }
            .Concat(r.Outcomes.Where(o => !o.Found).Select(o => $"missed {o.Expected}" + (o.OnSameResource is { } d ? $" (diagnosed {d.Category}/{d.Reason})" : "")))
            .Concat(r.FalsePositives.Select(d => $"false positive {d.Incident.PrimaryResource} {d.Category}/{d.Reason}"))
            .Where(s => s is not null));
}
