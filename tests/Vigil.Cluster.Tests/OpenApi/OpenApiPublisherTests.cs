using System.Text.Json.Nodes;
using Vigil.Cluster.OpenApi;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Schemas;
using Vigil.Cluster.Tests.Schemas;

namespace Vigil.Cluster.Tests.OpenApi;

public class OpenApiPublisherTests
{
    internal static ResourceType Detector(string version = "v1alpha1") => new()
    {
        Group = "vigil.io",
        Version = version,
        Kind = "Detector",
        Plural = "detectors",
        Singular = "detector",
        Namespaced = true,
        IsCustom = true,
        HasStatusSubresource = true,
        CustomSchema = JsonNode.Parse(CustomSchemaTests.DetectorSchema)!.AsObject(),
        Schema = CustomSchemaTests.Detector,
    };

    private static IEnumerable<string> Refs(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key == "$ref" && value is JsonValue v) yield return v.GetValue<string>();
                    foreach (var r in Refs(value)) yield return r;
                }
                break;
            case JsonArray arr:
                foreach (var item in arr)
                    foreach (var r in Refs(item)) yield return r;
                break;
        }
    }

    private static JsonArray Parameters(JsonNode operation) => operation["parameters"]!.AsArray();

    private static bool HasQueryParameter(JsonNode operation, string name) =>
        Parameters(operation).Any(p => p!["name"]!.GetValue<string>() == name && p["in"]!.GetValue<string>() == "query");

    [Fact]
    public void Index_lists_every_served_group_version_with_hashed_urls()
    {
        var publisher = new OpenApiPublisher(new ResourceRegistry());
        var index = publisher.V3Index();
        var paths = index["paths"]!.AsObject();
        foreach (var r in BuiltInResources.All)
            paths.ContainsKey(OpenApiPublisher.GroupVersionPath(r.Group, r.Version)).ShouldBeTrue(r.ApiVersion);
        var apps = paths["apis/apps/v1"]!["serverRelativeURL"]!.GetValue<string>();
        var hash = publisher.V3GroupVersionDocument("apis/apps/v1")!.Hash;
        apps.ShouldBe($"/openapi/v3/apis/apps/v1?hash={hash}");
        hash.Length.ShouldBe(128);
        paths["api/v1"]!["serverRelativeURL"]!.GetValue<string>().ShouldStartWith("/openapi/v3/api/v1?hash=");
    }

    [Fact]
    public void Group_version_document_has_paths_with_field_validation_and_gvk()
    {
        var doc = new OpenApiPublisher(new ResourceRegistry()).V3GroupVersion("apis/apps/v1").ShouldNotBeNull();
        doc["openapi"]!.GetValue<string>().ShouldBe("3.0.0");
        var paths = doc["paths"]!.AsObject();
        var collection = paths["/apis/apps/v1/namespaces/{namespace}/deployments"].ShouldNotBeNull();
        var item = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].ShouldNotBeNull();
        paths.ContainsKey("/apis/apps/v1/deployments").ShouldBeTrue();
        paths.ContainsKey("/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status").ShouldBeTrue();
        paths.ContainsKey("/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale").ShouldBeTrue();
        foreach (var op in new[] { collection["post"]!, item["put"]!, item["patch"]! })
        {
            HasQueryParameter(op, "fieldValidation").ShouldBeTrue();
            HasQueryParameter(op, "fieldManager").ShouldBeTrue();
            op["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>().ShouldBe("Deployment");
            op["x-kubernetes-group-version-kind"]!["group"]!.GetValue<string>().ShouldBe("apps");
        }
        HasQueryParameter(paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"]!["patch"]!, "fieldValidation").ShouldBeTrue();
        item["patch"]!["requestBody"]!["content"]!.AsObject().Select(kv => kv.Key)
            .ShouldBe(["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"]);
        collection["get"]!["operationId"]!.GetValue<string>().ShouldBe("listAppsV1NamespacedDeployment");
        item["patch"]!["operationId"]!.GetValue<string>().ShouldBe("patchAppsV1NamespacedDeployment");
        item["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>()
            .ShouldBe("#/components/schemas/io.k8s.api.apps.v1.Deployment");
    }

    [Fact]
    public void Group_version_document_contains_the_kinds_and_everything_they_reference()
    {
        var doc = new OpenApiPublisher(new ResourceRegistry()).V3GroupVersion("/openapi/v3/apis/apps/v1?hash=abc").ShouldNotBeNull();
        var schemas = doc["components"]!["schemas"]!.AsObject();
        var deployment = schemas["io.k8s.api.apps.v1.Deployment"].ShouldNotBeNull();
        deployment["description"]!.GetValue<string>().ShouldStartWith("Deployment enables declarative updates");
        var gvk = deployment["x-kubernetes-group-version-kind"]![0]!;
        (gvk["group"]!.GetValue<string>(), gvk["version"]!.GetValue<string>(), gvk["kind"]!.GetValue<string>()).ShouldBe(("apps", "v1", "Deployment"));
        schemas.ContainsKey("io.k8s.api.core.v1.PodSpec").ShouldBeTrue();
        schemas.ContainsKey("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").ShouldBeTrue();
        schemas.ContainsKey("io.k8s.api.core.v1.Pod").ShouldBeFalse();
        var containers = schemas["io.k8s.api.core.v1.PodSpec"]!["properties"]!["containers"]!;
        containers["x-kubernetes-patch-merge-key"]!.GetValue<string>().ShouldBe("name");
        containers["x-kubernetes-patch-strategy"]!.GetValue<string>().ShouldBe("merge");
        containers["description"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        foreach (var r in Refs(doc))
        {
            r.ShouldStartWith("#/components/schemas/");
            schemas.ContainsKey(r["#/components/schemas/".Length..]).ShouldBeTrue(r);
        }
        schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!["oneOf"].ShouldNotBeNull();
    }

    [Fact]
    public void Core_document_serves_pods_nodes_and_their_subresources()
    {
        var doc = new OpenApiPublisher(new ResourceRegistry()).V3GroupVersion("api/v1").ShouldNotBeNull();
        var paths = doc["paths"]!.AsObject();
        paths.ContainsKey("/api/v1/namespaces/{namespace}/pods/{name}/log").ShouldBeTrue();
        paths.ContainsKey("/api/v1/namespaces/{namespace}/pods/{name}/eviction").ShouldBeTrue();
        paths.ContainsKey("/api/v1/namespaces/{namespace}/pods/{name}/binding").ShouldBeTrue();
        paths.ContainsKey("/api/v1/namespaces/{namespace}/pods/{name}/ephemeralcontainers").ShouldBeTrue();
        paths.ContainsKey("/api/v1/namespaces/{name}/finalize").ShouldBeTrue();
        paths.ContainsKey("/api/v1/nodes/{name}").ShouldBeTrue();
        paths.ContainsKey("/api/v1/namespaces/{namespace}/nodes").ShouldBeFalse();
        // Namespaces do not serve deletecollection.
        paths["/api/v1/namespaces"]!.AsObject().ContainsKey("delete").ShouldBeFalse();
        paths["/api/v1/namespaces/{namespace}/pods"]!["post"]!["operationId"]!.GetValue<string>().ShouldBe("createCoreV1NamespacedPod");
        var schemas = doc["components"]!["schemas"]!.AsObject();
        var configMap = schemas["io.k8s.api.core.v1.ConfigMap"]!;
        configMap["x-kubernetes-group-version-kind"]![0]!["group"]!.GetValue<string>().ShouldBe("");
        configMap["properties"]!["data"]!["description"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        schemas.ContainsKey("io.k8s.api.policy.v1.Eviction").ShouldBeTrue();
        schemas.ContainsKey("io.k8s.api.apps.v1.Deployment").ShouldBeFalse();
    }

    [Fact]
    public void Unknown_group_versions_have_no_document()
    {
        var publisher = new OpenApiPublisher(new ResourceRegistry());
        publisher.V3GroupVersion("apis/nope/v1").ShouldBeNull();
        publisher.V3GroupVersion("apis/apps/v1beta1").ShouldBeNull();
    }

    [Fact]
    public void Custom_resources_are_published_and_the_cache_follows_the_registry()
    {
        var registry = new ResourceRegistry();
        var publisher = new OpenApiPublisher(registry);
        var before = publisher.V3Index();
        before["paths"]!.AsObject().ContainsKey("apis/vigil.io/v1alpha1").ShouldBeFalse();
        var appsHash = publisher.V3GroupVersionDocument("apis/apps/v1")!.Hash;

        registry.AddOrReplace(Detector());
        var index = publisher.V3Index()["paths"]!.AsObject();
        index.ContainsKey("apis/vigil.io/v1alpha1").ShouldBeTrue();
        publisher.V3GroupVersionDocument("apis/apps/v1")!.Hash.ShouldBe(appsHash);

        var doc = publisher.V3GroupVersion("apis/vigil.io/v1alpha1").ShouldNotBeNull();
        var schemas = doc["components"]!["schemas"]!.AsObject();
        var detector = schemas["io.vigil.v1alpha1.Detector"].ShouldNotBeNull();
        detector["x-kubernetes-group-version-kind"]![0]!["kind"]!.GetValue<string>().ShouldBe("Detector");
        detector["properties"]!["metadata"]!["$ref"]!.GetValue<string>().ShouldBe("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        detector["properties"]!["spec"]!["properties"]!["port"]!["anyOf"].ShouldNotBeNull();
        schemas.ContainsKey("io.vigil.v1alpha1.DetectorList").ShouldBeTrue();
        schemas.ContainsKey("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").ShouldBeTrue();
        var patch = doc["paths"]!["/apis/vigil.io/v1alpha1/namespaces/{namespace}/detectors/{name}"]!["patch"]!;
        HasQueryParameter(patch, "fieldValidation").ShouldBeTrue();
        patch["requestBody"]!["content"]!.AsObject().ContainsKey("application/strategic-merge-patch+json").ShouldBeFalse();
        patch["operationId"]!.GetValue<string>().ShouldBe("patchVigilIoV1alpha1NamespacedDetector");
        foreach (var r in Refs(doc))
            schemas.ContainsKey(r["#/components/schemas/".Length..]).ShouldBeTrue(r);

        registry.Remove("vigil.io", "v1alpha1", "detectors");
        publisher.V3Index()["paths"]!.AsObject().ContainsKey("apis/vigil.io/v1alpha1").ShouldBeFalse();
        publisher.V3GroupVersion("apis/vigil.io/v1alpha1").ShouldBeNull();
    }

    [Fact]
    public void V2_document_is_swagger_with_all_kinds_and_resolvable_refs()
    {
        var registry = new ResourceRegistry();
        registry.AddOrReplace(Detector());
        var doc = new OpenApiPublisher(registry).V2();
        doc["swagger"]!.GetValue<string>().ShouldBe("2.0");
        var definitions = doc["definitions"]!.AsObject();
        foreach (var r in BuiltInResources.All)
            definitions.ContainsKey(SchemaCatalog.BuiltInDefinitionName(r.Group, r.Version, r.Kind)!).ShouldBeTrue(r.Kind);
        var detector = definitions["io.vigil.v1alpha1.Detector"].ShouldNotBeNull();
        detector["properties"]!["spec"]!["properties"]!["port"]!["anyOf"].ShouldBeNull();
        foreach (var r in Refs(doc))
        {
            r.ShouldStartWith("#/definitions/");
            definitions.ContainsKey(r["#/definitions/".Length..]).ShouldBeTrue(r);
        }
        var paths = doc["paths"]!.AsObject();
        var post = paths["/api/v1/namespaces/{namespace}/pods"]!["post"]!;
        HasQueryParameter(post, "fieldValidation").ShouldBeTrue();
        Parameters(post).Any(p => p!["in"]!.GetValue<string>() == "body").ShouldBeTrue();
        paths["/apis/vigil.io/v1alpha1/namespaces/{namespace}/detectors/{name}"]!["patch"]!["consumes"]!.AsArray().Count.ShouldBe(3);
        paths.ContainsKey("/apis/networking.k8s.io/v1/ingressclasses/{name}").ShouldBeTrue();
    }

    [Fact]
    public void Documents_are_cached_and_safe_to_build_concurrently()
    {
        var publisher = new OpenApiPublisher(new ResourceRegistry());
        var docs = new OpenApiDocument?[16];
        Parallel.For(0, docs.Length, i => docs[i] = publisher.V3GroupVersionDocument(i % 2 == 0 ? "api/v1" : "apis/apps/v1"));
        docs.Where((_, i) => i % 2 == 0).Distinct().Count().ShouldBe(1);
        docs.Where((_, i) => i % 2 == 1).Distinct().Count().ShouldBe(1);
        publisher.V2Document().ShouldBeSameAs(publisher.V2Document());
    }
}

public class OpenApiDocumentSizeTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [Fact]
    public void Documents_stay_reasonably_small_and_quick_to_build()
    {
        var publisher = new OpenApiPublisher(new ResourceRegistry());
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var index = publisher.V3IndexDocument();
        var total = 0L;
        foreach (var (path, _) in JsonNode.Parse(index.Json)!["paths"]!.AsObject())
        {
            var doc = publisher.V3GroupVersionDocument(path)!;
            log.WriteLine($"{path}: {doc.Json.Length} chars");
            doc.Json.Length.ShouldBeLessThan(3_000_000);
            total += doc.Json.Length;
        }
        var v2 = publisher.V2Document();
        log.WriteLine($"v3 total {total} chars, v2 {v2.Json.Length} chars, built in {watch.ElapsedMilliseconds} ms");
        v2.Json.Length.ShouldBeLessThan(6_000_000);
    }
}
