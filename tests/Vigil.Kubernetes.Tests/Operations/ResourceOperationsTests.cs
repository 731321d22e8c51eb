using System.Text.Json.Nodes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Tests.Fixtures;

namespace Vigil.Kubernetes.Tests.Operations;

[Collection(ClusterCollection.Name)]
public sealed class ResourceOperationsTests(ClusterFixture fixture) : IDisposable
{
    private readonly KubernetesClient _client = fixture.Client();

    public void Dispose() => _client.Dispose();

    private static ConfigMap NewConfigMap(string name, string ns, string value = "1") => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = new Dictionary<string, string> { ["app"] = "demo" } },
        Data = new Dictionary<string, string> { ["k"] = value },
    };

    [Fact]
    public async Task Create_get_update_conflict_and_delete()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var configMaps = _client.Resource<ConfigMap>();
        var created = await configMaps.CreateAsync(NewConfigMap("a", ns));
        created.Metadata.Uid.ShouldNotBeNullOrEmpty();
        created.Metadata.ResourceVersion.ShouldNotBeNullOrEmpty();
        created.Metadata.CreationTimestamp.ShouldNotBeNull();

        await Should.ThrowAsync<AlreadyExistsException>(() => configMaps.CreateAsync(NewConfigMap("a", ns)));

        var fetched = await configMaps.GetAsync("a", ns);
        fetched.Data!["k"] = "2";
        var updated = await configMaps.UpdateAsync(fetched);
        updated.Data!["k"].ShouldBe("2");

        created.Data!["k"] = "stale";
        var conflict = await Should.ThrowAsync<ConflictException>(() => configMaps.UpdateAsync(created));
        conflict.Status.Reason.ShouldBe("Conflict");

        await configMaps.DeleteAsync("a", ns);
        await Should.ThrowAsync<NotFoundException>(() => configMaps.GetAsync("a", ns));
        (await configMaps.TryGetAsync("a", ns)).ShouldBeNull();
    }

    [Fact]
    public async Task Update_keeps_fields_the_model_does_not_know()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var unstructured = _client.Unstructured(Deployment.ResourceType);
        var deployment = UnstructuredObject.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"NAMESPACE"},
             "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
               "template":{"metadata":{"labels":{"app":"web"}},
                 "spec":{"containers":[{"name":"c","image":"nginx","securityContext":{"runAsNonRoot":true}}],
                         "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"web"}}}]}}}}
            """.Replace("NAMESPACE", ns, StringComparison.Ordinal));
        await unstructured.CreateAsync(deployment);

        var typed = _client.Resource<Deployment>();
        var current = await typed.GetAsync("web", ns);
        current.Spec!.Replicas = 3;
        await typed.UpdateAsync(current);

        var after = await unstructured.GetAsync("web", ns);
        after["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        after["spec"]!["template"]!["spec"]!["topologySpreadConstraints"]![0]!["maxSkew"]!.GetValue<int>().ShouldBe(1);
        after["spec"]!["template"]!["spec"]!["containers"]![0]!["securityContext"]!["runAsNonRoot"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task List_pages_with_continue_and_selectors()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var configMaps = _client.Resource<ConfigMap>();
        for (var i = 0; i < 7; i++)
        {
            var cm = NewConfigMap($"cm-{i}", ns);
            if (i % 2 == 0)
            {
                cm.Metadata.SetLabel("even", "true");
            }

            await configMaps.CreateAsync(cm);
        }

        var firstPage = await configMaps.ListAsync(ns, new ListOptions { Limit = 3 });
        firstPage.Items.Count.ShouldBe(3);
        firstPage.Metadata.Continue.ShouldNotBeNullOrEmpty();

        var all = await configMaps.ListAllAsync(ns, pageSize: 3);
        all.Items.Count.ShouldBe(7);
        all.Items.Select(c => c.Metadata.Name).Distinct().Count().ShouldBe(7);
        all.Metadata.ResourceVersion.ShouldNotBeNullOrEmpty();

        var even = await configMaps.ListAllAsync(ns, new ListOptions { LabelSelector = "even=true" }, pageSize: 2);
        even.Items.Count.ShouldBe(4);
        var byName = await configMaps.ListAsync(ns, new ListOptions { FieldSelector = "metadata.name=cm-3" });
        byName.Items.Single().Metadata.Name.ShouldBe("cm-3");

        var acrossNamespaces = await configMaps.ListAllAsync(ResourceClient<ConfigMap>.AllNamespaces, new ListOptions { LabelSelector = "even=true" });
        acrossNamespaces.Items.Count(c => c.Metadata.Namespace == ns).ShouldBe(4);
    }

    [Fact]
    public async Task Patches_of_every_kind_and_server_side_apply()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var configMaps = _client.Resource<ConfigMap>();
        await configMaps.CreateAsync(NewConfigMap("p", ns));

        (await configMaps.PatchAsync("p", Patch.Merge("""{"data":{"m":"merge"}}"""), ns)).Data!["m"].ShouldBe("merge");
        (await configMaps.PatchAsync("p", Patch.Strategic("""{"data":{"s":"strategic"}}"""), ns)).Data!["s"].ShouldBe("strategic");

        var applied = await configMaps.ApplyAsync(
            new ConfigMap { Metadata = new ObjectMeta { Name = "applied", Namespace = ns }, Data = new Dictionary<string, string> { ["owner"] = "vigil" } },
            fieldManager: "vigil-test");
        applied.Data!["owner"].ShouldBe("vigil");

        await Should.ThrowAsync<ArgumentException>(() => configMaps.PatchAsync("p", Patch.Apply("{}"), ns));
    }

    [Fact]
    public async Task Json_patch()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var configMaps = _client.Resource<ConfigMap>();
        await configMaps.CreateAsync(NewConfigMap("p", ns));
        (await configMaps.PatchAsync("p", Patch.Json("""[{"op":"add","path":"/data/j","value":"json"}]"""), ns)).Data!["j"].ShouldBe("json");
    }

    [Fact]
    public async Task Status_and_scale_subresources()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var deployments = _client.Resource<Deployment>();
        var deployment = new Deployment
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Spec = new DeploymentSpec
            {
                Replicas = 1,
                Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new PodSpec { Containers = [new Container { Name = "c", Image = "nginx" }] },
                },
            },
        };
        var created = await deployments.CreateAsync(deployment);

        created.Status = new DeploymentStatus { Replicas = 1, ReadyReplicas = 1, ObservedGeneration = created.Metadata.Generation };
        var withStatus = await deployments.UpdateStatusAsync(created);
        withStatus.Status!.ReadyReplicas.ShouldBe(1);

        var scale = await deployments.ScaleAsync("web", 4, ns);
        scale.Spec!.Replicas.ShouldBe(4);
        (await deployments.GetScaleAsync("web", ns)).Spec!.Replicas.ShouldBe(4);
        (await deployments.GetAsync("web", ns)).Spec!.Replicas.ShouldBe(4);
    }

    [Fact]
    public async Task Delete_with_finalizer_returns_the_object_and_invalid_create_has_causes()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var configMaps = _client.Resource<ConfigMap>();
        var cm = NewConfigMap("f", ns);
        cm.Metadata.Finalizers = ["vigil.io/hold"];
        await configMaps.CreateAsync(cm);
        var deleting = await configMaps.DeleteAsync("f", ns, DeleteOptions.Foreground);
        deleting.ShouldNotBeNull();
        deleting.Metadata.DeletionTimestamp.ShouldNotBeNull();
        await configMaps.PatchAsync("f", Patch.Merge("""{"metadata":{"finalizers":null}}"""), ns);
        await Eventually.TrueAsync(async () => await configMaps.TryGetAsync("f", ns) is null);

        var invalid = await Should.ThrowAsync<InvalidException>(() => configMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Namespace = ns } }));
        invalid.StatusCode.ShouldBe(System.Net.HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Custom_resources_through_discovery_and_unstructured_objects()
    {
        var crds = _client.Unstructured(new ResourceType("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false));
        await crds.CreateAsync(UnstructuredObject.Parse("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
             "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"]},
               "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
                 "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
            """));
        var ns = await fixture.NewNamespaceAsync(_client);

        ResourceType? widgets = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                widgets = await _client.Discovery.ResolveAsync("wd");
                return true;
            }
            catch (KubernetesApiException)
            {
                return false;
            }
        });
        widgets!.ShouldBe(new ResourceType("example.com", "v1", "widgets", "Widget", true));
        (await _client.Discovery.ResolveKindAsync("apps/v1", "Deployment")).Plural.ShouldBe("deployments");
        (await _client.Discovery.ResolveAsync("deploy")).Group.ShouldBe("apps");
        (await _client.Discovery.GetServerVersionAsync()).GitVersion.ShouldStartWith("v1.");

        var client = _client.Unstructured(widgets!);
        var widget = UnstructuredObject.Parse($$$"""{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1","namespace":"{{{ns}}}"},"spec":{"size":2}}""");
        var created = await client.CreateAsync(widget);
        created["spec"]!["size"] = 5;
        var updated = await client.UpdateAsync(created);
        updated["spec"]!["size"]!.GetValue<int>().ShouldBe(5);
        var list = await client.ListAsync(ns);
        list.Items.Single().Metadata.Name.ShouldBe("w1");
    }

    [Fact]
    public async Task Metadata_only_reads_return_partial_object_metadata()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        await _client.Resource<ConfigMap>().CreateAsync(NewConfigMap("meta", ns));
        var metadata = _client.Metadata(ConfigMap.ResourceType);
        var list = await metadata.ListAsync(ns);
        list.Kind.ShouldBe("PartialObjectMetadataList");
        list.Items.Single().Metadata.Labels!["app"].ShouldBe("demo");
        var one = await metadata.GetAsync("meta", ns);
        one.Kind.ShouldBe("PartialObjectMetadata");
    }
}
