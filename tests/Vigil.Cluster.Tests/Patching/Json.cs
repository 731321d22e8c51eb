using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Tests.Patching;

internal static class Json
{
    public static JsonNode Parse(string json) => JsonNode.Parse(json)!;

    public static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    public static void ShouldEqualJson(this JsonNode? actual, string expected)
    {
        var expectedNode = JsonNode.Parse(expected);
        if (!JsonNode.DeepEquals(actual, expectedNode))
        {
            throw new ShouldAssertException($"JSON differs.\nexpected: {expectedNode?.ToJsonString()}\nactual:   {actual?.ToJsonString()}");
        }
    }

    public static ApiException ShouldFailWith(Action action, int code, string reason)
    {
        var ex = Should.Throw<ApiException>(action);
        ex.Code.ShouldBe(code, ex.Message);
        ex.Reason.ShouldBe(reason, ex.Message);
        return ex;
    }
}
