using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Patching;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Schemas;
using Vigil.Cluster.Selectors;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Api;

/// <summary>
/// What the apiserver does with an object between the request and storage: server-owned metadata, namespaces,
/// defaults, validation, status subresource rules, optimistic concurrency, patches, finalizers and graceful deletion.
/// The HTTP handlers and the simulated cluster's controllers both go through it, so both get the same semantics.
/// </summary>
public sealed class ResourceOperations
{
    private const int MaxStaleRetries = 64;
    private readonly ObjectStore _store;
    private readonly TimeProvider _time;
    private readonly List<IAdmissionPlugin> _admission = [];

    public ResourceOperations(ObjectStore store, ResourceRegistry registry, TimeProvider time)
    {
        _store = store;
        Registry = registry;
        _time = time;
    }

    public ObjectStore Store => _store;
    public ResourceRegistry Registry { get; }
    public TimeProvider Time => _time;

    /// <summary>
    /// True while a kubelet removes terminating pods; otherwise the server deletes a bound pod at once,
    /// since nothing else would ever finish its graceful termination.
    /// </summary>
    public bool KubeletsFinishPodTermination { get; set; }

    /// <summary>Raised after each committed change (outside the store's lock), for the server's own controllers.</summary>
    public event Action<ResourceType, WatchEvent>? Committed;

    public void AddAdmissionPlugin(IAdmissionPlugin plugin) => _admission.Add(plugin);

    public ResourceType Resolve(string apiVersion, string kind) =>
        Registry.FindByKind(apiVersion, kind) ?? throw ApiException.NotFoundPath();

    // ---- reads ----

    public JsonObject Get(ResourceType type, string? ns, string name) => ToView(type, GetStored(type, ns, name).ToNode());

    public StoredObject GetStored(ResourceType type, string? ns, string name) =>
        _store.Get(type.StorageKey, Scope(type, ns), name) ?? throw NotFound(type, name);

    public StoredObject? TryGetStored(ResourceType type, string? ns, string name) => _store.Get(type.StorageKey, Scope(type, ns), name);

    /// <summary>An object as the given resource shows it (events.k8s.io conversion, custom resource version).</summary>
    public static JsonObject ToView(ResourceType type, JsonObject stored)
    {
        if (type.View is not null) return type.View.ToView(stored);
        if (type.IsCustom) stored["apiVersion"] = type.ApiVersion;
        return stored;
    }

    // ---- create ----

    public JsonObject Create(ResourceType type, string? ns, JsonObject body, WriteOptions options)
    {
        CheckTypeMeta(type, body);
        CheckUnknownFields(type, body, options);
        var obj = type.View?.FromView(body) ?? body;
        var meta = Meta.Metadata(obj);
        ns = Scope(type, ns);
        if (type.Namespaced)
        {
            var bodyNs = Meta.Str(meta, "namespace");
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            if (string.IsNullOrEmpty(ns)) throw ApiException.BadRequest("the server could not find the requested resource: a namespace is required");
            meta["namespace"] = ns;
            EnsureNamespaceAcceptsContent(type, ns);
        }
        else
        {
            meta.Remove("namespace");
        }
        if (!string.IsNullOrEmpty(Meta.Str(meta, "resourceVersion")))
            throw ApiException.Internal("resourceVersion should not be set on objects to be created");

        var generated = string.IsNullOrEmpty(Meta.Str(meta, "name")) && !string.IsNullOrEmpty(Meta.Str(meta, "generateName"));
        for (var attempt = 0; ; attempt++)
        {
            if (generated) meta["name"] = Names.Generate(Meta.Str(meta, "generateName")!);
            var name = Meta.Str(meta, "name");
            if (string.IsNullOrEmpty(name))
                throw ApiException.Invalid(type.Kind, "", [new("FieldValueRequired", "Required value: name or generateName is required", "metadata.name")], type.Group);
            ValidateName(type, name);

            var now = _time.GetUtcNow();
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = Meta.Time(now);
            meta["generation"] = 1;
            meta.Remove("deletionTimestamp");
            meta.Remove("deletionGracePeriodSeconds");
            meta.Remove("selfLink");
            if (type.HasStatusSubresource && type.IsCustom) obj.Remove("status");
            InitialStatus(type, obj);
            Defaulting.Apply(type, obj);
            if (type.IsCustom && type.Schema is { } schema) SchemaCatalog.Prune(obj, schema);
            if (type.CustomSchema is { } openApi)
            {
                CustomResourceSchema.ApplyDefaults(obj, openApi);
                Reject(type, name, CustomResourceSchema.Validate(obj, openApi));
            }
            Reject(type, name, Validation.Validate(type, obj, null));
            Admit(new AdmissionRequest(type, AdmissionOperation.Create, obj, null, null, options.DryRun));
            if (options.FieldManager is { } manager )
                ServerSideApply.TrackUpdate(null, obj, manager, type.ApiVersion, null, type.Schema, now);
            if (options.DryRun) return ToView(type, obj);
            try
            {
                var stored = Commit(type, ns, name, null, obj);
                return ToView(type, stored.ToNode());
            }
            catch (StaleWriteException) when (generated && attempt < 8)
            {
                // A generated name collided: try another, as the real server does on the client's behalf.
            }
            catch (StaleWriteException)
            {
                throw ApiException.AlreadyExists(type.Plural, name, type.Group);
            }
        }
    }

    // ---- update ----

    public JsonObject Update(ResourceType type, string? ns, string name, JsonObject body, WriteOptions options, string? subresource = null)
    {
        CheckTypeMeta(type, body);
        CheckUnknownFields(type, body, options);
        var incoming = type.View?.FromView(body) ?? body;
        var bodyName = Meta.Name(incoming);
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        var bodyNs = Meta.Namespace(incoming);
        if (type.Namespaced && !string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        var bodyRv = Meta.ResourceVersion(incoming);
        if (string.IsNullOrEmpty(bodyRv) && type.IsCustom)
            throw ApiException.Invalid(type.Kind, name, [new("FieldValueInvalid", "Invalid value: 0x0: must be specified for an update", "metadata.resourceVersion")], type.Group);

        for (var attempt = 0; ; attempt++)
        {
            var current = GetStored(type, ns, name);
            if (!string.IsNullOrEmpty(bodyRv) && bodyRv != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
                throw ApiException.Conflict(type.Plural, name, type.Group);
            try
            {
                return WriteUpdate(type, current, (JsonObject)incoming.DeepClone(), options, subresource, applied: false);
            }
            catch (StaleWriteException) when (string.IsNullOrEmpty(bodyRv) && attempt < MaxStaleRetries)
            {
            }
            catch (StaleWriteException)
            {
                throw ApiException.Conflict(type.Plural, name, type.Group);
            }
        }
    }

    /// <summary>
    /// Reads, changes and writes an object, retrying when another writer got there first: how the cluster's controllers
    /// update objects. <paramref name="change"/> returns false to leave the object as it is.
    /// </summary>
    public JsonObject? Mutate(ResourceType type, string? ns, string name, Func<JsonObject, bool> change, string? subresource = null, string? fieldManager = null)
    {
        for (var attempt = 0; attempt < MaxStaleRetries; attempt++)
        {
            var current = TryGetStored(type, ns, name);
            if (current is null) return null;
            var node = ToView(type, current.ToNode());
            if (!change(node)) return node;
            var incoming = type.View?.FromView(node) ?? node;
            try
            {
                return WriteUpdate(type, current, incoming, new WriteOptions { FieldManager = fieldManager }, subresource, applied: false);
            }
            catch (StaleWriteException)
            {
            }
        }
        throw ApiException.Conflict(type.Plural, name, type.Group);
    }

    private JsonObject WriteUpdate(ResourceType type, StoredObject current, JsonObject incoming, WriteOptions options, string? subresource, bool applied)
    {
        var old = current.ToNode();
        var obj = MergeForSubresource(type, old, incoming, subresource);
        var meta = Meta.Metadata(obj);
        var oldMeta = Meta.Metadata(old);
        foreach (var owned in new[] { "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
        {
            if (oldMeta[owned] is { } value) meta[owned] = value.DeepClone();
            else meta.Remove(owned);
        }
        meta["resourceVersion"] = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        meta.Remove("selfLink");
        if (subresource is null)
        {
            Defaulting.Apply(type, obj);
            if (type.IsCustom && type.Schema is { } schema) SchemaCatalog.Prune(obj, schema);
            if (type.CustomSchema is { } openApi) CustomResourceSchema.ApplyDefaults(obj, openApi);
        }
        // Status writes are held to the schema too, as on the real server.
        if (type.CustomSchema is { } customSchema) Reject(type, current.Name, CustomResourceSchema.Validate(obj, customSchema));
        if (SpecChanged(type, old, obj))
        {
            var generation = oldMeta["generation"] is JsonValue g && g.TryGetValue<long>(out var gen) ? gen : 0;
            meta["generation"] = generation + 1;
        }
        Reject(type, current.Name, Validation.Validate(type, obj, old));
        Admit(new AdmissionRequest(type, AdmissionOperation.Update, obj, old, subresource, options.DryRun));
        var now = _time.GetUtcNow();
        if (options.FieldManager is { } manager && !applied)
            ServerSideApply.TrackUpdate(old, obj, manager, type.ApiVersion, subresource, type.Schema, now);

        if (JsonNode.DeepEquals(old, obj)) return ToView(type, old);
        if (options.DryRun) return ToView(type, obj);
        // An object being deleted disappears when its last finalizer is removed.
        if (Meta.IsDeleting(obj) && Meta.Finalizers(obj).Count == 0 && !IsWaitingForKubelet(type, obj))
            return ToView(type, Commit(type, current.Namespace, current.Name, current, null).ToNode());
        return ToView(type, Commit(type, current.Namespace, current.Name, current, obj).ToNode());
    }

    private static JsonObject MergeForSubresource(ResourceType type, JsonObject old, JsonObject incoming, string? subresource)
    {
        switch (subresource)
        {
            case "status":
                var withStatus = (JsonObject)old.DeepClone();
                if (incoming["status"] is { } status) withStatus["status"] = status.DeepClone();
                else withStatus.Remove("status");
                return withStatus;
            case "binding":
                // pods/binding: the node and the PodScheduled condition are written together, as the registry's binding does.
                var withBinding = (JsonObject)old.DeepClone();
                Defaulting.Obj(withBinding, "spec")["nodeName"] = incoming["spec"]?["nodeName"]?.DeepClone();
                if (incoming["status"] is { } boundStatus) withBinding["status"] = boundStatus.DeepClone();
                return withBinding;
            case "ephemeralcontainers":
                var withEphemeral = (JsonObject)old.DeepClone();
                var spec = Defaulting.Obj(withEphemeral, "spec");
                if (incoming["spec"]?["ephemeralContainers"] is { } ephemeral) spec["ephemeralContainers"] = ephemeral.DeepClone();
                else spec.Remove("ephemeralContainers");
                return withEphemeral;
            default:
                if (type.HasStatusSubresource)
                {
                    if (old["status"] is { } oldStatus) incoming["status"] = oldStatus.DeepClone();
                    else incoming.Remove("status");
                }
                return incoming;
        }
    }

    private static bool SpecChanged(ResourceType type, JsonObject old, JsonObject obj)
    {
        // generation counts changes of everything but metadata (and status, where status is a subresource).
        foreach (var (key, value) in obj)
        {
            if (key is "metadata" or "resourceVersion" || (key == "status" && type.HasStatusSubresource)) continue;
            if (!JsonNode.DeepEquals(value, old[key])) return true;
        }
        foreach (var (key, _) in old)
        {
            if (key is "metadata" || (key == "status" && type.HasStatusSubresource)) continue;
            if (!obj.ContainsKey(key)) return true;
        }
        return false;
    }

    // ---- patch ----

    public JsonObject Patch(ResourceType type, string? ns, string name, PatchType patchType, JsonNode patch, WriteOptions options, string? subresource = null)
    {
        if (patchType == PatchType.StrategicMerge && type.IsCustom)
            throw new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        if (patchType == PatchType.Apply && string.IsNullOrEmpty(options.FieldManager))
            throw ApiException.BadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        for (var attempt = 0; ; attempt++)
        {
            var current = TryGetStored(type, ns, name);
            if (current is null)
            {
                if (patchType != PatchType.Apply || subresource is not null) throw NotFound(type, name);
                if (patch is not JsonObject applyObject) throw ApiException.BadRequest("apply patch must be an object");
                var created = ServerSideApply.Apply(null, applyObject, new ApplyRequest(options.FieldManager!, options.Force, type.ApiVersion), type.Schema, _time.GetUtcNow());
                Meta.Metadata(created)["name"] = name;
                try
                {
                    return Create(type, ns, created, options with { FieldManager = null });
                }
                catch (ApiException e) when (e.Reason == "AlreadyExists" && attempt < MaxStaleRetries)
                {
                    continue;
                }
            }
            var live = ToView(type, current.ToNode());
            var patched = ApplyPatch(type, live, patchType, patch, options, subresource);
            if (patched is not JsonObject patchedObject) throw ApiException.BadRequest("the patch did not produce an object");
            var patchedRv = Meta.ResourceVersion(patchedObject);
            var currentRv = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            var conditional = patchedRv is not null && patchedRv != currentRv;
            if (conditional) throw ApiException.Conflict(type.Plural, name, type.Group);
            CheckUnknownFields(type, patchedObject, options);
            var incoming = type.View?.FromView(patchedObject) ?? patchedObject;
            try
            {
                return WriteUpdate(type, current, incoming, options, subresource, applied: patchType == PatchType.Apply);
            }
            catch (StaleWriteException) when (attempt < MaxStaleRetries)
            {
            }
        }
    }

    private JsonNode ApplyPatch(ResourceType type, JsonObject live, PatchType patchType, JsonNode patch, WriteOptions options, string? subresource) =>
        patchType switch
        {
            PatchType.Json => JsonPatch.Apply(live, patch),
            PatchType.Merge => MergePatch.Apply(live, patch) ?? new JsonObject(),
            PatchType.StrategicMerge => StrategicMergePatch.Apply(live, patch, type.Schema),
            _ => ServerSideApply.Apply(live, patch as JsonObject ?? throw ApiException.BadRequest("apply patch must be an object"),
                new ApplyRequest(options.FieldManager!, options.Force, type.ApiVersion, subresource), type.Schema, _time.GetUtcNow()),
        };

    // ---- delete ----

    public JsonObject Delete(ResourceType type, string? ns, string name, DeleteOptions options)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = GetStored(type, ns, name);
            if (options.PreconditionUid is { Length: > 0 } uid && uid != current.Uid)
                throw ApiException.ConflictWithMessage(type.Plural, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid}", type.Group);
            if (options.PreconditionResourceVersion is { Length: > 0 } prv && prv != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
                throw ApiException.ConflictWithMessage(type.Plural, name, $"Precondition failed: ResourceVersion in precondition: {prv}, ResourceVersion in object meta: {current.ResourceVersion}", type.Group);
            var obj = current.ToNode();
            Admit(new AdmissionRequest(type, AdmissionOperation.Delete, null, obj, null, options.DryRun));
            try
            {
                return DeleteOnce(type, current, obj, options);
            }
            catch (StaleWriteException) when (attempt < MaxStaleRetries)
            {
            }
        }
    }

    private JsonObject DeleteOnce(ResourceType type, StoredObject current, JsonObject obj, DeleteOptions options)
    {
        var meta = Meta.Metadata(obj);
        var now = _time.GetUtcNow();
        var finalizers = Meta.Finalizers(obj);
        var deleting = Meta.IsDeleting(obj);
        var policy = options.PropagationPolicy;
        if (policy is not (null or "Orphan" or "Background" or "Foreground"))
            throw ApiException.Invalid("DeleteOptions", "", [new("FieldValueNotSupported", $"Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\"", "propagationPolicy")]);
        if (policy == "Foreground" && !finalizers.Contains("foregroundDeletion")) finalizers.Add("foregroundDeletion");
        if (policy == "Orphan" && !finalizers.Contains("orphan")) finalizers.Add("orphan");

        if (type.Group == "" && type.Plural == "namespaces")
        {
            if (deleting) return ToView(type, obj);
            meta["deletionTimestamp"] = Meta.Time(now);
            meta["deletionGracePeriodSeconds"] = 0;
            Defaulting.Obj(obj, "status")["phase"] = "Terminating";
            Meta.SetFinalizers(obj, finalizers);
            if (options.DryRun) return ToView(type, obj);
            return ToView(type, Commit(type, current.Namespace, current.Name, current, obj).ToNode());
        }

        if (type.Group == "" && type.Plural == "pods" && KubeletsFinishPodTermination && Meta.Str(obj["spec"], "nodeName") is { Length: > 0 }
            && Meta.Str(obj["status"], "phase") is not ("Succeeded" or "Failed"))
        {
            var grace = options.GracePeriodSeconds ?? (obj["spec"]?["terminationGracePeriodSeconds"] is JsonValue g && g.TryGetValue<long>(out var gv) ? gv : 30);
            if (grace > 0)
            {
                if (deleting && meta["deletionGracePeriodSeconds"] is JsonValue existing && existing.TryGetValue<long>(out var e) && e <= grace)
                    return ToView(type, obj);
                meta["deletionTimestamp"] = Meta.Time(now.AddSeconds(grace));
                meta["deletionGracePeriodSeconds"] = grace;
                Meta.SetFinalizers(obj, finalizers);
                if (options.DryRun) return ToView(type, obj);
                return ToView(type, Commit(type, current.Namespace, current.Name, current, obj).ToNode());
            }
        }

        if (finalizers.Count > 0)
        {
            if (deleting && Meta.Finalizers(obj).SequenceEqual(finalizers)) return ToView(type, obj);
            if (!deleting)
            {
                meta["deletionTimestamp"] = Meta.Time(now);
                meta["deletionGracePeriodSeconds"] = 0;
            }
            Meta.SetFinalizers(obj, finalizers);
            if (options.DryRun) return ToView(type, obj);
            return ToView(type, Commit(type, current.Namespace, current.Name, current, obj).ToNode());
        }

        if (options.DryRun) return ToView(type, obj);
        return ToView(type, Commit(type, current.Namespace, current.Name, current, null).ToNode());
    }

    /// <summary>Removes an object now, whatever its finalizers (the kubelet after a pod's grace period, the namespace controller).</summary>
    public void ForceRemove(ResourceType type, string? ns, string name)
    {
        for (var attempt = 0; attempt < MaxStaleRetries; attempt++)
        {
            var current = TryGetStored(type, ns, name);
            if (current is null) return;
            try
            {
                Commit(type, current.Namespace, current.Name, current, null);
                return;
            }
            catch (StaleWriteException)
            {
            }
        }
    }

    // ---- helpers ----

    private StoredObject Commit(ResourceType type, string? ns, string name, StoredObject? expected, JsonObject? obj)
    {
        PendingObject? pending = null;
        if (obj is not null)
        {
            var uid = Meta.Str(obj["metadata"], "uid") ?? "";
            pending = new PendingObject(ns, name, uid, obj, Meta.Labels(obj), SelectableFields.For(StorageType(type), obj));
        }
        var stored = _store.Commit(type.StorageKey, ns, name, expected, pending);
        var change = pending is null
            ? new WatchEvent(WatchEventType.Deleted, stored, expected)
            : new WatchEvent(expected is null ? WatchEventType.Added : WatchEventType.Modified, stored, expected);
        Committed?.Invoke(type, change);
        return stored;
    }

    /// <summary>The resource whose form is stored (core/v1 Events for the events.k8s.io view).</summary>
    private ResourceType StorageType(ResourceType type) =>
        type.View is null ? type : Registry.Find("", "v1", type.Plural) ?? type;

    private bool IsWaitingForKubelet(ResourceType type, JsonObject obj) =>
        type.Group == "" && type.Plural == "pods" && KubeletsFinishPodTermination && Meta.Str(obj["spec"], "nodeName") is { Length: > 0 }
        && Meta.Str(obj["status"], "phase") is not ("Succeeded" or "Failed");

    private void Admit(AdmissionRequest request)
    {
        foreach (var plugin in _admission) plugin.Admit(request);
    }

    private static void Reject(ResourceType type, string name, List<StatusCause> causes)
    {
        if (causes.Count > 0) throw ApiException.Invalid(type.Kind, name, causes, type.Group);
    }

    private static string? Scope(ResourceType type, string? ns) => type.Namespaced ? ns : null;

    public static ApiException NotFound(ResourceType type, string name) => ApiException.NotFound(type.Plural, name, type.Group);

    private static void CheckTypeMeta(ResourceType type, JsonObject body)
    {
        var apiVersion = Meta.Str(body, "apiVersion");
        var kind = Meta.Str(body, "kind");
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind)
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != type.ApiVersion)
        {
            var (group, _) = ResourceRegistry.SplitApiVersion(apiVersion);
            if (group != type.Group)
                throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }
        body["apiVersion"] = type.ApiVersion;
        body["kind"] = type.Kind;
    }

    private static void CheckUnknownFields(ResourceType type, JsonObject body, WriteOptions options)
    {
        if (options.FieldValidation == FieldValidation.Ignore || type.Schema is null) return;
        var unknown = SchemaCatalog.UnknownFields(body, type.Schema);
        if (unknown.Count == 0) return;
        if (options.FieldValidation == FieldValidation.Strict) throw SchemaCatalog.StrictDecodingError(type.Kind, type.Version, unknown);
        options.Warnings.AddRange(unknown.Select(u => u.Message));
    }

    private static void ValidateName(ResourceType type, string name)
    {
        var error = Names.PathSegmentError(name) ?? (type.Plural is "namespaces" or "services" ? Names.LabelError(name) : Names.SubdomainError(name));
        if (type.Group == "rbac.authorization.k8s.io") error = Names.PathSegmentError(name);
        if (error is not null)
            throw ApiException.Invalid(type.Kind, name, [new("FieldValueInvalid", $"Invalid value: \"{name}\": {error}", "metadata.name")], type.Group);
    }

    private void EnsureNamespaceAcceptsContent(ResourceType type, string ns)
    {
        var nsType = Registry.Find("", "v1", "namespaces")!;
        var stored = _store.Get(nsType.StorageKey, null, ns) ?? throw ApiException.NotFound("namespaces", ns);
        if (type.Plural != "events" && stored.ToNode()["metadata"]?["deletionTimestamp"] is not null)
            throw new ApiException(403, "Forbidden",
                $"{type.Plural} is forbidden: unable to create new content in namespace {ns} because it is being terminated", kind: type.Plural);
    }

    private static void InitialStatus(ResourceType type, JsonObject obj)
    {
        if (type.IsCustom || !type.HasStatusSubresource) return;
        switch (type.Kind)
        {
            case "Pod":
                obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = QosClass(obj) };
                break;
            case "Service":
                obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
                break;
            case "Namespace" or "Node" or "PersistentVolumeClaim" or "PersistentVolume" or "CustomResourceDefinition":
                break;
            default:
                obj["status"] = new JsonObject();
                break;
        }
    }

    private static string QosClass(JsonObject pod)
    {
        var any = false;
        var guaranteed = true;
        if (pod["spec"]?["containers"] is JsonArray containers)
            foreach (var c in containers.OfType<JsonObject>())
            {
                var requests = c["resources"]?["requests"] as JsonObject;
                var limits = c["resources"]?["limits"] as JsonObject;
                if (requests?.Count > 0 || limits?.Count > 0) any = true;
                if (limits?["cpu"] is null || limits["memory"] is null) guaranteed = false;
                else if (requests is not null && ((requests["cpu"] is { } rc && !JsonNode.DeepEquals(rc, limits["cpu"])) || (requests["memory"] is { } rm && !JsonNode.DeepEquals(rm, limits["memory"]))))
                    guaranteed = false;
            }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

}
