using System.Text.Json.Nodes;
using Vigil.Cluster.Tables;

namespace Vigil.Cluster.Tests.Tables;

public class JsonPathTests
{
    private static readonly JsonObject Doc = JsonNode.Parse("""
        {"metadata":{"name":"w","labels":{"app":"web","app.kubernetes.io/name":"shop"}},
         "spec":{"replicas":3,"ratio":0.5,"enabled":true,"tags":["a","b","c"],
                 "containers":[{"name":"main","image":"nginx"},{"name":"side","image":"envoy"}]},
         "status":{"conditions":[{"type":"Progressing","status":"True","count":1},{"type":"Ready","status":"False","count":5}]}}
        """)!.AsObject();

    private static string[] Find(string path)
    {
        var compiled = JsonPath.TryParse(path);
        compiled.ShouldNotBeNull(path);
        return compiled.Find(Doc).Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n?.ToJsonString() ?? "null").ToArray();
    }

    [Theory]
    [InlineData(".spec.replicas", "3")]
    [InlineData("{.spec.replicas}", "3")]
    [InlineData("$.spec.replicas", "3")]
    [InlineData(".metadata.labels.app", "web")]
    [InlineData(".metadata.labels.app\\.kubernetes\\.io/name", "shop")]
    [InlineData(".metadata.labels['app.kubernetes.io/name']", "shop")]
    [InlineData(".metadata.labels[\"app\"]", "web")]
    [InlineData(".spec.tags[0]", "a")]
    [InlineData(".spec.tags[-1]", "c")]
    [InlineData(".spec.tags[1:]", "b", "c")]
    [InlineData(".spec.tags[:2]", "a", "b")]
    [InlineData(".spec.tags[0,2]", "a", "c")]
    [InlineData(".spec.tags[*]", "a", "b", "c")]
    [InlineData(".spec.containers[*].name", "main", "side")]
    [InlineData(".spec.containers[1].image", "envoy")]
    [InlineData(".status.conditions[?(@.type==\"Ready\")].status", "False")]
    [InlineData(".status.conditions[?(@.type=='Progressing')].status", "True")]
    [InlineData(".status.conditions[?(@.type!=\"Ready\")].type", "Progressing")]
    [InlineData(".status.conditions[?(@.count>2)].type", "Ready")]
    [InlineData(".status.conditions[?(@.count<=1)].type", "Progressing")]
    [InlineData(".status.conditions[?(@.status)].type", "Progressing", "Ready")]
    [InlineData("..image", "nginx", "envoy")]
    [InlineData(".metadata.labels.missing")]
    [InlineData(".spec.tags[7]")]
    [InlineData(".spec.replicas.deeper")]
    [InlineData(".status.conditions[?(@.type==\"Gone\")].status")]
    public void Finds_values(string path, params string[] expected) => Find(path).ShouldBe(expected);

    [Fact]
    public void A_filter_comparing_different_types_selects_nothing() =>
        Find(".status.conditions[?(@.count==\"1\")].type").ShouldBeEmpty();

    [Theory]
    [InlineData(".spec.tags[")]
    [InlineData(".spec.tags[x]")]
    [InlineData(".spec.tags[?(@.a ~ 1)]")]
    [InlineData(".spec.(x)")]
    public void Rejects_malformed_paths(string path) => JsonPath.TryParse(path).ShouldBeNull();
}
