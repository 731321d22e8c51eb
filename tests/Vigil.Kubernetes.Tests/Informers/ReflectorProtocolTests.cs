using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Tests.Fixtures;

namespace Vigil.Kubernetes.Tests.Informers;

/// <summary>
/// The reflector's exact request sequence, against a peer scripted to expire versions on cue: list from "0", watch from
/// the list version with bookmarks and a 5–10 minute timeout, re-watch from the last version after a normal close,
/// relist from the last version after a 410, and from "" after that expires too.
/// </summary>
public class ReflectorProtocolTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private static string Item(string name, int rv) =>
        $$$"""{"metadata":{"name":"{{{name}}}","namespace":"ns","resourceVersion":"{{{rv}}}"}}""";

    private static async Task Json(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    }

    private static async Task Line(HttpContext context, string type, string obj)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($$$"""{"type":"{{{type}}}","object":{{{obj}}}}""" + "\n"));
        await context.Response.Body.FlushAsync();
    }

    [Fact]
    public async Task Follows_client_go_list_watch_and_relist_rules()
    {
        var requests = new ConcurrentQueue<string>();
        var timeouts = new ConcurrentQueue<int>();
        var gone = """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version","reason":"Expired","code":410}""";
        await using var peer = await ProtocolPeer.StartAsync(async context =>
        {
            var q = context.Request.Query;
            var watch = q["watch"] == "true";
            var rv = q["resourceVersion"].ToString();
            requests.Enqueue($"{(watch ? "watch" : "list")} rv={rv}{(q.ContainsKey("continue") ? " continue=" + q["continue"] : string.Empty)}");
            if (watch)
            {
                q["allowWatchBookmarks"].ToString().ShouldBe("true");
                timeouts.Enqueue(int.Parse(q["timeoutSeconds"].ToString(), CultureInfo.InvariantCulture));
                context.Response.ContentType = "application/json";
                switch (rv)
                {
                    case "10":
                        // One event and a bookmark, then a normal close: re-watch from the bookmark, no relist.
                        await Line(context, "ADDED", Item("b", 11));
                        await Line(context, "BOOKMARK", """{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"12"}}""");
                        return;
                    case "12":
                        await Line(context, "ERROR", gone);
                        return;
                    default:
                        await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
                        return;
                }
            }

            switch (rv, q["continue"].ToString())
            {
                case ("0", ""):
                    await Json(context, 200, $$$"""{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"10","continue":"page2"},"items":[{{{Item("a", 5)}}}]}""");
                    return;
                case (_, "page2"):
                    await Json(context, 200, $$$"""{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"10"},"items":[{{{Item("c", 6)}}}]}""");
                    return;
                case ("12", _):
                    await Json(context, 410, gone);
                    return;
                default:
                    // The newest state: a and c are gone, b changed.
                    await Json(context, 200, $$$"""{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"30"},"items":[{{{Item("b", 25)}}}]}""");
                    return;
            }
        });

        using var client = new KubernetesClient(peer.Configuration());
        await using var informer = new SharedInformer<ConfigMap>(client.Resource<ConfigMap>(), new InformerOptions<ConfigMap>
        {
            Namespace = "ns",
            Reflector = new ReflectorOptions { PageSize = 1, InitialBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(50) },
        });
        var handler = new RecordingHandler<ConfigMap>();
        informer.AddEventHandler(handler);
        informer.Start();

        await Eventually.TrueAsync(() => requests.Contains("watch rv=30"), Patience);
        requests.ShouldBe(
        [
            "list rv=0",
            "list rv= continue=page2",
            "watch rv=10",
            "watch rv=12",
            "list rv=12",
            "list rv=",
            "watch rv=30",
        ]);
        timeouts.ShouldAllBe(seconds => seconds >= 300 && seconds <= 600);
        await Eventually.TrueAsync(() => handler.Saw("delete ns/a tombstone") && handler.Saw("delete ns/c tombstone") && handler.Saw("update ns/b"), Patience);
        handler.Events.Take(3).ShouldBe(["add ns/a initial", "add ns/c initial", "add ns/b"]);
        informer.LastSyncResourceVersion.ShouldBe("30");
        informer.Indexer.ListKeys().ShouldBe(["ns/b"]);
    }
}
