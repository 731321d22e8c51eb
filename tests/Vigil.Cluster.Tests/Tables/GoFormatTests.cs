using System.Text.Json.Nodes;
using Vigil.Cluster.Tables;

using Vigil.Cluster.Serialization;

namespace Vigil.Cluster.Tests.Tables;

public class GoFormatTests
{
    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(3.0, "3")]
    [InlineData(123456.0, "123456")]
    [InlineData(1e6, "1e+06")]
    [InlineData(1234567.0, "1.234567e+06")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e21, "1e+21")]
    public void Floats_print_like_fmt_Sprint(double value, string expected) => GoFormat.FormatFloatV(value).ShouldBe(expected);

    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(1e6, "1000000")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e-7, "1e-7")]
    public void Floats_marshal_like_encoding_json(double value, string expected) => GoFormat.FormatFloatJson(value).ShouldBe(expected);

    [Fact]
    public void Objects_marshal_with_sorted_keys_and_html_escapes()
    {
        var node = JsonNode.Parse("""{"b":[1,2.5,true,null],"a":"<x&y>","c":{"z":1,"y":"q"}}""");
        GoFormat.Text(node).ShouldBe("""{"a":"\u003cx\u0026y\u003e","b":[1,2.5,true,null],"c":{"y":"q","z":1}}""");
        GoFormat.Text(JsonNode.Parse("42")).ShouldBe("42");
        GoFormat.Text(JsonNode.Parse("4.20")).ShouldBe("4.2");
        GoFormat.Text(JsonValue.Create("text")).ShouldBe("text");
        GoFormat.Text(JsonValue.Create(false)).ShouldBe("false");
    }
}
