using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Detection;
using Vigil.Operator.Extensions;
using static Vigil.Operator.Tests.Extensions.VigilResourceCluster;

namespace Vigil.Operator.Tests.Extensions;

/// <summary>Sink resources with secret references, templates and SSRF rules, delivering to a local receiver.</summary>
public sealed class SinkResourcesTests : IAsyncLifetime
{
    private VigilResourceCluster _k8s = null!;
    private SinkResources _sinks = null!;
    private WebApplication _receiver = null!;
    private readonly ConcurrentQueue<(string Method, string Path, string Body, string? Token)> _received = new();
    private Uri _receiverUrl = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _receiver = builder.Build();
        _receiver.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            _received.Enqueue((ctx.Request.Method, ctx.Request.Path.Value ?? "", await reader.ReadToEndAsync(), ctx.Request.Headers["X-Token"].FirstOrDefault()));
        });
        await _receiver.StartAsync();
        _receiverUrl = new Uri(_receiver.Urls.First() + "/hooks/T000/SECRETPATH");

        _k8s = await VigilResourceCluster.StartAsync();
        _sinks = new SinkResources(_k8s.Client, _k8s.Informers, TimeProvider.System, NullLogger<SinkResources>.Instance);
        await _k8s.StartInformersAsync();
        _sinks.Start();
    }

    private Task<JsonObject> StatusWhen(string name, Func<JsonObject, bool> done) => _k8s.StatusWhen(SinkResources.ResourceType, "vigil-system", name, done);

    private string Secret => $$"""
        apiVersion: v1
        kind: Secret
        metadata: {name: chat, namespace: vigil-system}
        stringData: {url: "{{_receiverUrl}}", token: s3cr3t-t0ken}
        """;

    private const string ChatSink = """
        apiVersion: vigil.io/v1alpha1
        kind: Sink
        metadata: {name: chat, namespace: vigil-system}
        spec:
          type: webhook
          severityFilter: [critical, warning]
          webhook:
            urlFrom: {secretKeyRef: {name: chat, key: url}}
            method: PUT
            allowInsecureHttp: true
            allowedHosts: ["127.0.0.1"]
            headers:
            - name: X-Token
              valueFrom: {secretKeyRef: {name: chat, key: token}}
            bodyTemplate: '{"text": "[{{severity}}] {{resource.kind}}/{{resource.name}}: {{rootCause}}"}'
        """;

    [Fact]
    public async Task A_webhook_sink_resolves_its_secrets_renders_its_template_and_counts_deliveries_in_status()
    {
        _k8s.Cluster.Apply(Secret);
        _k8s.Cluster.Apply(ChatSink);
        await StatusWhen("chat", s => Condition(s, "Valid") == "True");
        var sink = _sinks.Active.ShouldHaveSingleItem();
        sink.Name.ShouldBe("sink:vigil-system/chat");
        sink.MinimumSeverity.ShouldBe(Severity.Warning);

        await sink.SendAsync(Diagnoses.Critical(), CancellationToken.None);
        var (method, path, body, token) = _received.Single();
        method.ShouldBe("PUT");
        path.ShouldBe("/hooks/T000/SECRETPATH");
        token.ShouldBe("s3cr3t-t0ken");
        JsonNode.Parse(body)!["text"]!.GetValue<string>().ShouldBe("[critical] Deployment/api: the api container ran out of memory");

        var status = await StatusWhen("chat", s => s["deliveriesTotal"]?.GetValue<long>() == 1);
        status["lastResult"]!.GetValue<string>().ShouldBe("delivered");
        status.ToJsonString().ShouldNotContain("SECRETPATH");
        status.ToJsonString().ShouldNotContain("s3cr3t");
    }

    [Fact]
    public async Task A_missing_secret_or_a_refused_address_is_reported_without_revealing_the_secret()
    {
        _k8s.Cluster.Apply(ChatSink);
        var missing = await StatusWhen("chat", s => Condition(s, "Valid") == "False");
        Condition(missing, "Valid", "message").ShouldBe("spec.webhook.urlFrom.secretKeyRef: secret vigil-system/chat does not exist");
        _sinks.Active.ShouldBeEmpty();

        // The metadata address is refused even when named as allowed; the message names the host, not the URL.
        _k8s.Cluster.Apply("""
            apiVersion: v1
            kind: Secret
            metadata: {name: chat, namespace: vigil-system}
            stringData: {url: "http://169.254.169.254/latest/meta-data/TOKENPATH", token: x}
            """);
        _k8s.Cluster.Apply(ChatSink.Replace("127.0.0.1", "169.254.169.254", StringComparison.Ordinal));
        var refused = await StatusWhen("chat", s => Condition(s, "Valid") == "False" && Condition(s, "Valid", "message")!.Contains("SSRF", StringComparison.Ordinal));
        Condition(refused, "Valid", "message")!.ShouldContain("169.254.169.254 is link-local");
        refused.ToJsonString().ShouldNotContain("TOKENPATH");
    }

    [Fact]
    public async Task A_template_that_does_not_parse_keeps_the_last_valid_sink()
    {
        _k8s.Cluster.Apply(Secret);
        _k8s.Cluster.Apply(ChatSink);
        await StatusWhen("chat", s => Condition(s, "Valid") == "True");
        var before = _sinks.Active.Single();
        _k8s.Cluster.Apply(ChatSink.Replace("{{rootCause}}", "{{#if rootCause}}", StringComparison.Ordinal));
        var status = await StatusWhen("chat", s => Condition(s, "Valid") == "False");
        Condition(status, "Valid", "message")!.ShouldContain("spec.webhook.bodyTemplate: the template does not parse");
        _sinks.Active.Single().ShouldBeSameAs(before);
    }

    public async Task DisposeAsync()
    {
        await _sinks.DisposeAsync();
        await _k8s.DisposeAsync();
        await _receiver.StopAsync();
        await _receiver.DisposeAsync();
    }
}

internal static class Diagnoses
{
    public static Diagnosis.Diagnosis Critical()
    {
        var deployment = new ResourceRef("Deployment", "shop", "api");
        var incident = new Incident
        {
            Id = "i1", Fingerprint = deployment.Key, PrimaryResource = deployment,
            Signals = [new Signal { Id = "s", Source = "OOMKilled", Reason = "OOMKilled", Severity = Severity.Critical, Resource = deployment, Message = "m", ObservedAt = DateTimeOffset.UtcNow }],
            FirstSeen = DateTimeOffset.UtcNow, LastSeen = DateTimeOffset.UtcNow, Occurrences = 1,
        };
        return new Diagnosis.Diagnosis
        {
            Incident = incident, RootCause = "the api container ran out of memory", Category = Diagnosis.Category.Resources, Severity = Severity.Critical,
            Confidence = 0.9, BlastRadius = "1 resource", Analyzer = "rules", Reason = "OOMKilled", DiagnosedAt = DateTimeOffset.UtcNow,
            RemediationSteps = [], RelatedResources = [],
        };
    }
}
