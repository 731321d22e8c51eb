using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Vigil.Detection;
using Vigil.Diagnosis;

namespace Vigil.Delivery.Tests;

internal static class Diagnoses
{
    public static Diagnosis.Diagnosis Of(Severity severity = Severity.Warning, string id = "i1")
    {
        var pod = new ResourceRef("Pod", "shop", "api-1");
        var incident = new Incident
        {
            Id = id, Fingerprint = "Deployment/shop/api", CorrelationRule = "Owner", PrimaryResource = new ResourceRef("Deployment", "shop", "api"),
            Signals = [new Signal { Id = "s", Source = "OOMKilled", Reason = "OOMKilled", Severity = severity, Resource = pod, Message = "m", ObservedAt = DateTimeOffset.UtcNow }],
            FirstSeen = DateTimeOffset.UtcNow, LastSeen = DateTimeOffset.UtcNow, Occurrences = 2,
        };
        return new Diagnosis.Diagnosis
        {
            Incident = incident, RootCause = "Container api exceeded its memory limit of 128Mi", Category = Category.Resources, Severity = severity,
            Confidence = 0.95, BlastRadius = "2 resources affected", Analyzer = "rules", Reason = "OOMKilled", DiagnosedAt = DateTimeOffset.UtcNow,
            RemediationSteps = [new RemediationStep("Raise the memory limit.", "kubectl set resources deployment/api -n shop --limits=memory=256Mi")],
            RelatedResources = incident.AffectedResources,
        };
    }
}

/// <summary>A local HTTP endpoint that records what it receives and answers with the configured status codes in turn.</summary>
internal sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _answers = new();

    public ConcurrentQueue<(string Path, string Body, Dictionary<string, string> Headers)> Received { get; } = new();

    public Uri Url { get; }

    private Receiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<Receiver> StartAsync(params int[] answers)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        Receiver? receiver = null;
        app.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            receiver!.Received.Enqueue((ctx.Request.Path.Value ?? "", await reader.ReadToEndAsync(), headers));
            ctx.Response.StatusCode = receiver._answers.TryDequeue(out var code) ? code : 200;
            if (ctx.Response.StatusCode is 301 or 302) ctx.Response.Headers.Location = "http://169.254.169.254/latest/meta-data";
        });
        await app.StartAsync();
        receiver = new Receiver(app, new Uri(app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/hook"));
        foreach (var a in answers) receiver._answers.Enqueue(a);
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
