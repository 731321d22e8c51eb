using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Cli.Tests.Support;

namespace Vigil.Cli.Tests;

/// <summary>`vigil install crds` against a simulated cluster, as a separate process reading a kubeconfig from disk.</summary>
public sealed class InstallCommandTests : IAsyncLifetime
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

    [Fact]
    public async Task Installs_the_four_crds_and_running_it_again_is_harmless()
    {
        var (code, stdout, stderr) = await Vigil("install", "crds", "--kubeconfig", Kubeconfig);
        code.ShouldBe(0, stderr);
        stdout.ShouldContain("customresourcedefinition.apiextensions.k8s.io/detectors.vigil.io applied");
        stdout.ShouldContain("customresourcedefinition.apiextensions.k8s.io/policies.vigil.io applied");
        var crds = _cluster.Operations.Registry.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
        foreach (var name in new[] { "detectors.vigil.io", "gatherers.vigil.io", "policies.vigil.io", "sinks.vigil.io" })
            _cluster.Operations.Get(crds, null, name)["spec"]!["group"]!.GetValue<string>().ShouldBe("vigil.io");
        _cluster.Operations.Registry.Find("vigil.io", "v1alpha1", "detectors").ShouldNotBeNull();

        (await Vigil("install", "crds", "--kubeconfig", Kubeconfig)).Exit.ShouldBe(0);
    }

    [Fact]
    public async Task Dry_run_changes_nothing_and_print_writes_yaml_kubectl_can_apply()
    {
        (await Vigil("install", "crds", "--kubeconfig", Kubeconfig, "--dry-run")).Exit.ShouldBe(0);
        _cluster.Operations.Registry.Find("vigil.io", "v1alpha1", "detectors").ShouldBeNull();

        var (code, yaml, _) = await Vigil("install", "crds", "--print");
        code.ShouldBe(0);
        _cluster.Apply(yaml).Count.ShouldBe(4);
        _cluster.Operations.Registry.Find("vigil.io", "v1alpha1", "sinks").ShouldNotBeNull();
    }

    [Fact]
    public async Task A_missing_kubeconfig_is_a_usage_error_naming_the_file()
    {
        var (code, _, stderr) = await Vigil("install", "crds", "--kubeconfig", Path.Combine(_dir, "nope"));
        code.ShouldBe(2);
        stderr.ShouldContain("nope");
    }

    private static Task<(int Exit, string Stdout, string Stderr)> Vigil(params string[] args) => VigilCli.RunAsync(null, args);

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
