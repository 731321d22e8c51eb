using Vigil.Diagnosis.Redaction;

namespace Vigil.Diagnosis.Tests.Redaction;

public sealed class RedactorTests
{
    [Theory]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "eyJhbGci")]
    [InlineData("curl -H 'Authorization: Basic dXNlcjpodW50ZXIy' http://api", "dXNlcjpodW50ZXIy")]
    [InlineData("DB_PASSWORD=hunter2 starting", "hunter2")]
    [InlineData("{\"password\": \"s3cr3t!\", \"user\": \"app\"}", "s3cr3t!")]
    [InlineData("api_key: abcd1234efgh", "abcd1234efgh")]
    [InlineData("connecting to postgres://app:topsecret@db:5432/shop", "topsecret")]
    [InlineData("aws key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE")]
    [InlineData("token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB leaked", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB")]
    [InlineData("slack xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=x;AccountKey=Zm9vYmFyYmF6cXV4==;EndpointSuffix=core", "Zm9vYmFyYmF6cXV4==")]
    [InlineData("client_secret=0f1e2d3c4b5a", "0f1e2d3c4b5a")]
    public void Secrets_are_masked_and_the_rest_of_the_line_is_kept(string line, string secret)
    {
        var redacted = Redactor.Default.Redact(line);
        redacted.ShouldNotContain(secret);
        redacted.ShouldContain(Redactor.Mask);
    }

    [Fact]
    public void The_key_or_scheme_stays_readable()
    {
        Redactor.Default.Redact("DB_PASSWORD=hunter2 starting").ShouldBe("DB_PASSWORD=[REDACTED] starting");
        Redactor.Default.Redact("Authorization: Bearer abcdefghijklmnop").ShouldBe("Authorization: Bearer [REDACTED]");
        Redactor.Default.Redact("postgres://app:topsecret@db:5432/shop").ShouldBe("postgres://app:[REDACTED]@db:5432/shop");
        Redactor.Default.Redact("env DB_PASSWORD=<from secret db key password>").ShouldBe("env DB_PASSWORD=<from secret db key password>");
    }

    [Fact]
    public void A_private_key_block_is_removed_whole()
    {
        var text = "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----\nafter";
        var redacted = Redactor.Default.Redact(text);
        redacted.ShouldNotContain("MIIEow");
        redacted.ShouldEndWith("after");
    }

    [Theory]
    [InlineData("Back-off restarting failed container api in pod api-7d9f")]
    [InlineData("0/3 nodes are available: 3 Insufficient cpu.")]
    [InlineData("Error: connect ECONNREFUSED 10.96.0.15:5432")]
    [InlineData("token bucket refilled")]
    public void Ordinary_diagnostic_lines_are_left_alone(string line) => Redactor.Default.Redact(line).ShouldBe(line);

    [Fact]
    public void Configured_patterns_mask_the_whole_match_or_their_secret_group()
    {
        var redactor = new Redactor(["INTERNAL-[0-9]{6}", "customer=(?<secret>[a-z]+)"]);
        redactor.Redact("ticket INTERNAL-123456 for customer=acme").ShouldBe("ticket [REDACTED] for customer=[REDACTED]");
    }

    [Fact]
    public void An_invalid_configured_pattern_is_a_clear_error()
    {
        var e = Should.Throw<ArgumentException>(() => new Redactor(["(unclosed"]));
        e.Message.ShouldContain("(unclosed");
    }
}
