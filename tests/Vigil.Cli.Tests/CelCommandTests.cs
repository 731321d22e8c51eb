using System.Diagnostics;

namespace Vigil.Cli.Tests;

public sealed class CelCommandTests
{
    private static async Task<(int Exit, string Stdout, string Stderr)> Vigil(string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vigil.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task A_condition_is_evaluated_against_an_object_given_as_a_variable()
    {
        var pod = """{"status":{"phase":"Pending","containerStatuses":[{"state":{"waiting":{"reason":"ImagePullBackOff"}}}]}}""";
        var (exit, stdout, _) = await Vigil(pod, "cel", "eval", "--expr",
            "object.status.phase == 'Pending' && object.status.containerStatuses.exists(c, c.state.waiting.reason == 'ImagePullBackOff')", "--var", "object=-");
        exit.ShouldBe(0);
        stdout.Trim().ShouldBe("true");
    }

    [Fact]
    public async Task A_syntax_error_is_reported_with_its_position_and_exit_code_1()
    {
        var (exit, stdout, stderr) = await Vigil(null, "cel", "eval", "--expr", "1 + ");
        exit.ShouldBe(1);
        (stdout + stderr).ShouldContain("<input>:1:");
    }
}
