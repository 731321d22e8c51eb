using System.Text.Json.Nodes;
using Vigil.Diagnosis.Gathering.Custom;

namespace Vigil.Diagnosis.Tests.Gathering;

public sealed class JsonPathSelectorTests
{
    private static readonly JsonNode List = JsonNode.Parse("""
        {"items":[{"metadata":{"name":"a","labels":{"app.kubernetes.io/name":"web"}},"status":{"replicas":2}},
                  {"metadata":{"name":"b"},"status":{"replicas":3}}]}
        """)!;

    [Theory]
    [InlineData("{.items[*].metadata.name}", "\"a\"|\"b\"")]
    [InlineData("{.items[1].status.replicas}", "3")]
    [InlineData(".items[0].metadata.labels['app.kubernetes.io/name']", "\"web\"")]
    [InlineData("{.items[*].status}", "{\"replicas\":2}|{\"replicas\":3}")]
    [InlineData("{.items[5].status}", "")]
    [InlineData("{.nothing.here}", "")]
    public void Selects_what_kubectl_would(string path, string expected) =>
        string.Join('|', JsonPathSelector.Parse(path).Select(List).Select(n => n!.ToJsonString())).ShouldBe(expected);

    [Theory]
    [InlineData("{.items[?(@.status.replicas>2)]}", "not supported")]
    [InlineData("items", "must start with .")]
    [InlineData("{.items[}", "[ without ]")]
    public void Refuses_what_it_does_not_support_with_the_reason(string path, string problem) =>
        Should.Throw<FormatException>(() => JsonPathSelector.Parse(path)).Message.ShouldContain(problem);
}
