using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;
using Vigil.Operator.Extensions;

namespace Vigil.Operator.Tests.Extensions;

/// <summary>Detector resources applied to a simulated cluster over HTTPS become running detectors; their status says so.</summary>
public sealed class DetectorResourcesTests : IAsyncLifetime
{
    private SimulatedCluster _cluster = null!;
    private KubernetesClient _client = null!;
    private SharedInformerFactory _informers = null!;
    private DetectorResources _detectors = null!;

    public async Task InitializeAsync()
    {
        _cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
        _cluster.Apply(File.ReadAllText(Repo.Path("deploy", "crds", "vigil.io_detectors.yaml")));
        _cluster.Apply("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop, labels: {team: shop}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: vigil-system}
            """);
        _client = new KubernetesClient(TestClients.Configuration(_cluster));
        _informers = new SharedInformerFactory(_client, TimeSpan.Zero);
        var namespaces = _informers.For<Namespace>();
        _detectors = new DetectorResources(_client, _informers, "vigil-system",
            new NamespaceLookup(() => namespaces.Indexer.List().Select(n => n.Metadata.Name!), n => namespaces.Indexer.Get(null, n)?.Metadata.Labels),
            TimeProvider.System, NullLogger<DetectorResources>.Instance);
        _informers.Start();
        await _informers.WaitForCacheSyncAsync(CancellationToken.None);
        _detectors.Start();
    }

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

    private async Task<JsonObject> StatusWhen(string ns, string name, Func<JsonObject, bool> done)
    {
        var resources = _client.Unstructured(DetectorResources.ResourceType);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var status = (await resources.GetAsync(name, ns))["status"] as JsonObject;
            if (status is not null && done(status)) return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"status of {ns}/{name} never matched; last: {status?.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    private static string? Condition(JsonObject status, string type, string field = "status") =>
        (status["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type)?[field]?.GetValue<string>();

    [Fact]
    public async Task A_valid_detector_runs_and_says_so_in_its_status()
    {
        _cluster.Apply(LongImagePull);
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
        _cluster.Apply(LongImagePull);
        await StatusWhen("shop", "long-image-pull", s => Condition(s, "Valid") == "True");
        var before = _detectors.Active.Single();

        _cluster.Apply(LongImagePull.Replace("pod.status.phase == 'Pending'", "pod.status.phase ==", StringComparison.Ordinal));
        var status = await StatusWhen("shop", "long-image-pull", s => Condition(s, "Valid") == "False");
        Condition(status, "Valid", "message")!.ShouldContain("spec.condition");
        Condition(status, "Valid", "message")!.ShouldContain("Syntax error");
        Condition(status, "Ready").ShouldBe("True");
        Condition(status, "Ready", "message")!.ShouldContain("generation 1 keeps running");
        _detectors.Active.Single().ShouldBeSameAs(before);

        // Fixed: the new version replaces the old one.
        _cluster.Apply(LongImagePull.Replace("params: {after: 5m}", "params: {after: 10m}", StringComparison.Ordinal));
        await StatusWhen("shop", "long-image-pull", s => Condition(s, "Valid") == "True" && s["observedGeneration"]!.GetValue<long>() == 3);
        _detectors.Active.Single().ShouldNotBeSameAs(before);
        _detectors.Active.Single().Definition.Params["after"].ShouldBe("10m");
    }

    [Fact]
    public async Task A_namespace_selector_is_only_accepted_in_the_system_namespace_where_it_selects_by_labels()
    {
        _cluster.Apply(LongImagePull.Replace("spec:", "spec:\n  namespaceSelector: {matchLabels: {team: shop}}", StringComparison.Ordinal));
        var refused = await StatusWhen("shop", "long-image-pull", s => Condition(s, "Valid") == "False");
        Condition(refused, "Valid", "message")!.ShouldContain("spec.namespaceSelector: is only allowed in vigil-system");
        Condition(refused, "Ready").ShouldBe("False");
        _detectors.Active.ShouldBeEmpty();

        _cluster.Apply(LongImagePull
            .Replace("namespace: shop", "namespace: vigil-system", StringComparison.Ordinal)
            .Replace("spec:", "spec:\n  namespaceSelector: {matchLabels: {team: shop}}", StringComparison.Ordinal));
        var accepted = await StatusWhen("vigil-system", "long-image-pull", s => Condition(s, "Valid") == "True");
        accepted["matchedNamespaces"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["shop"]);
    }

    [Fact]
    public async Task Deleting_a_detector_stops_it()
    {
        _cluster.Apply(LongImagePull);
        await StatusWhen("shop", "long-image-pull", s => Condition(s, "Valid") == "True");
        await _client.Unstructured(DetectorResources.ResourceType).DeleteAsync("long-image-pull", "shop");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (_detectors.Active.Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        _detectors.Active.ShouldBeEmpty();
    }

    public async Task DisposeAsync()
    {
        await _detectors.DisposeAsync();
        await _informers.DisposeAsync();
        _client.Dispose();
        await _cluster.DisposeAsync();
    }
}

internal static class Repo
{
    public static string Path(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Vigil.slnx"))) dir = dir.Parent;
        return System.IO.Path.Combine([dir?.FullName ?? throw new DirectoryNotFoundException("repository root"), .. parts]);
    }
}

internal static class TestClients
{
    public static KubernetesClientConfiguration Configuration(SimulatedCluster cluster) => new()
    {
        Server = cluster.Address,
        CertificateAuthority = [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(cluster.Certificates.Authority.RawData)],
        Credentials = new Kubernetes.Authentication.StaticCredentialProvider(new Kubernetes.Authentication.Credential(BearerToken: cluster.Token)),
    };
}
