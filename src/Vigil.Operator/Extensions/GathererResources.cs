using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Vigil.Diagnosis.Gathering.Custom;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Extensions;

/// <summary>
/// <c>Gatherer</c> resources (vigil.io/v1alpha1) as <see cref="CustomGatherer"/>s the evidence collector runs beside the
/// built-in ones. Besides the schema, a generation is checked for: resource steps name an apiVersion and kind, name a
/// resource or list all, JSONPaths parse, templates use only known variables, and the timeout is a duration. Runs and
/// failures are written to the status every 10 seconds.
/// </summary>
public sealed partial class GathererResources(KubernetesClient client, SharedInformerFactory informers, TimeProvider time, ILogger logger)
    : ResourceReconciler<CustomGatherer>(client, informers, ResourceType, time, logger)
{
    public static readonly ResourceType ResourceType = new("vigil.io", "v1alpha1", "gatherers", "Gatherer", Namespaced: true);

    [GeneratedRegex(@"\{[^}]*\}", RegexOptions.CultureInvariant)]
    private static partial Regex TemplateVariable();

    private static readonly HashSet<string> Variables = ["{resource.name}", "{resource.namespace}", "{resource.kind}", "{resource.uid}", "{node.name}"];

    protected override Task<CustomGatherer> CompileAsync(UnstructuredObject resource, CancellationToken cancellationToken) => Task.FromResult(Compile(resource));

    private CustomGatherer Compile(UnstructuredObject resource)
    {
        var spec = resource["spec"] as JsonObject ?? throw new InvalidResourceException("spec", "is required");
        var timeoutText = Text(spec, "timeout") ?? "10s";
        if (!Configuration.Durations.TryParse(timeoutText, out var timeout) || timeout <= TimeSpan.Zero)
            throw new InvalidResourceException("spec.timeout", $"\"{timeoutText}\" is not a positive duration ({Configuration.Durations.Hint})");
        var collect = spec["collect"] as JsonArray;
        if (collect is null || collect.Count == 0) throw new InvalidResourceException("spec.collect", "needs at least one step");
        var steps = new List<CollectStep>();
        for (var i = 0; i < collect.Count; i++) steps.Add(Step(collect[i] as JsonObject ?? throw new InvalidResourceException($"spec.collect[{i}]", "must be an object"), $"spec.collect[{i}]", i));
        return new CustomGatherer($"gatherer:{resource.Metadata.Namespace}/{resource.Metadata.Name}", Text(spec, "description") ?? "",
            Strings(spec["triggerOn"]?["resourceKinds"]), Strings(spec["triggerOn"]?["detectors"]), timeout, steps, Time);
    }

    private static CollectStep Step(JsonObject step, string path, int index)
    {
        var ns = Template(step, "namespace", path);
        switch (Text(step, "type"))
        {
            case "resource":
                var apiVersion = Text(step, "apiVersion") ?? throw new InvalidResourceException($"{path}.apiVersion", "is required for a resource step");
                var kind = Text(step, "kind") ?? throw new InvalidResourceException($"{path}.kind", "is required for a resource step");
                var listAll = step["listAll"] is JsonValue v && v.TryGetValue<bool>(out var all) && all;
                var name = Template(step, "resourceName", path);
                if (listAll && name is not null) throw new InvalidResourceException($"{path}.resourceName", "cannot be combined with listAll");
                JsonPathSelector? select = null;
                if (Text(step, "jsonPath") is { } jsonPath)
                {
                    try
                    {
                        select = JsonPathSelector.Parse(jsonPath);
                    }
                    catch (FormatException e)
                    {
                        throw new InvalidResourceException($"{path}.jsonPath", e.Message);
                    }
                }
                return new ResourceStep(Text(step, "name") ?? $"{kind} {(listAll ? "(all)" : name ?? "{resource.name}")}", ns, apiVersion, kind, name, listAll,
                    Text(step, "labelSelector"), select);
            case "logs":
                var tail = step["tailLines"] is JsonValue t && t.TryGetValue<int>(out var lines) ? lines : 100;
                if (tail is < 1 or > 10_000) throw new InvalidResourceException($"{path}.tailLines", "must be between 1 and 10000");
                var previous = step["previous"] is JsonValue p && p.TryGetValue<bool>(out var prev) && prev;
                return new LogsStep(Text(step, "name") ?? $"logs{(previous ? " (previous)" : "")}", ns, Template(step, "resourceName", path), Text(step, "container"), tail, previous);
            case var other:
                throw new InvalidResourceException($"{path}.type", $"\"{other}\" is not resource or logs (step {index + 1})");
        }
    }

    /// <summary>A templated field, checked for unknown variables.</summary>
    private static string? Template(JsonObject step, string field, string path)
    {
        var text = Text(step, field);
        if (text is null) return null;
        foreach (Match m in TemplateVariable().Matches(text))
            if (!Variables.Contains(m.Value))
                throw new InvalidResourceException($"{path}.{field}", $"{m.Value} is not a template variable (use {CustomGatherer.Variables})");
        return text;
    }

    protected override string Describe(CustomGatherer compiled) => $"{compiled.Steps.Count} step(s), within {compiled.Budget.TotalSeconds:0.#} s";

    protected override JsonObject? PeriodicStatus(string key, CustomGatherer running)
    {
        if (!running.TakeChanged()) return null;
        var status = new JsonObject { ["runsTotal"] = running.Runs, ["failuresTotal"] = running.Failures };
        if (running.LastRun is { } at) status["lastRun"] = Timestamp(at);
        if (running.LastError is { } error) status["lastError"] = error;
        return status;
    }
}
