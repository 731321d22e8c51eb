using System.Text;
using Microsoft.AspNetCore.Http;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Tests.Fixtures;
using Vigil.Kubernetes.Watch;

namespace Vigil.Kubernetes.Tests.Watch;

/// <summary>Watch framing details, against a peer that writes exact bytes.</summary>
public class WatchStreamTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static async Task WriteAndFlush(HttpContext context, string text)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text));
        await context.Response.Body.FlushAsync();
    }

    [Fact]
    public async Task Parses_events_split_across_chunks_with_crlf_and_blank_lines()
    {
        string? query = null;
        await using var peer = await ProtocolPeer.StartAsync(async context =>
        {
            query = context.Request.QueryString.Value;
            context.Response.ContentType = "application/json";
            await WriteAndFlush(context, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"1\"}}}\r\n\n{\"type\":\"MOD");
            await WriteAndFlush(context, "IFIED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"2\"},\"data\":{\"k\":\"" + new string('x', 200_000) + "\"}}}\n");
            await WriteAndFlush(context, "{\"object\":{\"kind\":\"ConfigMap\",\"metadata\":{\"resourceVersion\":\"3\"}},\"type\":\"BOOKMARK\"}\n");
            await WriteAndFlush(context, "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"4\"}}}");
        });
        using var client = new KubernetesClient(peer.Configuration());
        var events = new List<WatchEvent<ConfigMap>>();
        await foreach (var e in client.Resource<ConfigMap>().WatchAsync("ns", new WatchOptions { ResourceVersion = "0", AllowWatchBookmarks = true, TimeoutSeconds = 30, LabelSelector = "a=b" }))
        {
            events.Add(e);
        }

        events.Select(e => e.Type).ShouldBe([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Bookmark, WatchEventType.Deleted]);
        events[1].Object.Data!["k"].Length.ShouldBe(200_000);
        events[2].Object.Metadata.ResourceVersion.ShouldBe("3");
        query.ShouldBe("?watch=true&labelSelector=a%3Db&resourceVersion=0&allowWatchBookmarks=true&timeoutSeconds=30");
    }

    [Fact]
    public async Task Error_event_410_ends_the_stream_with_a_typed_exception()
    {
        await using var peer = await ProtocolPeer.StartAsync(async context =>
        {
            await WriteAndFlush(context, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n");
            await WriteAndFlush(context, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: 1 (5)\",\"reason\":\"Expired\",\"code\":410}}\n");
        });
        using var client = new KubernetesClient(peer.Configuration());
        var seen = 0;
        var error = await Should.ThrowAsync<ResourceExpiredException>(async () =>
        {
            await foreach (var unused in client.Resource<ConfigMap>().WatchAsync("ns", new WatchOptions { ResourceVersion = "1" }))
            {
                seen++;
            }
        });
        seen.ShouldBe(1);
        error.Status.Message!.ShouldContain("too old resource version");
    }

    [Fact]
    public async Task Plain_http_410_is_typed_too()
    {
        await using var peer = await ProtocolPeer.StartAsync(async context =>
        {
            context.Response.StatusCode = 410;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Gone\",\"code\":410,\"message\":\"gone\"}");
        });
        using var client = new KubernetesClient(peer.Configuration());
        await Should.ThrowAsync<ResourceExpiredException>(async () =>
        {
            await foreach (var unused in client.Resource<ConfigMap>().WatchAsync("ns"))
            {
            }
        });
    }

    [Fact]
    public async Task A_silent_connection_is_declared_dead()
    {
        var release = new TaskCompletionSource();
        await using var peer = await ProtocolPeer.StartAsync(async context =>
        {
            await WriteAndFlush(context, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n");
            await release.Task.WaitAsync(context.RequestAborted).ContinueWith(_ => { });
        });
        using var client = new KubernetesClient(peer.Configuration());
        var seen = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Should.ThrowAsync<WatchIdleTimeoutException>(async () =>
        {
            await foreach (var unused in client.Resource<ConfigMap>().WatchAsync("ns", new WatchOptions { IdleTimeout = TimeSpan.FromMilliseconds(300) }))
            {
                seen++;
            }
        });
        release.TrySetResult();
        seen.ShouldBe(1);
        started.Elapsed.ShouldBeLessThan(Patience);
    }

    [Fact]
    public async Task Cancellation_stops_the_watch()
    {
        await using var peer = await ProtocolPeer.StartAsync(async context =>
        {
            await WriteAndFlush(context, "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n");
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
        });
        using var client = new KubernetesClient(peer.Configuration());
        using var cts = new CancellationTokenSource();
        var seen = 0;
        await Should.ThrowAsync<OperationCanceledException>(async () =>
        {
            await foreach (var unused in client.Resource<ConfigMap>().WatchAsync("ns", cancellationToken: cts.Token))
            {
                seen++;
                await cts.CancelAsync();
            }
        });
        seen.ShouldBe(1);
    }

    [Fact]
    public void Malformed_lines_are_reported_with_their_content()
    {
        var info = Vigil.Kubernetes.Serialization.KubernetesJsonContext.Default.ConfigMap;
        Should.Throw<System.Text.Json.JsonException>(() => WatchStreamReader.Decode(Encoding.UTF8.GetBytes("{\"type\":\"ADDED\"}"), info)).Message.ShouldContain("type and an object");
        Should.Throw<System.Text.Json.JsonException>(() => WatchStreamReader.Decode(Encoding.UTF8.GetBytes("{\"type\":\"WHAT\",\"object\":{}}"), info)).Message.ShouldContain("WHAT");
        Should.Throw<System.Text.Json.JsonException>(() => WatchStreamReader.Decode(Encoding.UTF8.GetBytes("not json"), info));
        WatchStreamReader.Decode(Encoding.UTF8.GetBytes("  \r"), info).ShouldBeNull();
    }
}
