using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Operator.Extensions;
using static Vigil.Operator.Tests.Extensions.VigilResourceCluster;

namespace Vigil.Operator.Tests.Extensions;

/// <summary>Detector resources applied to a simulated cluster over HTTPS become running detectors; their status says so.</summary>
public sealed class DetectorResourcesTests : IAsyncLifetime
{
    private VigilResourceCluster _k8s = null!;
    private DetectorResources _detectors = null!;

    public async Task InitializeAsync()
    {
        _k8s = await VigilResourceCluster.StartAsync();
        var namespaces = _k8s.Namespaces;
        _detectors = new DetectorResources(_k8s.Client, _k8s.Informers, "vigil-system",
            new NamespaceLookup(() => namespaces.Indexer.List().Select(n => n.Metadata.Name!), n => namespaces.Indexer.Get(null, n)?.Metadata.Labels),
            TimeProvider.System, NullLogger<DetectorResources>.Instance);
        await _k8s.StartInformersAsync();
        _detectors.Start();
    }

    private Task<JsonObject> StatusWhen(string ns, string name, Func<JsonObject, bool> done) => _k8s.StatusWhen(DetectorResources.ResourceType, ns, name, done);

    private const string LongImagePull = """
        apiVersion: vigil.io/v1alpha1
        kind: Detector
        metadata: {name: long-image-pull, namespace: shop}
        spec:
          resource: pods
          condition: "pod.status.phase == 'Pending' && now - timestamp(pod.status.startTime) > duration(params.after)"
          params: {after: 5m}
          severity: critical
        """;

    [Fact]
    public async Task A_valid_detector_runs_and_says_so_in_its_status()
    {
        _k8s.Cluster.Apply(LongImagePull);
        var status = await StatusWhen("shop", "long-image-pull", s => Condition(s, "Valid") == "True");
        Condition(status, "Ready").ShouldBe("True");
        status["observedGeneration"]!.GetValue<long>().ShouldBe(1);
        status["matchedNamespaces"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["shop"]);
        var running = _detectors.Active.ShouldHaveSingleItem();
        running.Name.ShouldBe("cel:shop/long-image-pull");
        running.Kind.ShouldBe("Pod");
        running.Options.Severity.ShouldBe(Detection.Severity.Critical);
    }

    [Fact]
    public async Task An_invalid_update_is_reported_while_the_last_valid_version_keeps_running()
    {
        _k8s.Cluster.Apply(LongImagePull);
        await StatusWhen("shop", "long-image-pull", s => Condition(s, "Valid") == "True");
        var before = _detectors.Active.Single();

        _k8s.Cluster.Apply(LongImagePull.Replace("pod.status.phase == 'Pending'", "pod.status.phase ==", StringComparison.Ordinal));
        var status = await StatusWhen("shop", "long-image-pull", s => Condition(s, "Valid") == "False");
        Condition(status, "Valid", "message")!.ShouldContain("spec.condition");
        Condition(status, "Valid", "message")!.ShouldContain("Syntax error");
        Condition(status, "Ready").ShouldBe("True");
        Condition(status, "Ready", "message")!.ShouldContain("generation 1 keeps running");
        _detectors.Active.Single().ShouldBeSameAs(before);

        // Fixed: the new version replaces the old one.
        _k8s.Cluster.Apply(LongImagePull.Replace("params: {after: 5m}", "params: {after: 10m}", StringComparison.Ordinal));
        await StatusWhen("shop", "long-image-pull", s => Condition(s, "Valid") == "True" && s["observedGeneration"]!.GetValue<long>() == 3);
        _detectors.Active.Single().ShouldNotBeSameAs(before);
        _detectors.Active.Single().Definition.Params["after"].ShouldBe("10m");
    }

    [Fact]
    public async Task A_namespace_selector_is_only_accepted_in_the_system_namespace_where_it_selects_by_labels()
    {
        _k8s.Cluster.Apply(LongImagePull.Replace("spec:", "spec:\n  namespaceSelector: {matchLabels: {team: shop}}", StringComparison.Ordinal));
        var refused = await StatusWhen("shop", "long-image-pull", s => Condition(s, "Valid") == "False");
        Condition(refused, "Valid", "message")!.ShouldContain("spec.namespaceSelector: is only allowed in vigil-system");
        Condition(refused, "Ready").ShouldBe("False");
        _detectors.Active.ShouldBeEmpty();

        _k8s.Cluster.Apply(LongImagePull
            .Replace("namespace: shop", "namespace: vigil-system", StringComparison.Ordinal)
            .Replace("spec:", "spec:\n  namespaceSelector: {matchLabels: {team: shop}}", StringComparison.Ordinal));
        var accepted = await StatusWhen("vigil-system", "long-image-pull", s => Condition(s, "Valid") == "True");
        accepted["matchedNamespaces"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["shop"]);
    }

    [Fact]
    public async Task Deleting_a_detector_stops_it()
    {
        _k8s.Cluster.Apply(LongImagePull);
        await StatusWhen("shop", "long-image-pull", s => Condition(s, "Valid") == "True");
        await _k8s.Client.Unstructured(DetectorResources.ResourceType).DeleteAsync("long-image-pull", "shop");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (_detectors.Active.Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        _detectors.Active.ShouldBeEmpty();
    }

    public async Task DisposeAsync()
    {
        await _detectors.DisposeAsync();
        await _k8s.DisposeAsync();
    }
}
