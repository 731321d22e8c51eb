using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Tables;

namespace Vigil.Cluster.Tests.Tables;

internal static class TableTestSupport
{
    public static readonly DateTimeOffset Now = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    public static ResourceType Type(string group, string plural) => BuiltInResources.All.Single(r => r.Group == group && r.Plural == plural);

    /// <summary>An RFC 3339 timestamp the given time before <see cref="Now"/>.</summary>
    public static string Ago(TimeSpan age) => (Now - age).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Ago(int seconds) => Ago(TimeSpan.FromSeconds(seconds));

    /// <summary>Parses JSON, replacing <c>$AGO(n)</c> with the timestamp n seconds before <see cref="Now"/>.</summary>
    public static JsonObject Json(string text)
    {
        var s = System.Text.RegularExpressions.Regex.Replace(text, @"\$AGO\((\d+)\)", m => Ago(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
        return JsonNode.Parse(s)!.AsObject();
    }

    /// <summary>The cells as plain values (string, long, double, bool, null) for easy comparison.</summary>
    public static object?[] Cells(ResourceType type, JsonObject obj)
    {
        var cells = TableConverter.Cells(type, obj, Now);
        TableConverter.Columns(type).Count.ShouldBe(cells.Count, "one cell per column");
        return cells.Select(Plain).ToArray();
    }

    /// <summary>Cells by column name.</summary>
    public static Dictionary<string, object?> Row(ResourceType type, JsonObject obj)
    {
        var cells = Cells(type, obj);
        return TableConverter.Columns(type).Select((c, i) => (c.Name, cells[i])).ToDictionary(p => p.Name, p => p.Item2);
    }

    public static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        _ => node.ToJsonString(),
    };
}
