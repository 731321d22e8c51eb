using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Tables;

/// <summary>Renders objects as kubectl's server-side printing does: the columns and cells of <c>kubectl get</c>.</summary>
public static class TableConverter
{
    private static readonly TableColumn NameColumn = new("Name", "string", "Name must be unique within a namespace.", 0, "name");
    private static readonly TableColumn AgeColumn = new("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created.");

    public static IReadOnlyList<TableColumn> Columns(ResourceType type) => [NameColumn, AgeColumn];

    public static JsonArray Cells(ResourceType type, JsonObject obj, DateTimeOffset now) =>
        [obj["metadata"]?["name"]?.DeepClone(), "<unknown>"];
}
