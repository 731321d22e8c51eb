using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Tables;

/// <summary>Renders objects as kubectl's server-side printing does: the columns and cells of <c>kubectl get</c>.</summary>
/// <remarks>
/// Pure functions of the resource type, the object and the current time. Like kube-apiserver, the table is always the
/// wide one: <see cref="Cells"/> returns a cell for every column of <see cref="Columns"/>, priority-1 columns included;
/// kubectl drops those unless <c>-o wide</c>. A missing value is a null cell, which kubectl prints as <c>&lt;none&gt;</c>.
/// </remarks>
public static class TableConverter
{
    private static readonly ConditionalWeakTable<ResourceType, CustomResourcePrinter> CustomPrinters = new();

    /// <summary>The column definitions for the resource (<c>columnDefinitions</c>).</summary>
    public static IReadOnlyList<TableColumn> Columns(ResourceType type) =>
        type.IsCustom ? CustomPrinterFor(type).Columns : BuiltInPrinters.For(type.Group, type.Plural).Columns;

    /// <summary>The cells of one object's row, in column order; ages are measured at <paramref name="now"/>.</summary>
    public static JsonArray Cells(ResourceType type, JsonObject obj, DateTimeOffset now) =>
        type.IsCustom ? CustomPrinterFor(type).Cells(obj, now) : BuiltInPrinters.For(type.Group, type.Plural).Cells(obj, now);

    /// <summary>
    /// The row's <c>conditions</c>, when the apiserver sets any: finished pods carry a <c>Completed</c> condition
    /// (reason <c>Succeeded</c> or <c>Failed</c>). Null when the row has none.
    /// </summary>
    public static JsonArray? RowConditions(ResourceType type, JsonObject obj) =>
        type.IsCustom ? null : BuiltInPrinters.For(type.Group, type.Plural).Conditions?.Invoke(obj);

    /// <summary>A whole row: <c>{"cells": [...], "conditions": [...]?}</c> (the caller adds <c>object</c>).</summary>
    public static JsonObject Row(ResourceType type, JsonObject obj, DateTimeOffset now)
    {
        var row = new JsonObject { ["cells"] = Cells(type, obj, now) };
        if (RowConditions(type, obj) is { } conditions) row["conditions"] = conditions;
        return row;
    }

    /// <summary>The column definitions as the Table's <c>columnDefinitions</c> JSON.</summary>
    public static JsonArray ColumnDefinitions(ResourceType type)
    {
        var array = new JsonArray();
        foreach (var c in Columns(type))
        {
            array.Add(new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            });
        }
        return array;
    }

    /// <summary>Printer columns are parsed once per custom resource type (a CRD change registers a new type).</summary>
    private static CustomResourcePrinter CustomPrinterFor(ResourceType type) =>
        CustomPrinters.GetValue(type, t => CustomResourcePrinter.For(t.PrinterColumns));
}
