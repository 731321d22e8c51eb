using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Clients;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Server;

/// <summary>Selector transitions, exact-version reads, pruning, YAML bodies and pod subresources.</summary>
public sealed class MoreProtocolTests(ClusterFixture fx) : IClassFixture<ClusterFixture>
{
    private readonly HttpClient _http = fx.Http;

    private async Task<string> NewNamespace()
    {
        var name = "m-" + Guid.NewGuid().ToString("N")[..10];
        (await _http.Post("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } })).Status.ShouldBe(201);
        return name;
    }

    [Fact]
    public async Task A_label_change_moves_an_object_in_and_out_of_a_selector_watch()
    {
        var ns = await NewNamespace();
        await using var watch = await WatchStream.Open(_http, $"/api/v1/namespaces/{ns}/configmaps?watch=true&labelSelector=tier%3Dweb");
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", JsonNode.Parse("""{"metadata":{"name":"x","labels":{"tier":"db"}}}""")!);
        await _http.Patch($"/api/v1/namespaces/{ns}/configmaps/x", """{"metadata":{"labels":{"tier":"web"}}}""", "application/merge-patch+json");
        await _http.Patch($"/api/v1/namespaces/{ns}/configmaps/x", """{"data":{"a":"1"}}""", "application/merge-patch+json");
        await _http.Patch($"/api/v1/namespaces/{ns}/configmaps/x", """{"metadata":{"labels":{"tier":"cache"}}}""", "application/merge-patch+json");
        var events = await watch.Take(3);
        events.Select(e => e.Type()).ShouldBe(["ADDED", "MODIFIED", "DELETED"]);
        events[2]["object"]!["metadata"]!["labels"]!["tier"]!.GetValue<string>().ShouldBe("cache");
    }

    [Fact]
    public async Task An_exact_resourceVersion_list_shows_the_past_and_NotOlderThan_the_present()
    {
        var ns = await NewNamespace();
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", JsonNode.Parse("""{"metadata":{"name":"a"},"data":{"v":"1"}}""")!);
        var (_, before) = await _http.Get($"/api/v1/namespaces/{ns}/configmaps");
        var rv = before!["metadata"]!["resourceVersion"]!.GetValue<string>();
        await _http.Patch($"/api/v1/namespaces/{ns}/configmaps/a", """{"data":{"v":"2"}}""", "application/merge-patch+json");
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", JsonNode.Parse("""{"metadata":{"name":"b"}}""")!);
        var (_, exact) = await _http.Get($"/api/v1/namespaces/{ns}/configmaps?resourceVersion={rv}&resourceVersionMatch=Exact");
        exact!["metadata"]!["resourceVersion"]!.GetValue<string>().ShouldBe(rv);
        exact["items"]!.AsArray().Count.ShouldBe(1);
        exact["items"]![0]!["data"]!["v"]!.GetValue<string>().ShouldBe("1");
        var (_, now) = await _http.Get($"/api/v1/namespaces/{ns}/configmaps?resourceVersion={rv}&resourceVersionMatch=NotOlderThan");
        now!["items"]!.AsArray().Count.ShouldBe(2);
        (await _http.Get($"/api/v1/namespaces/{ns}/configmaps?resourceVersionMatch=Exact")).Status.ShouldBe(422);
    }

    [Fact]
    public async Task Custom_resources_lose_fields_their_schema_does_not_declare()
    {
        var crd = JsonNode.Parse("""
            {"metadata":{"name":"prunes.test.vigil.io"},"spec":{"group":"test.vigil.io","scope":"Namespaced","names":{"plural":"prunes","kind":"Prune"},
             "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{
               "spec":{"type":"object","properties":{"keep":{"type":"string"},"free":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}}}]}}
            """)!;
        (await _http.Post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).Status.ShouldBe(201);
        var ns = await NewNamespace();
        var (status, created) = await _http.Post($"/apis/test.vigil.io/v1/namespaces/{ns}/prunes", JsonNode.Parse("""
            {"apiVersion":"test.vigil.io/v1","kind":"Prune","metadata":{"name":"p"},"spec":{"keep":"yes","drop":"no","free":{"any":{"thing":1}}},"extra":true}
            """)!);
        status.ShouldBe(201);
        created!["spec"]!["keep"]!.GetValue<string>().ShouldBe("yes");
        created["spec"]!["drop"].ShouldBeNull();
        created["extra"].ShouldBeNull();
        created["spec"]!["free"]!["any"]!["thing"]!.GetValue<int>().ShouldBe(1);
        var (strict, error) = await _http.SendJson(HttpMethod.Post, $"/apis/test.vigil.io/v1/namespaces/{ns}/prunes?fieldValidation=Strict",
            """{"apiVersion":"test.vigil.io/v1","kind":"Prune","metadata":{"name":"q"},"spec":{"drop":"no"}}""");
        strict.ShouldBe(400);
        error!["message"]!.GetValue<string>().ShouldContain("unknown field \"spec.drop\"");
    }

    [Fact]
    public async Task YAML_bodies_are_accepted_and_malformed_YAML_is_a_clear_400()
    {
        var ns = await NewNamespace();
        var (ok, created) = await _http.SendJson(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", "metadata:\n  name: from-yaml\ndata:\n  enabled: \"true\"\n  port: \"8080\"\n", "application/yaml");
        ok.ShouldBe(201);
        created!["data"]!["enabled"]!.GetValue<string>().ShouldBe("true");
        var (bad, error) = await _http.SendJson(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", "metadata:\n  name: [unclosed\n", "application/yaml");
        bad.ShouldBe(400);
        error!["message"]!.GetValue<string>().ShouldContain("yaml");
    }

    [Fact]
    public async Task Pod_binding_ephemeral_containers_and_logs_work_through_their_subresources()
    {
        var ns = await NewNamespace();
        var pod = JsonNode.Parse("""
            {"metadata":{"name":"p","annotations":{"sim.vigil.io/logs":"starting\nlistening on :8080"}},
             "spec":{"containers":[{"name":"app","image":"nginx:1.25"}]}}
            """)!;
        (await _http.Post($"/api/v1/namespaces/{ns}/pods", pod)).Status.ShouldBe(201);
        var (bound, _) = await _http.Post($"/api/v1/namespaces/{ns}/pods/p/binding", JsonNode.Parse("""{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p"},"target":{"kind":"Node","name":"node-1"}}""")!);
        bound.ShouldBe(201);
        var (_, afterBind) = await _http.Get($"/api/v1/namespaces/{ns}/pods/p");
        afterBind!["spec"]!["nodeName"]!.GetValue<string>().ShouldBe("node-1");
        afterBind["status"]!["conditions"]!.AsArray().ShouldContain(c => c!["type"]!.GetValue<string>() == "PodScheduled" && c["status"]!.GetValue<string>() == "True");
        var (again, conflict) = await _http.Post($"/api/v1/namespaces/{ns}/pods/p/binding", JsonNode.Parse("""{"target":{"kind":"Node","name":"node-2"}}""")!);
        again.ShouldBe(409);
        conflict!["message"]!.GetValue<string>().ShouldContain("already assigned");

        var withDebug = afterBind.DeepClone();
        withDebug["spec"]!["ephemeralContainers"] = JsonNode.Parse("""[{"name":"debugger","image":"busybox:1.36","targetContainerName":"app"}]""");
        (await _http.Put($"/api/v1/namespaces/{ns}/pods/p/ephemeralcontainers", withDebug)).Status.ShouldBe(200);
        var (_, afterDebug) = await _http.Get($"/api/v1/namespaces/{ns}/pods/p");
        afterDebug!["spec"]!["ephemeralContainers"]![0]!["name"]!.GetValue<string>().ShouldBe("debugger");

        var logs = await _http.GetAsync($"/api/v1/namespaces/{ns}/pods/p/log");
        logs.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        (await logs.Content.ReadAsStringAsync()).ShouldBe("starting\nlistening on :8080\n");
        (await (await _http.GetAsync($"/api/v1/namespaces/{ns}/pods/p/log?tailLines=1")).Content.ReadAsStringAsync()).ShouldBe("listening on :8080\n");
        (await _http.Get($"/api/v1/namespaces/{ns}/pods/p/log?container=nope")).Status.ShouldBe(400);
    }
}

public sealed class ServerSideApplyTests(ClusterFixture fx) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Kubectl_server_side_apply_records_managers_and_reports_conflicts_until_forced()
    {
        var k = new Kubectl(fx.KubeconfigPath);
        var ns = "ssa-" + Guid.NewGuid().ToString("N")[..8];
        (await k.RunWithInput($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "apply", "-f", "-")).Succeeded();
        var manifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              replicas: 2
              selector: {matchLabels: {app: api}}
              template:
                metadata: {labels: {app: api}}
                spec:
                  containers: [{name: api, image: "registry.example/api:1"}]
            """;
        (await k.RunWithInput(manifest, "apply", "--server-side", "-n", ns, "-f", "-")).Succeeded().Stdout.ShouldContain("serverside-applied");
        var live = JsonNode.Parse((await k.Run("get", "deploy", "api", "-n", ns, "-o", "json", "--show-managed-fields")).Succeeded().Stdout)!;
        var managers = live["metadata"]!["managedFields"]!.AsArray();
        managers.ShouldContain(m => m!["manager"]!.GetValue<string>() == "kubectl" && m["operation"]!.GetValue<string>() == "Apply");

        (await k.Run("scale", "deploy/api", "-n", ns, "--replicas=5")).Succeeded();
        var conflict = await k.RunWithInput(manifest, "apply", "--server-side", "-n", ns, "-f", "-");
        conflict.ExitCode.ShouldNotBe(0);
        conflict.Stderr.ShouldContain("conflict");
        conflict.Stderr.ShouldContain(".spec.replicas");
        (await k.RunWithInput(manifest, "apply", "--server-side", "--force-conflicts", "-n", ns, "-f", "-")).Succeeded();
        var forced = JsonNode.Parse((await k.Run("get", "deploy", "api", "-n", ns, "-o", "json")).Succeeded().Stdout)!;
        forced["spec"]!["replicas"]!.GetValue<int>().ShouldBe(2);
    }
}
