using Vigil.Cluster.Registry;
using Vigil.Cluster.Tables;
using static Vigil.Cluster.Tests.Tables.TableTestSupport;

namespace Vigil.Cluster.Tests.Tables;

public class CustomResourceTableTests
{
    private static ResourceType Widgets(params PrinterColumn[] columns) => new()
    {
        Group = "example.com", Version = "v1", Kind = "Widget", Plural = "widgets", Singular = "widget", Namespaced = true,
        IsCustom = true, PrinterColumns = columns,
    };

    private const string Widget = """
        {"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1","creationTimestamp":"$AGO(420)","labels":{"app":"shop"}},
         "spec":{"replicas":3,"ratio":0.25,"paused":false,"size":"large","image":{"repo":"nginx","tag":"1.25"},"ports":[80,443]},
         "status":{"readyReplicas":2,"lastBackup":"$AGO(7200)","conditions":[{"type":"Synced","status":"True"},{"type":"Ready","status":"False","reason":"Scaling"}]}}
        """;

    [Fact]
    public void Without_printer_columns_the_table_is_name_and_age()
    {
        var type = Widgets();
        var columns = TableConverter.Columns(type);
        columns.Select(c => (c.Name, c.Type, c.Format)).ShouldBe([("Name", "string", "name"), ("Age", "date", "")]);
        columns[1].Description.ShouldStartWith("CreationTimestamp is a timestamp");
        Cells(type, Json(Widget)).ShouldBe(["w1", "7m"]);
        Cells(type, Json("""{"metadata":{"name":"w2"}}""")).ShouldBe(["w2", null]);
    }

    [Fact]
    public void Declared_columns_follow_name_and_age_is_not_added()
    {
        var type = Widgets(
            new PrinterColumn("Desired", "integer", ".spec.replicas"),
            new PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
            new PrinterColumn("Reason", "string", ".status.conditions[?(@.type==\"Ready\")].reason", Priority: 1),
            new PrinterColumn("Paused", "boolean", ".spec.paused"),
            new PrinterColumn("Ratio", "number", ".spec.ratio"),
            new PrinterColumn("App", "string", ".metadata.labels.app", Description: "The app label"),
            new PrinterColumn("Last Backup", "date", ".status.lastBackup"),
            new PrinterColumn("Missing", "string", ".spec.nothing"));
        var columns = TableConverter.Columns(type);
        columns.Select(c => c.Name).ShouldBe(["Name", "Desired", "Ready", "Reason", "Paused", "Ratio", "App", "Last Backup", "Missing"]);
        columns[3].Priority.ShouldBe(1);
        columns[1].Description.ShouldBe("Custom resource definition column (in JSONPath format): .spec.replicas");
        columns[6].Description.ShouldBe("The app label");
        Cells(type, Json(Widget)).ShouldBe(["w1", 3L, "False", "Scaling", false, 0.25, "shop", "120m", null]);
    }

    [Fact]
    public void Values_convert_to_the_column_type_or_become_null()
    {
        var type = Widgets(
            new PrinterColumn("IntFromFloat", "integer", ".spec.ratio"),
            new PrinterColumn("IntFromString", "integer", ".spec.size"),
            new PrinterColumn("StringFromInt", "string", ".spec.replicas"),
            new PrinterColumn("StringFromFloat", "string", ".spec.ratio"),
            new PrinterColumn("StringFromBool", "string", ".spec.paused"),
            new PrinterColumn("StringFromObject", "string", ".spec.image"),
            new PrinterColumn("StringFromArray", "string", ".spec.ports"),
            new PrinterColumn("FirstOfMany", "string", ".spec.ports[*]"),
            new PrinterColumn("BoolFromString", "boolean", ".spec.size"),
            new PrinterColumn("NumberFromInt", "number", ".spec.replicas"),
            new PrinterColumn("DateFromInt", "date", ".spec.replicas"),
            new PrinterColumn("BadDate", "date", ".spec.size"));
        Cells(type, Json(Widget)).ShouldBe(
        [
            "w1", 0L, null, "3", "0.25", "false", """{"repo":"nginx","tag":"1.25"}""", "[80,443]", "80", null, 3.0, null, "<invalid>",
        ]);
    }

    [Fact]
    public void An_unparsable_path_ends_the_columns_like_the_apiserver()
    {
        var type = Widgets(
            new PrinterColumn("Desired", "integer", ".spec.replicas"),
            new PrinterColumn("Broken", "string", ".spec.replicas[?(@.x ~ 1)]"),
            new PrinterColumn("After", "string", ".spec.size"));
        TableConverter.Columns(type).Select(c => c.Name).ShouldBe(["Name", "Desired"]);
        Cells(type, Json(Widget)).ShouldBe(["w1", 3L]);
    }

    [Fact]
    public void Custom_resources_have_no_row_conditions()
    {
        TableConverter.RowConditions(Widgets(), Json(Widget)).ShouldBeNull();
    }
}
