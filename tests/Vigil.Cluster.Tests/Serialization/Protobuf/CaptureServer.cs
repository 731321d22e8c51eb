using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Cluster.Tests.Support;
using Kubectl = Vigil.Cluster.Tests.Support.Kubectl;

namespace Vigil.Cluster.Tests.Serialization.Protobuf;

public sealed record CapturedRequest(string Method, string Path, string ContentType, byte[] Body);

/// <summary>
/// A plain-HTTP listener that records what the real kubectl sends (no credentials are needed for that) and
/// answers just enough for kubectl to finish: created objects, discovery for drain, a node with one pod.
/// </summary>
public sealed class CaptureServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<CapturedRequest> _requests = new();

    private CaptureServer(WebApplication app, string directory)
    {
        _app = app;
        Directory = directory;
    }

    public string Directory { get; }

    /// <summary>What the last kubectl printed, for failure messages.</summary>
    public Kubectl.Result? LastRun { get; private set; }

    public string Log => $"{LastRun}\nrequests:\n{string.Join("\n", _requests.Select(r => $"{r.Method} {r.Path} {r.ContentType}"))}";

    public IReadOnlyList<CapturedRequest> Requests => [.. _requests];

    public static async Task<CaptureServer> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "vigil-tests", "protobuf-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new CaptureServer(app, directory);
        app.Run(server.Handle);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        await File.WriteAllTextAsync(Path.Combine(directory, "kubeconfig"), $$$"""
            apiVersion: v1
            kind: Config
            clusters: [{name: capture, cluster: {server: "{{{address}}}"}}]
            contexts: [{name: capture, context: {cluster: capture, namespace: default}}]
            current-context: capture
            """);
        return server;
    }

    /// <summary>Runs kubectl of <paramref name="version"/> against the listener and returns the requests it sent that carry a body.</summary>
    public async Task<IReadOnlyList<CapturedRequest>> KubectlOf(string version, params string[] args)
    {
        var before = _requests.Count;
        LastRun = await new Kubectl(Path.Combine(Directory, "kubeconfig"), version).Run(args);
        return [.. _requests.Skip(before).Where(r => r.Body.Length > 0)];
    }

    /// <summary>Runs kubectl 1.33, which sends built-in kinds as protobuf.</summary>
    public Task<IReadOnlyList<CapturedRequest>> Kubectl(params string[] args) => KubectlOf("1.33", args);

    private async Task Handle(HttpContext ctx)
    {
        using var body = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(body);
        var path = ctx.Request.Path.Value ?? "";
        _requests.Enqueue(new CapturedRequest(ctx.Request.Method, path, ctx.Request.ContentType ?? "", body.ToArray()));

        var (status, answer) = (ctx.Request.Method, path) switch
        {
            ("GET", "/api") => (200, new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"), ["serverAddressByClientCIDRs"] = new JsonArray() }),
            ("GET", "/apis") => (200, Parse("""
                {"kind":"APIGroupList","apiVersion":"v1","groups":[
                 {"name":"policy","versions":[{"groupVersion":"policy/v1","version":"v1"}],"preferredVersion":{"groupVersion":"policy/v1","version":"v1"}},
                 {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
                 {"name":"autoscaling","versions":[{"groupVersion":"autoscaling/v2","version":"v2"},{"groupVersion":"autoscaling/v1","version":"v1"}],"preferredVersion":{"groupVersion":"autoscaling/v2","version":"v2"}}]}
                """)),
            ("GET", "/api/v1") => (200, Parse("""
                {"kind":"APIResourceList","groupVersion":"v1","resources":[
                 {"name":"nodes","singularName":"node","namespaced":false,"kind":"Node","verbs":["get","list","patch"]},
                 {"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list","delete"]},
                 {"name":"pods/eviction","singularName":"","namespaced":true,"group":"policy","version":"v1","kind":"Eviction","verbs":["create"]}]}
                """)),
            ("GET", "/apis/apps/v1") => (200, Parse("""
                {"kind":"APIResourceList","groupVersion":"apps/v1","resources":[
                 {"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","verbs":["get","list","create"],"shortNames":["deploy"]},
                 {"name":"deployments/scale","singularName":"","namespaced":true,"group":"autoscaling","version":"v1","kind":"Scale","verbs":["get","patch","update"]}]}
                """)),
            ("GET", "/apis/autoscaling/v1") => (200, Parse("""
                {"kind":"APIResourceList","groupVersion":"autoscaling/v1","resources":[
                 {"name":"horizontalpodautoscalers","singularName":"horizontalpodautoscaler","namespaced":true,"kind":"HorizontalPodAutoscaler","verbs":["get","create"],"shortNames":["hpa"]}]}
                """)),
            ("GET", "/apis/autoscaling/v2") => (200, Parse("""
                {"kind":"APIResourceList","groupVersion":"autoscaling/v2","resources":[
                 {"name":"horizontalpodautoscalers","singularName":"horizontalpodautoscaler","namespaced":true,"kind":"HorizontalPodAutoscaler","verbs":["get","create"],"shortNames":["hpa"]}]}
                """)),
            ("GET", "/apis/apps/v1/namespaces/default/deployments/web") => (200, Parse("""
                {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"default","uid":"web-uid","resourceVersion":"5","labels":{"app":"web"}},
                 "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}
                """)),
            ("GET", "/apis/policy/v1") => (200, Parse("""{"kind":"APIResourceList","groupVersion":"policy/v1","resources":[]}""")),
            ("GET" or "PATCH", "/api/v1/nodes/n1") => (200, Node()),
            ("GET", "/api/v1/pods") => (200, new JsonObject { ["kind"] = "PodList", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["items"] = new JsonArray(Pod()) }),
            ("POST", _) when path.EndsWith("/token", StringComparison.Ordinal) =>
                (201, Parse("""{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"name":"sa1"},"spec":{"audiences":null},"status":{"token":"captured","expirationTimestamp":"2030-01-01T00:00:00Z"}}""")),
            ("POST", _) => (201, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "captured" } }),
            ("DELETE", _) => (200, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success" }),
            _ => (404, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure", ["reason"] = "NotFound", ["code"] = 404 }),
        };
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(answer.ToJsonString()));
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonObject Node() => Parse("""{"kind":"Node","apiVersion":"v1","metadata":{"name":"n1","uid":"n1-uid","resourceVersion":"1"},"spec":{}}""");

    private static JsonObject Pod() => Parse("""
        {"kind":"Pod","apiVersion":"v1","metadata":{"name":"p1","namespace":"default","uid":"p1-uid",
         "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"rs-uid","controller":true}]},
         "spec":{"nodeName":"n1","containers":[{"name":"c","image":"busybox"}]},"status":{"phase":"Running"}}
        """);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
