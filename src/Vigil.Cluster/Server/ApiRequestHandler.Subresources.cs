using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Vigil.Cluster.Api;
using Vigil.Cluster.Patching;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Selectors;

namespace Vigil.Cluster.Server;

public sealed partial class ApiRequestHandler
{
    private async Task SubresourceAsync(HttpContext ctx, RequestInfo info)
    {
        var type = info.Type;
        var name = info.Name!;
        var sub = info.Subresource!;
        var method = ctx.Request.Method;
        var served = sub switch
        {
            "status" => type.HasStatusSubresource,
            "scale" => type.Scale is not null,
            _ => type.ExtraSubresources.Contains(sub),
        };
        if (!served) throw ApiException.NotFoundPath();

        switch (sub, method)
        {
            case ("status" or "ephemeralcontainers", "GET"):
                await Responses.WriteObject(ctx, 200, type, _ops.Get(type, info.Namespace, name), Format(ctx), Time);
                return;
            case ("status" or "ephemeralcontainers", "PUT"):
                {
                    var body = await ReadObjectAsync(ctx, out var duplicates);
                    var options = WriteOptionsFrom(ctx, duplicates);
                    await Responses.WriteObject(ctx, 200, type, _ops.Update(type, info.Namespace, name, body, options, sub), Format(ctx), Time);
                    return;
                }
            case ("status" or "ephemeralcontainers", "PATCH"):
                {
                    var (patchType, patch, options) = await ReadPatchAsync(ctx);
                    await Responses.WriteObject(ctx, 200, type, _ops.Patch(type, info.Namespace, name, patchType, patch, options, sub), Format(ctx), Time);
                    return;
                }
            case ("scale", "GET"):
                await Responses.WriteNode(ctx, 200, ToScale(type, _ops.Get(type, info.Namespace, name)));
                return;
            case ("scale", "PUT"):
                {
                    var body = await ReadObjectAsync(ctx, out _);
                    await Responses.WriteNode(ctx, 200, UpdateScale(type, info.Namespace, name, _ => body));
                    return;
                }
            case ("scale", "PATCH"):
                {
                    var (patchType, patch, options) = await ReadPatchAsync(ctx);
                    await Responses.WriteNode(ctx, 200, UpdateScale(type, info.Namespace, name, scale => patchType switch
                    {
                        PatchType.Json => (JsonObject)JsonPatch.Apply(scale, patch),
                        PatchType.Merge or PatchType.StrategicMerge => (JsonObject)(MergePatch.Apply(scale, patch) ?? scale),
                        _ => ServerSideApply.Apply(scale, (JsonObject)patch, new ApplyRequest(options.FieldManager!, options.Force, "autoscaling/v1", "scale"), null, Time.GetUtcNow()),
                    }));
                    return;
                }
            case ("log", "GET"):
                await LogAsync(ctx, info);
                return;
            case ("eviction", "POST"):
                await EvictAsync(ctx, info);
                return;
            case ("binding", "POST"):
                await BindAsync(ctx, info);
                return;
            case ("finalize", "PUT"):
                {
                    var body = await ReadObjectAsync(ctx, out _);
                    var result = _ops.Mutate(type, null, name, ns =>
                    {
                        Defaulting.Obj(ns, "spec")["finalizers"] = body["spec"]?["finalizers"]?.DeepClone() ?? new JsonArray();
                        return true;
                    }) ?? throw ResourceOperations.NotFound(type, name);
                    await Responses.WriteObject(ctx, 200, type, result, Format(ctx), Time);
                    return;
                }
            default:
                throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }
    }

    // ---- scale ----

    private static JsonObject ToScale(ResourceType type, JsonObject obj)
    {
        var scale = type.Scale!;
        var meta = obj["metadata"] as JsonObject;
        var scaleMeta = new JsonObject();
        foreach (var key in new[] { "name", "namespace", "uid", "resourceVersion", "creationTimestamp" })
            if (meta?[key] is { } v) scaleMeta[key] = v.DeepClone();
        var status = new JsonObject { ["replicas"] = JsonPath(obj, scale.StatusReplicasPath)?.DeepClone() ?? 0 };
        if (scale.LabelSelectorPath is { } selectorPath && JsonPath(obj, selectorPath) is { } selector)
            status["selector"] = selector is JsonObject selectorObject ? LabelSelector.FromObject(selectorObject).ToString() : selector.DeepClone();
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = scaleMeta,
            ["spec"] = new JsonObject { ["replicas"] = JsonPath(obj, scale.SpecReplicasPath)?.DeepClone() ?? 0 },
            ["status"] = status,
        };
    }

    private JsonObject UpdateScale(ResourceType type, string? ns, string name, Func<JsonObject, JsonObject> change)
    {
        JsonObject? result = null;
        _ops.Mutate(type, ns, name, obj =>
        {
            var scale = ToScale(type, obj);
            var currentRv = Meta.ResourceVersion(scale);
            var updated = change((JsonObject)scale.DeepClone());
            var rv = Meta.ResourceVersion(updated);
            if (!string.IsNullOrEmpty(rv) && rv != currentRv) throw ApiException.Conflict(type.Plural, name, type.Group);
            if (updated["spec"]?["replicas"] is not JsonValue replicasValue || !replicasValue.TryGetValue<long>(out var replicas))
                throw ApiException.Invalid("Scale", name, [new("FieldValueRequired", "Required value", "spec.replicas")], "autoscaling");
            if (replicas < 0)
                throw ApiException.Invalid("Scale", name, [new("FieldValueInvalid", $"Invalid value: {replicas}: must be greater than or equal to 0", "spec.replicas")], "autoscaling");
            SetJsonPath(obj, type.Scale!.SpecReplicasPath, JsonValue.Create(replicas));
            return true;
        }, fieldManager: "vigil-scale");
        result = ToScale(type, _ops.Get(type, ns, name));
        return result;
    }

    private static JsonNode? JsonPath(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.TrimStart('.').Split('.'))
            node = node is JsonObject o ? o[part] : null;
        return node;
    }

    private static void SetJsonPath(JsonObject obj, string path, JsonNode value)
    {
        var parts = path.TrimStart('.').Split('.');
        var node = obj;
        foreach (var part in parts[..^1]) node = Defaulting.Obj(node, part);
        node[parts[^1]] = value;
    }

    // ---- pods/log ----

    private async Task LogAsync(HttpContext ctx, RequestInfo info)
    {
        var pod = _ops.Get(info.Type, info.Namespace, info.Name!);
        var q = ctx.Request.Query;
        var containers = (pod["spec"]?["containers"] as JsonArray ?? []).Select(c => Meta.Str(c, "name") ?? "").ToList();
        var initContainers = (pod["spec"]?["initContainers"] as JsonArray ?? []).Select(c => Meta.Str(c, "name") ?? "").ToList();
        var ephemeral = (pod["spec"]?["ephemeralContainers"] as JsonArray ?? []).Select(c => Meta.Str(c, "name") ?? "").ToList();
        var container = q["container"].ToString();
        if (container.Length == 0)
        {
            var defaultContainer = Meta.Str(pod["metadata"]?["annotations"], "kubectl.kubernetes.io/default-container");
            if (defaultContainer is not null) container = defaultContainer;
            else if (containers.Count == 1) container = containers[0];
            else
                throw ApiException.BadRequest($"a container name must be specified for pod {info.Name}, choose one of: [{string.Join(' ', containers)}]" +
                    (initContainers.Count > 0 ? $" or one of the init containers: [{string.Join(' ', initContainers)}]" : ""));
        }
        if (!containers.Contains(container) && !initContainers.Contains(container) && !ephemeral.Contains(container))
            throw ApiException.BadRequest($"container {container} is not valid for pod {info.Name}");

        var previous = Negotiation.ParseBool(q["previous"].ToString(), "previous") == true;
        var follow = Negotiation.ParseBool(q["follow"].ToString(), "follow") == true;
        var timestamps = Negotiation.ParseBool(q["timestamps"].ToString(), "timestamps") == true;
        var tail = ParseInt(q["tailLines"].ToString(), "tailLines");
        var sinceSeconds = ParseInt(q["sinceSeconds"].ToString(), "sinceSeconds");
        var limitBytes = ParseInt(q["limitBytes"].ToString(), "limitBytes");
        IEnumerable<LogLine> lines = _logs.Read(pod, container, previous);
        if (sinceSeconds is { } since) lines = lines.Where(l => l.Time >= Time.GetUtcNow().AddSeconds(-since));
        if (tail is { } t) lines = lines.TakeLast(Math.Max(0, t));

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain";
        long written = 0;
        async Task<bool> WriteLine(LogLine line)
        {
            var text = timestamps ? $"{line.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffff'Z'", CultureInfo.InvariantCulture)} {line.Text}\n" : line.Text + "\n";
            var bytes = Encoding.UTF8.GetBytes(text);
            if (limitBytes is { } limit && written + bytes.Length > limit) bytes = bytes[..(int)Math.Max(0, limit - written)];
            await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
            written += bytes.Length;
            return limitBytes is null || written < limitBytes;
        }
        foreach (var line in lines)
            if (!await WriteLine(line)) return;
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        if (!follow || previous) return;
        await foreach (var line in _logs.FollowAsync(pod, container, ctx.RequestAborted))
        {
            if (!await WriteLine(line)) return;
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        }
    }

    // ---- pods/eviction and pods/binding ----

    private async Task EvictAsync(HttpContext ctx, RequestInfo info)
    {
        var body = await ReadObjectAsync(ctx, out _);
        var podType = info.Type;
        var pod = _ops.Get(podType, info.Namespace, info.Name!);
        var phase = Meta.Str(pod["status"], "phase");
        var deleteOptions = DeleteOptions.Default;
        if (body["deleteOptions"] is JsonObject d)
            deleteOptions = new DeleteOptions
            {
                GracePeriodSeconds = d["gracePeriodSeconds"] is JsonValue g && g.TryGetValue<long>(out var gv) ? gv : null,
                PropagationPolicy = Meta.Str(d, "propagationPolicy"),
                DryRun = d["dryRun"] is JsonArray dr && dr.Count > 0,
            };
        if (phase is not ("Succeeded" or "Failed" or "Pending") && !Meta.IsDeleting(pod))
            ChargeDisruptionBudgets(pod, info.Namespace!, deleteOptions.DryRun);
        _ops.Delete(podType, info.Namespace, info.Name!, deleteOptions);
        await Responses.WriteNode(ctx, 201, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 });
    }

    /// <summary>Refuses an eviction that a PodDisruptionBudget forbids, otherwise records the disruption on the budget.</summary>
    private void ChargeDisruptionBudgets(JsonObject pod, string ns, bool dryRun)
    {
        var pdbType = Registry.Find("policy", "v1", "poddisruptionbudgets");
        if (pdbType is null) return;
        var labels = Meta.Labels(pod);
        var podName = Meta.Name(pod)!;
        foreach (var stored in _ops.Store.List(pdbType.StorageKey, ns, null).Items)
        {
            var pdb = stored.ToNode();
            // A budget without a selector protects nothing; an empty selector protects every pod.
            var selector = LabelSelector.FromObjectOrNothing(pdb["spec"]?["selector"] as JsonObject);
            if (!selector.Matches(labels)) continue;
            var status = pdb["status"] as JsonObject;
            var allowed = status?["disruptionsAllowed"] is JsonValue a && a.TryGetValue<long>(out var av) ? av : 0;
            var observed = status?["observedGeneration"] is JsonValue o && o.TryGetValue<long>(out var ov) ? ov : 0;
            var generation = pdb["metadata"]?["generation"] is JsonValue gen && gen.TryGetValue<long>(out var gv) ? gv : 1;
            if (observed < generation || allowed <= 0)
            {
                var desired = status?["desiredHealthy"]?.ToString() ?? "?";
                var healthy = status?["currentHealthy"]?.ToString() ?? "?";
                throw new ApiException(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.",
                    causes: [new StatusCause("DisruptionBudget", $"The disruption budget {stored.Name} needs {desired} healthy pods and has {healthy} currently", "")],
                    retryAfterSeconds: 10);
            }
            if (dryRun) continue;
            _ops.Mutate(pdbType, ns, stored.Name, p =>
            {
                var st = Defaulting.Obj(p, "status");
                var left = st["disruptionsAllowed"] is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0;
                if (left <= 0) throw new ApiException(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", retryAfterSeconds: 10);
                st["disruptionsAllowed"] = left - 1;
                Defaulting.Obj(st, "disruptedPods")[podName] = Meta.Time(Time.GetUtcNow());
                return true;
            }, "status", "vigil-eviction");
        }
    }

    private async Task BindAsync(HttpContext ctx, RequestInfo info)
    {
        var body = await ReadObjectAsync(ctx, out _);
        var node = Meta.Str(body["target"], "name");
        if (string.IsNullOrEmpty(node))
            throw ApiException.Invalid("Binding", info.Name!, [new("FieldValueRequired", "Required value", "target.name")]);
        _ops.Mutate(info.Type, info.Namespace, info.Name!, pod =>
        {
            var spec = Defaulting.Obj(pod, "spec");
            if (Meta.Str(spec, "nodeName") is { Length: > 0 } existing)
                throw ApiException.ConflictWithMessage("pods", info.Name!, $"pod {info.Name} is already assigned to node \"{existing}\"");
            spec["nodeName"] = node;
            return true;
        }, fieldManager: "vigil-scheduler");
        _ops.Mutate(info.Type, info.Namespace, info.Name!, pod =>
        {
            Conditions.Set(pod, "PodScheduled", "True", null, null, Time.GetUtcNow());
            return true;
        }, "status", "vigil-scheduler");
        await Responses.WriteNode(ctx, 201, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 });
    }
}
