using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Vigil.Cluster.Api;
using Vigil.Cluster.OpenApi;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Selectors;
using Vigil.Cluster.Serialization;
using Vigil.Cluster.Serialization.Protobuf;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Server;

/// <summary>
/// The API server's request pipeline: authentication, request budget, routing to discovery, OpenAPI and resources,
/// and translation of every failure into a Status. A malformed request never escapes as anything else.
/// </summary>
public sealed partial class ApiRequestHandler
{
    private readonly ResourceOperations _ops;
    private readonly ClusterOptions _options;
    private readonly OpenApiPublisher _openApi;
    private readonly RequestBudget? _budget;
    private readonly IPodLogSource _logs;
    private readonly ClusterCertificates _certificates;

    public ApiRequestHandler(ResourceOperations ops, ClusterOptions options, IPodLogSource logs, ClusterCertificates certificates)
    {
        _certificates = certificates;
        _ops = ops;
        _options = options;
        _openApi = new OpenApiPublisher(ops.Registry);
        _logs = logs;
        if (options.RequestsPerSecond is { } qps) _budget = new RequestBudget(qps, options.RequestBurst, ops.Time);
    }

    private ResourceRegistry Registry => _ops.Registry;
    private TimeProvider Time => _ops.Time;

    public async Task HandleAsync(HttpContext ctx)
    {
        try
        {
            await RouteAsync(ctx);
        }
        catch (ApiException e)
        {
            if (!ctx.Response.HasStarted) await Responses.WriteError(ctx, e);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (!ctx.Response.HasStarted) await Responses.WriteError(ctx, ApiException.Internal(e.Message));
        }
    }

    private async Task RouteAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var first = segments.Length > 0 ? segments[0] : "";

        // Health and version are public, as system:public-info-viewer makes them on a real cluster.
        if (first is "healthz" or "livez" or "readyz")
        {
            await Responses.WriteText(ctx, 200, "ok");
            return;
        }
        if (first == "version" && segments.Length == 1)
        {
            await Responses.WriteNode(ctx, 200, VersionInfo());
            return;
        }
        Authenticate(ctx);
        if (_budget is not null && !_budget.TryTake(out var retryAfter)) throw ApiException.TooManyRequests(retryAfter);

        switch (first)
        {
            case "":
                await Responses.WriteNode(ctx, 200, new JsonObject { ["paths"] = new JsonArray("/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v2", "/openapi/v3", "/readyz", "/version") });
                return;
            case "openapi":
                await OpenApiAsync(ctx, segments);
                return;
            case "api":
                if (segments.Length == 1) { await Responses.WriteNode(ctx, 200, Discovery.ApiVersions(ctx.Request.Host.Value ?? "127.0.0.1")); return; }
                if (segments[1] != "v1") throw ApiException.NotFoundPath();
                if (segments.Length == 2) { await Responses.WriteNode(ctx, 200, Discovery.ResourceList(Registry, "", "v1")!); return; }
                await ResourceAsync(ctx, RequestPath.Parse(Registry, "", "v1", segments.AsSpan(2)) ?? throw ApiException.NotFoundPath());
                return;
            case "apis":
                if (segments.Length == 1) { await Responses.WriteNode(ctx, 200, Discovery.GroupList(Registry)); return; }
                if (segments.Length == 2) { await Responses.WriteNode(ctx, 200, Discovery.Group(Registry, segments[1]) ?? throw ApiException.NotFoundPath()); return; }
                if (segments.Length == 3) { await Responses.WriteNode(ctx, 200, Discovery.ResourceList(Registry, segments[1], segments[2]) ?? throw ApiException.NotFoundPath()); return; }
                await ResourceAsync(ctx, RequestPath.Parse(Registry, segments[1], segments[2], segments.AsSpan(3)) ?? throw ApiException.NotFoundPath());
                return;
            default:
                throw ApiException.NotFoundPath();
        }
    }

    private void Authenticate(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            && CryptographicEquals(header[prefix.Length..].Trim(), _options.Token!)) return;
        if (ctx.Connection.ClientCertificate is { } cert && _certificates.IsIssuedByCluster(cert)) return;
        throw ApiException.Unauthorized();
    }

    private static bool CryptographicEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private JsonObject VersionInfo()
    {
        var v = _options.KubernetesVersion.TrimStart('v').Split('.');
        return new JsonObject
        {
            ["major"] = v[0],
            ["minor"] = v.Length > 1 ? v[1] : "0",
            ["gitVersion"] = _options.KubernetesVersion,
            ["gitCommit"] = "vigil-simulated",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2026-01-01T00:00:00Z",
            ["goVersion"] = "go1.24",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    private async Task OpenApiAsync(HttpContext ctx, string[] segments)
    {
        if (segments.Length == 2 && segments[1] == "v2")
        {
            // kubectl asks for the protobuf form first (1.27 needs it); an empty document satisfies it.
            var accept = ctx.Request.Headers.Accept.ToString();
            if (accept.Contains("protobuf", StringComparison.OrdinalIgnoreCase))
            {
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = OpenApiPublisher.V2ProtobufContentType;
                await ctx.Response.Body.WriteAsync(OpenApiPublisher.V2Protobuf(), ctx.RequestAborted);
                return;
            }
            await WriteDocument(ctx, _openApi.V2Document());
            return;
        }
        if (segments.Length >= 2 && segments[1] == "v3")
        {
            if (segments.Length == 2) { await WriteDocument(ctx, _openApi.V3IndexDocument()); return; }
            await WriteDocument(ctx, _openApi.V3GroupVersionDocument(string.Join('/', segments.Skip(2))) ?? throw ApiException.NotFoundPath());
            return;
        }
        throw ApiException.NotFoundPath();
    }

    private static async Task WriteDocument(HttpContext ctx, OpenApiDocument doc)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers.ETag = $"\"{doc.Hash}\"";
        await ctx.Response.WriteAsync(doc.Json, ctx.RequestAborted);
    }

    private async Task ResourceAsync(HttpContext ctx, RequestInfo info)
    {
        var method = ctx.Request.Method;
        var type = info.Type;
        if (info.Namespace is { } ns && Names.LabelError(ns) is not null && !string.IsNullOrEmpty(ns))
            throw ApiException.NotFound("namespaces", ns);
        if (info.Name is { } n && Names.PathSegmentError(n) is { } nameError)
            throw ApiException.BadRequest($"invalid resource name \"{n}\": {nameError}");

        if (type.Computed is { } computed)
        {
            await ComputedAsync(ctx, info, computed);
            return;
        }
        if (info.Subresource is not null)
        {
            await SubresourceAsync(ctx, info);
            return;
        }
        if (info.Name is null)
        {
            switch (method)
            {
                case "GET":
                    RequireVerb(type, info.WatchPath || IsWatch(ctx) ? "watch" : "list");
                    if (info.WatchPath || IsWatch(ctx)) await WatchAsync(ctx, info);
                    else await ListAsync(ctx, info);
                    return;
                case "POST":
                    RequireVerb(type, "create");
                    var body = await ReadObjectAsync(ctx, out var duplicates);
                    var options = WriteOptionsFrom(ctx, duplicates);
                    var created = _ops.Create(type, info.Namespace, body, options);
                    AddWarnings(ctx, options);
                    await Responses.WriteObject(ctx, options.DryRun ? 200 : 201, type, created, Format(ctx), Time);
                    return;
                case "DELETE":
                    RequireVerb(type, "deletecollection");
                    await DeleteCollectionAsync(ctx, info);
                    return;
                default:
                    throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
            }
        }

        switch (method)
        {
            case "GET":
                RequireVerb(type, "get");
                await Responses.WriteObject(ctx, 200, type, _ops.Get(type, info.Namespace, info.Name), Format(ctx), Time);
                return;
            case "PUT":
                {
                    RequireVerb(type, "update");
                    var body = await ReadObjectAsync(ctx, out var duplicates);
                    var options = WriteOptionsFrom(ctx, duplicates);
                    var updated = _ops.Update(type, info.Namespace, info.Name, body, options);
                    AddWarnings(ctx, options);
                    await Responses.WriteObject(ctx, 200, type, updated, Format(ctx), Time);
                    return;
                }
            case "PATCH":
                {
                    RequireVerb(type, "patch");
                    var (patchType, patch, options) = await ReadPatchAsync(ctx);
                    var existed = _ops.TryGetStored(type, info.Namespace, info.Name) is not null;
                    var patched = _ops.Patch(type, info.Namespace, info.Name, patchType, patch, options);
                    AddWarnings(ctx, options);
                    await Responses.WriteObject(ctx, existed || options.DryRun ? 200 : 201, type, patched, Format(ctx), Time);
                    return;
                }
            case "DELETE":
                {
                    RequireVerb(type, "delete");
                    var deleteOptions = await ReadDeleteOptionsAsync(ctx);
                    var deleted = _ops.Delete(type, info.Namespace, info.Name, deleteOptions);
                    await Responses.WriteObject(ctx, 200, type, deleted, Format(ctx), Time);
                    return;
                }
            default:
                throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }
    }

    /// <summary>Read-only resources computed on each read (metrics.k8s.io): get and list, filtered by label selector.</summary>
    private async Task ComputedAsync(HttpContext ctx, RequestInfo info, IComputedResource computed)
    {
        if (ctx.Request.Method != "GET" || info.Subresource is not null || info.WatchPath || IsWatch(ctx))
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        var format = Format(ctx);
        var rv = ContinueToken.Format(_ops.Store.CurrentResourceVersion);
        if (info.Name is not null)
        {
            var item = computed.Get(info.Namespace, info.Name) ?? throw ResourceOperations.NotFound(info.Type, info.Name);
            await Responses.WriteObject(ctx, 200, info.Type, item, format, Time);
            return;
        }
        var labels = LabelSelector.Parse(ctx.Request.Query["labelSelector"].ToString());
        var items = computed.List(info.Namespace).Where(o => labels.Matches(Meta.Labels(o))).ToList();
        if (format == OutputFormat.Table)
        {
            await Responses.WriteNode(ctx, 200, Responses.Table(info.Type, items, Responses.ListMeta(rv, null, 0), Responses.IncludeObject(ctx), Time.GetUtcNow(), true));
            return;
        }
        await Responses.WriteNode(ctx, 200, new JsonObject
        {
            ["kind"] = info.Type.ListKind,
            ["apiVersion"] = info.Type.ApiVersion,
            ["metadata"] = Responses.ListMeta(rv, null, 0),
            ["items"] = new JsonArray([.. items.Select(i => (JsonNode?)i)]),
        }, format);
    }

    private static void RequireVerb(ResourceType type, string verb)
    {
        if (!type.Verbs.Contains(verb)) throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource ({verb} {type.QualifiedPlural})");
    }

    private static bool IsWatch(HttpContext ctx) => Negotiation.ParseBool(ctx.Request.Query["watch"].ToString(), "watch") == true;

    private static OutputFormat Format(HttpContext ctx) => Negotiation.Choose(ctx.Request.Headers.Accept.ToString());

    private static void AddWarnings(HttpContext ctx, WriteOptions options)
    {
        foreach (var w in options.Warnings.Distinct())
            ctx.Response.Headers.Append("Warning", $"299 - \"{w.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
    }

    // ---- list ----

    private async Task ListAsync(HttpContext ctx, RequestInfo info)
    {
        var q = ctx.Request.Query;
        var filter = Filter(info, q["labelSelector"].ToString(), q["fieldSelector"].ToString(), out var nameFastPath);
        var limit = ParseInt(q["limit"].ToString(), "limit") ?? 0;
        var rvText = q["resourceVersion"].ToString();
        var rvMatch = q["resourceVersionMatch"].ToString();
        var continueText = q["continue"].ToString();
        long? atRv = null;
        string? startAfter = null;

        if (rvMatch.Length > 0)
        {
            if (rvMatch is not ("NotOlderThan" or "Exact"))
                throw ApiException.Invalid("ListOptions", "", [new("FieldValueNotSupported", $"Unsupported value: \"{rvMatch}\": supported values: \"Exact\", \"NotOlderThan\"", "resourceVersionMatch")], "meta.k8s.io");
            if (rvText.Length == 0)
                throw ApiException.Invalid("ListOptions", "", [new("FieldValueForbidden", "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided", "resourceVersionMatch")], "meta.k8s.io");
            if (continueText.Length > 0)
                throw ApiException.Invalid("ListOptions", "", [new("FieldValueForbidden", "Forbidden: resourceVersionMatch is forbidden when continue is provided", "resourceVersionMatch")], "meta.k8s.io");
        }
        if (continueText.Length > 0)
        {
            if (rvText.Length > 0 && rvText != "0")
                throw ApiException.BadRequest("specifying resource version is not allowed when using continue");
            (var tokenRv, startAfter) = ContinueToken.Decode(continueText);
            atRv = tokenRv;
        }
        else if (rvText.Length > 0 && rvText != "0")
        {
            var rv = ParseResourceVersion(rvText);
            // An exact version, or a limited list at a version, is served from history; NotOlderThan needs only the current state.
            if (rvMatch == "Exact" || (rvMatch.Length == 0 && limit > 0)) atRv = rv;
            if (rv > _ops.Store.CurrentResourceVersion)
                throw new ApiException(504, "Timeout", $"Too large resource version: {rv}, current: {_ops.Store.CurrentResourceVersion}");
        }

        ListPage page;
        try
        {
            page = nameFastPath is not null
                ? SinglePage(info, nameFastPath, filter)
                : _ops.Store.List(info.Type.StorageKey, info.Namespace, filter, limit, startAfter, atRv);
        }
        catch (HistoryExpiredException e)
        {
            throw continueText.Length > 0
                ? ApiException.Gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
                : ApiException.Gone($"too old resource version: {e.Requested} ({e.OldestAvailable})");
        }
        var token = page.NextKey is null ? null : ContinueToken.Encode(page.ResourceVersion, page.NextKey);
        await Responses.WriteList(ctx, info.Type, page, token, Format(ctx), Time);
    }

    private ListPage SinglePage(RequestInfo info, string name, Func<StoredObject, bool> filter)
    {
        var (items, rv) = _ops.Store.Snapshot(info.Type.StorageKey);
        var found = items.TryGetValue(new StoredObject(StoredObject.KeyOf(info.Namespace, name)), out var item) && filter(item) ? new[] { item } : [];
        return new ListPage(found, rv, null, 0);
    }

    private Func<StoredObject, bool> Filter(RequestInfo info, string labelText, string fieldText, out string? nameFastPath)
    {
        var labels = LabelSelector.Parse(labelText);
        var fields = FieldSelector.Parse(fieldText);
        SelectableFields.Validate(info.Type, fields);
        nameFastPath = info.Namespace is not null || !info.Type.Namespaced ? fields.RequiredValue("metadata.name") : null;
        if (labels.IsEmpty && fields.IsEmpty) return static _ => true;
        return o => labels.Matches(o.Labels) && fields.Matches(o.Fields);
    }

    private async Task DeleteCollectionAsync(HttpContext ctx, RequestInfo info)
    {
        var q = ctx.Request.Query;
        var filter = Filter(info, q["labelSelector"].ToString(), q["fieldSelector"].ToString(), out _);
        var options = await ReadDeleteOptionsAsync(ctx);
        var page = _ops.Store.List(info.Type.StorageKey, info.Namespace, filter);
        var deleted = new JsonArray();
        foreach (var item in page.Items)
        {
            try
            {
                deleted.Add(_ops.Delete(info.Type, item.Namespace, item.Name, options));
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
        }
        await Responses.WriteNode(ctx, 200, new JsonObject
        {
            ["kind"] = info.Type.ListKind,
            ["apiVersion"] = info.Type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = ContinueToken.Format(_ops.Store.CurrentResourceVersion) },
            ["items"] = deleted,
        });
    }

    // ---- request bodies and options ----

    private async Task<byte[]> ReadBodyAsync(HttpContext ctx)
    {
        var limit = _options.MaxRequestBodyBytes;
        if (ctx.Request.ContentLength > limit) throw ApiException.RequestEntityTooLarge(limit);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit) throw ApiException.RequestEntityTooLarge(limit);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private Task<JsonObject> ReadObjectAsync(HttpContext ctx, out List<string> duplicates)
    {
        var found = new List<string>();
        duplicates = found;
        return ReadObjectCoreAsync(ctx, found);
    }

    private async Task<JsonObject> ReadObjectCoreAsync(HttpContext ctx, List<string> duplicates)
    {
        var contentType = MediaType(ctx.Request.ContentType);
        var bytes = await ReadBodyAsync(ctx);
        JsonNode? node = contentType switch
        {
            "" or "application/json" or "*/*" => JsonBody.Parse(bytes, duplicates),
            "application/yaml" or "application/x-yaml" or "text/yaml" => YamlJson.Parse(Encoding.UTF8.GetString(bytes)),
            KubernetesProtobuf.ContentType => KubernetesProtobuf.Decode(bytes),
            _ => throw new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"),
        };
        return node as JsonObject ?? throw ApiException.BadRequest("the request body must be a JSON object");
    }

    private async Task<(PatchType, JsonNode, WriteOptions)> ReadPatchAsync(HttpContext ctx)
    {
        var patchType = MediaType(ctx.Request.ContentType) switch
        {
            "application/json-patch+json" => PatchType.Json,
            "application/merge-patch+json" => PatchType.Merge,
            "application/strategic-merge-patch+json" => PatchType.StrategicMerge,
            "application/apply-patch+yaml" or "application/apply-patch+cbor" => PatchType.Apply,
            var other => throw new ApiException(415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json{(other.Length > 0 ? "" : "")}"),
        };
        var bytes = await ReadBodyAsync(ctx);
        var duplicates = new List<string>();
        var patch = patchType == PatchType.Apply ? YamlJson.Parse(Encoding.UTF8.GetString(bytes)) : JsonBody.Parse(bytes, duplicates);
        if (patch is null) throw ApiException.BadRequest("the patch is empty");
        var options = WriteOptionsFrom(ctx, duplicates) with
        {
            Force = Negotiation.ParseBool(ctx.Request.Query["force"].ToString(), "force") == true,
        };
        if (options.Force && patchType != PatchType.Apply)
            throw ApiException.BadRequest("Force may not be specified for non-apply patch");
        return (patchType, patch, options);
    }

    private static WriteOptions WriteOptionsFrom(HttpContext ctx, List<string> duplicates)
    {
        var q = ctx.Request.Query;
        var dryRun = q["dryRun"].ToString();
        if (dryRun.Length > 0 && dryRun != "All") throw ApiException.BadRequest($"Invalid dryRun value: \"{dryRun}\": supported values: \"All\"");
        var validation = q["fieldValidation"].ToString() switch
        {
            "" or "Warn" => FieldValidation.Warn,
            "Strict" => FieldValidation.Strict,
            "Ignore" => FieldValidation.Ignore,
            var other => throw ApiException.BadRequest($"fieldValidation: Unsupported value: \"{other}\": supported values: \"Ignore\", \"Strict\", \"Warn\""),
        };
        if (duplicates.Count > 0 && validation == FieldValidation.Strict)
            throw ApiException.BadRequest($"strict decoding error: {string.Join(", ", duplicates.Select(d => $"json: duplicate field \"{d}\""))}");
        var manager = q["fieldManager"].ToString();
        if (manager.Length == 0)
        {
            // The real server derives a manager from the user agent's program name.
            var agent = ctx.Request.Headers.UserAgent.ToString();
            manager = agent.Length == 0 ? "unknown" : agent.Split('/')[0];
        }
        if (manager.Length > 128) throw ApiException.BadRequest("fieldManager: Too long: may not be longer than 128");
        var options = new WriteOptions { DryRun = dryRun == "All", FieldManager = manager, FieldValidation = validation };
        if (duplicates.Count > 0 && validation == FieldValidation.Warn) options.Warnings.AddRange(duplicates.Select(d => $"duplicate field \"{d}\""));
        return options;
    }

    private async Task<DeleteOptions> ReadDeleteOptionsAsync(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        var options = new DeleteOptions
        {
            PropagationPolicy = NullIfEmpty(q["propagationPolicy"].ToString()),
            GracePeriodSeconds = ParseInt(q["gracePeriodSeconds"].ToString(), "gracePeriodSeconds"),
            DryRun = q["dryRun"].ToString() == "All",
        };
        if (Negotiation.ParseBool(q["orphanDependents"].ToString(), "orphanDependents") is { } orphan && options.PropagationPolicy is null)
            options = options with { PropagationPolicy = orphan ? "Orphan" : "Background" };
        if (ctx.Request.ContentLength is null or > 0 && ctx.Request.Method == "DELETE")
        {
            var bytes = await ReadBodyAsync(ctx);
            var isProtobuf = MediaType(ctx.Request.ContentType) == KubernetesProtobuf.ContentType;
            if (bytes.Length > 0 && (isProtobuf ? KubernetesProtobuf.Decode(bytes) : JsonBody.Parse(bytes)) is JsonObject body)
            {
                options = options with
                {
                    PropagationPolicy = Meta.Str(body, "propagationPolicy") ?? options.PropagationPolicy,
                    GracePeriodSeconds = body["gracePeriodSeconds"] is JsonValue g && g.TryGetValue<long>(out var gv) ? gv : options.GracePeriodSeconds,
                    PreconditionUid = Meta.Str(body["preconditions"], "uid"),
                    PreconditionResourceVersion = Meta.Str(body["preconditions"], "resourceVersion"),
                    DryRun = options.DryRun || (body["dryRun"] is JsonArray d && d.Any(x => x?.GetValue<string>() == "All")),
                };
                if (body["orphanDependents"] is JsonValue od && od.TryGetValue<bool>(out var orphanBody) && Meta.Str(body, "propagationPolicy") is null)
                    options = options with { PropagationPolicy = orphanBody ? "Orphan" : "Background" };
            }
        }
        return options;
    }

    private static string MediaType(string? contentType) =>
        (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private static int? ParseInt(string text, string name) =>
        text.Length == 0 ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
        : throw ApiException.BadRequest($"invalid value for {name}: \"{text}\" is not an integer");

    private static long ParseResourceVersion(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv
        : throw ApiException.BadRequest($"invalid resource version: {text}");
}
