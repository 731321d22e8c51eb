using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Detection;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;

namespace Vigil.Diagnosis.Gathering.Custom;

/// <summary>One collection step of a Gatherer resource: an object or list read from the API, or a container's log.</summary>
public abstract record CollectStep(string Title, string? Namespace);

/// <summary>Reads one object (by name) or every object of a kind (with an optional label selector), keeping what the JSONPath selects.</summary>
public sealed record ResourceStep(string Title, string? Namespace, string ApiVersion, string Kind, string? Name, bool ListAll, string? LabelSelector, JsonPathSelector? Select)
    : CollectStep(Title, Namespace);

/// <summary>Reads a pod's log: a container (or all), the last lines, optionally the previous instance.</summary>
public sealed record LogsStep(string Title, string? Namespace, string? PodName, string? Container, int TailLines, bool Previous) : CollectStep(Title, Namespace);

/// <summary>
/// The evidence a Gatherer resource adds: its steps run in order within its own time budget, names and namespaces filled
/// from the incident (<c>{resource.name}</c>, <c>{resource.namespace}</c>, <c>{resource.kind}</c>, <c>{resource.uid}</c>,
/// <c>{node.name}</c>). A step that fails writes its error as a line and the others still run; the collector redacts
/// everything before it leaves the process. Only reads: a Gatherer cannot change the cluster.
/// </summary>
public sealed class CustomGatherer(string name, string description, IReadOnlyList<string> kinds, IReadOnlyList<string> detectors, TimeSpan budget,
    IReadOnlyList<CollectStep> steps, TimeProvider time) : IGatherer
{
    private long _runs;
    private long _failures;
    private int _changed;

    /// <summary>Runs so far, runs in which a step failed, the latest failure and when it last ran (for the resource's status).</summary>
    public long Runs => Interlocked.Read(ref _runs);

    public long Failures => Interlocked.Read(ref _failures);

    public string? LastError { get; private set; }

    public DateTimeOffset? LastRun { get; private set; }

    /// <summary>True once after any run since the last call.</summary>
    public bool TakeChanged() => Interlocked.Exchange(ref _changed, 0) == 1;

    /// <summary>The largest rendering of one selected value kept as a line.</summary>
    private const int MaxLineChars = 4_000;

    public string Name { get; } = name;

    public string Section => string.IsNullOrWhiteSpace(description) ? Name : $"{Name}: {description}";

    public IReadOnlyList<CollectStep> Steps { get; } = steps;

    public TimeSpan Budget { get; } = budget;

    public bool AppliesTo(Incident incident)
    {
        var kindMatch = kinds.Count == 0 || kinds.Contains(incident.PrimaryResource.Kind, StringComparer.OrdinalIgnoreCase)
            || incident.Signals.Any(s => kinds.Contains(s.Resource.Kind, StringComparer.OrdinalIgnoreCase));
        var detectorMatch = detectors.Count == 0 || incident.Signals.Any(s => detectors.Contains(s.Source, StringComparer.OrdinalIgnoreCase));
        return kindMatch && detectorMatch;
    }

    public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Budget);
        var lines = new List<string>();
        foreach (var step in Steps)
        {
            lines.Add($"--- {step.Title}");
            try
            {
                lines.AddRange(step switch
                {
                    ResourceStep r => await ReadResourceAsync(r, incident, client, budget.Token),
                    LogsStep l => await ReadLogsAsync(l, incident, client, budget.Token),
                    _ => [],
                });
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lines.Add($"error: the gatherer's budget of {Budget.TotalSeconds:0.#} s ran out");
                break;
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException or JsonException or InvalidOperationException)
            {
                lines.Add($"error: {e.Message}");
            }
        }
        Interlocked.Increment(ref _runs);
        if (lines.FirstOrDefault(l => l.StartsWith("error: ", StringComparison.Ordinal)) is { } error)
        {
            Interlocked.Increment(ref _failures);
            LastError = error["error: ".Length..];
        }
        LastRun = time.GetUtcNow();
        Interlocked.Exchange(ref _changed, 1);
        return lines;
    }

    private static async Task<IReadOnlyList<string>> ReadResourceAsync(ResourceStep step, Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var type = await client.Discovery.ResolveKindAsync(step.ApiVersion, step.Kind, cancellationToken);
        var ns = type.Namespaced ? Fill(step.Namespace ?? "{resource.namespace}", incident) : null;
        var resources = client.Unstructured(type);
        JsonNode? root;
        if (step.ListAll)
        {
            var list = await resources.ListAsync(ns, new ListOptions { LabelSelector = step.LabelSelector, Limit = 100 }, cancellationToken);
            root = new JsonObject { ["items"] = new JsonArray([.. list.Items.Select(i => (JsonNode)i.ToJsonObject())]) };
        }
        else
        {
            root = (await resources.GetAsync(Fill(step.Name ?? "{resource.name}", incident), ns, cancellationToken)).ToJsonObject();
        }
        var selected = step.Select?.Select(root) ?? [root];
        if (selected.Count == 0) return ["(nothing selected)"];
        return [.. selected.Select(Render)];
    }

    private static async Task<IReadOnlyList<string>> ReadLogsAsync(LogsStep step, Incident incident, KubernetesClient client, CancellationToken cancellationToken)
    {
        var ns = Fill(step.Namespace ?? "{resource.namespace}", incident);
        var pod = step.PodName is not null ? Fill(step.PodName, incident)
            : incident.Signals.Select(s => s.Resource).Concat([incident.PrimaryResource]).FirstOrDefault(r => r.Kind == "Pod")?.Name
              ?? throw new InvalidOperationException("no pod to read logs from: the incident has no pod and the step names none");
        var text = await client.Resource<Pod>().GetLogsAsync(pod, ns, new LogOptions { Container = step.Container, TailLines = step.TailLines, Previous = step.Previous }, cancellationToken);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 0 ? ["(empty log)"] : lines;
    }

    private static string Render(JsonNode? value)
    {
        var text = value switch
        {
            null => "null",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => value.ToJsonString(),
        };
        return text.Length <= MaxLineChars ? text : string.Concat(text.AsSpan(0, MaxLineChars), "… (truncated)");
    }

    /// <summary>Fills the template variables from the incident's primary resource and the node its signals name.</summary>
    public static string Fill(string template, Incident incident)
    {
        var r = incident.PrimaryResource;
        var node = incident.Signals.Select(s => s.Attributes.GetValueOrDefault(Signal.Attribute.Node)).FirstOrDefault(n => n is not null)
            ?? (r.Kind == "Node" ? r.Name : "");
        return template
            .Replace("{resource.name}", r.Name, StringComparison.Ordinal)
            .Replace("{resource.namespace}", r.Namespace ?? "", StringComparison.Ordinal)
            .Replace("{resource.kind}", r.Kind, StringComparison.Ordinal)
            .Replace("{resource.uid}", r.Uid ?? "", StringComparison.Ordinal)
            .Replace("{node.name}", node, StringComparison.Ordinal);
    }

    /// <summary>The template variables a name may use, for validation messages.</summary>
    public const string Variables = "{resource.name}, {resource.namespace}, {resource.kind}, {resource.uid}, {node.name}";
}
