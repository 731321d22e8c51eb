using Vigil.Operator.Install;
using YamlDotNet.RepresentationModel;

namespace Vigil.Operator.Tests.Install;

/// <summary>The deploy/ overlays as the binary renders them, and the renderer refusing kustomize it does not implement.</summary>
public sealed class ManifestRendererTests
{
    [Fact]
    public void The_binary_carries_both_overlays()
    {
        ManifestRenderer.Embedded.Overlays.ShouldBe(["sharded", "single"]);
    }

    [Fact]
    public void The_sharded_config_is_the_base_config_with_sharding_enabled()
    {
        var single = VigilYaml("single");
        var sharded = VigilYaml("sharded");

        var operatorSection = (YamlMappingNode)sharded["operator"];
        var sharding = (YamlMappingNode)operatorSection["sharding"];
        ((YamlScalarNode)sharding["enabled"]).Value.ShouldBe("true");
        ((YamlMappingNode)single["operator"]).Children.ContainsKey("sharding").ShouldBeFalse();

        // Everything else is the same file: a change to the base's config must be made to the sharded copy too.
        operatorSection.Children.Remove(new YamlScalarNode("sharding"));
        Serialise(sharded).ShouldBe(Serialise(single));
    }

    [Theory]
    [InlineData("single", 1)]
    [InlineData("sharded", 3)]
    public void The_deployment_has_the_overlays_replicas_and_the_pod_identity(string overlay, int replicas)
    {
        var deployment = ManifestRenderer.Embedded.Render(overlay).Single(m => m.Kind == "Deployment");
        var yaml = deployment.ToYaml();
        yaml.ShouldContain($"replicas: {replicas}\n");
        // Switching overlays must roll the pods, which read their configuration only at start.
        yaml.Contains("vigil.io/overlay: sharded", StringComparison.Ordinal).ShouldBe(overlay == "sharded");
        yaml.ShouldContain("- name: POD_NAME\n          valueFrom:\n            fieldRef:\n              fieldPath: metadata.name");
        yaml.ShouldContain("- name: POD_NAMESPACE\n          valueFrom:\n            fieldRef:\n              fieldPath: metadata.namespace");
    }

    [Fact]
    public void Namespace_and_crds_come_first_and_every_namespaced_object_is_in_vigil_system()
    {
        var manifests = ManifestRenderer.Embedded.Render("sharded");
        manifests.Take(5).Select(m => m.Kind).ShouldBe(["Namespace", .. Enumerable.Repeat("CustomResourceDefinition", 4)]);
        manifests.Where(m => m.Type.Namespaced).ShouldAllBe(m => m.Namespace == "vigil-system");
        manifests.Where(m => !m.Type.Namespaced).ShouldAllBe(m => m.Namespace == null);
    }

    [Fact]
    public void A_kustomize_feature_it_does_not_implement_is_refused_by_name()
    {
        var renderer = new ManifestRenderer(new Dictionary<string, string>
        {
            ["deploy/overlays/x/kustomization.yaml"] = "resources: [cm.yaml]\nnamePrefix: team-\n",
            ["deploy/overlays/x/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
        });
        Should.Throw<NotSupportedException>(() => renderer.Render("x")).Message.ShouldContain("\"namePrefix\"");
    }

    [Fact]
    public void A_patch_of_a_list_is_refused_rather_than_merged_wrongly()
    {
        var renderer = new ManifestRenderer(new Dictionary<string, string>
        {
            ["deploy/overlays/x/kustomization.yaml"] = "resources: [d.yaml]\npatches:\n- path: p.yaml\n",
            ["deploy/overlays/x/d.yaml"] = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {containers: [{name: c, image: x}]}}}\n",
            ["deploy/overlays/x/p.yaml"] = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {containers: [{name: c, image: y}]}}}\n",
        });
        Should.Throw<NotSupportedException>(() => renderer.Render("x")).Message.ShouldContain("containers");
    }

    [Fact]
    public void An_unknown_overlay_names_the_known_ones()
    {
        Should.Throw<ArgumentException>(() => ManifestRenderer.Embedded.Render("triple")).Message.ShouldContain("sharded, single");
    }

    private static YamlMappingNode VigilYaml(string overlay)
    {
        var configMap = ManifestRenderer.Embedded.Render(overlay).Single(m => m.Kind == "ConfigMap" && m.Name == "vigil-config");
        var stream = new YamlStream();
        stream.Load(new StringReader(configMap.ToYaml()));
        var data = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["data"];
        var config = new YamlStream();
        config.Load(new StringReader(((YamlScalarNode)data["vigil.yaml"]).Value!));
        return (YamlMappingNode)config.Documents[0].RootNode;
    }

    private static string Serialise(YamlMappingNode node)
    {
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
