using System.Diagnostics;
using System.Text.Json.Nodes;
using Vigil.Cli.Tests.Support;
using Vigil.Cluster;
using Vigil.Cluster.Api;
using Vigil.Cluster.Serialization;
using Vigil.Cluster.Server;

namespace Vigil.Cli.Tests;

/// <summary>
/// `vigil install` (CRDs + base + an overlay, from the deploy/ built into the binary) as a separate process: it renders
/// what kubectl kustomize renders from the files, and applies it to a simulated cluster like kubectl apply would.
/// </summary>
public sealed class InstallOverlayTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-cli-tests", Guid.NewGuid().ToString("N"));
    private SimulatedCluster _cluster = null!;
    private string Kubeconfig => Path.Combine(_dir, "kubeconfig");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
        _cluster.WriteKubeconfig(Kubeconfig);
    }

    [Theory]
    [InlineData("single")]
    [InlineData("sharded")]
    public async Task Print_renders_exactly_the_objects_kubectl_kustomize_renders_from_deploy(string overlay)
    {
        var (code, printed, stderr) = await Vigil("install", "--print", "--overlay", overlay);
        code.ShouldBe(0, stderr);
        var kustomized = await Kubectl("kustomize", Path.Combine(RepoRoot(), "deploy", "overlays", overlay));

        var ours = YamlJson.ParseDocuments(printed).Select(Normalise).ToList();
        var theirs = YamlJson.ParseDocuments(kustomized).Select(Normalise).ToList();
        ours.Count.ShouldBe(theirs.Count);
        // Same objects in the same order (Namespace and CRDs first), every field and value equal once keys are sorted.
        for (var i = 0; i < theirs.Count; i++) ours[i].ShouldBe(theirs[i]);
    }

    [Fact]
    public async Task Installs_the_sharded_overlay_then_a_second_run_changes_nothing()
    {
        var (code, stdout, stderr) = await Vigil("install", "--overlay", "sharded", "--kubeconfig", Kubeconfig);
        code.ShouldBe(0, stderr);
        var lines = Lines(stdout);
        lines[0].ShouldBe("namespace/vigil-system created");
        lines[1].ShouldBe("customresourcedefinition.apiextensions.k8s.io/detectors.vigil.io created");
        lines.ShouldContain("clusterrole.rbac.authorization.k8s.io/vigil created");
        lines.ShouldContain("configmap/vigil-config created");
        lines.ShouldContain("deployment.apps/vigil created");
        lines.ShouldContain("poddisruptionbudget.policy/vigil created");
        lines.Count.ShouldBe(14); // 4 CRDs, Namespace, ServiceAccount, ClusterRole(Binding), Role(Binding), ConfigMap, Service, Deployment, PDB
        lines.ShouldAllBe(l => l.EndsWith(" created", StringComparison.Ordinal));

        var deployment = JsonNode.Parse(await Kubectl("get", "deployment", "vigil", "-n", "vigil-system", "-o", "json"))!;
        deployment["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        var env = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        env.Select(e => $"{e!["name"]}={e["valueFrom"]!["fieldRef"]!["fieldPath"]}").ShouldBe(["POD_NAME=metadata.name", "POD_NAMESPACE=metadata.namespace"]);
        var config = JsonNode.Parse(await Kubectl("get", "configmap", "vigil-config", "-n", "vigil-system", "-o", "json"))!;
        config["data"]!["vigil.yaml"]!.GetValue<string>().ShouldContain("sharding:\n    enabled: true");

        var again = await Vigil("install", "--overlay", "sharded", "--kubeconfig", Kubeconfig);
        again.Exit.ShouldBe(0, again.Stderr);
        Lines(again.Stdout).Count.ShouldBe(14);
        Lines(again.Stdout).ShouldAllBe(l => l.EndsWith(" unchanged", StringComparison.Ordinal));

        // From sharded back to single: only what differs is reported configured.
        var single = await Vigil("install", "--kubeconfig", Kubeconfig);
        single.Exit.ShouldBe(0, single.Stderr);
        Lines(single.Stdout).Where(l => l.EndsWith(" configured", StringComparison.Ordinal)).ShouldBe(["configmap/vigil-config configured", "deployment.apps/vigil configured"]);
        JsonNode.Parse(await Kubectl("get", "deployment", "vigil", "-n", "vigil-system", "-o", "json"))!["spec"]!["replicas"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task Dry_run_validates_every_object_and_creates_none()
    {
        var (code, stdout, stderr) = await Vigil("install", "--overlay", "sharded", "--dry-run", "--kubeconfig", Kubeconfig);
        code.ShouldBe(0, stderr);
        Lines(stdout).Count.ShouldBe(14);
        Lines(stdout).ShouldAllBe(l => l.Contains(" created (server dry run)", StringComparison.Ordinal));

        _cluster.Operations.Registry.Find("vigil.io", "v1alpha1", "detectors").ShouldBeNull();
        (await KubectlResult("get", "namespace", "vigil-system")).Exit.ShouldNotBe(0);
        (await KubectlResult("get", "deployment", "vigil", "-n", "vigil-system")).Exit.ShouldNotBe(0);
        (await KubectlResult("get", "clusterrole", "vigil")).Exit.ShouldNotBe(0);
    }

    [Fact]
    public async Task Dry_run_on_a_server_that_refuses_objects_in_a_missing_namespace_says_which_were_not_validated()
    {
        // What a real API server's NamespaceLifecycle admission does; the simulated cluster does not by default.
        _cluster.Operations.AddAdmissionPlugin(new NamespaceLifecycle(_cluster.Operations));

        var (code, stdout, stderr) = await Vigil("install", "--dry-run", "--kubeconfig", Kubeconfig);
        code.ShouldBe(0, stderr);
        var lines = Lines(stdout);
        lines.ShouldContain("namespace/vigil-system created (server dry run)");
        lines.ShouldContain("clusterrole.rbac.authorization.k8s.io/vigil created (server dry run)");
        lines.ShouldContain("deployment.apps/vigil created (server dry run), not validated: namespace vigil-system does not exist yet");
        lines.Count(l => l.EndsWith("not validated: namespace vigil-system does not exist yet", StringComparison.Ordinal)).ShouldBe(7);
        (await KubectlResult("get", "namespace", "vigil-system")).Exit.ShouldNotBe(0);
    }

    [Fact]
    public async Task Bad_usage_exits_2_with_the_reason()
    {
        var unknown = await Vigil("install", "--overlay", "triple", "--print");
        unknown.Exit.ShouldBe(2);
        unknown.Stderr.ShouldContain("unknown overlay \"triple\": use sharded or single");

        var both = await Vigil("install", "--print", "--dry-run");
        both.Exit.ShouldBe(2);
        both.Stderr.ShouldContain("--print and --dry-run");

        var noKubeconfig = await Vigil("install", "--kubeconfig", Path.Combine(_dir, "missing-kubeconfig"));
        noKubeconfig.Exit.ShouldBe(2);
        noKubeconfig.Stderr.ShouldContain("missing-kubeconfig");
    }

    private sealed class NamespaceLifecycle(ResourceOperations operations) : IAdmissionPlugin
    {
        public void Admit(AdmissionRequest request)
        {
            if (request.Operation != AdmissionOperation.Create || !request.Type.Namespaced) return;
            var ns = request.Object?["metadata"]?["namespace"]?.GetValue<string>();
            var namespaces = operations.Registry.Find("", "v1", "namespaces")!;
            if (ns is not null && operations.TryGetStored(namespaces, null, ns) is null) throw ApiException.NotFound("namespaces", ns);
        }
    }

    private static string Normalise(JsonNode node) => Sorted(node)!.ToJsonString();

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        _ => node?.DeepClone(),
    };

    private static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static Task<(int Exit, string Stdout, string Stderr)> Vigil(params string[] args) => VigilCli.RunAsync(null, args);

    private async Task<string> Kubectl(params string[] args)
    {
        var (exit, stdout, stderr) = await KubectlResult(args);
        exit.ShouldBe(0, stderr);
        return stdout;
    }

    private async Task<(int Exit, string Stdout, string Stderr)> KubectlResult(params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["KUBECONFIG"] = Kubeconfig;
        psi.Environment["KUBECACHEDIR"] = Path.Combine(_dir, "kubectl-cache");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Vigil.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("Vigil.slnx not found above " + AppContext.BaseDirectory);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
