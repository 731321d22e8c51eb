using System.Diagnostics;
using Vigil.Cluster.Tests.Server;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Clients;

/// <summary>Runs a scenario of Clients/python/scenarios.py with Debian's python3 and its official Kubernetes client.</summary>
internal static class PythonClient
{
    public static async Task Run(string kubeconfig, string scenario)
    {
        const string python = "/usr/bin/python3";
        File.Exists(python).ShouldBeTrue("Debian's python3 is required; run the test set-up command from README.md");
        var script = Path.Combine(AppContext.BaseDirectory, "Clients", "python", "scenarios.py");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(scenario);
        psi.Environment["KUBECONFIG"] = kubeconfig;
        psi.Environment.Remove("PYTHONPATH");
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        process.ExitCode.ShouldBe(0, output);
        (await stdout).ShouldContain($"{scenario} ok");
    }
}

public sealed class PythonClientTests(ClusterFixture fx) : IClassFixture<ClusterFixture>
{
    [Theory]
    [InlineData("crud")]
    [InlineData("paging")]
    [InlineData("watch_resume")]
    [InlineData("strategic_merge")]
    [InlineData("custom_objects")]
    public Task Official_python_client_scenario(string scenario) => PythonClient.Run(fx.KubeconfigPath, scenario);
}

public sealed class PythonClientExpiryTests(ShortHistoryFixture fx) : IClassFixture<ShortHistoryFixture>
{
    [Fact]
    public Task Official_python_client_recovers_from_410_by_relisting() => PythonClient.Run(fx.KubeconfigPath, "watch_expired");
}
