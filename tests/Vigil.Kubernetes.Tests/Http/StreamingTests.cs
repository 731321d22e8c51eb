using System.Text;
using Microsoft.AspNetCore.Http;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Tests.Fixtures;

namespace Vigil.Kubernetes.Tests.Http;

/// <summary>Long-lived responses: followed logs and watches are not cut by the request timeout.</summary>
public class StreamingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Followed_log_lines_arrive_as_they_are_written_and_outlive_the_request_timeout()
    {
        var secondLine = new TaskCompletionSource();
        string? query = null;
        await using var peer = await ProtocolPeer.StartAsync(async context =>
        {
            query = context.Request.QueryString.Value;
            context.Response.ContentType = "text/plain";
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("first\n"));
            await context.Response.Body.FlushAsync();
            await secondLine.Task.WaitAsync(context.RequestAborted);
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("second\n"));
            await context.Response.Body.FlushAsync();
        });
        var clock = new ManualTimeProvider();
        using var client = new KubernetesClient(peer.Configuration() with { RequestTimeout = TimeSpan.FromSeconds(1) }, clock);
        var lines = new List<string>();
        await using var enumerator = client.Resource<Pod>().StreamLogLinesAsync("p", "ns", new LogOptions { Follow = true, Container = "app", TailLines = 10 }).GetAsyncEnumerator();
        (await enumerator.MoveNextAsync().AsTask().WaitAsync(Patience)).ShouldBeTrue();
        lines.Add(enumerator.Current);

        // Well past the request timeout on the client's clock: the stream must stay open.
        clock.Advance(TimeSpan.FromSeconds(30));
        secondLine.SetResult();
        (await enumerator.MoveNextAsync().AsTask().WaitAsync(Patience)).ShouldBeTrue();
        lines.Add(enumerator.Current);
        (await enumerator.MoveNextAsync().AsTask().WaitAsync(Patience)).ShouldBeFalse();

        lines.ShouldBe(["first", "second"]);
        query.ShouldBe("?container=app&follow=true&tailLines=10");
    }

    [Fact]
    public async Task A_watch_outlives_the_request_timeout()
    {
        var release = new TaskCompletionSource();
        await using var peer = await ProtocolPeer.StartAsync(async context =>
        {
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n"));
            await context.Response.Body.FlushAsync();
            await release.Task.WaitAsync(context.RequestAborted);
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n"));
        });
        var clock = new ManualTimeProvider();
        using var client = new KubernetesClient(peer.Configuration() with { RequestTimeout = TimeSpan.FromSeconds(1) }, clock);
        var types = new List<Vigil.Kubernetes.Watch.WatchEventType>();
        await foreach (var e in client.Resource<ConfigMap>().WatchAsync("ns").WithCancellation(new CancellationTokenSource(Patience).Token))
        {
            types.Add(e.Type);
            if (types.Count == 1)
            {
                clock.Advance(TimeSpan.FromSeconds(30));
                release.SetResult();
            }
        }

        types.ShouldBe([Vigil.Kubernetes.Watch.WatchEventType.Added, Vigil.Kubernetes.Watch.WatchEventType.Deleted]);
    }
}
