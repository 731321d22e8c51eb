using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vigil.Detection;
using Vigil.Detection.Custom;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.WorkQueues;

namespace Vigil.Operator.Extensions;

/// <summary>
/// Turns <c>Detector</c> resources (vigil.io/v1alpha1) into running <see cref="CelDetector"/>s. Each change is
/// validated (schema aside: the resource kind, the CEL condition and its cost, the duration, the namespace rules);
/// a valid one replaces the running version at once, an invalid one is reported in <c>status.conditions</c>
/// (Valid=False with the reason) while the last valid version keeps running. Fires and evaluation errors are written
/// to the status periodically, not per signal.
/// </summary>
public sealed partial class DetectorResources : IAsyncDisposable
{
    public static readonly ResourceType ResourceType = new("vigil.io", "v1alpha1", "detectors", "Detector", Namespaced: true);

    private readonly KubernetesClient _client;
    private readonly string _systemNamespace;
    private readonly NamespaceLookup _namespaces;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SharedInformer<UnstructuredObject> _informer;
    private readonly WorkQueue<string> _queue;
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    /// <summary>A running detector and what it did since its status was last written.</summary>
    private sealed class Running(CelDetector detector, long generation)
    {
        public CelDetector Detector { get; } = detector;
        public long Generation { get; } = generation;
        public long Fired;
        public DateTimeOffset? LastFired;
        public bool Dirty;
    }

    public DetectorResources(KubernetesClient client, SharedInformerFactory informers, string systemNamespace,
        NamespaceLookup namespaces, TimeProvider time, ILogger<DetectorResources> logger)
    {
        _client = client;
        _systemNamespace = systemNamespace;
        _namespaces = namespaces;
        _time = time;
        _logger = logger;
        _queue = new WorkQueue<string>(new WorkQueueOptions<string> { Name = "detectors", TimeProvider = time });
        _informer = informers.ForUnstructured(ResourceType);
        _informer.AddEventHandler(
            onAdd: (d, _) => _queue.Add(ObjectKeys.For(d)),
            onUpdate: (_, d) => _queue.Add(ObjectKeys.For(d)),
            onDelete: (d, _) => _queue.Add(ObjectKeys.For(d)));
    }

    /// <summary>The detectors in effect now (a snapshot).</summary>
    public IReadOnlyList<CelDetector> Active => [.. _running.Values.Select(r => r.Detector)];

    /// <summary>Raised (on the reconcile loop) when <see cref="Active"/> changed.</summary>
    public event Action? Changed;

    public void Start()
    {
        _loops.Add(Task.Run(ReconcileLoopAsync));
        _loops.Add(Task.Run(StatusLoopAsync));
    }

    /// <summary>A signal from one of these detectors was raised: counted for its status.</summary>
    public void RecordFired(string detectorName, DateTimeOffset at)
    {
        foreach (var running in _running.Values)
        {
            if (running.Detector.Name != detectorName) continue;
            lock (running)
            {
                running.Fired++;
                running.LastFired = at;
                running.Dirty = true;
            }
        }
    }

    private async Task ReconcileLoopAsync()
    {
        while (true)
        {
            var (key, shutdown) = await _queue.GetAsync(_stop.Token).ConfigureAwait(false);
            if (shutdown) return;
            try
            {
                await ReconcileAsync(key);
                _queue.Forget(key);
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException or TimeoutException)
            {
                // Status could not be written (conflict, API unreachable): try again with back-off.
                LogStatusFailed(_logger, key, e);
                _queue.AddRateLimited(key);
            }
            finally
            {
                _queue.Done(key);
            }
        }
    }

    private async Task ReconcileAsync(string key)
    {
        var resource = _informer.Indexer.GetByKey(key);
        if (resource is null || resource.Metadata.DeletionTimestamp is not null)
        {
            if (_running.TryRemove(key, out _)) Changed?.Invoke();
            return;
        }
        var generation = resource.Metadata.Generation ?? 0;
        var now = _time.GetUtcNow();
        CelDetector? accepted = null;
        string? problem = null;
        try
        {
            accepted = CelDetector.Create(Definition(resource), InScope(resource));
        }
        catch (InvalidDetectorException e)
        {
            problem = e.Message;
        }
        if (accepted is not null)
        {
            var previous = _running.GetValueOrDefault(key);
            if (previous is null || previous.Generation != generation)
            {
                _running[key] = new Running(accepted, generation);
                Changed?.Invoke();
                LogAccepted(_logger, key, generation);
            }
        }
        else
        {
            LogRejected(_logger, key, generation, problem!);
        }
        var running = _running.GetValueOrDefault(key);
        var valid = accepted is not null;
        var ready = running is not null;
        var readyMessage = !ready ? "no valid version has been accepted yet"
            : valid ? $"watching {running!.Detector.Kind} objects" : $"generation {running!.Generation} keeps running until this one is fixed";
        var status = new JsonObject
        {
            ["observedGeneration"] = generation,
            ["matchedNamespaces"] = MatchedNamespaces(resource),
            ["conditions"] = ResourceConditions.Merge(resource["status"]?["conditions"] as JsonArray, now, generation,
                ("Valid", valid, valid ? "Accepted" : "InvalidSpec", valid ? "the condition compiled within its cost limit" : problem!),
                ("Ready", ready, ready ? "Running" : "NotRunning", readyMessage)),
        };
        await WriteStatusAsync(resource, status);
    }

    private async Task StatusLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                foreach (var (key, running) in _running)
                {
                    JsonObject status;
                    lock (running)
                    {
                        if (!running.Dirty && running.Detector.Errors == 0) continue;
                        running.Dirty = false;
                        status = new JsonObject { ["firedTotal"] = running.Fired, ["evaluationErrors"] = running.Detector.Errors };
                        if (running.LastFired is { } at) status["lastFired"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
                        if (running.Detector.LastError is { } error) status["lastError"] = error;
                    }
                    if (_informer.Indexer.GetByKey(key) is { } resource)
                    {
                        try
                        {
                            await WriteStatusAsync(resource, status);
                        }
                        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or TimeoutException)
                        {
                            LogStatusFailed(_logger, key, e);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Task WriteStatusAsync(UnstructuredObject resource, JsonObject status) =>
        _client.Unstructured(ResourceType).PatchStatusAsync(resource.Metadata.Name!, Patch.Merge(new JsonObject { ["status"] = status }.ToJsonString()),
            resource.Metadata.Namespace, cancellationToken: _stop.Token);

    /// <summary>The definition a resource declares; throws <see cref="InvalidDetectorException"/> naming the field.</summary>
    internal DetectorDefinition Definition(UnstructuredObject resource)
    {
        var spec = resource["spec"] as JsonObject ?? throw new InvalidDetectorException("spec", "is required");
        var severityText = Text(spec, "severity") ?? "warning";
        var severity = severityText switch
        {
            "critical" => Severity.Critical,
            "warning" => Severity.Warning,
            "info" => Severity.Info,
            _ => throw new InvalidDetectorException("spec.severity", $"\"{severityText}\" is not one of critical, warning, info"),
        };
        var cooldownText = Text(spec, "cooldown") ?? "30m";
        if (!GoDuration.TryParse(cooldownText, out var cooldown))
            throw new InvalidDetectorException("spec.cooldown", $"\"{cooldownText}\" is not a duration (use 30s, 5m, 1h)");
        var ns = resource.Metadata.Namespace ?? "";
        var selector = spec["namespaceSelector"] is JsonObject s ? Scope(s) : null;
        if (selector is not null && ns != _systemNamespace)
            throw new InvalidDetectorException("spec.namespaceSelector", $"is only allowed in {_systemNamespace}; elsewhere a Detector watches its own namespace");
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
        if (ns != _systemNamespace) return objectNamespace => objectNamespace == ns;
        if (resource["spec"]?["namespaceSelector"] is not JsonObject selector) return objectNamespace => objectNamespace == ns;
        var scope = Scope(selector);
        // Cluster-scoped objects (nodes, namespaces) are in scope of a system-namespace detector with a selector.
        return objectNamespace => objectNamespace is null || scope.Matches(_namespaces.Labels(objectNamespace));
    }

    private JsonArray MatchedNamespaces(UnstructuredObject resource)
    {
        var ns = resource.Metadata.Namespace ?? "";
        if (ns != _systemNamespace || resource["spec"]?["namespaceSelector"] is not JsonObject selector) return [ns];
        var scope = Scope(selector);
        var matched = new JsonArray();
        foreach (var name in _namespaces.Names().Where(n => scope.Matches(_namespaces.Labels(n))).Order(StringComparer.Ordinal)) matched.Add(name);
        return matched;
    }

    private static NamespaceScope Scope(JsonObject selector) => new()
    {
        MatchLabels = selector["matchLabels"] is JsonObject labels
            ? labels.Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => kv.Value!.ToString(), StringComparer.Ordinal)
            : Signal.EmptyMap,
        MatchExpressions = selector["matchExpressions"] is JsonArray expressions
            ? [.. expressions.OfType<JsonObject>().Select(e => new LabelRequirement(
                Text(e, "key") ?? "", Text(e, "operator") ?? "",
                e["values"] is JsonArray values ? [.. values.OfType<JsonValue>().Select(v => v.ToString())] : []))]
            : [],
    };

    private static string? Text(JsonObject obj, string name) => obj[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _queue.ShutDown();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
        }
        _queue.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "detector {Key} generation {Generation} accepted")]
    private static partial void LogAccepted(ILogger logger, string key, long generation);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "detector {Key} generation {Generation} rejected: {Problem}")]
    private static partial void LogRejected(ILogger logger, string key, long generation, string problem);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "status of detector {Key} not written")]
    private static partial void LogStatusFailed(ILogger logger, string key, Exception exception);
}

/// <summary>The cluster's namespaces and their labels, as the operator's informer cache knows them.</summary>
public sealed record NamespaceLookup(Func<IEnumerable<string>> Names, Func<string, IReadOnlyDictionary<string, string>?> Labels);
