using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Diagnosis.Gathering.Custom;
using Vigil.Operator.Extensions;
using static Vigil.Operator.Tests.Extensions.VigilResourceCluster;

namespace Vigil.Operator.Tests.Extensions;

/// <summary>Gatherer resources become custom gatherers; what only Vigil can check is reported in status.</summary>
public sealed class GathererResourcesTests : IAsyncLifetime
{
    private VigilResourceCluster _k8s = null!;
    private GathererResources _gatherers = null!;

    public async Task InitializeAsync()
    {
        _k8s = await VigilResourceCluster.StartAsync();
        _gatherers = new GathererResources(_k8s.Client, _k8s.Informers, TimeProvider.System, NullLogger.Instance);
        await _k8s.StartInformersAsync();
        _gatherers.Start();
    }

    private Task<JsonObject> StatusWhen(string name, Func<JsonObject, bool> done) => _k8s.StatusWhen(GathererResources.ResourceType, "vigil-system", name, done);

    [Fact]
    public async Task The_example_gatherer_is_accepted_with_its_triggers_budget_and_steps()
    {
        _k8s.Cluster.Apply(File.ReadAllText(Repo.Path("examples", "resources", "gatherer-hpa-state.yaml")));
        await StatusWhen("hpa-state", s => Condition(s, "Valid") == "True");
        var gatherer = _gatherers.Active.ShouldHaveSingleItem();
        gatherer.Name.ShouldBe("gatherer:vigil-system/hpa-state");
        gatherer.Budget.ShouldBe(TimeSpan.FromSeconds(5));
        var step = gatherer.Steps.ShouldHaveSingleItem().ShouldBeOfType<ResourceStep>();
        step.Kind.ShouldBe("HorizontalPodAutoscaler");
        step.ListAll.ShouldBeTrue();
        step.Select!.Text.ShouldBe("{.items[*].status}");
    }

    [Theory]
    [InlineData("{type: resource, kind: Pod}", "spec.collect[0].apiVersion: is required")]
    [InlineData("{type: resource, apiVersion: v1, kind: Pod, resourceName: '{pod.name}'}", "spec.collect[0].resourceName: {pod.name} is not a template variable")]
    [InlineData("{type: resource, apiVersion: v1, kind: Pod, jsonPath: '{.items[?(@.x)]}'}", "spec.collect[0].jsonPath:")]
    [InlineData("{type: resource, apiVersion: v1, kind: Pod, listAll: true, resourceName: x}", "cannot be combined with listAll")]
    public async Task What_only_Vigil_can_check_is_reported_as_invalid(string step, string problem)
    {
        _k8s.Cluster.Apply($$"""
            apiVersion: vigil.io/v1alpha1
            kind: Gatherer
            metadata: {name: wrong, namespace: vigil-system}
            spec:
              collect: [{{step}}]
            """);
        var status = await StatusWhen("wrong", s => Condition(s, "Valid") == "False");
        Condition(status, "Valid", "message")!.ShouldContain(problem);
        _gatherers.Active.ShouldBeEmpty();
    }

    public async Task DisposeAsync()
    {
        await _gatherers.DisposeAsync();
        await _k8s.DisposeAsync();
    }
}
