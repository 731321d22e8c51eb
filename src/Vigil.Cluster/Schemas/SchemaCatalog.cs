using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Schemas;

/// <summary>Schemas of built-in kinds, and structural schemas built from CRD <c>openAPIV3Schema</c>s.</summary>
public static class SchemaCatalog
{
    /// <summary>The structural schema of a built-in kind, or null when none is known.</summary>
    public static ISchemaNode? BuiltIn(string group, string version, string kind) => null;

    /// <summary>A structural schema from a CRD version's openAPIV3Schema.</summary>
    public static ISchemaNode FromOpenApiV3(JsonObject schema) => throw new NotImplementedException();

    /// <summary>Unknown fields of <paramref name="obj"/> as strict field validation reports them (empty when none).</summary>
    public static IReadOnlyList<StatusCause> UnknownFields(JsonObject obj, ISchemaNode schema) => [];

    /// <summary>Removes fields the schema does not declare (custom resources without x-kubernetes-preserve-unknown-fields).</summary>
    public static void Prune(JsonObject obj, ISchemaNode schema)
    {
    }
}
