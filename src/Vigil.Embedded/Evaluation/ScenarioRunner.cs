using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vigil.Cluster.Api;
using Vigil.Cluster.Server;
using Vigil.Operator.Pipeline;

namespace Vigil.Embedded.Evaluation;

/// <summary>How scenarios are run.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Cluster seconds per real second.</summary>
    public double Speed { get; init; } = 30;

    /// <summary>Scenarios run at once, each on its own cluster.</summary>
    public int Parallel { get; init; } = 3;

    /// <summary>
    /// With noOtherIncidents, how long after the last manifests were applied the run keeps watching for false positives:
    /// long enough for the slowest default detector threshold (5 minutes) plus the correlation window and a re-scan.
    /// </summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>With noOtherIncidents, how long after the last expected diagnosis the run keeps watching, at least.</summary>
    public TimeSpan SettleAfterLastDiagnosis { get; init; } = TimeSpan.FromMinutes(1);

    public ILoggerFactory? LoggerFactory { get; init; }

    public void Validate()
    {
        if (!(Speed is > 0 and <= 1000)) throw new ArgumentException("speed must be above 0 and at most 1000");
        if (Parallel is < 1 or > 16) throw new ArgumentException("parallel must be between 1 and 16");
        if (Settle < TimeSpan.Zero || SettleAfterLastDiagnosis < TimeSpan.Zero) throw new ArgumentException("settle must not be negative");
    }
}

/// <summary>
/// Runs one scenario on a fresh <see cref="EmbeddedVigil"/>: applies its manifests, then its steps at their cluster-time
/// offsets, collects every diagnosis, and stops once every expected incident is diagnosed or past its deadline (and, with
/// noOtherIncidents, once the settle period has passed too). Then scores what it saw.
/// </summary>
public static class ScenarioRunner
{
    public static async Task<ScenarioResult> RunAsync(Scenario scenario, EvaluationOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var realStart = Stopwatch.GetTimestamp();
        var diagnoses = new ConcurrentQueue<Diagnosis.Diagnosis>();
        using var arrived = new SemaphoreSlim(0);
        var incidents = new ConcurrentDictionary<string, Detection.Incident>(StringComparer.Ordinal);
        var pipelineOptions = new PipelineOptions();
        foreach (var (name, detector) in scenario.Detectors) pipelineOptions.Detectors[name] = detector;
        DateTimeOffset start = default;
        EmbeddedVigil vigil;
        try
        {
            vigil = await EmbeddedVigil.StartAsync(
                new ClusterOptions { Speed = options.Speed, Nodes = scenario.EffectiveNodes },
                pipelineOptions,
                loggerFactory: options.LoggerFactory,
                beforeStart: v =>
                {
                    v.Pipeline.IncidentChanged += change => incidents[change.Incident.Id] = change.Incident;
                    v.Pipeline.Diagnosed += d =>
                    {
                        diagnoses.Enqueue(d);
                        arrived.Release();
                    };
                    start = v.Cluster.Clock.GetUtcNow();
                    v.Cluster.Apply(scenario.Manifests);
                    return Task.CompletedTask;
                },
                cancellationToken: cancellationToken);
        }
        catch (ApiException e)
        {
            return Failed(scenario, $"spec.manifests: the cluster refused them: {e.Message}", realStart);
        }

        await using (vigil)
        {
            var clock = vigil.Cluster.Clock;
            var lastApplied = start;
            string? error = null;
            // Far past any sensible run: a cluster that stops making progress must not hang the evaluation.
            var latest = start + scenario.Then.Aggregate(TimeSpan.Zero, (t, s) => t + s.After)
                + scenario.ExpectedIncidents.Select(e => e.Within).DefaultIfEmpty().Max() + options.Settle + options.SettleAfterLastDiagnosis + TimeSpan.FromMinutes(5);
            using var realLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            realLimit.CancelAfter(TimeSpan.FromSeconds((latest - start).TotalSeconds / options.Speed + 60));

            var steps = ApplyStepsAsync(scenario, vigil, clock, at => lastApplied = at, realLimit.Token);
            try
            {
                while (true)
                {
                    var now = clock.GetUtcNow();
                    var seen = diagnoses.ToArray();
                    var next = NextDeadline(scenario, options, seen, start, lastApplied, steps.IsCompleted, now);
                    if (next is null) break;
                    var wait = next.Value - now;
                    if (wait <= TimeSpan.Zero) continue;
                    using var wake = CancellationTokenSource.CreateLinkedTokenSource(realLimit.Token);
                    var delay = Task.Delay(wait, clock, wake.Token);
                    var signal = arrived.WaitAsync(wake.Token);
                    await Task.WhenAny(steps.IsCompleted ? [delay, signal] : [delay, signal, steps]);
                    await wake.CancelAsync();
                    if (steps.IsFaulted) break;
                    realLimit.Token.ThrowIfCancellationRequested();
                }
                if (steps.IsFaulted) error = steps.Exception!.InnerException!.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                error = "the run took too long in real time (is the machine overloaded? try a lower --speed)";
            }
            var end = clock.GetUtcNow();
            var all = diagnoses.ToArray();
            return Score(scenario, all, start) with
            {
                Incidents = incidents,
                Error = error,
                ClusterDuration = end - start,
                RealDuration = Stopwatch.GetElapsedTime(realStart),
            };
        }
    }

    private static async Task ApplyStepsAsync(Scenario scenario, EmbeddedVigil vigil, TimeProvider clock, Action<DateTimeOffset> applied, CancellationToken cancellationToken)
    {
        for (var i = 0; i < scenario.Then.Count; i++)
        {
            var step = scenario.Then[i];
            if (step.After > TimeSpan.Zero) await Task.Delay(step.After, clock, cancellationToken);
            try
            {
                vigil.Cluster.Apply(step.Manifests);
            }
            catch (ApiException e)
            {
                throw new InvalidOperationException($"spec.then[{i}].manifests: the cluster refused them: {e.Message}", e);
            }
            applied(clock.GetUtcNow());
        }
    }

    /// <summary>When to look again, or null when the run is over.</summary>
    private static DateTimeOffset? NextDeadline(Scenario scenario, EvaluationOptions options, Diagnosis.Diagnosis[] seen, DateTimeOffset start,
        DateTimeOffset lastApplied, bool stepsDone, DateTimeOffset now)
    {
        // Steps still to come: wait for them (a step re-checks when it completes).
        var deadlines = new List<DateTimeOffset>();
        DateTimeOffset? lastFound = null;
        foreach (var expected in scenario.ExpectedIncidents)
        {
            var match = seen.Where(d => expected.Matches(d) && d.DiagnosedAt - start <= expected.Within).Select(d => (DateTimeOffset?)d.DiagnosedAt).Min();
            if (match is { } at)
            {
                if (lastFound is null || at > lastFound) lastFound = at;
                continue;
            }
            if (start + expected.Within > now) deadlines.Add(start + expected.Within);
        }
        if (deadlines.Count > 0) return deadlines.Min();
        if (!stepsDone) return now + TimeSpan.FromMinutes(1);
        if (!scenario.NoOtherIncidents) return null;
        var settled = lastApplied + options.Settle;
        if (lastFound is { } found && found + options.SettleAfterLastDiagnosis > settled) settled = found + options.SettleAfterLastDiagnosis;
        return settled > now ? settled : null;
    }

    /// <summary>Matches diagnoses to expectations: the earliest matching diagnosis within the deadline; the rest are false positives when the scenario says so.</summary>
    public static ScenarioResult Score(Scenario scenario, IReadOnlyList<Diagnosis.Diagnosis> diagnoses, DateTimeOffset start)
    {
        var ordered = diagnoses.OrderBy(d => d.DiagnosedAt).ToList();
        var outcomes = new List<ExpectedOutcome>();
        foreach (var expected in scenario.ExpectedIncidents)
        {
            var match = ordered.FirstOrDefault(d => expected.Matches(d) && d.DiagnosedAt - start <= expected.Within);
            var about = ordered.FirstOrDefault(d => expected.IsAbout(d) && d.DiagnosedAt - start <= expected.Within);
            outcomes.Add(new ExpectedOutcome(expected, match, match is null ? null : match.DiagnosedAt - start, match is null ? about : null));
        }
        var falsePositives = scenario.NoOtherIncidents
            ? ordered.Where(d => !scenario.ExpectedIncidents.Any(e => e.Matches(d))).ToList()
            : [];
        return new ScenarioResult
        {
            Scenario = scenario,
            Outcomes = outcomes,
            FalsePositives = falsePositives,
            Diagnoses = [.. ordered.Select(d => (d.DiagnosedAt - start, d))],
        };
    }

    private static ScenarioResult Failed(Scenario scenario, string error, long realStart) =>
        Score(scenario, [], default) with { Error = error, RealDuration = Stopwatch.GetElapsedTime(realStart) };
}

/// <summary>Runs a catalog of scenarios, a few at once, and scores them together.</summary>
public static class Evaluator
{
    public static async Task<EvaluationReport> RunAsync(IReadOnlyList<Scenario> scenarios, EvaluationOptions options,
        Action<ScenarioResult>? finished = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var started = Stopwatch.GetTimestamp();
        using var slots = new SemaphoreSlim(options.Parallel);
        var runs = scenarios.Select(async scenario =>
        {
            await slots.WaitAsync(cancellationToken);
            try
            {
                var result = await ScenarioRunner.RunAsync(scenario, options, cancellationToken);
                finished?.Invoke(result);
                return result;
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        var results = await Task.WhenAll(runs);
        return new EvaluationReport(results, Stopwatch.GetElapsedTime(started));
    }
}
