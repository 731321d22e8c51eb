using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.WorkQueues;

namespace Vigil.Operator.Extensions;

/// <summary>
/// The life cycle every Vigil resource shares: watch it, compile each new generation into what runs
/// (<typeparamref name="TCompiled"/>), replace the running version when it is valid, keep the last valid version when it is
/// not, and report both in <c>status.conditions</c> (Valid, Ready) with <c>observedGeneration</c>. Changes take effect
/// without a restart; status writes that fail are retried with back-off.
/// </summary>
public abstract partial class ResourceReconciler<TCompiled> : IAsyncDisposable where TCompiled : class
{
    private readonly KubernetesClient _client;
    private readonly ResourceType _type;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SharedInformer<UnstructuredObject> _informer;
    private readonly WorkQueue<string> _queue;
    private readonly ConcurrentDictionary<string, Accepted> _accepted = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    /// <summary>What runs for one resource, and the generation it came from.</summary>
    protected sealed record Accepted(TCompiled Compiled, long Generation, UnstructuredObject Resource);

    protected ResourceReconciler(KubernetesClient client, SharedInformerFactory informers, ResourceType type, TimeProvider time, ILogger logger)
    {
        _client = client;
        _type = type;
        _time = time;
        _logger = logger;
        _queue = new WorkQueue<string>(new WorkQueueOptions<string> { Name = type.Plural, TimeProvider = time });
        _informer = informers.ForUnstructured(type);
        _informer.AddEventHandler(
            onAdd: (d, _) => _queue.Add(ObjectKeys.For(d)),
            onUpdate: (_, d) => _queue.Add(ObjectKeys.For(d)),
            onDelete: (d, _) => _queue.Add(ObjectKeys.For(d)));
    }

    protected TimeProvider Time => _time;

    protected KubernetesClient Client => _client;

    /// <summary>What runs now, by resource key (<c>namespace/name</c>).</summary>
    protected IReadOnlyDictionary<string, Accepted> Running => _accepted;

    /// <summary>What runs now (a snapshot).</summary>
    public IReadOnlyList<TCompiled> Active => [.. _accepted.Values.Select(a => a.Compiled)];

    /// <summary>Raised (on the reconcile loop) when <see cref="Active"/> changed.</summary>
    public event Action? Changed;

    public void Start()
    {
        _loops.Add(Task.Run(ReconcileLoopAsync));
        _loops.Add(Task.Run(StatusLoopAsync));
    }

    /// <summary>Turns a resource into what runs; throws <see cref="InvalidResourceException"/> naming the field and the problem.</summary>
    protected abstract Task<TCompiled> CompileAsync(UnstructuredObject resource, CancellationToken cancellationToken);

    /// <summary>Called when what ran for a resource is replaced or removed (to release it).</summary>
    protected virtual ValueTask RetireAsync(TCompiled compiled) => ValueTask.CompletedTask;

    /// <summary>A one-line description of what runs, for the Ready condition.</summary>
    protected abstract string Describe(TCompiled compiled);

    /// <summary>Status fields besides conditions written when a generation is reconciled.</summary>
    protected virtual void AddStatus(UnstructuredObject resource, TCompiled? running, JsonObject status)
    {
    }

    /// <summary>Status fields that changed since the last periodic write (counters, last fired), or null when none did.</summary>
    protected virtual JsonObject? PeriodicStatus(string key, TCompiled running) => null;

    private async Task ReconcileLoopAsync()
    {
        while (true)
        {
            string key;
            try
            {
                (key, var shutdown) = await _queue.GetAsync(_stop.Token).ConfigureAwait(false);
                if (shutdown) return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await ReconcileAsync(key);
                _queue.Forget(key);
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException or TimeoutException)
            {
                // The status could not be written (a conflict, the API unreachable): again, with back-off.
                LogStatusFailed(_logger, _type.Kind, key, e);
                _queue.AddRateLimited(key);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
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
            if (_accepted.TryRemove(key, out var removed))
            {
                Changed?.Invoke();
                await RetireAsync(removed.Compiled);
            }
            return;
        }
        var generation = resource.Metadata.Generation ?? 0;
        TCompiled? compiled = null;
        string? problem = null;
        try
        {
            compiled = await CompileAsync(resource, _stop.Token);
        }
        catch (InvalidResourceException e)
        {
            problem = e.Message;
        }
        if (compiled is not null)
        {
            var previous = _accepted.GetValueOrDefault(key);
            if (previous is null || previous.Generation != generation)
            {
                _accepted[key] = new Accepted(compiled, generation, resource);
                Changed?.Invoke();
                LogAccepted(_logger, _type.Kind, key, generation);
                if (previous is not null) await RetireAsync(previous.Compiled);
            }
        }
        else
        {
            LogRejected(_logger, _type.Kind, key, generation, problem!);
        }
        var running = _accepted.GetValueOrDefault(key);
        var valid = compiled is not null;
        var readyMessage = running is null ? "no valid version has been accepted yet"
            : valid ? Describe(running.Compiled) : $"generation {running.Generation} keeps running until this one is fixed";
        var status = new JsonObject { ["observedGeneration"] = generation };
        AddStatus(resource, running?.Compiled, status);
        status["conditions"] = ResourceConditions.Merge(resource["status"]?["conditions"] as JsonArray, _time.GetUtcNow(), generation,
            ("Valid", valid, valid ? "Accepted" : "InvalidSpec", valid ? "the spec is valid" : problem!),
            ("Ready", running is not null, running is not null ? "Running" : "NotRunning", readyMessage));
        await WriteStatusAsync(resource, status);
    }

    private async Task StatusLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                foreach (var (key, accepted) in _accepted)
                {
                    if (PeriodicStatus(key, accepted.Compiled) is not { } status || _informer.Indexer.GetByKey(key) is not { } resource) continue;
                    try
                    {
                        await WriteStatusAsync(resource, status);
                    }
                    catch (Exception e) when (e is KubernetesApiException or HttpRequestException or TimeoutException)
                    {
                        LogStatusFailed(_logger, _type.Kind, key, e);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Task WriteStatusAsync(UnstructuredObject resource, JsonObject status) =>
        _client.Unstructured(_type).PatchStatusAsync(resource.Metadata.Name!, Patch.Merge(new JsonObject { ["status"] = status }.ToJsonString()),
            resource.Metadata.Namespace, cancellationToken: _stop.Token);

    protected static string Timestamp(DateTimeOffset at) => new Time(at).ToString();

    protected static string? Text(JsonObject? obj, string name) => ResourceFields.Text(obj, name);

    protected static IReadOnlyList<string> Strings(JsonNode? node) => ResourceFields.Strings(node);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _queue.ShutDown();
        await Task.WhenAll(_loops);
        foreach (var accepted in _accepted.Values) await RetireAsync(accepted.Compiled);
        _queue.Dispose();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "{Kind} {Key} generation {Generation} accepted")]
    private static partial void LogAccepted(ILogger logger, string kind, string key, long generation);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "{Kind} {Key} generation {Generation} rejected: {Problem}")]
    private static partial void LogRejected(ILogger logger, string kind, string key, long generation, string problem);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "status of {Kind} {Key} not written")]
    private static partial void LogStatusFailed(ILogger logger, string kind, string key, Exception exception);
}

/// <summary>Reading fields of an unstructured spec without trusting their types.</summary>
public static class ResourceFields
{
    public static string? Text(JsonObject? obj, string name) => obj?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray array ? [.. array.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : v.ToJsonString())] : [];
}
