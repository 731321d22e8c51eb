using Vigil.Cli.Tests.Support;

namespace Vigil.Cli.Tests;

public sealed class CelCommandTests
{
    private static Task<(int Exit, string Stdout, string Stderr)> Vigil(string? stdin, params string[] args) => VigilCli.RunAsync(stdin, args);

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
