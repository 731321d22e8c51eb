using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Selectors;

using Vigil.Cluster.Serialization;

namespace Vigil.Cluster.Tables;

/// <summary>
/// Tables for custom resources, as apiextensions-apiserver's table convertor builds them: a Name column, then the
/// CRD version's <c>additionalPrinterColumns</c>; when there are none, a single <c>Age</c> column
/// (type <c>date</c>, path <c>.metadata.creationTimestamp</c>). Age is not appended to declared columns.
/// </summary>
internal sealed class CustomResourcePrinter
{
    private readonly (TableColumn Column, JsonPath Path)[] _columns;

    private CustomResourcePrinter(IReadOnlyList<TableColumn> columns, (TableColumn, JsonPath)[] pathColumns)
    {
        Columns = columns;
        _columns = pathColumns;
    }

    public IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>The Age column the apiextensions server serves when a version declares no printer columns.</summary>
    private static readonly PrinterColumn DefaultAgeColumn =
        new("Age", "date", ".metadata.creationTimestamp", Description: ColumnDocs.CreationTimestamp);

    public static CustomResourcePrinter For(IReadOnlyList<PrinterColumn> printerColumns)
    {
        var declared = printerColumns.Count > 0 ? printerColumns : [DefaultAgeColumn];
        var columns = new List<TableColumn> { BuiltInPrinters.NameColumn };
        var paths = new List<(TableColumn, JsonPath)>();
        foreach (var pc in declared)
        {
            // The apiserver stops at a path it cannot parse and serves the columns before it.
            if (JsonPath.TryParse(pc.JsonPath) is not { } path) break;
            var description = string.IsNullOrEmpty(pc.Description)
                ? $"Custom resource definition column (in JSONPath format): {pc.JsonPath}"
                : pc.Description;
            var column = new TableColumn(pc.Name, pc.Type, description, pc.Priority, pc.Format ?? "");
            columns.Add(column);
            paths.Add((column, path));
        }
        return new CustomResourcePrinter(columns, [.. paths]);
    }

    public JsonArray Cells(JsonObject obj, DateTimeOffset now)
    {
        var cells = new JsonArray(JsonAccess.Text(obj, "metadata", "name"));
        foreach (var (column, path) in _columns)
        {
            var results = path.Find(obj);
            cells.Add(results.Count == 0 ? null : Cell(column.Type, results[0], now));
        }
        return cells;
    }

    /// <summary>The first value a column's path selects, converted for the column's type; null (printed <c>&lt;none&gt;</c>) when it does not fit.</summary>
    private static JsonNode? Cell(string type, JsonNode? value, DateTimeOffset now)
    {
        if (value is null) return null;
        if (type == "string") return GoFormat.Text(value) is { } text ? JsonValue.Create(text) : null;
        if (value is not JsonValue scalar) return null;
        var kind = scalar.GetValueKind();
        switch (type)
        {
            case "integer" when kind == JsonValueKind.Number:
                return GoFormat.TryInteger(scalar, out var l) ? JsonValue.Create(l) : JsonValue.Create((long)Math.Truncate(scalar.GetValue<double>()));
            case "number" when kind == JsonValueKind.Number:
                return JsonValue.Create(scalar.GetValue<double>());
            case "boolean" when kind is JsonValueKind.True or JsonValueKind.False:
                return JsonValue.Create(kind == JsonValueKind.True);
            case "date" when kind == JsonValueKind.String:
                var s = scalar.GetValue<string>();
                if (s.Length == 0 || s == "null") return "<unknown>";
                return JsonAccess.TryParseTime(s, out var t) ? HumanDuration.Since(t, now) : "<invalid>";
            default:
                return null;
        }
    }
}
