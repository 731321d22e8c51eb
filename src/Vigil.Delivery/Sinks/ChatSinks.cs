using System.Text.Json.Nodes;
using Vigil.Detection;

namespace Vigil.Delivery.Sinks;

/// <summary>
/// Slack incoming webhooks: one message per diagnosis, with the severity as the attachment colour and the facts an
/// on-call engineer reads first (resource, category, confidence, blast radius, the first remediation steps). The URL
/// is a secret (it grants posting to the channel); it must be https on hooks.slack.com.
/// </summary>
public static class SlackSink
{
    public static readonly WebhookPolicy Policy = new() { AllowedHosts = ["hooks.slack.com"] };

    public static WebhookSink Create(string name, Uri webhookUrl, Severity minimumSeverity = Severity.Info, string? channel = null, WebhookPolicy? policy = null) =>
        new(name, webhookUrl, policy ?? Policy, minimumSeverity, body: (d, _) => Task.FromResult(Message(d, channel).ToJsonString()));

    public static JsonObject Message(Diagnosis.Diagnosis d, string? channel = null)
    {
        var r = d.Incident.PrimaryResource;
        var color = d.Severity switch { Severity.Critical => "#FF0000", Severity.Warning => "#FFA500", _ => "#36A64F" };
        var fields = new JsonArray
        {
            Field("Resource", r.Key, false),
            Field("Severity", d.Severity.ToString().ToLowerInvariant(), true),
            Field("Category", d.Category.ToString().ToLowerInvariant(), true),
            Field("Confidence", $"{d.Confidence:P0}", true),
            Field("Systemic", d.Systemic ? "yes" : "no", true),
        };
        if (!string.IsNullOrEmpty(d.BlastRadius)) fields.Add(Field("Blast radius", d.BlastRadius, false));
        if (d.RemediationSteps.Count > 0)
            fields.Add(Field("Remediation", string.Join("\n", d.RemediationSteps.Take(3).Select(s => s.Command is null ? $"• {s.Description}" : $"• {s.Description}: `{s.Command}`")), false));
        var message = new JsonObject
        {
            ["text"] = Truncate($"Vigil: {d.RootCause}", 3000),
            ["attachments"] = new JsonArray(new JsonObject
            {
                ["color"] = color,
                ["title"] = Truncate($"{d.Reason} on {r.Key}", 250),
                ["fields"] = fields,
                ["footer"] = $"vigil · incident {d.Incident.Id}",
            }),
        };
        if (channel is not null) message["channel"] = channel;
        return message;
    }

    private static JsonObject Field(string title, string value, bool isShort) => new() { ["title"] = title, ["value"] = Truncate(value, 2000), ["short"] = isShort };

    internal static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}

/// <summary>
/// PagerDuty Events API v2: a <c>trigger</c> event per diagnosis, deduplicated by incident so re-diagnoses of one
/// incident update one PagerDuty alert. The routing key is a secret (it is in the body, never in a URL or a log line).
/// </summary>
public static class PagerDutySink
{
    public static readonly Uri EventsEndpoint = new("https://events.pagerduty.com/v2/enqueue");

    public static readonly WebhookPolicy Policy = new() { AllowedHosts = ["events.pagerduty.com"] };

    public static WebhookSink Create(string name, string routingKey, Severity minimumSeverity = Severity.Warning, Uri? endpoint = null, WebhookPolicy? policy = null) =>
        new(name, endpoint ?? EventsEndpoint, policy ?? Policy, minimumSeverity, body: (d, _) => Task.FromResult(Event(d, routingKey).ToJsonString()));

    public static JsonObject Event(Diagnosis.Diagnosis d, string routingKey)
    {
        var r = d.Incident.PrimaryResource;
        var payload = new JsonObject
        {
            ["summary"] = SlackSink.Truncate($"[{d.Category.ToString().ToLowerInvariant()}] {r.Key}: {d.RootCause}", 1024),
            ["source"] = r.Key,
            ["severity"] = d.Severity switch { Severity.Critical => "critical", Severity.Warning => "warning", _ => "info" },
            ["timestamp"] = new Kubernetes.Models.Time(d.DiagnosedAt).ToString(),
            ["component"] = $"{r.Kind}/{r.Name}",
            ["class"] = d.Category.ToString().ToLowerInvariant(),
            ["custom_details"] = DiagnosisJson.ToJson(d),
        };
        if (r.Namespace is not null) payload["group"] = r.Namespace;
        return new JsonObject
        {
            ["routing_key"] = routingKey,
            ["event_action"] = "trigger",
            // The fingerprint, not the incident id: ids are per replica and per run, while the same fault on the same
            // resource has one fingerprint everywhere, so a restart or a shard hand-over never opens a second page.
            ["dedup_key"] = $"vigil-{d.Incident.Fingerprint}",
            ["payload"] = payload,
            ["client"] = "Vigil",
        };
    }
}
