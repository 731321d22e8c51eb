using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Detection.Filtering;
using Vigil.Operator.Extensions;
using static Vigil.Operator.Tests.Extensions.VigilResourceCluster;

namespace Vigil.Operator.Tests.Extensions;

/// <summary>Policy resources become the rules the signal filter consults; what only Vigil can check is reported in status.</summary>
public sealed class PolicyResourcesTests : IAsyncLifetime
{
    private VigilResourceCluster _k8s = null!;
    private PolicyResources _policies = null!;

    public async Task InitializeAsync()
    {
        _k8s = await VigilResourceCluster.StartAsync();
        _policies = new PolicyResources(_k8s.Client, _k8s.Informers, "vigil-system", TimeProvider.System, NullLogger<PolicyResources>.Instance);
        await _k8s.StartInformersAsync();
        _policies.Start();
    }

    private Task<JsonObject> StatusWhen(string ns, string name, Func<JsonObject, bool> done) => _k8s.StatusWhen(PolicyResources.ResourceType, ns, name, done);

    [Fact]
    public async Task The_example_policies_are_accepted_as_rules_with_their_scope_and_schedule()
    {
        _k8s.Cluster.Apply(File.ReadAllText(Repo.Path("examples", "resources", "policy-exclude-kube-system.yaml")));
        await StatusWhen("vigil-system", "exclude-kube-system", s => Condition(s, "Valid") == "True");
        var nightly = await StatusWhen("vigil-system", "nightly-batch-maintenance", s => Condition(s, "Valid") == "True");
        nightly["active"].ShouldNotBeNull(); // whether 02:00-03:00 UTC is now depends on the wall clock; that it is reported does not
        _policies.Active.Count.ShouldBe(2);
        var exclude = _policies.Active.Single(p => p.Name == "exclude-kube-system");
        exclude.Action.ShouldBe(PolicyAction.Exclude);
        exclude.OnlyNamespace.ShouldBeNull();
        var suppress = _policies.Active.Single(p => p.Name == "nightly-batch-maintenance");
        suppress.Detectors.ShouldBe(["JobFailed", "JobDeadlineExceeded"]);
        suppress.Schedule!.DailyStart.ShouldBe(new TimeOnly(2, 0));
    }

    [Fact]
    public async Task A_policy_outside_the_system_namespace_applies_to_its_namespace_only()
    {
        _k8s.Cluster.Apply("""
            apiVersion: vigil.io/v1alpha1
            kind: Policy
            metadata: {name: quiet, namespace: shop}
            spec: {action: Exclude, match: {ownerNames: ["legacy-*"]}}
            """);
        await StatusWhen("shop", "quiet", s => Condition(s, "Valid") == "True");
        _policies.Active.Single().OnlyNamespace.ShouldBe("shop");
    }

    [Theory]
    [InlineData("{action: Exclude, schedule: {daily: '02:00-03:00'}}", "spec.schedule: is only allowed with action Suppress")]
    [InlineData("{action: Suppress, schedule: {start: '2026-11-22T10:00:00Z', end: '2026-11-22T09:00:00Z'}}", "spec.schedule.end: must be after spec.schedule.start")]
    [InlineData("{action: Suppress, schedule: {daily: '25:00-03:00'}}", "spec.schedule.daily: \"25:00-03:00\" is not a daily window")]
    [InlineData("{action: Exclude, namespaceSelector: {matchLabels: {team: shop}}}", "spec.namespaceSelector: is only allowed in vigil-system")]
    public async Task What_only_Vigil_can_check_is_reported_as_invalid(string spec, string problem)
    {
        _k8s.Cluster.Apply($"""
            apiVersion: vigil.io/v1alpha1
            kind: Policy
            metadata: {"{"}name: wrong, namespace: shop{"}"}
            spec: {spec}
            """);
        var status = await StatusWhen("shop", "wrong", s => Condition(s, "Valid") == "False");
        Condition(status, "Valid", "message")!.ShouldContain(problem);
        Condition(status, "Ready").ShouldBe("False");
        _policies.Active.ShouldBeEmpty();
    }

    public async Task DisposeAsync()
    {
        await _policies.DisposeAsync();
        await _k8s.DisposeAsync();
    }
}
