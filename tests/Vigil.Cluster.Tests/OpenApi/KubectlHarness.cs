using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Cluster.OpenApi;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Tests.OpenApi;

/// <summary>
/// A stand-in API server, just enough for kubectl's discovery, OpenAPI and a create: legacy discovery from the
/// registry, the publisher's documents, and POST that echoes the object (recording the query string). It lets the
/// real kubectl check the OpenAPI documents before the real server exists.
/// </summary>
internal sealed class KubectlHarness : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dir;

    /// <summary>Every request kubectl made: method, path and query.</summary>
    public ConcurrentQueue<string> Requests { get; }

    public ResourceRegistry Registry { get; }

    public OpenApiPublisher Publisher { get; }

    public string Url { get; }

    private KubectlHarness(WebApplication app, string dir, ResourceRegistry registry, OpenApiPublisher publisher, string url, ConcurrentQueue<string> requests)
    {
        Requests = requests;
        _app = app;
        _dir = dir;
        Registry = registry;
        Publisher = publisher;
        Url = url;
    }

    public static string? Kubectl133 => File.Exists("/usr/bin/kubectl") ? "/usr/bin/kubectl" : null;

    public static string? Kubectl127 => File.Exists("/usr/lib/google-cloud-sdk/bin/kubectl.1.27") ? "/usr/lib/google-cloud-sdk/bin/kubectl.1.27" : null;

    public static async Task<KubectlHarness> StartAsync(ResourceRegistry registry)
    {
        var publisher = new OpenApiPublisher(registry);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var requests = new ConcurrentQueue<string>();
        app.Run(ctx => Handle(ctx, registry, publisher, requests));
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var dir = Directory.CreateTempSubdirectory("vigil-kubectl-").FullName;
        File.WriteAllText(Path.Combine(dir, "config"), $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: sim
              cluster:
                server: {url}
            users:
            - name: me
              user:
                token: t
            contexts:
            - name: sim
              context:
                cluster: sim
                user: me
                namespace: default
            current-context: sim
            """);
        return new KubectlHarness(app, dir, registry, publisher, url, requests);
    }

    private static async Task Handle(HttpContext ctx, ResourceRegistry registry, OpenApiPublisher publisher, ConcurrentQueue<string> log)
    {
        var req = ctx.Request;
        var path = req.Path.Value ?? "/";
        log.Enqueue($"{req.Method} {path}{req.QueryString}");

        if (path == "/version")
        {
            await Json(ctx, 200, new JsonObject { ["major"] = "1", ["minor"] = "33", ["gitVersion"] = "v1.33.0", ["platform"] = "linux/amd64" });
            return;
        }
        if (path == "/api")
        {
            await Json(ctx, 200, new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"), ["serverAddressByClientCIDRs"] = new JsonArray() });
            return;
        }
        if (path == "/apis")
        {
            var groups = new JsonArray();
            foreach (var g in registry.All.Where(r => r.Group.Length > 0).GroupBy(r => r.Group))
            {
                var versions = new JsonArray();
                foreach (var v in g.Select(r => r.Version).Distinct())
                    versions.Add(new JsonObject { ["groupVersion"] = $"{g.Key}/{v}", ["version"] = v });
                groups.Add(new JsonObject { ["name"] = g.Key, ["versions"] = versions, ["preferredVersion"] = versions[0]!.DeepClone() });
            }
            await Json(ctx, 200, new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups });
            return;
        }
        if (path == "/api/v1" || (path.StartsWith("/apis/", StringComparison.Ordinal) && path.Count(c => c == '/') == 3))
        {
            var gv = path == "/api/v1" ? ("", "v1") : (path.Split('/')[2], path.Split('/')[3]);
            var resources = new JsonArray();
            foreach (var r in registry.InGroupVersion(gv.Item1, gv.Item2))
            {
                resources.Add(new JsonObject
                {
                    ["name"] = r.Plural, ["singularName"] = r.Singular, ["namespaced"] = r.Namespaced, ["kind"] = r.Kind,
                    ["verbs"] = new JsonArray([.. r.Verbs.Select(v => (JsonNode?)JsonValue.Create(v))]),
                    ["shortNames"] = new JsonArray([.. r.ShortNames.Select(v => (JsonNode?)JsonValue.Create(v))]),
                });
            }
            if (resources.Count == 0)
            {
                ctx.Response.StatusCode = 404;
                return;
            }
            await Json(ctx, 200, new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = path == "/api/v1" ? "v1" : $"{gv.Item1}/{gv.Item2}", ["resources"] = resources });
            return;
        }
        if (path == "/openapi/v3")
        {
            await Raw(ctx, publisher.V3IndexDocument().Json);
            return;
        }
        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            if (publisher.V3GroupVersionDocument(path) is { } doc)
                await Raw(ctx, doc.Json);
            else
                ctx.Response.StatusCode = 404;
            return;
        }
        if (path == "/openapi/v2")
        {
            if (req.Headers.Accept.ToString().Contains("protobuf", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = OpenApiPublisher.V2ProtobufContentType;
                await ctx.Response.Body.WriteAsync(OpenApiPublisher.V2Protobuf());
            }
            else
                await Raw(ctx, publisher.V2Document().Json);
            return;
        }
        if (req.Method == "POST")
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(req.Body))!;
            var meta = body["metadata"] as JsonObject ?? [];
            meta["uid"] = Guid.NewGuid().ToString();
            meta["resourceVersion"] = "1";
            meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
            if (path.Contains("/namespaces/", StringComparison.Ordinal)) meta["namespace"] = path.Split('/')[path.Split('/').ToList().IndexOf("namespaces") + 1];
            body["metadata"] = meta;
            await Json(ctx, 201, body);
            return;
        }
        var notFound = new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure",
            ["message"] = "not found", ["reason"] = "NotFound", ["code"] = 404,
        };
        await Json(ctx, 404, notFound);
    }

    private static Task Json(HttpContext ctx, int status, JsonObject body)
    {
        ctx.Response.StatusCode = status;
        return Raw(ctx, body.ToJsonString());
    }

    private static Task Raw(HttpContext ctx, string json)
    {
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(json, Encoding.UTF8);
    }

    /// <summary>Runs kubectl against the harness; returns exit code and combined output.</summary>
    public async Task<(int Code, string Output)> RunAsync(string kubectl, string stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(Path.Combine(_dir, "config"));
        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(Path.Combine(_dir, "cache"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = _dir;
        psi.Environment.Remove("KUBECONFIG");
        using var process = Process.Start(psi)!;
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
