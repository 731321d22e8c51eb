using Vigil.Diagnosis.Logs;

namespace Vigil.Diagnosis.Tests.Logs;

public sealed class LogPatternsTests
{
    [Theory]
    [InlineData("Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space", "jvm-heap-exhausted")]
    [InlineData("FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory", "node-heap-exhausted")]
    [InlineData("Unhandled exception. System.InvalidOperationException: Sequence contains no elements", "dotnet-unhandled")]
    [InlineData("panic: runtime error: invalid memory address or nil pointer dereference", "go-panic")]
    [InlineData("Traceback (most recent call last):", "python-traceback")]
    [InlineData("ModuleNotFoundError: No module named 'flask'", "python-module-missing")]
    [InlineData("Error: Cannot find module 'express'", "node-module-missing")]
    [InlineData("dial tcp 10.96.0.15:5432: connect: connection refused", "connection-refused")]
    [InlineData("Error: connect ECONNREFUSED 127.0.0.1:6379", "connection-refused")]
    [InlineData("dial tcp: lookup postgres.shop.svc.cluster.local: no such host", "dns-failure")]
    [InlineData("x509: certificate has expired or is not yet valid", "tls-failure")]
    [InlineData("open /data/app.db: permission denied", "permission-denied")]
    [InlineData("write /var/log/app.log: no space left on device", "disk-full")]
    [InlineData("write /var/log/app.log: No space left on device", "disk-full")]
    [InlineData("FATAL: environment variable DATABASE_URL is not set", "missing-configuration")]
    [InlineData("listen tcp :8080: bind: address already in use", "port-in-use")]
    public void A_line_is_explained_by_the_most_specific_pattern(string line, string expected) =>
        LogPatterns.Match([line]).Single().Pattern.Name.ShouldBe(expected);

    [Fact]
    public void Ordinary_lines_match_nothing() =>
        LogPatterns.Match(["Listening on :8080", "GET /healthz 200 1ms", "connected to database"]).ShouldBeEmpty();

    [Fact]
    public void Explain_prefers_the_root_cause_over_its_symptoms()
    {
        var log = new[]
        {
            "Starting api v2.3.1",
            "Exception in thread \"main\" java.lang.IllegalStateException: cache warm-up failed",
            "    at com.shop.Cache.warm(Cache.java:42)",
            "Caused by: java.lang.OutOfMemoryError: Java heap space",
        };
        LogPatterns.Explain(log)!.Pattern.Name.ShouldBe("jvm-heap-exhausted");
        LogPatterns.Explain(["all good"]).ShouldBeNull();
    }

    [Fact]
    public void Every_pattern_names_a_category_an_explanation_and_a_step()
    {
        LogPatterns.All.Select(p => p.Name).ShouldBeUnique();
        LogPatterns.All.ShouldAllBe(p => p.Explanation.Length > 10 && p.Step.Length > 10);
    }
}
