using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Patching.Internal;
using Vigil.Cluster.Schemas;

using Vigil.Cluster.Serialization;

namespace Vigil.Cluster.Patching;

/// <summary>Who is applying, and whether conflicts with other managers are overridden.</summary>
public sealed record ApplyRequest(string FieldManager, bool Force, string ApiVersion, string? Subresource = null);

/// <summary>Server-side apply with field managers recorded in <c>metadata.managedFields</c>.</summary>
/// <remarks>
/// Follows kube-apiserver's field manager (structured-merge-diff plus the apiserver's wrappers):
/// <list type="bullet">
/// <item>managedFields entries are identified by manager, operation, subresource and (updates only) API version; they are
/// written FieldsV1, Apply entries first, then by time, manager, version, subresource.</item>
/// <item>Never tracked: apiVersion, kind, metadata.{name, namespace, uid, resourceVersion, generation, creationTimestamp,
/// selfLink, managedFields}; status unless the write is to the status subresource, which tracks only metadata and status.
/// Applying to the main resource ignores the configuration's status (it is reset to the live value), applying to the
/// status subresource ignores everything but metadata and status.</item>
/// <item>Apply: the configuration's fields become the applier's; what it applied before and no longer applies is removed
/// unless some manager owns it; changing a field another manager owns is a 409 Conflict unless forced, in which case the
/// field moves to the applier. As in the real server, the manager "kubectl" may take over fields the object's
/// <c>last-applied-configuration</c> annotation still matches (client-side to server-side apply migration), and keeps that
/// annotation in step with what it applies.</item>
/// <item>Updates: the fields a write added or changed move to its manager (merged into its Update entry for that API version);
/// removed fields leave every manager; a write that changes nothing leaves the entry's time alone.</item>
/// <item>A write that carries non-empty managedFields replaces them (as the real server lets clients edit them); <c>[{}]</c>
/// clears them.</item>
/// </list>
/// Not modelled: capping Update entries at 10 ("ancient-changes"), conversion between API versions, schema defaults for list keys.
/// </remarks>
public static class ServerSideApply
{
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    private const int TotalAnnotationSizeLimit = 256 * 1024;

    private static readonly string[] UntrackedMetadata =
        ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "selfLink", "managedFields"];

    /// <summary>
    /// Merges <paramref name="applied"/> into <paramref name="live"/> (null: the object is created) and returns the new object with
    /// managedFields updated. Throws a 409 Conflict ApiException listing the conflicting fields and their managers unless forced.
    /// </summary>
    public static JsonObject Apply(JsonObject? live, JsonObject applied, ApplyRequest request, ISchemaNode? schema, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(applied);
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.FieldManager))
        {
            throw ApiException.Invalid("PatchOptions", "",
                [new StatusCause("FieldValueRequired", "Required value: is required for apply patch", "fieldManager")], "meta.k8s.io");
        }
        Validate(applied, request);

        var root = Typed.Root(schema);
        var statusWrite = request.Subresource == "status";
        var liveObject = live is null ? new JsonObject() : (JsonObject)live.DeepClone();
        var managers = ManagedFields.Decode(liveObject["metadata"]?["managedFields"]) ?? [];
        (liveObject["metadata"] as JsonObject)?.Remove("managedFields");

        var config = PrepareConfig(applied, statusWrite);
        FieldSet appliedSet;
        try
        {
            appliedSet = Typed.ToFieldSet(config, root);
        }
        catch (TypedValueException e)
        {
            throw ApiException.BadRequest($"failed to create typed patch object ({GroupVersionKind(applied, request)}): {e.Message}");
        }
        var merged = (JsonObject)Typed.Merge(liveObject, config, root)!;

        var identity = (request.FieldManager, ManagedEntry.Apply, "", request.Subresource ?? "");
        var previous = managers.FirstOrDefault(e => e.Identity == identity);
        var others = managers.Where(e => !ReferenceEquals(e, previous)).ToList();

        if (previous is not null && !previous.Set.IsEmpty)
        {
            var owned = appliedSet.Clone();
            foreach (var other in others) owned.UnionWith(other.Set);
            Typed.Prune(merged, root, previous.Set, owned);
        }

        var comparison = Typed.Compare(liveObject, merged, root);
        var changed = comparison.Changed();
        var conflicts = others
            .Select(o => (Entry: o, Fields: FieldSet.Intersection(o.Set, changed)))
            .Where(c => !c.Fields.IsEmpty)
            .ToList();
        if (conflicts.Count > 0 && !request.Force)
        {
            var unresolved = conflicts;
            if (request.FieldManager == "kubectl" && AllowedByLastApplied(liveObject, request, root) is { } allowed)
            {
                unresolved = conflicts
                    .Select(c => (c.Entry, Fields: FieldSet.Difference(c.Fields, allowed)))
                    .Where(c => !c.Fields.IsEmpty)
                    .ToList();
            }
            if (unresolved.Count > 0) throw ConflictError(unresolved);
        }
        foreach (var (entry, fields) in conflicts) entry.Set = FieldSet.Difference(entry.Set, fields);
        foreach (var other in others) other.Set = FieldSet.Difference(other.Set, comparison.Removed);

        var tracked = Untracked(appliedSet, statusWrite);
        var objectChanged = !JsonNode.DeepEquals(liveObject, merged);
        var applier = previous ?? new ManagedEntry
        {
            Manager = request.FieldManager,
            Operation = ManagedEntry.Apply,
            Subresource = request.Subresource,
            Set = new FieldSet(),
        };
        var setChanged = previous is null || !SameSet(previous.Set, tracked);
        applier.Set = tracked;
        applier.ApiVersion = request.ApiVersion;
        if (objectChanged || setChanged || applier.Time is null) applier.Time = Vigil.Cluster.Api.Meta.Time(now);

        if (request.FieldManager == "kubectl" && merged["metadata"]?["annotations"]?[LastAppliedAnnotation] is not null)
        {
            SetLastApplied(merged, BuildLastApplied(applied));
        }

        WriteManagedFields(merged, [.. others, applier]);
        return merged;
    }

    /// <summary>Records the fields an ordinary write (create, update, patch) changed as owned by <paramref name="manager"/>.</summary>
    public static void TrackUpdate(JsonObject? old, JsonObject updated, string manager, string apiVersion, string? subresource, ISchemaNode? schema, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(updated);
        if (updated["metadata"] is not JsonObject metadata) return;
        var provided = metadata["managedFields"];
        if (ManagedFields.IsResetRequest(provided))
        {
            metadata.Remove("managedFields");
            return;
        }
        var managers = ManagedFields.Decode(provided) ?? ManagedFields.Decode(old?["metadata"]?["managedFields"]) ?? [];

        var root = Typed.Root(schema);
        var statusWrite = subresource == "status";
        // A status write records only metadata and status: comparing just those gives the same sets at a fraction of the cost.
        var before = (statusWrite ? MetadataAndStatus(old) : WithoutManagedFields(old)) ?? new JsonObject();
        var after = (statusWrite ? MetadataAndStatus(updated) : WithoutManagedFields(updated))!;
        var comparison = Typed.Compare(before, after, root);
        var changed = Untracked(comparison.Changed(), statusWrite);
        var removed = Untracked(comparison.Removed, statusWrite);

        // As the apiserver does, the write runs as a fresh manager that takes what it changed from everyone (its own
        // earlier entry included) and is then folded into the manager's Update entry for this API version.
        if (!changed.IsEmpty || !removed.IsEmpty)
            foreach (var entry in managers)
            {
                if (!changed.IsEmpty) entry.Set = FieldSet.Difference(entry.Set, changed);
                if (!removed.IsEmpty) entry.Set = FieldSet.Difference(entry.Set, removed);
            }
        if (!changed.IsEmpty)
        {
            var identity = (manager, ManagedEntry.Update, apiVersion, subresource ?? "");
            var entry = managers.FirstOrDefault(e => e.Identity == identity);
            if (entry is null)
            {
                entry = new ManagedEntry
                {
                    Manager = manager,
                    Operation = ManagedEntry.Update,
                    ApiVersion = apiVersion,
                    Subresource = subresource,
                    Set = new FieldSet(),
                };
                managers.Add(entry);
            }
            entry.Set = FieldSet.Union(entry.Set, changed);
            entry.Time = Vigil.Cluster.Api.Meta.Time(now);
        }
        WriteManagedFields(updated, managers);
    }

    private static void Validate(JsonObject applied, ApplyRequest request)
    {
        var version = applied["apiVersion"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "";
        if (!string.IsNullOrEmpty(request.ApiVersion) && version != request.ApiVersion)
        {
            throw ApiException.BadRequest(
                $"Incorrect version specified in apply patch. Specified patch version: {version}, expected: {request.ApiVersion}");
        }
        if (applied["metadata"] is JsonObject metadata && metadata.TryGetPropertyValue("managedFields", out var mf) && mf is not null)
        {
            throw ApiException.BadRequest($"metadata.managedFields must be nil but was {GoFormat.Json(mf)}");
        }
    }

    private static string GroupVersionKind(JsonObject applied, ApplyRequest request)
    {
        var kind = applied["kind"] is JsonValue k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>() : "";
        return $"{request.ApiVersion}, Kind={kind}";
    }

    /// <summary>A copy of the configuration without nulls (an omitted field) and without the fields the write may not set.</summary>
    private static JsonObject PrepareConfig(JsonObject applied, bool statusWrite)
    {
        var config = (JsonObject)WithoutNulls(applied)!;
        if (statusWrite)
        {
            foreach (var key in config.Select(p => p.Key).Where(k => k is not ("apiVersion" or "kind" or "metadata" or "status")).ToList())
                config.Remove(key);
        }
        else
        {
            config.Remove("status");
        }
        return config;
    }

    private static JsonNode? WithoutNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (k, v) in o)
                    if (v is not null) copy[k] = WithoutNulls(v);
                return copy;
            case JsonArray a:
                var list = new JsonArray();
                foreach (var v in a) list.Add(WithoutNulls(v));
                return list;
            default:
                return node?.DeepClone();
        }
    }

    private static JsonObject? MetadataAndStatus(JsonObject? obj)
    {
        if (obj is null) return null;
        var copy = new JsonObject();
        if (obj["metadata"] is JsonObject metadata)
        {
            var m = (JsonObject)metadata.DeepClone();
            m.Remove("managedFields");
            copy["metadata"] = m;
        }
        if (obj["status"] is { } status) copy["status"] = status.DeepClone();
        return copy;
    }

    private static JsonObject? WithoutManagedFields(JsonObject? obj)
    {
        if (obj is null) return null;
        var copy = (JsonObject)obj.DeepClone();
        (copy["metadata"] as JsonObject)?.Remove("managedFields");
        return copy;
    }

    /// <summary>The set without the fields managedFields never records for this kind of write.</summary>
    private static FieldSet Untracked(FieldSet set, bool statusWrite)
    {
        var result = set.Clone();
        result.RemoveChild("f:apiVersion");
        result.RemoveChild("f:kind");
        if (statusWrite)
        {
            foreach (var pe in result.Children.Select(c => c.Key).Where(pe => pe is not ("f:metadata" or "f:status")).ToList())
                result.RemoveChild(pe);
        }
        else
        {
            result.RemoveChild("f:status");
        }
        if (result.Child("f:metadata") is { } metadata)
        {
            metadata.Member = false;
            foreach (var field in UntrackedMetadata) metadata.RemoveChild(PathElement.Field(field));
        }
        result.Compact();
        return result;
    }

    private static bool SameSet(FieldSet a, FieldSet b) => FieldSet.Difference(a, b).IsEmpty && FieldSet.Difference(b, a).IsEmpty;

    private static void WriteManagedFields(JsonObject obj, IEnumerable<ManagedEntry> entries)
    {
        var encoded = ManagedFields.Encode(entries);
        if (obj["metadata"] is not JsonObject metadata)
        {
            if (encoded.Count == 0) return;
            metadata = new JsonObject();
            obj["metadata"] = metadata;
        }
        if (encoded.Count == 0) metadata.Remove("managedFields");
        else metadata["managedFields"] = encoded;
    }

    private static ApiException ConflictError(List<(ManagedEntry Entry, FieldSet Fields)> conflicts)
    {
        var ordered = conflicts
            .OrderBy(c => c.Entry.Manager, StringComparer.Ordinal)
            .ThenBy(c => c.Entry.Operation, StringComparer.Ordinal)
            .ThenBy(c => c.Entry.ApiVersion ?? "", StringComparer.Ordinal)
            .ThenBy(c => c.Entry.Subresource ?? "", StringComparer.Ordinal)
            .Select(c => (c.Entry, Paths: c.Fields.Paths().Select(PathElement.Render).ToList()))
            .ToList();
        var causes = ordered
            .SelectMany(c => c.Paths.Select(p => new StatusCause("FieldManagerConflict", $"conflict with {c.Entry.Describe()}", p)))
            .ToList();
        string message;
        if (causes.Count == 1)
        {
            message = $"Apply failed with 1 conflict: conflict with {ordered[0].Entry.Describe()}: {ordered[0].Paths[0]}";
        }
        else
        {
            var lines = new List<string>();
            foreach (var (entry, paths) in ordered)
            {
                lines.Add($"conflicts with {entry.Describe()}:");
                lines.AddRange(paths.Select(p => "- " + p));
            }
            message = $"Apply failed with {causes.Count} conflicts: {string.Join("\n", lines)}";
        }
        return new ApiException(409, "Conflict", message, causes: causes);
    }

    /// <summary>
    /// The fields "kubectl" may take over without forcing: those set by the object's last-applied-configuration (same API
    /// version) whose values the live object still has.
    /// </summary>
    private static FieldSet? AllowedByLastApplied(JsonObject liveObject, ApplyRequest request, ISchemaNode root)
    {
        if (liveObject["metadata"]?["annotations"]?[LastAppliedAnnotation] is not JsonValue annotation ||
            annotation.GetValueKind() != JsonValueKind.String)
        {
            return null;
        }
        JsonObject? lastApplied;
        try
        {
            lastApplied = JsonNode.Parse(annotation.GetValue<string>()) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
        if (lastApplied is null || lastApplied["apiVersion"]?.GetValueKind() != JsonValueKind.String ||
            lastApplied["apiVersion"]!.GetValue<string>() != request.ApiVersion)
        {
            return null;
        }
        try
        {
            var set = Typed.ToFieldSet(lastApplied, root);
            var comparison = Typed.Compare(lastApplied, liveObject, root);
            return FieldSet.Difference(FieldSet.Difference(FieldSet.Difference(set, comparison.Modified), comparison.Added), comparison.Removed);
        }
        catch (TypedValueException)
        {
            return null;
        }
    }

    /// <summary>The annotation value kubectl would write for this configuration: the configuration without the annotation itself.</summary>
    private static string BuildLastApplied(JsonObject applied)
    {
        var copy = (JsonObject)applied.DeepClone();
        (copy["metadata"]?["annotations"] as JsonObject)?.Remove(LastAppliedAnnotation);
        return GoJson(copy);
    }

    private static void SetLastApplied(JsonObject obj, string value)
    {
        if (obj["metadata"]?["annotations"] is not JsonObject annotations) return;
        annotations[LastAppliedAnnotation] = value;
        var size = annotations.Sum(a => Encoding.UTF8.GetByteCount(a.Key) +
                                        (a.Value is JsonValue s && s.GetValueKind() == JsonValueKind.String ? Encoding.UTF8.GetByteCount(s.GetValue<string>()) : 0));
        if (size > TotalAnnotationSizeLimit) annotations.Remove(LastAppliedAnnotation);
    }

    /// <summary>JSON as Go's encoding/json writes a decoded object: keys sorted, compact, HTML characters escaped.</summary>
    internal static string GoJson(JsonNode node)
    {
        var json = GoFormat.Json(SortKeys(node));
        return json.Replace("<", "\\u003c", StringComparison.Ordinal)
            .Replace(">", "\\u003e", StringComparison.Ordinal)
            .Replace("&", "\\u0026", StringComparison.Ordinal)
            .Replace("\u2028", "\\u2028", StringComparison.Ordinal)
            .Replace("\u2029", "\\u2029", StringComparison.Ordinal);
    }

    private static JsonNode? SortKeys(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, SortKeys(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(SortKeys)]),
        _ => node?.DeepClone(),
    };
}
