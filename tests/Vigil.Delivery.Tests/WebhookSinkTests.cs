using System.Net;
using System.Text.Json.Nodes;
using Vigil.Delivery.Sinks;
using Vigil.Detection;

namespace Vigil.Delivery.Tests;

public sealed class WebhookSinkTests
{
    private static readonly WebhookPolicy Local = new() { AllowHttp = true, AllowPrivateAddresses = true };

    [Fact]
    public async Task A_diagnosis_is_posted_as_json_with_the_configured_headers()
    {
        await using var receiver = await Receiver.StartAsync();
        using var sink = new WebhookSink("team", receiver.Url, Local, headers: new Dictionary<string, string> { ["X-Team"] = "sre" });
        await sink.SendAsync(Diagnoses.Of(), CancellationToken.None);
        var (path, body, headers) = receiver.Received.Single();
        path.ShouldBe("/hook");
        headers["X-Team"].ShouldBe("sre");
        var json = JsonNode.Parse(body)!;
        json["rootCause"]!.GetValue<string>().ShouldContain("128Mi");
        json["remediationSteps"]![0]!["command"]!.GetValue<string>().ShouldStartWith("kubectl set resources");
    }

    [Fact]
    public async Task Server_errors_are_retryable_client_errors_are_not_and_redirects_are_refused()
    {
        await using var receiver = await Receiver.StartAsync(503, 400, 302);
        using var sink = new WebhookSink("team", receiver.Url, Local);
        Should.Throw<SinkException>(() => sink.SendAsync(Diagnoses.Of(), CancellationToken.None)).Retryable.ShouldBeTrue();
        Should.Throw<SinkException>(() => sink.SendAsync(Diagnoses.Of(), CancellationToken.None)).Retryable.ShouldBeFalse();
        var redirect = await Should.ThrowAsync<SinkException>(() => sink.SendAsync(Diagnoses.Of(), CancellationToken.None));
        redirect.Message.ShouldContain("redirect");
        redirect.Retryable.ShouldBeFalse();
        receiver.Received.Count.ShouldBe(3);
    }

    [Theory]
    [InlineData("http://hooks.example.com/x", "plain http")]
    [InlineData("https://169.254.169.254/latest/meta-data", "link-local")]
    [InlineData("https://[fd00:ec2::254]/", "link-local")]
    [InlineData("https://10.0.0.5/hook", "private")]
    [InlineData("https://127.0.0.1/hook", "private")]
    [InlineData("ftp://files.example.com/x", "scheme")]
    public void Addresses_a_webhook_must_not_reach_are_refused_when_configured(string url, string why)
    {
        var e = Should.Throw<ArgumentException>(() => new WebhookSink("x", new Uri(url), new WebhookPolicy()));
        e.Message.ShouldContain(why);
    }

    [Fact]
    public async Task A_host_name_that_resolves_to_a_forbidden_address_is_refused_at_connect_time()
    {
        await using var receiver = await Receiver.StartAsync();
        var byName = new UriBuilder(receiver.Url) { Host = "localhost" }.Uri;
        using var sink = new WebhookSink("x", byName, new WebhookPolicy { AllowHttp = true });
        var e = await Should.ThrowAsync<HttpRequestException>(() => sink.SendAsync(Diagnoses.Of(), CancellationToken.None));
        e.Message.ShouldContain("private or loopback");
        receiver.Received.ShouldBeEmpty();
    }

    [Fact]
    public void Allowed_host_globs_limit_where_it_may_send()
    {
        var policy = new WebhookPolicy { AllowedHosts = ["*.example.com"] };
        policy.Check(new Uri("https://hooks.example.com/x")).ShouldBeNull();
        policy.Check(new Uri("https://evil.com/x"))!.ShouldContain("not in the allowed hosts");
        policy.CheckAddress(IPAddress.Parse("::ffff:169.254.169.254"))!.ShouldContain("link-local");
    }
}
