using Vigil.Detection;
using Vigil.Diagnosis;
using Vigil.Embedded.Evaluation;

namespace Vigil.Embedded.Tests.Evaluation;

public sealed class ScoringTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static Diagnosis.Diagnosis D(string kind, string? ns, string name, Category category, string reason, TimeSpan at) => new()
    {
        Incident = new Incident
        {
            Id = Guid.NewGuid().ToString("N"), Fingerprint = "f", PrimaryResource = new ResourceRef(kind, ns, name), Signals = [], FirstSeen = Start, LastSeen = Start,
        },
        RootCause = "x", Category = category, Severity = Severity.Warning, Confidence = 0.9, BlastRadius = "1", Analyzer = "rules", Reason = reason, DiagnosedAt = Start + at,
    };

    private static Scenario S(bool quiet, params ExpectedIncident[] expected) =>
        new() { Name = "s", Manifests = "", ExpectedIncidents = expected, NoOtherIncidents = quiet };

    private static readonly ExpectedIncident Oom = new()
    {
        Category = Category.Resources, Reason = "OOMKilled", Resource = new ResourceRef("Deployment", "shop", "api"), Within = TimeSpan.FromMinutes(2),
    };

    [Fact]
    public void An_expected_incident_matches_by_resource_category_and_reason_within_its_deadline()
    {
        var r = ScenarioRunner.Score(S(true, Oom), [D("Deployment", "shop", "api", Category.Resources, "OOMKilled", TimeSpan.FromSeconds(40))], Start);
        r.Passed.ShouldBeTrue();
        r.TimeToDiagnose.ShouldBe(TimeSpan.FromSeconds(40));

        var late = ScenarioRunner.Score(S(true, Oom), [D("Deployment", "shop", "api", Category.Resources, "OOMKilled", TimeSpan.FromMinutes(3))], Start);
        late.FalseNegatives.ShouldBe(1);
        late.FalsePositiveCount.ShouldBe(0);
    }

    [Fact]
    public void A_wrong_category_is_a_miss_and_a_false_positive_and_counts_against_category_accuracy()
    {
        var r = ScenarioRunner.Score(S(true, Oom), [D("Deployment", "shop", "api", Category.Application, "CrashLoop", TimeSpan.FromSeconds(40))], Start);
        r.FalseNegatives.ShouldBe(1);
        r.FalsePositiveCount.ShouldBe(1);
        r.Outcomes[0].DiagnosedCategory.ShouldBe(Category.Application);
        new EvaluationReport([r], TimeSpan.Zero).CategoryAccuracy.ShouldBe(0);
    }

    [Fact]
    public void Other_diagnoses_are_false_positives_only_when_the_scenario_says_nothing_else_may_happen()
    {
        Diagnosis.Diagnosis[] diagnoses = [D("Deployment", "shop", "api", Category.Resources, "OOMKilled", TimeSpan.FromSeconds(40)), D("Node", null, "node-1", Category.Node, "NodeNotReady", TimeSpan.FromSeconds(50))];
        ScenarioRunner.Score(S(false, Oom), diagnoses, Start).FalsePositiveCount.ShouldBe(0);
        var quiet = ScenarioRunner.Score(S(true, Oom), diagnoses, Start);
        quiet.FalsePositiveCount.ShouldBe(1);
        quiet.Precision.ShouldBe(0.5);

        var report = new EvaluationReport([quiet, ScenarioRunner.Score(S(true), [], Start)], TimeSpan.Zero);
        report.Recall.ShouldBe(1);
        report.Precision.ShouldBe(0.5);
        report.Passed.ShouldBe(1);
    }
}
