using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vigil.Detection;
using Vigil.Detection.Custom;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Operator.Extensions;

/// <summary>
/// <c>Detector</c> resources (vigil.io/v1alpha1) as running <see cref="CelDetector"/>s. Besides the schema, a
/// generation is checked for what only Vigil can check: the CEL condition compiles, returns bool and is within its cost
/// limit; the duration parses; a namespace selector appears only in the system namespace. Fires and evaluation errors
/// are written to the status every 10 seconds, not per signal.
/// </summary>
public sealed class DetectorResources(KubernetesClient client, SharedInformerFactory informers, string systemNamespace, NamespaceLookup namespaces,
    TimeProvider time, ILogger logger)
    : ResourceReconciler<CelDetector>(client, informers, ResourceType, time, logger)
{
    public static readonly ResourceType ResourceType = new("vigil.io", "v1alpha1", "detectors", "Detector", Namespaced: true);

    private readonly ConcurrentDictionary<string, Fires> _fires = new(StringComparer.Ordinal);

    private sealed class Fires
    {
        public long Total;
        public DateTimeOffset? Last;
        public long ErrorsWritten;
        public bool Dirty;
    }

    /// <summary>A signal from one of these detectors was raised (counted for its status).</summary>
    public void RecordFired(string detectorName, DateTimeOffset at)
    {
        var fires = _fires.GetOrAdd(detectorName, _ => new Fires());
        lock (fires)
        {
            fires.Total++;
            fires.Last = at;
            fires.Dirty = true;
        }
    }

    protected override Task<CelDetector> CompileAsync(UnstructuredObject resource, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult(CelDetector.Create(Definition(resource), InScope(resource)));
        }
        catch (InvalidDetectorException e)
        {
            throw new InvalidResourceException(e.Field, e.Message[(e.Field.Length + 2)..]);
        }
    }

    protected override string Describe(CelDetector compiled) => $"watching {compiled.Kind} objects";

    protected override void AddStatus(UnstructuredObject resource, CelDetector? running, JsonObject status) =>
        status["matchedNamespaces"] = MatchedNamespaces(resource);

    protected override JsonObject? PeriodicStatus(string key, CelDetector running)
    {
        var fires = _fires.GetOrAdd(running.Name, _ => new Fires());
        lock (fires)
        {
            if (!fires.Dirty && fires.ErrorsWritten == running.Errors) return null;
            fires.Dirty = false;
            fires.ErrorsWritten = running.Errors;
            var status = new JsonObject { ["firedTotal"] = fires.Total, ["evaluationErrors"] = running.Errors };
            if (fires.Last is { } at) status["lastFired"] = Timestamp(at);
            if (running.LastError is { } error) status["lastError"] = error;
            return status;
        }
    }

    /// <summary>The definition a resource declares; throws <see cref="InvalidResourceException"/> naming the field.</summary>
    internal DetectorDefinition Definition(UnstructuredObject resource)
    {
        var spec = resource["spec"] as JsonObject ?? throw new InvalidResourceException("spec", "is required");
        var severityText = Text(spec, "severity") ?? "warning";
        var severity = severityText switch
        {
            "critical" => Severity.Critical,
            "warning" => Severity.Warning,
            "info" => Severity.Info,
            _ => throw new InvalidResourceException("spec.severity", $"\"{severityText}\" is not one of critical, warning, info"),
        };
        var cooldownText = Text(spec, "cooldown") ?? "30m";
        if (!Configuration.Durations.TryParse(cooldownText, out var cooldown))
            throw new InvalidResourceException("spec.cooldown", $"\"{cooldownText}\" is not a duration ({Configuration.Durations.Hint})");
        var ns = resource.Metadata.Namespace ?? "";
        var selector = spec["namespaceSelector"] is JsonObject s ? Selector(s) : null;
        if (selector is not null && ns != systemNamespace)
            throw new InvalidResourceException("spec.namespaceSelector", $"is only allowed in {systemNamespace}; elsewhere a Detector watches its own namespace");
        return new DetectorDefinition(ns, resource.Metadata.Name ?? "", Text(spec, "resource") ?? "", Text(spec, "condition") ?? "")
        {
            Description = Text(spec, "description") ?? "",
            Params = spec["params"] is JsonObject p
                ? p.Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => kv.Value!.ToString(), StringComparer.Ordinal)
                : Signal.EmptyMap,
            Severity = severity,
            Cooldown = cooldown,
            NamespaceSelector = selector,
        };
    }

    private Func<string?, bool> InScope(UnstructuredObject resource)
    {
        var ns = resource.Metadata.Namespace;
        if (ns != systemNamespace || resource["spec"]?["namespaceSelector"] is not JsonObject selectorJson)
            return objectNamespace => objectNamespace == ns;
        var selector = Selector(selectorJson);
        // Cluster-scoped objects (nodes, namespaces) are in scope of a system-namespace detector with a selector.
        return objectNamespace => objectNamespace is null || selector.Matches(namespaces.Labels(objectNamespace));
    }

    private JsonArray MatchedNamespaces(UnstructuredObject resource)
    {
        var ns = resource.Metadata.Namespace ?? "";
        if (ns != systemNamespace || resource["spec"]?["namespaceSelector"] is not JsonObject selectorJson) return [ns];
        var selector = Selector(selectorJson);
        return [.. namespaces.Names().Where(n => selector.Matches(namespaces.Labels(n))).Order(StringComparer.Ordinal).Select(n => (JsonNode?)n)];
    }

    internal static LabelSelector Selector(JsonObject selector) =>
        selector.Deserialize(KubernetesJsonContext.Default.LabelSelector) ?? new LabelSelector();
}

/// <summary>The cluster's namespaces and their labels, as the operator's informer cache knows them.</summary>
public sealed record NamespaceLookup(Func<IEnumerable<string>> Names, Func<string, IDictionary<string, string>?> Labels);
