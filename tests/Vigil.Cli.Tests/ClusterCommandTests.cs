using System.Diagnostics;

namespace Vigil.Cli.Tests;

/// <summary>`vigil cluster` as a user runs it: a separate process, a kubeconfig on disk, the real kubectl.</summary>
public sealed class ClusterCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-cli-tests", Guid.NewGuid().ToString("N"));

    public ClusterCommandTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public async Task Vigil_cluster_writes_a_kubeconfig_loads_manifests_and_serves_kubectl_until_stopped()
    {
        var manifests = Path.Combine(_dir, "manifests");
        Directory.CreateDirectory(manifests);
        await File.WriteAllTextAsync(Path.Combine(manifests, "10-namespace.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n");
        await File.WriteAllTextAsync(Path.Combine(manifests, "20-config.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast\n");
        var kubeconfig = Path.Combine(_dir, "kubeconfig");

        using var vigil = StartVigil("cluster", "--port", "0", "--kubeconfig", kubeconfig, "--load", manifests, "--nodes", "0");
        var ready = await WaitForLine(vigil, "Simulated cluster serving at", TimeSpan.FromSeconds(60));
        ready.ShouldContain("https://127.0.0.1:");
        File.Exists(kubeconfig).ShouldBeTrue();
        (await File.ReadAllTextAsync(kubeconfig)).ShouldContain("current-context: vigil");

        var result = await Kubectl(kubeconfig, "get", "configmap", "settings", "-n", "shop", "-o", "jsonpath={.data.mode}");
        result.ShouldBe("fast");
        (await Kubectl(kubeconfig, "config", "current-context")).Trim().ShouldBe("vigil");

        vigil.Kill(entireProcessTree: true);
        await vigil.WaitForExitAsync();
    }

    [Fact]
    public async Task Vigil_cluster_stops_cleanly_on_SIGTERM()
    {
        using var vigil = StartVigil("cluster", "--port", "0", "--kubeconfig", Path.Combine(_dir, "kc-term"), "--nodes", "2");
        await WaitForLine(vigil, "Simulated cluster serving at", TimeSpan.FromSeconds(60));
        using (var kill = Process.Start("kill", ["-TERM", vigil.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await vigil.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            vigil.Kill(entireProcessTree: true);
            throw new TimeoutException("vigil cluster did not exit within 20 s of SIGTERM");
        }
        vigil.ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task A_bad_manifest_is_reported_with_its_file_and_the_command_exits_non_zero()
    {
        var bad = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(bad, "apiVersion: v1\nkind: Gadget\nmetadata:\n  name: x\n");
        using var vigil = StartVigil("cluster", "--port", "0", "--kubeconfig", Path.Combine(_dir, "kc"), "--load", bad, "--nodes", "0");
        var stderr = vigil.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await vigil.WaitForExitAsync(timeout.Token);
        vigil.ExitCode.ShouldNotBe(0);
        (await stderr).ShouldContain("bad.yaml");
        (await stderr).ShouldContain("no matches for kind \"Gadget\"");
    }

    [Fact]
    public async Task Help_describes_the_cluster_command_and_its_options()
    {
        using var vigil = StartVigil("cluster", "--help");
        var output = await vigil.StandardOutput.ReadToEndAsync();
        await vigil.WaitForExitAsync();
        vigil.ExitCode.ShouldBe(0);
        output.ShouldContain("--kubeconfig");
        output.ShouldContain("--load");
        output.ShouldContain("--port");
    }

    private static Process StartVigil(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "vigil.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private static async Task<string> WaitForLine(Process process, string text, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            if (line.Contains(text, StringComparison.Ordinal)) return line;
        throw new InvalidOperationException($"vigil exited before printing '{text}': {await process.StandardError.ReadToEndAsync(cts.Token)}");
    }

    private static async Task<string> Kubectl(string kubeconfig, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/lib/google-cloud-sdk/bin/kubectl.1.33") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["KUBECONFIG"] = kubeconfig;
        psi.Environment["KUBECACHEDIR"] = Path.Combine(Path.GetDirectoryName(kubeconfig)!, "cache");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        p.ExitCode.ShouldBe(0, await stderr);
        return await stdout;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
