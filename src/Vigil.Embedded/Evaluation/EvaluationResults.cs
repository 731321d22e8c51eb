using Vigil.Diagnosis;

namespace Vigil.Embedded.Evaluation;

/// <summary>How an expected incident fared: matched (and how fast), or missed, with what was diagnosed about its resource instead.</summary>
public sealed record ExpectedOutcome(ExpectedIncident Expected, Diagnosis.Diagnosis? Match, TimeSpan? TimeToDiagnose, Diagnosis.Diagnosis? OnSameResource)
{
    public bool Found => Match is not null;

    /// <summary>The category Vigil gave the expected resource (matched or not), or null when it diagnosed nothing about it.</summary>
    public Category? DiagnosedCategory => (Match ?? OnSameResource)?.Category;
}

/// <summary>One scenario's run: each expectation's outcome, the diagnoses nobody expected, and any error that stopped it.</summary>
public sealed record ScenarioResult
{
    public required Scenario Scenario { get; init; }

    public IReadOnlyList<ExpectedOutcome> Outcomes { get; init; } = [];

    /// <summary>Diagnoses that match no expectation, counted only when the scenario sets noOtherIncidents.</summary>
    public IReadOnlyList<Diagnosis.Diagnosis> FalsePositives { get; init; } = [];

    /// <summary>Every diagnosis made during the run, with its cluster time since the start.</summary>
    public IReadOnlyList<(TimeSpan At, Diagnosis.Diagnosis Diagnosis)> Diagnoses { get; init; } = [];

    /// <summary>Every incident's last known state (signals joined and the correlation rule after updates), by incident id.</summary>
    public IReadOnlyDictionary<string, Detection.Incident> Incidents { get; init; } = new Dictionary<string, Detection.Incident>();

    /// <summary>The incident as it ended up, or as it was diagnosed when no later change is known.</summary>
    public Detection.Incident Final(Diagnosis.Diagnosis diagnosis) => Incidents.GetValueOrDefault(diagnosis.Incident.Id) ?? diagnosis.Incident;

    /// <summary>Why the scenario could not run (a manifest the cluster refused...); its expectations then count as missed.</summary>
    public string? Error { get; init; }

    /// <summary>Cluster time the run covered.</summary>
    public TimeSpan ClusterDuration { get; init; }

    /// <summary>Real time the run took.</summary>
    public TimeSpan RealDuration { get; init; }

    public int Expected => Scenario.ExpectedIncidents.Count;
    public int TruePositives => Outcomes.Count(o => o.Found);
    public int FalseNegatives => Expected - TruePositives;
    public int FalsePositiveCount => FalsePositives.Count;

    public bool Passed => Error is null && FalseNegatives == 0 && FalsePositiveCount == 0;

    public double Precision => Metrics.Ratio(TruePositives, TruePositives + FalsePositiveCount);
    public double Recall => Metrics.Ratio(TruePositives, Expected);

    /// <summary>The slowest matched diagnosis, in cluster time from the start.</summary>
    public TimeSpan? TimeToDiagnose => Outcomes.Where(o => o.TimeToDiagnose is not null).Select(o => o.TimeToDiagnose!.Value).DefaultIfEmpty().Max() is var t && t > TimeSpan.Zero ? t : null;
}

/// <summary>The catalog's score: true and false positives, misses, and the ratios the thresholds are checked against.</summary>
public sealed record EvaluationReport(IReadOnlyList<ScenarioResult> Scenarios, TimeSpan RealDuration)
{
    public int Expected => Scenarios.Sum(s => s.Expected);
    public int TruePositives => Scenarios.Sum(s => s.TruePositives);
    public int FalseNegatives => Scenarios.Sum(s => s.FalseNegatives);
    public int FalsePositives => Scenarios.Sum(s => s.FalsePositiveCount);
    public int Passed => Scenarios.Count(s => s.Passed);

    /// <summary>TP / (TP + FP); 1 when nothing was diagnosed and nothing expected.</summary>
    public double Precision => Metrics.Ratio(TruePositives, TruePositives + FalsePositives);

    /// <summary>TP / expected.</summary>
    public double Recall => Metrics.Ratio(TruePositives, Expected);

    /// <summary>Of the expected incidents whose resource Vigil diagnosed at all, the share given the expected category.</summary>
    public double CategoryAccuracy
    {
        get
        {
            var diagnosed = Scenarios.SelectMany(s => s.Outcomes).Where(o => o.DiagnosedCategory is not null).ToList();
            return Metrics.Ratio(diagnosed.Count(o => o.DiagnosedCategory == o.Expected.Category), diagnosed.Count);
        }
    }

    public IEnumerable<ScenarioResult> Failed => Scenarios.Where(s => !s.Passed);
}

internal static class Metrics
{
    /// <summary>A ratio that is perfect when there was nothing to count.</summary>
    public static double Ratio(int part, int whole) => whole == 0 ? 1 : (double)part / whole;
}
