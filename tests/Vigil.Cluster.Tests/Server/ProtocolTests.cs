using System.Net;
using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Server;

/// <summary>The API server's protocol over HTTPS, as client-go and kubectl rely on it.</summary>
public sealed class ProtocolTests(ClusterFixture fx) : IClassFixture<ClusterFixture>
{
    private readonly HttpClient _http = fx.Http;

    private async Task<string> NewNamespace()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..10];
        var (status, _) = await _http.Post("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        status.ShouldBe(201);
        return name;
    }

    private static JsonObject ConfigMap(string name, string? value = "1", Dictionary<string, string>? labels = null)
    {
        var meta = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            var l = new JsonObject();
            foreach (var (k, v) in labels) l[k] = v;
            meta["labels"] = l;
        }
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = meta, ["data"] = new JsonObject { ["value"] = value } };
    }

    [Fact]
    public async Task Discovery_announces_versions_groups_and_resources_with_verbs_and_short_names()
    {
        var (s1, version) = await _http.Get("/version");
        s1.ShouldBe(200);
        version!["gitVersion"]!.GetValue<string>().ShouldStartWith("v1.");

        var (_, api) = await _http.Get("/api");
        api!["versions"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldContain("v1");

        var (_, core) = await _http.Get("/api/v1");
        var pods = core!["resources"]!.AsArray().First(r => r!["name"]!.GetValue<string>() == "pods")!;
        pods["namespaced"]!.GetValue<bool>().ShouldBeTrue();
        pods["shortNames"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldContain("po");
        pods["categories"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldContain("all");
        pods["verbs"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]);
        var names = core["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        names.ShouldContain("pods/status");
        names.ShouldContain("pods/log");
        names.ShouldContain("pods/eviction");

        var (_, groups) = await _http.Get("/apis");
        var groupNames = groups!["groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()).ToList();
        groupNames.ShouldContain("apps");
        groupNames.ShouldContain("apiextensions.k8s.io");
        var (_, apps) = await _http.Get("/apis/apps/v1");
        var deployments = apps!["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        deployments.ShouldContain("deployments/scale");
    }

    [Fact]
    public async Task Requests_without_the_token_are_refused_but_health_is_public()
    {
        using var anonymous = ClusterFixture.CreateClient(fx.Cluster, token: null);
        var (status, body) = await anonymous.Get("/api/v1/namespaces");
        status.ShouldBe(401);
        body!["kind"]!.GetValue<string>().ShouldBe("Status");
        body["reason"]!.GetValue<string>().ShouldBe("Unauthorized");
        using var wrong = ClusterFixture.CreateClient(fx.Cluster, token: "not-the-token");
        (await wrong.Get("/api/v1/pods")).Status.ShouldBe(401);
        var health = await anonymous.GetAsync("/healthz");
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await health.Content.ReadAsStringAsync()).ShouldBe("ok");
    }

    [Fact]
    public async Task Create_sets_server_owned_metadata_and_a_duplicate_is_AlreadyExists()
    {
        var ns = await NewNamespace();
        var (status, created) = await _http.Post($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("a"));
        status.ShouldBe(201);
        var meta = created!["metadata"]!;
        Guid.TryParse(meta["uid"]!.GetValue<string>(), out _).ShouldBeTrue();
        meta["creationTimestamp"]!.GetValue<string>().ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$");
        long.Parse(meta["resourceVersion"]!.GetValue<string>()).ShouldBeGreaterThan(0);
        meta["namespace"]!.GetValue<string>().ShouldBe(ns);

        var (dupStatus, dup) = await _http.Post($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("a"));
        dupStatus.ShouldBe(409);
        dup!["reason"]!.GetValue<string>().ShouldBe("AlreadyExists");
        dup["message"]!.GetValue<string>().ShouldBe("configmaps \"a\" already exists");
        dup["details"]!["kind"]!.GetValue<string>().ShouldBe("configmaps");
    }

    [Fact]
    public async Task GenerateName_appends_five_characters_from_the_Kubernetes_alphabet()
    {
        var ns = await NewNamespace();
        var body = ConfigMap("x");
        body["metadata"] = new JsonObject { ["generateName"] = "job-" };
        var (status, created) = await _http.Post($"/api/v1/namespaces/{ns}/configmaps", body);
        status.ShouldBe(201);
        created!["metadata"]!["name"]!.GetValue<string>().ShouldMatch("^job-[bcdfghjklmnpqrstvwxz2456789]{5}$");
    }

    [Fact]
    public async Task Update_with_a_stale_resourceVersion_is_a_Conflict_with_the_real_message()
    {
        var ns = await NewNamespace();
        var (_, created) = await _http.Post($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("c"));
        var first = created!.DeepClone();
        first["data"]!["value"] = "2";
        (await _http.Put($"/api/v1/namespaces/{ns}/configmaps/c", first)).Status.ShouldBe(200);
        var stale = created.DeepClone();
        stale["data"]!["value"] = "3";
        var (status, error) = await _http.Put($"/api/v1/namespaces/{ns}/configmaps/c", stale);
        status.ShouldBe(409);
        error!["reason"]!.GetValue<string>().ShouldBe("Conflict");
        error["message"]!.GetValue<string>().ShouldBe("Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again");
        var (_, current) = await _http.Get($"/api/v1/namespaces/{ns}/configmaps/c");
        current!["data"]!["value"]!.GetValue<string>().ShouldBe("2");
    }

    [Fact]
    public async Task Bad_requests_get_the_Status_a_real_server_returns()
    {
        var ns = await NewNamespace();
        var (mismatch, m) = await _http.Post($"/api/v1/namespaces/{ns}/configmaps", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "x", ["namespace"] = "other" },
        });
        mismatch.ShouldBe(400);
        m!["message"]!.GetValue<string>().ShouldContain("does not match the namespace");

        var (missingNs, mn) = await _http.Post("/api/v1/namespaces/does-not-exist/configmaps", ConfigMap("x"));
        missingNs.ShouldBe(404);
        mn!["message"]!.GetValue<string>().ShouldBe("namespaces \"does-not-exist\" not found");

        var (invalid, inv) = await _http.Post($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("Not_Valid"));
        invalid.ShouldBe(422);
        inv!["reason"]!.GetValue<string>().ShouldBe("Invalid");
        inv["details"]!["causes"]![0]!["field"]!.GetValue<string>().ShouldBe("metadata.name");

        var (malformed, mal) = await _http.SendJson(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", "{\"metadata\": {", "application/json");
        malformed.ShouldBe(400);
        mal!["kind"]!.GetValue<string>().ShouldBe("Status");

        var (unsupported, _) = await _http.SendJson(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", "x", "application/cbor");
        unsupported.ShouldBe(415);
        var (garbled, _) = await _http.SendJson(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", "not protobuf", "application/vnd.kubernetes.protobuf");
        garbled.ShouldBe(400);

        var (patchType, _) = await _http.Patch($"/api/v1/namespaces/{ns}/configmaps/x", "{}", "text/plain");
        patchType.ShouldBe(415);

        var (unknown, _) = await _http.Get("/apis/nothing.example.com/v1/widgets");
        unknown.ShouldBe(404);

        var (wrongKind, wk) = await _http.Post($"/api/v1/namespaces/{ns}/configmaps", new JsonObject { ["kind"] = "Secret", ["apiVersion"] = "v1", ["metadata"] = new JsonObject { ["name"] = "k" } });
        wrongKind.ShouldBe(400);
        wk!["message"]!.GetValue<string>().ShouldContain("does not match the expected kind");

        // The server is still healthy and consistent afterwards.
        (await _http.Get($"/api/v1/namespaces/{ns}/configmaps")).Body!["items"]!.AsArray().Count.ShouldBe(0);
    }

    [Fact]
    public async Task Oversized_bodies_are_refused_with_413()
    {
        var ns = await NewNamespace();
        var big = ConfigMap("big", new string('x', 4 * 1024 * 1024));
        var (status, body) = await _http.Post($"/api/v1/namespaces/{ns}/configmaps", big);
        status.ShouldBe(413);
        body!["reason"]!.GetValue<string>().ShouldBe("RequestEntityTooLarge");
    }

    [Fact]
    public async Task Paged_lists_share_one_resourceVersion_and_end_with_an_empty_continue()
    {
        var ns = await NewNamespace();
        for (var i = 0; i < 25; i++) await _http.Post($"/api/v1/namespaces/{ns}/configmaps", ConfigMap($"cm-{i:D2}"));
        var names = new List<string>();
        string? token = null;
        string? listRv = null;
        var pages = 0;
        do
        {
            var url = $"/api/v1/namespaces/{ns}/configmaps?limit=10" + (token is null ? "" : $"&continue={token}");
            var (status, page) = await _http.Get(url);
            status.ShouldBe(200);
            pages++;
            var rv = page!["metadata"]!["resourceVersion"]!.GetValue<string>();
            listRv ??= rv;
            rv.ShouldBe(listRv);
            names.AddRange(page["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
            token = page["metadata"]!["continue"]?.GetValue<string>();
            // A write between pages must not change what the paged list returns.
            if (pages == 1) await _http.Post($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("cm-99"));
        }
        while (!string.IsNullOrEmpty(token));
        pages.ShouldBe(3);
        names.ShouldBe(Enumerable.Range(0, 25).Select(i => $"cm-{i:D2}").ToList());
        var (_, all) = await _http.Get($"/api/v1/namespaces/{ns}/configmaps");
        all!["items"]!.AsArray().Count.ShouldBe(26);
        all["items"]!.AsArray().ShouldAllBe(i => i!["metadata"]!["namespace"]!.GetValue<string>() == ns);
    }

    [Fact]
    public async Task Status_subresource_splits_spec_and_status_writes_and_generation_counts_spec_changes()
    {
        var ns = await NewNamespace();
        var deployment = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
             "spec":{"replicas":1,"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]}}},
             "status":{"replicas":99}}
            """)!;
        var (s, created) = await _http.Post($"/apis/apps/v1/namespaces/{ns}/deployments", deployment);
        s.ShouldBe(201);
        created!["metadata"]!["generation"]!.GetValue<long>().ShouldBe(1);
        created["status"]?["replicas"].ShouldBeNull();

        var withStatus = created.DeepClone();
        withStatus["status"] = new JsonObject { ["replicas"] = 3 };
        var (_, afterStatus) = await _http.Put($"/apis/apps/v1/namespaces/{ns}/deployments/d/status", withStatus);
        afterStatus!["status"]!["replicas"]!.GetValue<long>().ShouldBe(3);
        afterStatus["metadata"]!["generation"]!.GetValue<long>().ShouldBe(1);

        var mainWrite = afterStatus.DeepClone();
        mainWrite["status"] = new JsonObject { ["replicas"] = 0 };
        mainWrite["spec"]!["replicas"] = 4;
        var (_, afterMain) = await _http.Put($"/apis/apps/v1/namespaces/{ns}/deployments/d", mainWrite);
        afterMain!["status"]!["replicas"]!.GetValue<long>().ShouldBe(3);
        afterMain["spec"]!["replicas"]!.GetValue<long>().ShouldBe(4);
        afterMain["metadata"]!["generation"]!.GetValue<long>().ShouldBe(2);

        var labelOnly = afterMain.DeepClone();
        labelOnly["metadata"]!["labels"] = new JsonObject { ["tier"] = "web" };
        var (_, afterLabel) = await _http.Put($"/apis/apps/v1/namespaces/{ns}/deployments/d", labelOnly);
        afterLabel!["metadata"]!["generation"]!.GetValue<long>().ShouldBe(2);
    }

    [Fact]
    public async Task Scale_subresource_reads_and_writes_replicas()
    {
        var ns = await NewNamespace();
        var deployment = JsonNode.Parse("""
            {"metadata":{"name":"s"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"s"}},"template":{"metadata":{"labels":{"app":"s"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]}}}}
            """)!;
        (await _http.Post($"/apis/apps/v1/namespaces/{ns}/deployments", deployment)).Status.ShouldBe(201);
        var (s, scale) = await _http.Get($"/apis/apps/v1/namespaces/{ns}/deployments/s/scale");
        s.ShouldBe(200);
        scale!["kind"]!.GetValue<string>().ShouldBe("Scale");
        scale["apiVersion"]!.GetValue<string>().ShouldBe("autoscaling/v1");
        scale["spec"]!["replicas"]!.GetValue<long>().ShouldBe(2);
        scale["spec"]!["replicas"] = 5;
        (await _http.Put($"/apis/apps/v1/namespaces/{ns}/deployments/s/scale", scale)).Status.ShouldBe(200);
        var (_, after) = await _http.Get($"/apis/apps/v1/namespaces/{ns}/deployments/s");
        after!["spec"]!["replicas"]!.GetValue<long>().ShouldBe(5);
        var (negative, _) = await _http.Patch($"/apis/apps/v1/namespaces/{ns}/deployments/s/scale", """{"spec":{"replicas":-1}}""", "application/merge-patch+json");
        negative.ShouldBe(422);
    }

    [Fact]
    public async Task Finalizers_hold_a_deleted_object_until_they_are_removed()
    {
        var ns = await NewNamespace();
        var cm = ConfigMap("f");
        cm["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", cm);
        var (s, deleting) = await _http.Delete($"/api/v1/namespaces/{ns}/configmaps/f");
        s.ShouldBe(200);
        deleting!["metadata"]!["deletionTimestamp"].ShouldNotBeNull();
        (await _http.Get($"/api/v1/namespaces/{ns}/configmaps/f")).Status.ShouldBe(200);
        var (_, patched) = await _http.Patch($"/api/v1/namespaces/{ns}/configmaps/f", """{"metadata":{"finalizers":null}}""", "application/merge-patch+json");
        (await _http.Get($"/api/v1/namespaces/{ns}/configmaps/f")).Status.ShouldBe(404);
    }

    [Fact]
    public async Task Delete_preconditions_are_checked()
    {
        var ns = await NewNamespace();
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("p"));
        var (status, error) = await _http.Delete($"/api/v1/namespaces/{ns}/configmaps/p", new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = "wrong" } });
        status.ShouldBe(409);
        error!["message"]!.GetValue<string>().ShouldContain("Precondition failed: UID in precondition: wrong");
        (await _http.Delete($"/api/v1/namespaces/{ns}/configmaps/p")).Status.ShouldBe(200);
        (await _http.Delete($"/api/v1/namespaces/{ns}/configmaps/p")).Status.ShouldBe(404);
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_its_contents_and_then_the_namespace()
    {
        var ns = await NewNamespace();
        for (var i = 0; i < 3; i++) await _http.Post($"/api/v1/namespaces/{ns}/configmaps", ConfigMap($"c{i}"));
        var (s, terminating) = await _http.Delete($"/api/v1/namespaces/{ns}");
        s.ShouldBe(200);
        terminating!["status"]!["phase"]!.GetValue<string>().ShouldBe("Terminating");
        await Eventually.True(async () => (await _http.Get($"/api/v1/namespaces/{ns}")).Status == 404, what: "namespace removed");
        (await _http.Get($"/api/v1/namespaces/{ns}/configmaps")).Body!["items"]!.AsArray().Count.ShouldBe(0);
    }

    [Fact]
    public async Task Content_cannot_be_created_in_a_terminating_namespace()
    {
        var ns = await NewNamespace();
        var cm = ConfigMap("held");
        cm["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", cm);
        await _http.Delete($"/api/v1/namespaces/{ns}");
        var (status, error) = await _http.Post($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("new"));
        status.ShouldBe(403);
        error!["message"]!.GetValue<string>().ShouldContain("because it is being terminated");
        await _http.Patch($"/api/v1/namespaces/{ns}/configmaps/held", """{"metadata":{"finalizers":null}}""", "application/merge-patch+json");
        await Eventually.True(async () => (await _http.Get($"/api/v1/namespaces/{ns}")).Status == 404, what: "namespace removed after the finalizer");
    }

    [Fact]
    public async Task Garbage_collection_follows_owner_references_in_every_propagation_mode()
    {
        var ns = await NewNamespace();
        async Task<JsonNode> Owner(string name) => (await _http.Post($"/api/v1/namespaces/{ns}/configmaps", ConfigMap(name))).Body!;
        async Task Dependent(string name, JsonNode owner)
        {
            var cm = ConfigMap(name);
            cm["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["name"] = owner["metadata"]!["name"]!.GetValue<string>(),
                ["uid"] = owner["metadata"]!["uid"]!.GetValue<string>(), ["blockOwnerDeletion"] = true,
            });
            (await _http.Post($"/api/v1/namespaces/{ns}/configmaps", cm)).Status.ShouldBe(201);
        }

        var background = await Owner("bg");
        await Dependent("bg-child", background);
        await _http.Delete($"/api/v1/namespaces/{ns}/configmaps/bg");
        await Eventually.True(async () => (await _http.Get($"/api/v1/namespaces/{ns}/configmaps/bg-child")).Status == 404, what: "background dependent collected");

        var foreground = await Owner("fg");
        await Dependent("fg-child", foreground);
        var (_, deleting) = await _http.Delete($"/api/v1/namespaces/{ns}/configmaps/fg", new JsonObject { ["propagationPolicy"] = "Foreground" });
        deleting!["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldContain("foregroundDeletion");
        await Eventually.True(async () => (await _http.Get($"/api/v1/namespaces/{ns}/configmaps/fg")).Status == 404, what: "foreground owner removed after its dependent");
        (await _http.Get($"/api/v1/namespaces/{ns}/configmaps/fg-child")).Status.ShouldBe(404);

        var orphaning = await Owner("or");
        await Dependent("or-child", orphaning);
        await _http.Delete($"/api/v1/namespaces/{ns}/configmaps/or", new JsonObject { ["propagationPolicy"] = "Orphan" });
        await Eventually.True(async () => (await _http.Get($"/api/v1/namespaces/{ns}/configmaps/or")).Status == 404, what: "orphaning owner removed");
        var (childStatus, child) = await _http.Get($"/api/v1/namespaces/{ns}/configmaps/or-child");
        childStatus.ShouldBe(200);
        child!["metadata"]!["ownerReferences"].ShouldBeNull();
    }

    [Fact]
    public async Task DryRun_validates_without_storing()
    {
        var ns = await NewNamespace();
        var (status, body) = await _http.Post($"/api/v1/namespaces/{ns}/configmaps?dryRun=All", ConfigMap("dry"));
        status.ShouldBe(200);
        body!["metadata"]!["uid"].ShouldNotBeNull();
        (await _http.Get($"/api/v1/namespaces/{ns}/configmaps/dry")).Status.ShouldBe(404);
        (await _http.Post($"/api/v1/namespaces/{ns}/configmaps?dryRun=Bogus", ConfigMap("dry"))).Status.ShouldBe(400);
    }

    [Fact]
    public async Task Events_are_one_store_seen_through_core_and_events_k8s_io()
    {
        var ns = await NewNamespace();
        var ev = JsonNode.Parse($$"""
            {"metadata":{"name":"pod-a.1"},"involvedObject":{"kind":"Pod","namespace":"{{ns}}","name":"pod-a","uid":"u1"},
             "reason":"BackOff","message":"Back-off restarting failed container","type":"Warning","count":3,
             "firstTimestamp":"2026-01-01T00:00:00Z","lastTimestamp":"2026-01-01T00:05:00Z","source":{"component":"kubelet"} }
            """)!;
        (await _http.Post($"/api/v1/namespaces/{ns}/events", ev)).Status.ShouldBe(201);
        var (s, v1) = await _http.Get($"/apis/events.k8s.io/v1/namespaces/{ns}/events/pod-a.1");
        s.ShouldBe(200);
        v1!["apiVersion"]!.GetValue<string>().ShouldBe("events.k8s.io/v1");
        v1["regarding"]!["name"]!.GetValue<string>().ShouldBe("pod-a");
        v1["note"]!.GetValue<string>().ShouldBe("Back-off restarting failed container");
        v1["eventTime"]!.GetValue<string>().ShouldBe("2026-01-01T00:00:00.000000Z");
        v1["deprecatedCount"]!.GetValue<long>().ShouldBe(3);

        var created = JsonNode.Parse($$"""
            {"metadata":{"name":"node-x.2"},"regarding":{"kind":"Node","name":"node-x"},"note":"NodeNotReady","reason":"NodeNotReady",
             "type":"Normal","eventTime":"2026-01-01T00:00:00.123456Z","reportingController":"vigil","reportingInstance":"vigil-0","action":"Observe"}
            """)!;
        (await _http.Post($"/apis/events.k8s.io/v1/namespaces/{ns}/events", created)).Status.ShouldBe(201);
        var (_, core) = await _http.Get($"/api/v1/namespaces/{ns}/events/node-x.2");
        core!["involvedObject"]!["name"]!.GetValue<string>().ShouldBe("node-x");
        core["message"]!.GetValue<string>().ShouldBe("NodeNotReady");
        core["reportingComponent"]!.GetValue<string>().ShouldBe("vigil");
        var (_, list) = await _http.Get($"/apis/events.k8s.io/v1/namespaces/{ns}/events");
        list!["items"]!.AsArray().Count.ShouldBe(2);
    }

    [Fact]
    public async Task Custom_resource_definitions_serve_their_resources_and_take_them_away()
    {
        var crd = JsonNode.Parse("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.test.vigil.io"},
             "spec":{"group":"test.vigil.io","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"]},
               "versions":[{"name":"v1","served":true,"storage":true,
                 "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"size":{"type":"integer"},"replicas":{"type":"integer"}}},"status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}},
                 "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas"}},
                 "additionalPrinterColumns":[{"name":"Size","type":"integer","jsonPath":".spec.size"}]}]}}
            """)!;
        var (s, created) = await _http.Post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        s.ShouldBe(201);
        created!["status"]!["conditions"]!.AsArray().ShouldContain(c => c!["type"]!.GetValue<string>() == "Established" && c["status"]!.GetValue<string>() == "True");
        created["status"]!["acceptedNames"]!["kind"]!.GetValue<string>().ShouldBe("Widget");

        var (_, groups) = await _http.Get("/apis");
        groups!["groups"]!.AsArray().ShouldContain(g => g!["name"]!.GetValue<string>() == "test.vigil.io");
        var (_, resources) = await _http.Get("/apis/test.vigil.io/v1");
        resources!["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ShouldBe(["widgets", "widgets/status", "widgets/scale"]);

        var ns = await NewNamespace();
        var widget = JsonNode.Parse("""{"apiVersion":"test.vigil.io/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"size":3,"replicas":1}}""")!;
        var (ws, w) = await _http.Post($"/apis/test.vigil.io/v1/namespaces/{ns}/widgets", widget);
        ws.ShouldBe(201);
        w!["apiVersion"]!.GetValue<string>().ShouldBe("test.vigil.io/v1");

        // Custom resources refuse unconditional updates and strategic merge patches, as the real server does.
        var noRv = w.DeepClone();
        noRv["metadata"]!.AsObject().Remove("resourceVersion");
        (await _http.Put($"/apis/test.vigil.io/v1/namespaces/{ns}/widgets/w1", noRv)).Status.ShouldBe(422);
        (await _http.Patch($"/apis/test.vigil.io/v1/namespaces/{ns}/widgets/w1", """{"spec":{"size":4}}""", "application/strategic-merge-patch+json")).Status.ShouldBe(415);

        var (_, scaled) = await _http.Patch($"/apis/test.vigil.io/v1/namespaces/{ns}/widgets/w1/scale", """{"spec":{"replicas":3}}""", "application/merge-patch+json");
        scaled!["spec"]!["replicas"]!.GetValue<long>().ShouldBe(3);

        (await _http.Delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.test.vigil.io")).Status.ShouldBe(200);
        await Eventually.True(async () => (await _http.Get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.test.vigil.io")).Status == 404, what: "CRD removed");
        // Like the real server, the resource's endpoint goes away just after the definition, not in the same instant.
        await Eventually.True(async () => (await _http.Get($"/apis/test.vigil.io/v1/namespaces/{ns}/widgets")).Status == 404, what: "the resource no longer served");
    }

    [Fact]
    public async Task Invalid_custom_resource_definitions_are_rejected_with_causes()
    {
        var crd = JsonNode.Parse("""
            {"metadata":{"name":"wrong.test.vigil.io"},"spec":{"group":"test.vigil.io","scope":"Namespaced","names":{"plural":"gadgets","kind":"Gadget"},
             "versions":[{"name":"v1","served":true,"storage":false}]}}
            """)!;
        var (s, error) = await _http.Post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        s.ShouldBe(422);
        var fields = error!["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()).ToList();
        fields.ShouldContain("metadata.name");
        fields.ShouldContain("spec.versions");
        fields.ShouldContain("spec.versions[0].schema.openAPIV3Schema");
    }

    [Fact]
    public async Task Metadata_only_lists_return_PartialObjectMetadata()
    {
        var ns = await NewNamespace();
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("meta", "secret-ish"));
        var (s, list) = await _http.Get($"/api/v1/namespaces/{ns}/configmaps", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json");
        s.ShouldBe(200);
        list!["kind"]!.GetValue<string>().ShouldBe("PartialObjectMetadataList");
        var item = list["items"]![0]!;
        item["kind"]!.GetValue<string>().ShouldBe("PartialObjectMetadata");
        item["metadata"]!["name"]!.GetValue<string>().ShouldBe("meta");
        item["data"].ShouldBeNull();
        (await _http.Get($"/api/v1/namespaces/{ns}/configmaps", "application/vnd.kubernetes.protobuf")).Status.ShouldBe(406);
    }

    [Fact]
    public async Task Tables_carry_column_definitions_and_row_metadata()
    {
        var ns = await NewNamespace();
        await _http.Post($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("tab"));
        var (s, table) = await _http.Get($"/api/v1/namespaces/{ns}/configmaps", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
        s.ShouldBe(200);
        table!["kind"]!.GetValue<string>().ShouldBe("Table");
        table["columnDefinitions"]![0]!["name"]!.GetValue<string>().ShouldBe("Name");
        var row = table["rows"]![0]!;
        row["cells"]![0]!.GetValue<string>().ShouldBe("tab");
        row["object"]!["kind"]!.GetValue<string>().ShouldBe("PartialObjectMetadata");
        row["object"]!["metadata"]!["namespace"]!.GetValue<string>().ShouldBe(ns);
    }
}
