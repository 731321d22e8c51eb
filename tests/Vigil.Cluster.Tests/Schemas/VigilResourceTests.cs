using System.Text.Json.Nodes;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Schemas;

/// <summary>
/// Vigil's own CRDs (deploy/crds) and the commented examples (examples/resources), applied with kubectl as a user would:
/// the API server fills in schema defaults and refuses what the schema forbids, with the real server's messages.
/// </summary>
public sealed class VigilResourceTests(ClusterFixture fx) : IClassFixture<ClusterFixture>
{
    private static string Repo(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vigil.slnx"))) dir = dir.Parent;
        return Path.Combine([dir?.FullName ?? throw new DirectoryNotFoundException("repository root"), .. parts]);
    }

    private Kubectl Kubectl => new(fx.KubeconfigPath);

    private async Task InstallAsync()
    {
        (await Kubectl.Run("apply", "-f", Repo("deploy", "crds"))).Succeeded();
        (await Kubectl.Run("wait", "--for=condition=Established", "crd/detectors.vigil.io", "crd/sinks.vigil.io", "crd/gatherers.vigil.io", "crd/policies.vigil.io", "--timeout=20s")).Succeeded();
        foreach (var ns in new[] { "shop", "vigil-system" })
            await Kubectl.Run("create", "namespace", ns);
    }

    [Fact]
    public async Task The_examples_apply_and_get_their_schema_defaults()
    {
        await InstallAsync();
        (await Kubectl.Run("apply", "-f", Repo("examples", "resources"))).Succeeded();

        var detector = JsonNode.Parse((await Kubectl.Run("get", "detector", "long-image-pull", "-n", "shop", "-o", "json")).Succeeded().Stdout)!;
        detector["spec"]!["severity"]!.GetValue<string>().ShouldBe("critical");
        detector["spec"]!["cooldown"]!.GetValue<string>().ShouldBe("1h");
        var gatherer = JsonNode.Parse((await Kubectl.Run("get", "gatherer", "hpa-state", "-n", "vigil-system", "-o", "json")).Succeeded().Stdout)!;
        gatherer["spec"]!["collect"]![0]!["tailLines"]!.GetValue<int>().ShouldBe(100); // defaulted inside an array item
        var sink = JsonNode.Parse((await Kubectl.Run("get", "sink", "team-chat", "-n", "vigil-system", "-o", "json")).Succeeded().Stdout)!;
        sink["spec"]!["webhook"]!["method"]!.GetValue<string>().ShouldBe("POST");

        var all = (await Kubectl.Run("get", "vigil", "-A")).Succeeded().Stdout;
        all.ShouldContain("long-image-pull");
        all.ShouldContain("exclude-kube-system");
    }

    [Fact]
    public async Task A_resource_the_schema_forbids_is_refused_with_every_reason()
    {
        await InstallAsync();
        var result = await Kubectl.RunWithInput("""
            apiVersion: vigil.io/v1alpha1
            kind: Detector
            metadata: {name: broken, namespace: shop}
            spec:
              resource: widgets
              cooldown: 5x
              severity: loud
            """, "apply", "-f", "-");
        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("spec.resource: Unsupported value: \"widgets\": supported values: \"pods\", \"nodes\"");
        result.Stderr.ShouldContain("spec.cooldown: Invalid value: \"5x\": spec.cooldown in body should match");
        result.Stderr.ShouldContain("spec.severity: Unsupported value: \"loud\"");
        result.Stderr.ShouldContain("spec.condition: Required value");
        (await Kubectl.Run("get", "detector", "broken", "-n", "shop")).ExitCode.ShouldNotBe(0);
    }

    [Fact]
    public async Task Bounds_on_numbers_and_item_counts_hold_for_status_writes_too()
    {
        await InstallAsync();
        var result = await Kubectl.RunWithInput("""
            apiVersion: vigil.io/v1alpha1
            kind: Gatherer
            metadata: {name: too-much, namespace: shop}
            spec:
              collect:
              - {type: logs, tailLines: 20000}
            """, "apply", "-f", "-");
        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("spec.collect[0].tailLines: Invalid value: 20000: spec.collect[0].tailLines in body should be less than or equal to 10000");

        (await Kubectl.RunWithInput("""
            apiVersion: vigil.io/v1alpha1
            kind: Policy
            metadata: {name: quiet, namespace: shop}
            spec: {action: Exclude}
            """, "apply", "-f", "-")).Succeeded();
        var status = await fx.Http.Patch("/apis/vigil.io/v1alpha1/namespaces/shop/policies/quiet/status",
            new { status = new { matchedSignalsTotal = "many" } }, "application/merge-patch+json");
        status.Status.ShouldBe(422);
        status.Body!["message"]!.GetValue<string>().ShouldContain("status.matchedSignalsTotal: Invalid value: \"string\": status.matchedSignalsTotal in body must be of type integer");
    }

    [Fact]
    public async Task The_kustomize_install_applies_with_kubectl_and_grants_least_privilege()
    {
        (await Kubectl.Run("apply", "-k", Repo("deploy", "overlays", "single"))).Succeeded();
        var deployment = JsonNode.Parse((await Kubectl.Run("get", "deployment", "vigil", "-n", "vigil-system", "-o", "json")).Succeeded().Stdout)!;
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        container["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>().ShouldBeTrue();
        container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>().ShouldBe("/readyz");
        deployment["spec"]!["template"]!["spec"]!["serviceAccountName"]!.GetValue<string>().ShouldBe("vigil");
        (await Kubectl.Run("get", "crd", "detectors.vigil.io")).Succeeded();

        // The ClusterRole reads what Vigil watches but writes nothing besides Events and its resources' status.
        var role = JsonNode.Parse((await Kubectl.Run("get", "clusterrole", "vigil", "-o", "json")).Succeeded().Stdout)!;
        var writes = role["rules"]!.AsArray()
            .Where(r => r!["verbs"]!.AsArray().Any(v => v!.GetValue<string>() is "create" or "update" or "patch" or "delete"))
            .SelectMany(r => r!["resources"]!.AsArray().Select(x => x!.GetValue<string>()))
            .ToList();
        writes.ShouldAllBe(r => r == "events" || r.EndsWith("/status", StringComparison.Ordinal));
        role["rules"]!.AsArray().SelectMany(r => r!["resources"]!.AsArray()).Select(x => x!.GetValue<string>()).ShouldNotContain("secrets");

        // Applying again changes nothing.
        (await Kubectl.Run("apply", "-k", Repo("deploy", "overlays", "single"))).Succeeded().Stdout.ShouldNotContain("configured");

        // The sharded overlay over it: three replicas with sharding on, and the Role they coordinate with, writable only in
        // Vigil's own namespace.
        (await Kubectl.Run("apply", "-k", Repo("deploy", "overlays", "sharded"))).Succeeded();
        var sharded = JsonNode.Parse((await Kubectl.Run("get", "deployment", "vigil", "-n", "vigil-system", "-o", "json")).Succeeded().Stdout)!;
        sharded["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        var config = JsonNode.Parse((await Kubectl.Run("get", "configmap", "vigil-config", "-n", "vigil-system", "-o", "json")).Succeeded().Stdout)!;
        config["data"]!["vigil.yaml"]!.GetValue<string>().ShouldMatch(@"sharding:\s+enabled: true");
        var local = JsonNode.Parse((await Kubectl.Run("get", "role", "vigil", "-n", "vigil-system", "-o", "json")).Succeeded().Stdout)!;
        local["metadata"]!["namespace"]!.GetValue<string>().ShouldBe("vigil-system");
        local["rules"]!.AsArray().SelectMany(r => r!["resources"]!.AsArray()).Select(x => x!.GetValue<string>()).ShouldContain("leases");
    }
}
