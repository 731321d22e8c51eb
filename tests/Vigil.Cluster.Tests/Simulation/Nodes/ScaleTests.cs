using System.Diagnostics;
using System.Text.Json.Nodes;
using Vigil.Cluster.Server;
using Vigil.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace Vigil.Cluster.Tests.Simulation.Nodes;

/// <summary>200 nodes at 100x.</summary>
public sealed class ScaleClusterFixture : NodeClusterFixture
{
    protected override ClusterOptions Options => new() { Simulate = true, Speed = 100, Nodes = 200 };
}

/// <summary>A quick check that the node side keeps up: 2,000 pods over 200 nodes reach Running in bounded time.</summary>
public sealed class ScaleTests(ScaleClusterFixture fx, ITestOutputHelper output) : IClassFixture<ScaleClusterFixture>
{
    [Fact]
    public async Task Two_thousand_pods_on_two_hundred_nodes_reach_Running()
    {
        const int pods = 2000;
        await Eventually.True(async () => (await fx.Get("/api/v1/nodes"))!["items"]!.AsArray().Count == 200, TimeSpan.FromSeconds(30), "200 nodes");
        await fx.Apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: scale}\n");
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, pods), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var (status, body) = await fx.Http.Post("/api/v1/namespaces/scale/pods", new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["metadata"] = new JsonObject { ["name"] = $"load-{i}", ["labels"] = new JsonObject { ["app"] = "load" } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "app",
                        ["image"] = "nginx:1.25",
                        ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "128Mi" } },
                    }),
                },
            });
            status.ShouldBe(201, body?.ToJsonString());
        });
        var created = clock.Elapsed;
        var last = "";
        try
        {
            await Eventually.True(async () =>
            {
                var (_, list) = await fx.Http.Get("/api/v1/namespaces/scale/pods");
                var items = list!["items"]!.AsArray();
                var running = items.Count(p => p!["status"]?["phase"]?.GetValue<string>() == "Running");
                last = $"{running} Running, {items.Count(p => p!["spec"]?["nodeName"] is null)} unbound, {items.Count(p => p!["spec"]?["nodeName"] is not null && p["status"]?["phase"]?.GetValue<string>() != "Running")} bound not running";
                return running == pods;
            }, TimeSpan.FromSeconds(90), "all pods Running");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "; " + last, e);
        }
        output.WriteLine($"created {pods} pods in {created.TotalSeconds:F1} s; all Running after {clock.Elapsed.TotalSeconds:F1} s");

        var (_, all) = await fx.Http.Get("/api/v1/namespaces/scale/pods");
        var perNode = all!["items"]!.AsArray().GroupBy(p => p!["spec"]!["nodeName"]!.GetValue<string>()).Select(g => g.Count()).ToList();
        perNode.Count.ShouldBe(200);
        perNode.Max().ShouldBeLessThanOrEqualTo(15, "least-allocated scoring spreads the pods");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(90));
    }
}
