using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Schemas;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Controllers;

/// <summary>
/// CustomResourceDefinitions: validates them on write, marks them NamesAccepted and Established, serves their resources
/// (and adds them to discovery) as soon as they are stored, and on deletion removes every custom object before the CRD goes.
/// </summary>
public sealed class CustomResourceDefinitions : IAdmissionPlugin
{
    private const string CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";
    private readonly ResourceOperations _ops;
    private readonly ResourceType _crdType;

    public CustomResourceDefinitions(ResourceOperations ops)
    {
        _ops = ops;
        _crdType = ops.Registry.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
        ops.AddAdmissionPlugin(this);
        ops.Committed += OnCommitted;
    }

    public void Admit(AdmissionRequest request)
    {
        if (!ReferenceEquals(request.Type, _crdType) || request.Object is not { } crd || request.Subresource is not null) return;
        var name = Meta.Name(crd) ?? "";
        var causes = Validate(crd, request.OldObject);
        if (causes.Count > 0) throw ApiException.Invalid("CustomResourceDefinition", name, causes, "apiextensions.k8s.io");
        if (request.Operation == AdmissionOperation.Create)
        {
            var finalizers = Meta.Finalizers(crd);
            if (!finalizers.Contains(CleanupFinalizer)) finalizers.Add(CleanupFinalizer);
            Meta.SetFinalizers(crd, finalizers);
        }
        if (Meta.IsDeleting(crd)) return;
        var spec = (JsonObject)crd["spec"]!;
        var names = (JsonObject)spec["names"]!.DeepClone();
        names.TryAdd("singular", Meta.Str(names, "kind")!.ToLowerInvariant());
        names.TryAdd("listKind", Meta.Str(names, "kind") + "List");
        var status = Defaulting.Obj(crd, "status");
        status["acceptedNames"] = names;
        var storage = ((JsonArray)spec["versions"]!).OfType<JsonObject>().First(v => v["storage"]?.GetValue<bool>() == true);
        var stored = status["storedVersions"] as JsonArray ?? [];
        if (!stored.Any(v => v?.GetValue<string>() == Meta.Str(storage, "name"))) stored.Add(Meta.Str(storage, "name"));
        status["storedVersions"] = stored.DeepClone();
        var now = _ops.Time.GetUtcNow();
        Conditions.Set(crd, "NamesAccepted", "True", "NoConflicts", "no conflicts found", now);
        Conditions.Set(crd, "Established", "True", "InitialNamesAccepted", "the initial names have been accepted", now);
    }

    private static List<StatusCause> Validate(JsonObject crd, JsonObject? old)
    {
        var causes = new List<StatusCause>();
        var spec = crd["spec"] as JsonObject;
        var group = Meta.Str(spec, "group");
        var names = spec?["names"] as JsonObject;
        var plural = Meta.Str(names, "plural");
        var kind = Meta.Str(names, "kind");
        if (string.IsNullOrEmpty(group)) causes.Add(new("FieldValueRequired", "Required value", "spec.group"));
        else if (!group.Contains('.', StringComparison.Ordinal)) causes.Add(new("FieldValueInvalid", $"Invalid value: \"{group}\": should be a domain with at least one dot", "spec.group"));
        if (string.IsNullOrEmpty(plural)) causes.Add(new("FieldValueRequired", "Required value", "spec.names.plural"));
        if (string.IsNullOrEmpty(kind)) causes.Add(new("FieldValueRequired", "Required value", "spec.names.kind"));
        if (!string.IsNullOrEmpty(plural) && !string.IsNullOrEmpty(group) && Meta.Name(crd) != $"{plural}.{group}")
            causes.Add(new("FieldValueInvalid", $"Invalid value: \"{Meta.Name(crd)}\": must be spec.names.plural+\".\"+spec.group", "metadata.name"));
        var scope = Meta.Str(spec, "scope");
        if (scope is not ("Namespaced" or "Cluster"))
            causes.Add(new("FieldValueNotSupported", $"Unsupported value: \"{scope}\": supported values: \"Cluster\", \"Namespaced\"", "spec.scope"));
        if (spec?["versions"] is not JsonArray versions || versions.Count == 0)
        {
            causes.Add(new("FieldValueInvalid", "Invalid value: must have exactly one version marked as storage version", "spec.versions"));
            return causes;
        }
        if (versions.OfType<JsonObject>().Count(v => v["storage"] is JsonValue s && s.TryGetValue<bool>(out var b) && b) != 1)
            causes.Add(new("FieldValueInvalid", "Invalid value: must have exactly one version marked as storage version", "spec.versions"));
        for (var i = 0; i < versions.Count; i++)
        {
            var v = versions[i] as JsonObject;
            if (string.IsNullOrEmpty(Meta.Str(v, "name"))) causes.Add(new("FieldValueRequired", "Required value", $"spec.versions[{i}].name"));
            if (v?["schema"]?["openAPIV3Schema"] is not JsonObject)
                causes.Add(new("FieldValueRequired", "Required value: schemas are required", $"spec.versions[{i}].schema.openAPIV3Schema"));
        }
        if (old?["spec"] is JsonObject oldSpec && Meta.Str(oldSpec, "group") != group)
            causes.Add(new("FieldValueInvalid", "Invalid value: field is immutable", "spec.group"));
        return causes;
    }

    private void OnCommitted(ResourceType type, WatchEvent change)
    {
        if (!ReferenceEquals(type, _crdType)) return;
        var crd = change.Type == WatchEventType.Deleted ? change.Previous!.ToNode() : change.Object.ToNode();
        var spec = (JsonObject)crd["spec"]!;
        var group = Meta.Str(spec, "group")!;
        var plural = Meta.Str(spec["names"], "plural")!;
        var previousVersions = change.Previous is null ? [] : ServedVersions(change.Previous.ToNode());
        if (change.Type == WatchEventType.Deleted)
        {
            foreach (var v in previousVersions) _ops.Registry.Remove(group, v, plural);
            return;
        }
        if (Meta.IsDeleting(crd))
        {
            Cleanup(crd, group, plural);
            return;
        }
        var served = ServedVersions(crd);
        foreach (var v in previousVersions.Except(served)) _ops.Registry.Remove(group, v, plural);
        foreach (var version in ((JsonArray)spec["versions"]!).OfType<JsonObject>().Where(v => v["served"]?.GetValue<bool>() != false))
            _ops.Registry.AddOrReplace(ToResourceType(spec, version));
    }

    /// <summary>Deletes every object of a CRD being deleted, then releases it.</summary>
    private void Cleanup(JsonObject crd, string group, string plural)
    {
        var storageKey = $"{plural}.{group}";
        var type = _ops.Registry.All.FirstOrDefault(t => t.StorageKey == storageKey);
        if (type is not null)
            foreach (var item in _ops.Store.List(storageKey, null, null).Items)
                _ops.ForceRemove(type, item.Namespace, item.Name);
        _ = Task.Run(() => _ops.Mutate(_crdType, null, Meta.Name(crd)!, obj =>
        {
            var finalizers = Meta.Finalizers(obj);
            if (!finalizers.Remove(CleanupFinalizer)) return false;
            Meta.SetFinalizers(obj, finalizers);
            return true;
        }));
    }

    private static List<string> ServedVersions(JsonObject crd) =>
        (crd["spec"]?["versions"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(v => v["served"]?.GetValue<bool>() != false).Select(v => Meta.Str(v, "name")!).ToList();

    private static ResourceType ToResourceType(JsonObject spec, JsonObject version)
    {
        var names = (JsonObject)spec["names"]!;
        var kind = Meta.Str(names, "kind")!;
        var schema = version["schema"]?["openAPIV3Schema"] as JsonObject;
        ISchemaNode? structural = null;
        if (schema is not null)
        {
            try
            {
                structural = SchemaCatalog.FromOpenApiV3(schema);
            }
            catch (NotImplementedException)
            {
                structural = null;
            }
        }
        var scale = version["subresources"]?["scale"] as JsonObject;
        return new ResourceType
        {
            Group = Meta.Str(spec, "group")!,
            Version = Meta.Str(version, "name")!,
            Kind = kind,
            Plural = Meta.Str(names, "plural")!,
            Singular = Meta.Str(names, "singular") ?? kind.ToLowerInvariant(),
            Namespaced = Meta.Str(spec, "scope") == "Namespaced",
            ShortNames = Strings(names["shortNames"]),
            Categories = Strings(names["categories"]),
            HasStatusSubresource = version["subresources"]?["status"] is not null,
            Scale = scale is null ? null : new ScaleSubresource(Meta.Str(scale, "specReplicasPath") ?? ".spec.replicas",
                Meta.Str(scale, "statusReplicasPath") ?? ".status.replicas", Meta.Str(scale, "labelSelectorPath")),
            IsCustom = true,
            CustomSchema = schema,
            Schema = structural,
            PrinterColumns = (version["additionalPrinterColumns"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(c => new PrinterColumn(Meta.Str(c, "name") ?? "", Meta.Str(c, "type") ?? "string", Meta.Str(c, "jsonPath") ?? "",
                    Meta.Str(c, "format"), Meta.Str(c, "description"), c["priority"] is JsonValue p && p.TryGetValue<int>(out var pr) ? pr : 0)).ToList(),
        };
    }

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray arr ? arr.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToList() : [];
}
