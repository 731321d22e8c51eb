using System.Text.Json.Nodes;
using Vigil.Delivery.Sinks;
using Vigil.Delivery.Templates;
using Vigil.Detection;

namespace Vigil.Delivery.Tests;

public sealed class TemplateAndChatSinkTests
{
    private static readonly WebhookPolicy Local = new() { AllowHttp = true, AllowPrivateAddresses = true };

    [Fact]
    public async Task A_body_template_renders_the_diagnosis_fields_and_json_escapes_on_request()
    {
        var template = DiagnosisTemplate.Parse("""
            {"text": "[{{severity}}] {{resource.kind}} {{resource.namespace}}/{{resource.name}}: {{json rootCause}}",
             "steps": [{{#each remediationSteps}}"{{command}}"{{#unless @last}},{{/unless}}{{/each}}], "missing": "{{no.such.field}}"}
            """);
        var diagnosis = Diagnoses.Of(Severity.Critical) with { RootCause = "quote \" and newline \n inside" };
        var body = await template.RenderAsync(diagnosis);
        body.ShouldContain("[critical] Deployment shop/api: \"quote \\\" and newline \\n inside\"");
        body.ShouldContain("\"kubectl set resources deployment/api -n shop --limits=memory=256Mi\"");
        body.ShouldContain("\"missing\": \"\"");
    }

    [Fact]
    public void A_template_that_does_not_parse_is_refused_when_declared()
    {
        var e = Should.Throw<TemplateException>(() => DiagnosisTemplate.Parse("{{#each remediationSteps}} no end"));
        e.Message.ShouldContain("does not parse");
        Should.Throw<TemplateException>(() => DiagnosisTemplate.Parse(new string('x', DiagnosisTemplate.MaxTemplateBytes + 1))).Message.ShouldContain("larger than 64 KiB");
    }

    [Fact]
    public async Task A_template_that_renders_too_much_is_cut_off_and_the_sink_does_not_retry_it()
    {
        // 40 nested repetitions of the steps list: far more than 64 KiB of output from a small template.
        var template = DiagnosisTemplate.Parse(string.Concat(Enumerable.Repeat("{{#each evidence}}{{/each}}", 1)) + string.Concat(Enumerable.Repeat("{{rootCause}}{{rootCause}}{{rootCause}}{{rootCause}}", 600)));
        var e = await Should.ThrowAsync<TemplateException>(() => template.RenderAsync(Diagnoses.Of()));
        e.Message.ShouldContain("more than 64 KiB");

        await using var receiver = await Receiver.StartAsync();
        using var sink = new WebhookSink("chat", receiver.Url, Local, body: template.RenderAsync);
        var failure = await Should.ThrowAsync<SinkException>(() => sink.SendAsync(Diagnoses.Of(), CancellationToken.None));
        failure.Retryable.ShouldBeFalse();
        receiver.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_templated_webhook_uses_its_method_and_body()
    {
        await using var receiver = await Receiver.StartAsync();
        var template = DiagnosisTemplate.Parse("""{"summary": "{{reason}} on {{resource.name}}"}""");
        using var sink = new WebhookSink("chat", receiver.Url, Local, body: template.RenderAsync, method: HttpMethod.Put);
        await sink.SendAsync(Diagnoses.Of(), CancellationToken.None);
        JsonNode.Parse(receiver.Received.Single().Body)!["summary"]!.GetValue<string>().ShouldBe("OOMKilled on api");
    }

    [Fact]
    public async Task Slack_gets_an_incoming_webhook_message_with_severity_colour_and_remediation()
    {
        await using var receiver = await Receiver.StartAsync();
        using var sink = SlackSink.Create("slack", receiver.Url, channel: "#oncall", policy: Local);
        await sink.SendAsync(Diagnoses.Of(Severity.Critical), CancellationToken.None);
        var message = JsonNode.Parse(receiver.Received.Single().Body)!;
        message["text"]!.GetValue<string>().ShouldBe("Vigil: Container api exceeded its memory limit of 128Mi");
        message["channel"]!.GetValue<string>().ShouldBe("#oncall");
        var attachment = message["attachments"]![0]!;
        attachment["color"]!.GetValue<string>().ShouldBe("#FF0000");
        attachment["title"]!.GetValue<string>().ShouldBe("OOMKilled on Deployment/shop/api");
        attachment["fields"]!.AsArray().Select(f => f!["title"]!.GetValue<string>()).ShouldContain("Remediation");
    }

    [Fact]
    public void Slack_and_PagerDuty_refuse_other_hosts_by_default()
    {
        Should.Throw<ArgumentException>(() => SlackSink.Create("s", new Uri("https://evil.example.com/services/x"))).Message.ShouldContain("not in the allowed hosts");
        Should.Throw<ArgumentException>(() => PagerDutySink.Create("p", "key", endpoint: new Uri("http://events.pagerduty.com/v2/enqueue"))).Message.ShouldContain("https only");
    }

    [Fact]
    public async Task PagerDuty_gets_an_events_v2_trigger_deduplicated_by_incident_fingerprint_with_the_routing_key_in_the_body()
    {
        await using var receiver = await Receiver.StartAsync(202);
        using var sink = PagerDutySink.Create("pd", "R0UT1NGKEY", endpoint: receiver.Url, policy: Local);
        await sink.SendAsync(Diagnoses.Of(Severity.Critical, id: "inc-7"), CancellationToken.None);
        var (path, body, _) = receiver.Received.Single();
        path.ShouldBe("/hook");
        var e = JsonNode.Parse(body)!;
        e["routing_key"]!.GetValue<string>().ShouldBe("R0UT1NGKEY");
        e["event_action"]!.GetValue<string>().ShouldBe("trigger");
        e["dedup_key"]!.GetValue<string>().ShouldBe("vigil-Deployment/shop/api");
        e["payload"]!["severity"]!.GetValue<string>().ShouldBe("critical");
        e["payload"]!["source"]!.GetValue<string>().ShouldBe("Deployment/shop/api");
        e["payload"]!["class"]!.GetValue<string>().ShouldBe("resources");
        e["payload"]!["group"]!.GetValue<string>().ShouldBe("shop");
        e["payload"]!["summary"]!.GetValue<string>().ShouldStartWith("[resources] Deployment/shop/api: Container api exceeded");
    }
}
