using System.Text.Json;
using System.Text.Json.Nodes;

using Vigil.Cluster.Serialization;

namespace Vigil.Cluster.Patching.Internal;

/// <summary>One entry of <c>metadata.managedFields</c>.</summary>
internal sealed class ManagedEntry
{
    public const string Apply = "Apply";
    public const string Update = "Update";

    public required string Manager { get; init; }
    public required string Operation { get; init; }
    public string? ApiVersion { get; set; }
    public string? Time { get; set; }
    public string? Subresource { get; init; }
    public required FieldSet Set { get; set; }

    /// <summary>
    /// Who the entry belongs to, as kube-apiserver's BuildManagerIdentifier: manager, operation, subresource and, for
    /// updates only, the API version (an applier keeps one entry whatever version it applies with).
    /// </summary>
    public (string Manager, string Operation, string ApiVersion, string Subresource) Identity =>
        (Manager, Operation, Operation == Apply ? "" : ApiVersion ?? "", Subresource ?? "");

    /// <summary>How conflict messages name the manager: <c>"kubectl" using apps/v1</c> for an updater, <c>"kubectl"</c> for an applier.</summary>
    public string Describe()
    {
        var name = GoFormat.Quote(Manager);
        if (!string.IsNullOrEmpty(Subresource)) name += $" with subresource {GoFormat.Quote(Subresource)}";
        return Operation == Update ? $"{name} using {ApiVersion}" : name;
    }

    public JsonObject ToJson()
    {
        var obj = new JsonObject
        {
            ["manager"] = Manager,
            ["operation"] = Operation,
        };
        if (!string.IsNullOrEmpty(ApiVersion)) obj["apiVersion"] = ApiVersion;
        if (Time is not null) obj["time"] = Time;
        obj["fieldsType"] = "FieldsV1";
        obj["fieldsV1"] = Set.ToFieldsV1();
        if (!string.IsNullOrEmpty(Subresource)) obj["subresource"] = Subresource;
        return obj;
    }
}

internal static class ManagedFields
{
    /// <summary>
    /// Decodes <c>metadata.managedFields</c>; null when it is absent, empty or malformed (an entry without manager or
    /// with an unknown operation, a fieldsType other than FieldsV1, fieldsV1 that is not a path tree).
    /// Entries sharing an identity are merged.
    /// </summary>
    public static List<ManagedEntry>? Decode(JsonNode? managedFields)
    {
        if (managedFields is not JsonArray { Count: > 0 } array) return null;
        var entries = new List<ManagedEntry>();
        foreach (var item in array)
        {
            if (item is not JsonObject obj) return null;
            var manager = Str(obj, "manager");
            var operation = Str(obj, "operation");
            if (operation is not (ManagedEntry.Apply or ManagedEntry.Update)) return null;
            if (Str(obj, "fieldsType") is { } type && type != "FieldsV1") return null;
            var set = obj.TryGetPropertyValue("fieldsV1", out var fields) && fields is not null ? FieldSet.FromFieldsV1(fields) : new FieldSet();
            if (set is null) return null;
            var entry = new ManagedEntry
            {
                Manager = manager ?? "",
                Operation = operation,
                ApiVersion = Str(obj, "apiVersion"),
                Time = Str(obj, "time"),
                Subresource = Str(obj, "subresource"),
                Set = set,
            };
            var existing = entries.FirstOrDefault(e => e.Identity == entry.Identity);
            if (existing is null)
            {
                entries.Add(entry);
            }
            else
            {
                existing.Set = FieldSet.Union(existing.Set, set);
                if (string.CompareOrdinal(entry.Time, existing.Time) > 0) existing.Time = entry.Time;
            }
        }
        return entries;
    }

    /// <summary>
    /// True for <c>[{}]</c>: the documented way for a client to clear managedFields (a single entry with nothing in it).
    /// </summary>
    public static bool IsResetRequest(JsonNode? managedFields) =>
        managedFields is JsonArray { Count: 1 } array && array[0] is JsonObject { Count: 0 };

    /// <summary>Encodes the entries in kube-apiserver's order: Apply before Update, then by time, manager, version, subresource.</summary>
    public static JsonArray Encode(IEnumerable<ManagedEntry> entries)
    {
        var sorted = entries
            .Where(e => !e.Set.IsEmpty)
            .OrderBy(e => e.Operation, StringComparer.Ordinal)
            .ThenBy(e => e.Time ?? "", StringComparer.Ordinal)
            .ThenBy(e => e.Manager, StringComparer.Ordinal)
            .ThenBy(e => e.ApiVersion ?? "", StringComparer.Ordinal)
            .ThenBy(e => e.Subresource ?? "", StringComparer.Ordinal);
        var array = new JsonArray();
        foreach (var e in sorted) array.Add(e.ToJson());
        return array;
    }

    private static string? Str(JsonObject obj, string name) =>
        obj.TryGetPropertyValue(name, out var v) && v is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : null;
}
