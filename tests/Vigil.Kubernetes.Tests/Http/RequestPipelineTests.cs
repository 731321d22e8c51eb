using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Tests.Fixtures;

namespace Vigil.Kubernetes.Tests.Http;

public class RequestPipelineTests
{
    private static readonly RetryPolicy FastRetries = new() { MaxRetries = 4, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20) };

    private static Task WriteJson(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json);
    }

    private static string StatusJson(int code, string reason, string message) =>
        $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{message}}","reason":"{{reason}}","code":{{code}}}""";

    [Fact]
    public async Task Retries_429_honouring_Retry_After_then_succeeds()
    {
        var calls = 0;
        await using var peer = await ProtocolPeer.StartAsync(context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.Headers.RetryAfter = "1";
                return WriteJson(context, 429, StatusJson(429, "TooManyRequests", "slow down"));
            }

            return WriteJson(context, 200, """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"}}""");
        });
        using var client = new KubernetesClient(peer.Configuration()) { RetryPolicy = FastRetries };
        var watch = Stopwatch.StartNew();
        var pod = await client.Resource<Pod>().GetAsync("p");
        pod.Metadata.Name.ShouldBe("p");
        calls.ShouldBe(2);
        watch.Elapsed.ShouldBeGreaterThan(TimeSpan.FromMilliseconds(900));
    }

    [Fact]
    public async Task Retries_503_for_get_but_not_500_for_create()
    {
        var paths = new ConcurrentQueue<string>();
        await using var peer = await ProtocolPeer.StartAsync(context =>
        {
            paths.Enqueue(context.Request.Method);
            return context.Request.Method == "GET"
                ? (paths.Count(m => m == "GET") < 3 ? WriteJson(context, 503, StatusJson(503, "ServiceUnavailable", "busy")) : WriteJson(context, 200, """{"metadata":{"name":"p"}}"""))
                : WriteJson(context, 500, StatusJson(500, "InternalError", "boom"));
        });
        using var client = new KubernetesClient(peer.Configuration()) { RetryPolicy = FastRetries };
        (await client.Resource<Pod>().GetAsync("p")).Metadata.Name.ShouldBe("p");
        paths.Count(m => m == "GET").ShouldBe(3);

        var error = await Should.ThrowAsync<KubernetesApiException>(() => client.Resource<Pod>().CreateAsync(new Pod { Metadata = new ObjectMeta { Name = "x" } }));
        error.Reason.ShouldBe("InternalError");
        paths.Count(m => m == "POST").ShouldBe(1);
    }

    [Fact]
    public async Task Gives_up_after_the_retry_budget()
    {
        var calls = 0;
        await using var peer = await ProtocolPeer.StartAsync(context =>
        {
            Interlocked.Increment(ref calls);
            return WriteJson(context, 429, StatusJson(429, "TooManyRequests", "no"));
        });
        using var client = new KubernetesClient(peer.Configuration()) { RetryPolicy = FastRetries };
        var error = await Should.ThrowAsync<TooManyRequestsException>(() => client.Resource<Pod>().GetAsync("p"));
        error.Status.Code.ShouldBe(429);
        calls.ShouldBe(FastRetries.MaxRetries + 1);
    }

    [Fact]
    public async Task Retries_connection_failures()
    {
        // Reserve a port, then close it: connecting is refused until the peer starts.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new KubernetesClient(new Vigil.Kubernetes.Configuration.KubernetesClientConfiguration { Server = new Uri($"http://127.0.0.1:{port}") })
        {
            RetryPolicy = new RetryPolicy { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(10) },
        };
        var error = await Should.ThrowAsync<HttpRequestException>(() => client.Resource<Pod>().GetAsync("p"));
        error.HttpRequestError.ShouldBe(HttpRequestError.ConnectionError);
    }

    [Theory]
    [InlineData(404, "NotFound", typeof(NotFoundException))]
    [InlineData(409, "Conflict", typeof(ConflictException))]
    [InlineData(409, "AlreadyExists", typeof(AlreadyExistsException))]
    [InlineData(410, "Expired", typeof(ResourceExpiredException))]
    [InlineData(422, "Invalid", typeof(InvalidException))]
    [InlineData(403, "Forbidden", typeof(ForbiddenException))]
    [InlineData(400, "BadRequest", typeof(KubernetesApiException))]
    public async Task Maps_status_to_typed_exceptions(int code, string reason, Type expected)
    {
        await using var peer = await ProtocolPeer.StartAsync(context => WriteJson(context, code, StatusJson(code, reason, "msg")));
        using var client = new KubernetesClient(peer.Configuration()) { RetryPolicy = FastRetries };
        var error = await Should.ThrowAsync<KubernetesApiException>(() => client.Resource<Pod>().GetAsync("p"));
        error.GetType().ShouldBe(expected);
        error.Status.Message.ShouldBe("msg");
        error.Reason.ShouldBe(reason);
    }

    [Fact]
    public async Task Non_json_error_body_still_gives_a_typed_exception()
    {
        await using var peer = await ProtocolPeer.StartAsync(context =>
        {
            context.Response.StatusCode = 404;
            return context.Response.WriteAsync("404 page not found");
        });
        using var client = new KubernetesClient(peer.Configuration());
        var error = await Should.ThrowAsync<NotFoundException>(() => client.Resource<Pod>().GetAsync("p"));
        error.Status.Message.ShouldBe("404 page not found");
        (await client.Resource<Pod>().TryGetAsync("p")).ShouldBeNull();
    }

    [Fact]
    public async Task Invalid_carries_its_causes()
    {
        await using var peer = await ProtocolPeer.StartAsync(context => WriteJson(context, 422, """{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Invalid","code":422,"message":"bad","details":{"causes":[{"reason":"FieldValueRequired","field":"metadata.name","message":"Required value"}]}}"""));
        using var client = new KubernetesClient(peer.Configuration());
        var error = await Should.ThrowAsync<InvalidException>(() => client.Resource<ConfigMap>().CreateAsync(new ConfigMap()));
        error.Causes.Single().Field.ShouldBe("metadata.name");
    }

    [Fact]
    public async Task Client_side_rate_limit_spaces_requests()
    {
        var times = new ConcurrentQueue<DateTimeOffset>();
        await using var peer = await ProtocolPeer.StartAsync(context =>
        {
            times.Enqueue(DateTimeOffset.UtcNow);
            return WriteJson(context, 200, """{"metadata":{"name":"p"}}""");
        });
        using var client = new KubernetesClient(peer.Configuration(qps: 20, burst: 2));
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 6; i++)
        {
            await client.Resource<Pod>().GetAsync("p");
        }

        // 2 from the burst, then 4 at 20/s: at least ~200 ms.
        watch.Elapsed.ShouldBeGreaterThan(TimeSpan.FromMilliseconds(180));
    }

    [Fact]
    public async Task Zero_qps_disables_client_side_rate_limiting()
    {
        await using var peer = await ProtocolPeer.StartAsync(context => WriteJson(context, 200, """{"metadata":{"name":"p"}}"""));
        using var client = new KubernetesClient(peer.Configuration(qps: 0, burst: 0));
        for (var i = 0; i < 20; i++)
        {
            (await client.Resource<Pod>().GetAsync("p")).Metadata.Name.ShouldBe("p");
        }
    }

    [Fact]
    public async Task Sends_paths_queries_and_bodies_the_api_expects()
    {
        var seen = new ConcurrentQueue<string>();
        await using var peer = await ProtocolPeer.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            seen.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} [{context.Request.ContentType}] {context.Request.Headers.Accept} {body}");
            if (context.Request.Query.ContainsKey("limit"))
            {
                var next = context.Request.Query["continue"].ToString() == "" ? "t1" : "";
                var name = next == "" ? "b" : "a";
                await WriteJson(context, 200, $$$"""{"kind":"DeploymentList","metadata":{"resourceVersion":"7","continue":"{{{next}}}"},"items":[{"metadata":{"name":"{{{name}}}"}}]}""");
                return;
            }

            await WriteJson(context, context.Request.Method == "DELETE" ? 200 : 200, context.Request.Method == "DELETE" ? """{"kind":"Status","status":"Success"}""" : """{"metadata":{"name":"web","namespace":"prod"}}""");
        });
        using var client = new KubernetesClient(peer.Configuration() with { Namespace = "prod" });
        var deployments = client.Resource<Deployment>();
        var all = await deployments.ListAllAsync(options: new ListOptions { LabelSelector = "app=web,tier in (a,b)" }, pageSize: 1);
        all.Items.Select(d => d.Metadata.Name).ShouldBe(["a", "b"]);
        all.Metadata.ResourceVersion.ShouldBe("7");
        await deployments.PatchAsync("web", Patch.Merge("""{"spec":{"replicas":2}}"""), options: new WriteOptions { FieldManager = "vigil" });
        await deployments.ApplyAsync(new Deployment { Metadata = new ObjectMeta { Name = "web" } }, "vigil", force: true);
        await deployments.ScaleAsync("web", 5);
        (await deployments.DeleteAsync("web", options: DeleteOptions.Background)).ShouldBeNull();
        await client.Resource<Node>().GetAsync("n1");

        var log = seen.ToArray();
        log[0].ShouldStartWith("GET /apis/apps/v1/namespaces/prod/deployments?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&limit=1 ");
        log[1].ShouldContain("&limit=1&continue=t1");
        log[2].ShouldStartWith("PATCH /apis/apps/v1/namespaces/prod/deployments/web?fieldManager=vigil [application/merge-patch+json]");
        log[3].ShouldStartWith("PATCH /apis/apps/v1/namespaces/prod/deployments/web?fieldManager=vigil&force=true [application/apply-patch+yaml]");
        log[3].ShouldContain("\"apiVersion\":\"apps/v1\"");
        log[4].ShouldStartWith("PATCH /apis/apps/v1/namespaces/prod/deployments/web/scale ");
        log[5].ShouldStartWith("DELETE /apis/apps/v1/namespaces/prod/deployments/web [application/json]");
        log[5].ShouldContain("\"propagationPolicy\":\"Background\"");
        log[6].ShouldStartWith("GET /api/v1/nodes/n1 ");
    }

    [Fact]
    public async Task Metadata_client_asks_for_partial_object_metadata()
    {
        var accepts = new ConcurrentQueue<string>();
        await using var peer = await ProtocolPeer.StartAsync(context =>
        {
            accepts.Enqueue(context.Request.Headers.Accept.ToString());
            return WriteJson(context, 200, """{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{},"items":[{"metadata":{"name":"p"}}]}""");
        });
        using var client = new KubernetesClient(peer.Configuration());
        var list = await client.Metadata(Pod.ResourceType).ListAsync(ResourceClient<PartialObjectMetadata>.AllNamespaces);
        list.Items.Single().Metadata.Name.ShouldBe("p");
        accepts.Single().ShouldStartWith("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
    }
}
