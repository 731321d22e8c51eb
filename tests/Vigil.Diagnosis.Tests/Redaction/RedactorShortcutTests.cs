using Vigil.Diagnosis.Redaction;

namespace Vigil.Diagnosis.Tests.Redaction;

/// <summary>Lines the redactor skips regexes for must come out the same as when every regex runs.</summary>
public sealed class RedactorShortcutTests
{
    [Theory]
    [InlineData("Container api is in CrashLoopBackOff after 5 restarts", "Container api is in CrashLoopBackOff after 5 restarts")]
    [InlineData("  condition Ready=False (ContainersNotReady: containers with unready status: [api])", "  condition Ready=False (ContainersNotReady: containers with unready status: [api])")]
    [InlineData("DB_PASSWD=hunter2", "DB_PASSWD=[REDACTED]")]
    [InlineData("X-Api-Key: abc123", "X-Api-Key: [REDACTED]")]
    [InlineData("oauth_CLIENT_SECRET = s3cr3t", "oauth_CLIENT_SECRET = [REDACTED]")]
    [InlineData("connecting to postgres://app:hunter2@db:5432/shop", "connecting to postgres://app:[REDACTED]@db:5432/shop")]
    [InlineData("Endpoint=sb://x/;SharedAccessKey=abc/def==", "Endpoint=sb://x/;SharedAccessKey=[REDACTED]")]
    public void Lines_with_and_without_secrets_are_redacted_as_before(string line, string expected) =>
        Redactor.Default.Redact(line).ShouldBe(expected);

    [Fact]
    public void A_key_spelled_with_a_non_ascii_letter_the_regex_treats_as_k_is_still_redacted()
    {
        // U+212A KELVIN SIGN matches k case-insensitively in .NET regular expressions, but not in an ordinal comparison.
        Redactor.Default.Redact("api_\u212Aey=abc123").ShouldBe("api_\u212Aey=[REDACTED]");
    }
}
