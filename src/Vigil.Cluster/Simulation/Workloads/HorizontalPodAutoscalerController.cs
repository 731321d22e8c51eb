using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Selectors;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// The horizontal pod autoscaler (autoscaling/v2) every 15 seconds: reads the target's scale, the pods' usage (the
/// <c>sim.vigil.io/cpu-usage</c> and <c>memory-usage</c> annotations, per container or pod-wide) against their requests,
/// proposes <c>ceil(ratio × ready pods)</c> outside the 10% tolerance (with the upstream treatment of unready and
/// missing pods), stabilizes scale-downs over 5 minutes (or by <c>spec.behavior</c>), clamps to min/max, scales the
/// target, and reports currentMetrics, the AbleToScale/ScalingActive/ScalingLimited conditions and SuccessfulRescale.
/// </summary>
public sealed class HorizontalPodAutoscalerController : Controller
{
    private const double Tolerance = 0.1;
    private static readonly TimeSpan SyncPeriod = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan DownscaleStabilization = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan CpuInitializationPeriod = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan InitialReadinessDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MetricWindow = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<ObjectKey, List<(DateTimeOffset At, int Replicas)>> _recommendations = new();
    private readonly ConcurrentDictionary<ObjectKey, List<(DateTimeOffset At, int Change)>> _scaleUps = new();
    private readonly ConcurrentDictionary<ObjectKey, List<(DateTimeOffset At, int Change)>> _scaleDowns = new();

    public HorizontalPodAutoscalerController(ControllerHub hub) : base(hub, "horizontal-pod-autoscaler")
    {
        hub.Subscribe(hub.Hpas, c =>
        {
            if (c.Kind == WatchEventType.Deleted)
            {
                _recommendations.TryRemove(c.Key, out _);
                _scaleUps.TryRemove(c.Key, out _);
                _scaleDowns.TryRemove(c.Key, out _);
                return;
            }
            // Its own status writes do not need another look; spec changes do.
            if (c.Kind == WatchEventType.Modified && JsonNode.DeepEquals(c.Node["spec"], c.PreviousNode?["spec"])) return;
            Enqueue(c.Key);
        });
    }

    public override void Resync() => EnqueueAll(Hub.Hpas);

    private sealed class Run(JsonObject hpa, DateTimeOffset now)
    {
        public JsonObject Hpa { get; } = hpa;
        public DateTimeOffset Now { get; } = now;
        public JsonArray Conditions { get; } = (JsonArray)(hpa["status"]?["conditions"]?.DeepClone() ?? new JsonArray());

        public void Set(string type, string status, string reason, string message)
        {
            var existing = Conditions.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == type);
            var transition = existing is not null && Meta.Str(existing, "status") == status ? Meta.Str(existing, "lastTransitionTime") : Meta.Time(Now);
            var condition = new JsonObject
            {
                ["type"] = type,
                ["status"] = status,
                ["lastTransitionTime"] = transition,
                ["reason"] = reason,
                ["message"] = message,
            };
            if (existing is null) Conditions.Add(condition);
            else Conditions[Conditions.IndexOf(existing)] = condition;
        }
    }

    protected override TimeSpan? Sync(ObjectKey key)
    {
        var hpa = Hub.Get(Hub.Hpas, key.Namespace, key.Name);
        if (hpa is null) return null;
        var run = new Run(hpa, Now);
        var spec = hpa["spec"] as JsonObject ?? new JsonObject();
        var targetRef = spec["scaleTargetRef"] as JsonObject ?? new JsonObject();
        var kind = Meta.Str(targetRef, "kind") ?? "";
        var targetName = Meta.Str(targetRef, "name") ?? "";
        var reference = $"{kind}/{targetName}";
        var targetType = Ops.Registry.FindByKind(Meta.Str(targetRef, "apiVersion") ?? "", kind);
        var target = targetType?.Scale is null ? null : Hub.Get(targetType, key.Namespace, targetName);
        if (targetType?.Scale is null || target is null)
        {
            var error = targetType?.Scale is null
                ? $"no matches for kind \"{kind}\" in group \"{Meta.Str(targetRef, "apiVersion")}\""
                : $"{targetType.QualifiedPlural} \"{targetName}\" not found";
            run.Set("AbleToScale", "False", "FailedGetScale", $"the HPA controller was unable to get the target's current scale: {error}");
            Recorder.Warning(hpa, "FailedGetScale", error);
            WriteStatus(run, Json.Long(hpa["status"]?["currentReplicas"]), Json.Long(hpa["status"]?["desiredReplicas"]), hpa["status"]?["currentMetrics"] as JsonArray, false);
            return SyncPeriod;
        }
        run.Set("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale");
        var current = (int)Json.Long(Path(target, targetType.Scale.SpecReplicasPath), 1);
        _recommendations.TryAdd(key, [(run.Now, current)]);
        var minReplicas = (int)Json.Long(spec["minReplicas"], 1);
        var maxReplicas = (int)Json.Long(spec["maxReplicas"], 1);
        var desired = 0;
        var rescaleReason = "";
        JsonArray? statuses = null;
        bool rescale;
        if (current == 0 && minReplicas != 0)
        {
            desired = 0;
            rescale = false;
            run.Set("ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
        }
        else if (current > maxReplicas)
        {
            rescaleReason = "Current number of replicas above Spec.MaxReplicas";
            desired = maxReplicas;
            rescale = true;
        }
        else if (current < minReplicas)
        {
            rescaleReason = "Current number of replicas below Spec.MinReplicas";
            desired = minReplicas;
            rescale = true;
        }
        else
        {
            var selector = TargetSelector(target, targetType);
            var (proposal, metricName, computed, error) = ComputeReplicas(run, key.Namespace, selector, current);
            statuses = computed;
            if (proposal < 0)
            {
                WriteStatus(run, current, Json.Long(hpa["status"]?["desiredReplicas"]), statuses, false);
                Recorder.Warning(hpa, "FailedComputeMetricsReplicas", error!);
                return SyncPeriod;
            }
            if (proposal > desired)
            {
                desired = proposal;
                if (desired > current) rescaleReason = $"{metricName} above target";
            }
            if (desired < current) rescaleReason = "All metrics below target";
            desired = spec["behavior"] is JsonObject behavior
                ? NormalizeWithBehaviors(run, key, behavior, current, desired, minReplicas, maxReplicas)
                : Normalize(run, key, current, desired, minReplicas, maxReplicas);
            rescale = desired != current;
        }

        if (rescale)
        {
            try
            {
                Update(targetType, key.Namespace, targetName, o =>
                {
                    SetPath(o, targetType.Scale.SpecReplicasPath, desired);
                    return true;
                });
            }
            catch (ApiException e)
            {
                Recorder.Warning(hpa, "FailedRescale", $"New size: {desired}; reason: {rescaleReason}; error: {e.Message}");
                run.Set("AbleToScale", "False", "FailedUpdateScale", $"the HPA controller was unable to update the target scale: {e.Message}");
                WriteStatus(run, current, desired, statuses, false);
                return SyncPeriod;
            }
            run.Set("AbleToScale", "True", "SucceededRescale", $"the HPA controller was able to update the target scale to {desired}");
            Recorder.Normal(hpa, "SuccessfulRescale", $"New size: {desired}; reason: {rescaleReason}");
            var events = desired > current ? _scaleUps : _scaleDowns;
            events.AddOrUpdate(key, _ => [(run.Now, Math.Abs(desired - current))], (_, l) =>
            {
                l.RemoveAll(e => e.At < run.Now - TimeSpan.FromMinutes(30));
                l.Add((run.Now, Math.Abs(desired - current)));
                return l;
            });
        }
        else desired = current == 0 && minReplicas != 0 ? 0 : current;
        WriteStatus(run, current, desired, statuses, rescale);
        _ = reference;
        return SyncPeriod;
    }

    private void WriteStatus(Run run, long current, long desired, JsonArray? metrics, bool rescale)
    {
        UpdateStatus(Hub.Hpas, Json.Namespace(run.Hpa), Json.Name(run.Hpa), o =>
        {
            var before = o["status"]?.DeepClone();
            var st = new JsonObject();
            Json.SetCount(st, "currentReplicas", current);
            st["desiredReplicas"] = desired;
            if (metrics is { Count: > 0 }) st["currentMetrics"] = metrics.DeepClone();
            if (rescale) st["lastScaleTime"] = Meta.Time(run.Now);
            else if (o["status"]?["lastScaleTime"] is { } last) st["lastScaleTime"] = last.DeepClone();
            st["conditions"] = run.Conditions.DeepClone();
            o["status"] = st;
            return !JsonNode.DeepEquals(before, st);
        });
    }

    private static LabelSelector? TargetSelector(JsonObject target, ResourceType type)
    {
        var node = type.Scale?.LabelSelectorPath is { } p ? Path(target, p) : null;
        try
        {
            return node switch
            {
                JsonObject o => LabelSelector.FromObject(o),
                JsonValue v when v.TryGetValue<string>(out var s) => LabelSelector.Parse(s),
                _ => null,
            };
        }
        catch (ApiException)
        {
            return null;
        }
    }

    // ---- metrics ----

    private (int Replicas, string Metric, JsonArray Statuses, string? Error) ComputeReplicas(Run run, string ns, LabelSelector? selector, int current)
    {
        var hpa = run.Hpa;
        var specs = (hpa["spec"]?["metrics"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if (specs.Count == 0)
            specs = [new JsonObject { ["type"] = "Resource", ["resource"] = new JsonObject { ["name"] = "cpu", ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = 80 } } }];
        var statuses = new JsonArray();
        if (selector is null)
        {
            const string msg = "selector is required";
            run.Set("ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector");
            Recorder.Warning(hpa, "SelectorRequired", msg);
            return (-1, "", statuses, $"invalid metrics (1 invalid out of {specs.Count}), first error is: {msg}");
        }
        var best = -1;
        var bestName = "";
        var invalid = 0;
        string? firstError = null;
        (string Reason, string Message)? invalidCondition = null;
        foreach (var metric in specs)
        {
            var type = Meta.Str(metric, "type");
            try
            {
                if (type is not ("Resource" or "ContainerResource"))
                    throw new MetricException($"FailedGet{type}Metric", $"unable to get metric {Meta.Str(metric[Camel(type)]?["metric"], "name")}: no metrics returned from custom metrics API");
                var source = metric[type == "Resource" ? "resource" : "containerResource"] as JsonObject ?? new JsonObject();
                var (replicas, name, status) = ResourceReplicas(run, ns, selector, current, source, type == "ContainerResource" ? Meta.Str(source, "container") : null);
                statuses.Add(new JsonObject { ["type"] = type, [type == "Resource" ? "resource" : "containerResource"] = status });
                if (replicas > best)
                {
                    best = replicas;
                    bestName = name;
                }
            }
            catch (MetricException e)
            {
                invalid++;
                firstError ??= e.Message;
                invalidCondition ??= (e.Reason, $"the HPA was unable to compute the replica count: {e.Detail}");
                Recorder.Warning(hpa, e.Reason, e.Detail);
            }
        }
        if (invalid >= specs.Count)
        {
            run.Set("ScalingActive", "False", invalidCondition!.Value.Reason, invalidCondition.Value.Message);
            return (-1, "", statuses, $"invalid metrics ({invalid} invalid out of {specs.Count}), first error is: {firstError}");
        }
        run.Set("ScalingActive", "True", "ValidMetricFound", $"the HPA was able to successfully calculate a replica count from {bestName}");
        return (best, bestName, statuses, null);
    }

    private static string Camel(string? s) => string.IsNullOrEmpty(s) ? "" : char.ToLowerInvariant(s[0]) + s[1..];

    private sealed class MetricException(string reason, string detail, string message) : Exception(message)
    {
        public MetricException(string reason, string detail) : this(reason, detail, detail)
        {
        }

        public string Reason { get; } = reason;
        public string Detail { get; } = detail;
    }

    /// <summary>The replica proposal for one resource metric (<c>GetResourceReplicas</c> / <c>GetRawResourceReplicas</c>).</summary>
    private (int Replicas, string Name, JsonObject Status) ResourceReplicas(Run run, string ns, LabelSelector selector, int current, JsonObject source, string? container)
    {
        var resource = Meta.Str(source, "name") ?? "cpu";
        var target = source["target"] as JsonObject ?? new JsonObject();
        var targetType = Meta.Str(target, "type") ?? "Utilization";
        var pods = Ops.Store.List(Hub.Pods.StorageKey, ns, s => selector.Matches(s.Labels)).Items.Select(s => s.ToNode()).ToList();
        var failureReason = container is null ? "FailedGetResourceMetric" : "FailedGetContainerResourceMetric";
        var metricLabel = targetType == "Utilization" ? $"{resource} resource utilization (percentage of request)" : $"{resource} resource";
        if (container is not null) metricLabel = targetType == "Utilization" ? $"{resource} container resource utilization (percentage of request)" : $"{resource} container resource";

        // The metrics API reports running pods only.
        var metrics = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var pod in pods.Where(p => PodState.Phase(p) == "Running"))
            metrics[Json.Name(pod)] = Usage(pod, resource, container);
        if (metrics.Count == 0)
            throw new MetricException(failureReason, $"unable to get metrics for resource {resource}: no metrics returned from resource metrics API",
                $"failed to get {resource} utilization: unable to get metrics for resource {resource}: no metrics returned from resource metrics API");
        if (pods.Count == 0)
            throw new MetricException(failureReason, "no pods returned by selector while calculating replica count",
                $"failed to get {resource} utilization: no pods returned by selector while calculating replica count");

        var ready = 0;
        var unready = new HashSet<string>(StringComparer.Ordinal);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        var ignored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var name = Json.Name(pod);
            if (Meta.IsDeleting(pod) || PodState.Phase(pod) == "Failed")
            {
                ignored.Add(name);
                continue;
            }
            if (PodState.Phase(pod) == "Pending")
            {
                unready.Add(name);
                continue;
            }
            if (!metrics.ContainsKey(name))
            {
                missing.Add(name);
                continue;
            }
            if (resource == "cpu")
            {
                var condition = PodState.ReadyCondition(pod);
                var start = Json.Time(pod["status"], "startTime");
                bool isUnready;
                if (condition is null || start is null) isUnready = true;
                else
                {
                    var transition = Json.Time(condition, "lastTransitionTime") ?? DateTimeOffset.MinValue;
                    isUnready = start.Value + CpuInitializationPeriod > run.Now
                        ? Meta.Str(condition, "status") == "False" || run.Now < transition + MetricWindow
                        : Meta.Str(condition, "status") == "False" && start.Value + InitialReadinessDelay > transition;
                }
                if (isUnready)
                {
                    unready.Add(name);
                    continue;
                }
            }
            ready++;
        }
        foreach (var name in ignored.Concat(unready)) metrics.Remove(name);

        var requests = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            decimal sum = 0;
            foreach (var c in (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (container is not null && Meta.Str(c, "name") != container) continue;
                var request = c["resources"]?["requests"]?[resource] ?? c["resources"]?["limits"]?[resource];
                if (request is null && targetType == "Utilization")
                    throw new MetricException(failureReason, $"missing request for {resource} in container {Meta.Str(c, "name")} of Pod {Json.Name(pod)}",
                        $"failed to get {resource} utilization: missing request for {resource} in container {Meta.Str(c, "name")} of Pod {Json.Name(pod)}");
                sum += Quantity.From(request).Value;
            }
            requests[Json.Name(pod)] = sum;
        }
        if (metrics.Count == 0)
            throw new MetricException(failureReason, "did not receive metrics for targeted pods (pods might be unready)",
                $"failed to get {resource} utilization: did not receive metrics for targeted pods (pods might be unready)");

        if (targetType == "Utilization")
        {
            var targetUtilization = Json.Long(target["averageUtilization"], 80);
            var (ratio, utilization, rawAverage) = UtilizationRatio(metrics, requests, targetUtilization);
            var replicas = Proposal(ratio, current, ready, unready, missing, metrics, requests, m => UtilizationRatio(m, requests, targetUtilization).Ratio, fallbackForMissing: name => requests[name]);
            return (replicas, metricLabel, new JsonObject
            {
                ["name"] = resource,
                ["current"] = new JsonObject { ["averageUtilization"] = utilization, ["averageValue"] = Milli(rawAverage) },
            });
        }
        else
        {
            var targetValue = Quantity.From(target["averageValue"]).Value;
            var total = metrics.Values.Sum();
            var average = total / metrics.Count;
            var ratio = targetValue == 0 ? 0 : (double)(total / targetValue / metrics.Count);
            decimal Ratio(Dictionary<string, decimal> m) => targetValue == 0 ? 0 : m.Values.Sum() / targetValue / m.Count;
            var replicas = Proposal(ratio, current, ready, unready, missing, metrics, requests, m => (double)Ratio(m), fallbackForMissing: _ => targetValue);
            return (replicas, metricLabel, new JsonObject
            {
                ["name"] = resource,
                ["current"] = new JsonObject { ["averageValue"] = Milli(average) },
            });
        }
    }

    private static int Proposal(double ratio, int current, int ready, HashSet<string> unready, HashSet<string> missing, Dictionary<string, decimal> metrics,
        Dictionary<string, decimal> requests, Func<Dictionary<string, decimal>, double> ratioOf, Func<string, decimal> fallbackForMissing)
    {
        var scaleUpWithUnready = unready.Count > 0 && ratio > 1.0;
        if (!scaleUpWithUnready && missing.Count == 0)
        {
            if (Math.Abs(1.0 - ratio) <= Tolerance) return current;
            return (int)Math.Ceiling(ratio * ready);
        }
        var adjusted = new Dictionary<string, decimal>(metrics, StringComparer.Ordinal);
        foreach (var name in missing) adjusted[name] = ratio < 1.0 ? fallbackForMissing(name) : 0;
        if (scaleUpWithUnready)
            foreach (var name in unready) adjusted[name] = 0;
        var newRatio = ratioOf(adjusted);
        if (Math.Abs(1.0 - newRatio) <= Tolerance || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0)) return current;
        var replicas = (int)Math.Ceiling(newRatio * adjusted.Count);
        if ((newRatio < 1.0 && replicas > current) || (newRatio > 1.0 && replicas < current)) return current;
        _ = requests;
        return replicas;
    }

    private static (double Ratio, long Utilization, decimal RawAverage) UtilizationRatio(Dictionary<string, decimal> metrics, Dictionary<string, decimal> requests, long target)
    {
        decimal usage = 0, requested = 0;
        var count = 0;
        foreach (var (name, value) in metrics)
        {
            if (!requests.TryGetValue(name, out var r)) continue;
            usage += value;
            requested += r;
            count++;
        }
        if (requested == 0 || count == 0) return (0, 0, 0);
        var utilization = (long)(usage * 100 / requested);
        return ((double)utilization / target, utilization, usage / count);
    }

    /// <summary>A pod's usage of a resource from its annotations (container-specific over pod-wide), summed over containers.</summary>
    private static decimal Usage(JsonObject pod, string resource, string? onlyContainer)
    {
        var annotations = Meta.StringMap(pod["metadata"]?["annotations"]);
        decimal total = 0;
        foreach (var c in (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = Meta.Str(c, "name") ?? "";
            if (onlyContainer is not null && name != onlyContainer) continue;
            var text = annotations.GetValueOrDefault($"sim.vigil.io/{name}.{resource}-usage") ?? annotations.GetValueOrDefault($"sim.vigil.io/{resource}-usage");
            if (Quantity.TryParse(text, out var q)) total += q.Value;
        }
        return total;
    }

    private static string Milli(decimal value)
    {
        var milli = (long)Math.Round(value * 1000m);
        return milli % 1000 == 0 ? (milli / 1000).ToString(CultureInfo.InvariantCulture) : $"{milli}m";
    }

    // ---- normalization ----

    private int Normalize(Run run, ObjectKey key, int current, int proposed, int min, int max)
    {
        var list = _recommendations.GetOrAdd(key, _ => []);
        int stabilized;
        lock (list)
        {
            stabilized = proposed;
            var cutoff = run.Now - DownscaleStabilization;
            var oldIndex = -1;
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].At < cutoff) oldIndex = i;
                else if (list[i].Replicas > stabilized) stabilized = list[i].Replicas;
            }
            if (oldIndex >= 0) list[oldIndex] = (run.Now, proposed);
            else list.Add((run.Now, proposed));
        }
        if (stabilized != proposed)
            run.Set("AbleToScale", "True", "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation");
        else
            run.Set("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size");

        var scaleUpLimit = Math.Max(2 * current, 4);
        int maxAllowed;
        string reason, message;
        if (max > scaleUpLimit)
        {
            maxAllowed = scaleUpLimit;
            (reason, message) = ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate");
        }
        else
        {
            maxAllowed = max;
            (reason, message) = ("TooManyReplicas", "the desired replica count is more than the maximum replica count");
        }
        int desired;
        if (stabilized < min)
        {
            desired = min;
            (reason, message) = ("TooFewReplicas", "the desired replica count is less than the minimum replica count");
        }
        else if (stabilized > maxAllowed) desired = maxAllowed;
        else
        {
            desired = stabilized;
            (reason, message) = ("DesiredWithinRange", "the desired count is within the acceptable range");
        }
        run.Set("ScalingLimited", desired == stabilized ? "False" : "True", reason, message);
        return desired;
    }

    private int NormalizeWithBehaviors(Run run, ObjectKey key, JsonObject behavior, int current, int proposed, int min, int max)
    {
        var up = Rules(behavior["scaleUp"] as JsonObject, up: true);
        var down = Rules(behavior["scaleDown"] as JsonObject, up: false);
        var list = _recommendations.GetOrAdd(key, _ => []);
        int stabilized;
        lock (list)
        {
            var upCutoff = run.Now - TimeSpan.FromSeconds(up.Window);
            var downCutoff = run.Now - TimeSpan.FromSeconds(down.Window);
            int upRec = proposed, downRec = proposed;
            var oldIndex = -1;
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].At > upCutoff) upRec = Math.Min(list[i].Replicas, upRec);
                if (list[i].At > downCutoff) downRec = Math.Max(list[i].Replicas, downRec);
                if (list[i].At < upCutoff && list[i].At < downCutoff) oldIndex = i;
            }
            stabilized = current;
            if (stabilized < upRec) stabilized = upRec;
            if (stabilized > downRec) stabilized = downRec;
            if (oldIndex >= 0) list[oldIndex] = (run.Now, proposed);
            else list.Add((run.Now, proposed));
        }
        if (stabilized != proposed)
        {
            if (proposed >= current) run.Set("AbleToScale", "True", "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation");
            else run.Set("AbleToScale", "True", "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation");
        }
        else run.Set("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size");

        var desired = stabilized;
        var (reason, message) = ("DesiredWithinRange", "the desired count is within the acceptable range");
        var ups = Events(_scaleUps, key);
        var downs = Events(_scaleDowns, key);
        if (stabilized > current)
        {
            var limit = Math.Max(current, Limit(up, current, ups, downs, scaleUp: true, run.Now));
            var maxAllowed = max;
            if (maxAllowed > limit)
            {
                maxAllowed = limit;
                (reason, message) = ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate");
            }
            else (reason, message) = ("TooManyReplicas", "the desired replica count is more than the maximum replica count");
            if (stabilized > maxAllowed) desired = maxAllowed;
            else (reason, message) = ("DesiredWithinRange", "the desired count is within the acceptable range");
        }
        else if (stabilized < current)
        {
            var limit = Math.Min(current, Limit(down, current, ups, downs, scaleUp: false, run.Now));
            var minAllowed = min;
            if (minAllowed < limit)
            {
                minAllowed = limit;
                (reason, message) = ("ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate");
            }
            else (reason, message) = ("TooFewReplicas", "the desired replica count is less than the minimum replica count");
            if (stabilized < minAllowed) desired = minAllowed;
            else (reason, message) = ("DesiredWithinRange", "the desired count is within the acceptable range");
        }
        run.Set("ScalingLimited", desired == stabilized ? "False" : "True", reason, message);
        return desired;
    }

    private static List<(DateTimeOffset At, int Change)> Events(ConcurrentDictionary<ObjectKey, List<(DateTimeOffset At, int Change)>> map, ObjectKey key) =>
        map.TryGetValue(key, out var list) ? [.. list] : [];

    private sealed record ScalingRules(long Window, string Select, List<(string Type, long Value, long Period)> Policies);

    /// <summary>A behavior's rules with the apiserver's defaults filled in.</summary>
    private static ScalingRules Rules(JsonObject? rules, bool up)
    {
        var window = Json.LongOrNull(rules?["stabilizationWindowSeconds"]) ?? (up ? 0 : 300);
        var select = Meta.Str(rules, "selectPolicy") ?? "Max";
        var policies = (rules?["policies"] as JsonArray)?.OfType<JsonObject>()
            .Select(p => (Meta.Str(p, "type") ?? "Pods", Json.Long(p["value"]), Json.Long(p["periodSeconds"], 15))).ToList();
        if (policies is null || policies.Count == 0)
            policies = up ? [("Pods", 4, 15), ("Percent", 100, 15)] : [("Percent", 100, 15)];
        return new ScalingRules(window, select, policies);
    }

    private static int Limit(ScalingRules rules, int current, List<(DateTimeOffset At, int Change)> ups, List<(DateTimeOffset At, int Change)> downs, bool scaleUp, DateTimeOffset now)
    {
        if (rules.Select == "Disabled") return current;
        var minChange = rules.Select == "Min";
        long result = scaleUp == minChange ? int.MaxValue : int.MinValue;
        foreach (var (type, value, period) in rules.Policies)
        {
            var since = now - TimeSpan.FromSeconds(period);
            var added = ups.Where(e => e.At > since).Sum(e => e.Change);
            var deleted = downs.Where(e => e.At > since).Sum(e => e.Change);
            var start = current - added + deleted;
            long proposed = scaleUp
                ? type == "Pods" ? start + value : (long)Math.Ceiling(start * (1 + value / 100.0))
                : type == "Pods" ? start - value : (long)(start * (1 - value / 100.0));
            result = scaleUp == minChange ? Math.Min(result, proposed) : Math.Max(result, proposed);
        }
        return (int)Math.Clamp(result, int.MinValue, int.MaxValue);
    }

    private static JsonNode? Path(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.TrimStart('.').Split('.')) node = node is JsonObject o ? o[part] : null;
        return node;
    }

    private static void SetPath(JsonObject obj, string path, int value)
    {
        var parts = path.TrimStart('.').Split('.');
        var node = obj;
        foreach (var part in parts[..^1]) node = Json.Obj(node, part);
        node[parts[^1]] = value;
    }
}
