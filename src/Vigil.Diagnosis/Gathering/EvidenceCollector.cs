using Vigil.Detection;
using Vigil.Detection.Detectors;
using Vigil.Diagnosis.Redaction;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;

namespace Vigil.Diagnosis.Gathering;

/// <summary>
/// Runs every gatherer that applies to an incident at once, each within its budget. A gatherer that fails or runs out of
/// time leaves a section with the error instead of its lines; everything is redacted before it is returned.
/// With <paramref name="cache"/> (the operator's informer caches), the pods and nodes an incident is about and the events of
/// its namespace are read from it instead of the API server; logs and the rest are always requested.
/// </summary>
public sealed class EvidenceCollector(IEnumerable<IGatherer> gatherers, KubernetesClient client, Redactor redactor, GatherOptions options, IClusterView? cache = null)
{
    private readonly IReadOnlyList<IGatherer> _builtIn = [.. gatherers];
    private volatile IReadOnlyList<IGatherer> _gatherers = [.. gatherers];

    public IReadOnlyList<IGatherer> Gatherers => _gatherers;

    /// <summary>Replaces the custom gatherers (Gatherer resources) run beside the built-in ones.</summary>
    public void SetCustomGatherers(IReadOnlyList<IGatherer> custom) => _gatherers = [.. _builtIn, .. custom];

    public async Task<Evidence> CollectAsync(Incident incident, CancellationToken cancellationToken)
    {
        IncidentPods.BeginCollection(cache);
        var tasks = _gatherers.Where(g => g.AppliesTo(incident)).Select(g => RunAsync(g, incident, cancellationToken)).ToList();
        var sections = await Task.WhenAll(tasks);
        return new Evidence(incident, sections);
    }

    private async Task<EvidenceSection> RunAsync(IGatherer gatherer, Incident incident, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A Gatherer resource declares its own budget.
        var limit = gatherer is Custom.CustomGatherer custom ? custom.Budget : options.Budget;
        budget.CancelAfter(limit);
        var name = gatherer.GetType().Name;
        try
        {
            var lines = await gatherer.CollectAsync(incident, client, budget.Token).WaitAsync(budget.Token);
            return new EvidenceSection(gatherer.Section, name, redactor.Redact(lines));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new EvidenceSection(gatherer.Section, name, [], $"timed out after {limit.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or System.Text.Json.JsonException or InvalidOperationException or IOException)
        {
            return new EvidenceSection(gatherer.Section, name, [], redactor.Redact(e.Message));
        }
    }

    /// <summary>The built-in gatherers.</summary>
    public static IReadOnlyList<IGatherer> BuiltIn(GatherOptions options) =>
    [
        new PodGatherer(options),
        new PodEventsGatherer(options),
        new LogsGatherer(options, previous: false),
        new LogsGatherer(options, previous: true),
        new NodeGatherer(),
        new StorageGatherer(),
        new OwnerChainGatherer(),
        new RolloutHistoryGatherer(),
        new NamespaceEventsGatherer(options),
        new AutoscalingGatherer(),
        new QuotaGatherer(),
        new DisruptionBudgetGatherer(),
    ];
}
