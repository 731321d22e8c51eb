using System.Diagnostics;

namespace Vigil.Cluster.Tests.Support;

/// <summary>The real kubectl, run against a test cluster. <c>Version</c> picks kubectl.1.27 … 1.33 from the Google Cloud SDK.</summary>
public sealed class Kubectl(string kubeconfig, string version = "1.33")
{
    public static string PathFor(string version)
    {
        var sdk = $"/usr/lib/google-cloud-sdk/bin/kubectl.{version}";
        if (File.Exists(sdk)) return sdk;
        if (version == "1.33" && File.Exists("/usr/bin/kubectl")) return "/usr/bin/kubectl";
        throw new FileNotFoundException($"kubectl {version} is not installed (expected {sdk}); run the test set-up command from README.md");
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public Result Succeeded()
        {
            if (ExitCode != 0) throw new InvalidOperationException($"kubectl failed ({ExitCode}): {Stderr}\n{Stdout}");
            return this;
        }

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public Task<Result> Run(params string[] args) => RunWithInput(null, args);

    public async Task<Result> RunWithInput(string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(PathFor(version))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        psi.Environment["KUBECONFIG"] = kubeconfig;
        // A cache per test cluster: discovery from one cluster must not leak into another.
        psi.Environment["KUBECACHEDIR"] = Path.Combine(Path.GetDirectoryName(kubeconfig)!, "cache-" + version);
        psi.Environment["HOME"] = Path.GetDirectoryName(kubeconfig)!;
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish within 60 s; stderr so far: {await stderr}");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running kubectl (e.g. <c>get -w</c>) whose output can be read while it runs.</summary>
    public Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo(PathFor(version)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["KUBECONFIG"] = kubeconfig;
        psi.Environment["KUBECACHEDIR"] = Path.Combine(Path.GetDirectoryName(kubeconfig)!, "cache-" + version);
        psi.Environment["HOME"] = Path.GetDirectoryName(kubeconfig)!;
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }
}
