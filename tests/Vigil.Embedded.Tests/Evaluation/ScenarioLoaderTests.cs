using Vigil.Detection;
using Vigil.Diagnosis;
using Vigil.Embedded.Evaluation;

namespace Vigil.Embedded.Tests.Evaluation;

public sealed class ScenarioLoaderTests
{
    private const string Valid = """
        apiVersion: vigil.io/v1alpha1
        kind: Scenario
        metadata: {name: oom-killed-api}
        spec:
          manifests: |
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop}
          then:
          - after: 1m30s
            manifests: |
              apiVersion: v1
              kind: ConfigMap
              metadata: {name: c, namespace: shop}
          config:
            detectors:
              HighPodCount: {enabled: true, count: 30}
          expect:
            incidents:
            - category: resources
              reason: OOMKilled
              resource: {kind: Deployment, namespace: shop, name: api}
              within: 120s
            - category: node
              resource: {kind: Node, name: node-1}
            noOtherIncidents: true
        """;

    [Fact]
    public void A_scenario_is_read_with_its_steps_expectations_and_defaults()
    {
        var s = ScenarioLoader.Parse(Valid, "oom.yaml");
        s.Name.ShouldBe("oom-killed-api");
        s.EffectiveNodes.ShouldBe(3);
        s.Then.Single().After.ShouldBe(TimeSpan.FromSeconds(90));
        s.NoOtherIncidents.ShouldBeTrue();
        s.ExpectedIncidents[0].ShouldBe(new ExpectedIncident
        {
            Category = Category.Resources, Reason = "OOMKilled", Resource = new ResourceRef("Deployment", "shop", "api"), Within = TimeSpan.FromMinutes(2),
        });
        s.ExpectedIncidents[1].Reason.ShouldBeNull();
        s.ExpectedIncidents[1].Within.ShouldBe(ScenarioLoader.DefaultWithin);
        s.Detectors["HighPodCount"].Enabled.ShouldBeTrue();
        s.Detectors["HighPodCount"].Count.ShouldBe(30);
        // Unset settings keep the detector's defaults.
        s.Detectors["HighPodCount"].Cooldown.ShouldBe(TimeSpan.FromHours(1));
    }

    [Fact]
    public void A_scenario_that_brings_its_own_nodes_starts_with_none_unless_it_says_so()
    {
        var yaml = Valid.Replace("    kind: Namespace\n    metadata: {name: shop}", "    kind: Node\n    metadata: {name: big}", StringComparison.Ordinal);
        ScenarioLoader.Parse(yaml, "n.yaml").EffectiveNodes.ShouldBe(0);
        ScenarioLoader.Parse(yaml.Replace("spec:\n", "spec:\n  nodes: 2\n", StringComparison.Ordinal), "n.yaml").EffectiveNodes.ShouldBe(2);
    }

    [Theory]
    [InlineData("  manifests: |", "  manifest: |", "spec.manifest", "unknown key")]
    [InlineData("      within: 120s", "      within: soon", "spec.expect.incidents[0].within", "not a duration")]
    [InlineData("    - category: resources", "    - category: memory", "spec.expect.incidents[0].category", "\"memory\" is not one of")]
    [InlineData("      resource: {kind: Deployment, namespace: shop, name: api}", "      resource: {kind: Deployment, name: api}", "spec.expect.incidents[0].resource.namespace", "is required")]
    [InlineData("      HighPodCount: {enabled: true, count: 30}", "      HighPodCounter: {enabled: true}", "spec.config.detectors.HighPodCounter", "no detector is named")]
    [InlineData("  - after: 1m30s", "  - after: 1m30s\n    wait: 5s", "spec.then[0].wait", "unknown key")]
    [InlineData("      metadata: {name: c, namespace: shop}", "      metadata: {name: c, namespace: shop", "spec.then[0].manifests", "YAML")]
    [InlineData("kind: Scenario", "kind: Test", "kind", "must be Scenario")]
    public void A_mistake_is_reported_with_the_file_and_the_key(string find, string replace, string key, string problem)
    {
        var yaml = Valid.Replace(find, replace, StringComparison.Ordinal);
        yaml.ShouldNotBe(Valid);
        var e = Should.Throw<ScenarioFormatException>(() => ScenarioLoader.Parse(yaml, "scenarios/bad.yaml"));
        e.Message.ShouldStartWith($"scenarios/bad.yaml: {key}: ");
        e.Message.ShouldContain(problem);
    }

    [Fact]
    public void A_scenario_that_expects_nothing_must_say_it_must_stay_quiet()
    {
        var yaml = Valid[..Valid.IndexOf("    incidents:", StringComparison.Ordinal)] + "    incidents: []\n";
        Should.Throw<ScenarioFormatException>(() => ScenarioLoader.Parse(yaml, "q.yaml")).Key.ShouldBe("spec.expect");
        ScenarioLoader.Parse(yaml + "    noOtherIncidents: true\n", "q.yaml").ExpectedIncidents.ShouldBeEmpty();
    }

    [Fact]
    public void Every_scenario_in_the_catalog_loads_and_names_are_unique()
    {
        var scenarios = ScenarioLoader.Load([Repository.Path("scenarios")]);
        scenarios.Select(s => s.Name).ShouldBeUnique();
        scenarios.Count(s => s.ExpectedIncidents.Count == 0 && s.NoOtherIncidents).ShouldBeGreaterThanOrEqualTo(3);
    }
}
