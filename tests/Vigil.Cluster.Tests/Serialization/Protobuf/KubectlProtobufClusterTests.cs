using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Serialization.Protobuf;

/// <summary>
/// kubectl 1.33 against the simulated cluster, with the commands that send protobuf bodies, which the
/// request path decodes (<c>application/vnd.kubernetes.protobuf</c>, through
/// <see cref="Vigil.Cluster.Serialization.Protobuf.KubernetesProtobuf.Decode"/>).
/// </summary>
public sealed class KubectlProtobufClusterTests(ClusterFixture fx) : IClassFixture<ClusterFixture>
{

    private readonly Kubectl _kubectl = new(fx.KubeconfigPath, "1.33");

    private async Task<string> Namespace()
    {
        var name = "pb-" + Guid.NewGuid().ToString("N")[..8];
        (await _kubectl.Run("create", "namespace", name)).Succeeded();
        return name;
    }

    private async Task<JsonNode> Get(params string[] args) =>
        JsonNode.Parse((await _kubectl.Run([.. args, "-o", "json"])).Succeeded().Stdout)!;

    [Fact]
    public async Task Create_commands_work_and_store_what_kubectl_meant()
    {
        var ns = await Namespace();
        (await _kubectl.Run("-n", ns, "create", "configmap", "c", "--from-literal=a=1")).Succeeded();
        (await _kubectl.Run("-n", ns, "create", "secret", "generic", "s", "--from-literal=p=x")).Succeeded();
        (await _kubectl.Run("-n", ns, "create", "deployment", "web", "--image=nginx:1.25", "--replicas=3", "--port=80")).Succeeded();
        (await _kubectl.Run("-n", ns, "create", "job", "j", "--image=busybox")).Succeeded();
        (await _kubectl.Run("-n", ns, "create", "service", "clusterip", "svc", "--tcp=80:8080")).Succeeded();

        (await Get("-n", ns, "get", "configmap", "c"))["data"]!["a"]!.GetValue<string>().ShouldBe("1");
        (await Get("-n", ns, "get", "secret", "s"))["data"]!["p"]!.GetValue<string>().ShouldBe("eA==");
        var deploy = await Get("-n", ns, "get", "deployment", "web");
        deploy["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        deploy["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>().ShouldBe("nginx:1.25");
        (await Get("-n", ns, "get", "job", "j"))["spec"]!["template"]!["spec"]!["restartPolicy"]!.GetValue<string>().ShouldBe("Never");
        var port = (await Get("-n", ns, "get", "service", "svc"))["spec"]!["ports"]![0]!;
        port["port"]!.GetValue<int>().ShouldBe(80);
        port["targetPort"]!.GetValue<int>().ShouldBe(8080);
    }

    [Fact]
    public async Task Errors_from_protobuf_creates_read_as_usual()
    {
        var ns = await Namespace();
        (await _kubectl.Run("-n", ns, "create", "configmap", "dup")).Succeeded();
        var again = await _kubectl.Run("-n", ns, "create", "configmap", "dup");
        again.ExitCode.ShouldNotBe(0);
        again.Stderr.ShouldContain("configmaps \"dup\" already exists");
    }

    private async Task<(int Status, JsonNode? Body)> SendProtobuf(HttpMethod method, string path, byte[] body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await fx.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task Eviction_and_delete_options_in_protobuf()
    {
        var ns = await Namespace();
        (await _kubectl.Run("-n", ns, "run", "p1", "--image=busybox")).Succeeded();
        (await _kubectl.Run("-n", ns, "create", "configmap", "gone")).Succeeded();

        var eviction = ProtoWriter.Envelope("policy/v1", "Eviction", new ProtoWriter()
            .Message(1, m => m.String(1, "p1").String(3, ns))
            .Message(2, o => o.Int(1, 0)));
        var (evicted, _) = await SendProtobuf(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods/p1/eviction", eviction);
        evicted.ShouldBe(201);

        var options = ProtoWriter.Envelope("v1", "DeleteOptions", new ProtoWriter().Int(1, 0).String(4, "Foreground"));
        var (deleted, _) = await SendProtobuf(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/gone", options);
        deleted.ShouldBe(200);
        (await _kubectl.Run("-n", ns, "get", "configmap", "gone")).ExitCode.ShouldNotBe(0);
    }

    [Fact]
    public async Task Malformed_protobuf_is_a_bad_request()
    {
        var ns = await Namespace();
        var (status, body) = await SendProtobuf(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", [.. "k8s\0"u8.ToArray(), 0x0A, 0x7F]);
        status.ShouldBe(400);
        body!["reason"]!.GetValue<string>().ShouldBe("BadRequest");
        body["message"]!.GetValue<string>().ShouldContain("protobuf");
    }

    [Fact]
    public async Task Zero_replicas_stay_zero()
    {
        var ns = await Namespace();
        (await _kubectl.Run("-n", ns, "create", "deployment", "idle", "--image=nginx", "--replicas=0")).Succeeded();
        (await Get("-n", ns, "get", "deployment", "idle"))["spec"]!["replicas"]!.GetValue<int>().ShouldBe(0);
    }
}
