using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vigil.Operator.Hosting;

namespace Vigil.Operator.Tests.Hosting;

public sealed class JsonLineLoggerTests
{
    [Fact]
    public void Each_entry_is_one_json_line_with_the_documented_fields_and_secrets_redacted()
    {
        var output = new StringWriter();
        using var provider = new JsonLineLoggerProvider(output, LogLevel.Information, TimeProvider.System);
        var logger = provider.CreateLogger("Vigil.Test");
        logger.Log(LogLevel.Warning, new EventId(7), new InvalidOperationException("upstream said password=hunter2"), "webhook {Url} failed", "https://user:pa55@hooks.example.com/x");
        logger.LogDebug("below the minimum level");

        var lines = output.ToString().TrimEnd('\n').Split('\n');
        lines.Length.ShouldBe(1);
        var entry = JsonNode.Parse(lines[0])!.AsObject();
        entry["level"]!.GetValue<string>().ShouldBe("warning");
        entry["logger"]!.GetValue<string>().ShouldBe("Vigil.Test");
        entry["event"]!.GetValue<int>().ShouldBe(7);
        entry["msg"]!.GetValue<string>().ShouldStartWith("webhook https://user:");
        DateTimeOffset.Parse(entry["time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1));
        entry.ContainsKey("Url").ShouldBeTrue();
        lines[0].ShouldNotContain("pa55");
        lines[0].ShouldNotContain("hunter2");
        entry["exception"]!.GetValue<string>().ShouldContain("InvalidOperationException");
    }
}
