using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vigil.Delivery;
using Vigil.Delivery.Sinks;
using Vigil.Delivery.Templates;
using Vigil.Detection;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Extensions;

/// <summary>
/// <c>Sink</c> resources (vigil.io/v1alpha1) as running sinks: a webhook (URL or secret, method, headers with secret
/// values, a Handlebars body template), Slack or PagerDuty. Besides the schema, a generation is checked for: exactly one
/// of url and urlFrom, secret references that resolve (in the Sink's namespace), a template that parses, and a URL the
/// SSRF rules allow (https unless <c>allowInsecureHttp</c>; never link-local or cloud metadata addresses; private
/// addresses only for hosts named in <c>allowedHosts</c>). Secrets are read when a generation is reconciled and never
/// appear in the status, logs or errors. Deliveries and failures are counted into the status every 10 seconds.
/// </summary>
public sealed class SinkResources(KubernetesClient client, SharedInformerFactory informers, TimeProvider time, ILogger logger)
    : ResourceReconciler<CountingSink>(client, informers, ResourceType, time, logger)
{
    public static readonly ResourceType ResourceType = new("vigil.io", "v1alpha1", "sinks", "Sink", Namespaced: true);

    protected override Task<CountingSink> CompileAsync(UnstructuredObject resource, CancellationToken cancellationToken) =>
        SinkFactory.BuildAsync(Client, resource, Time, cancellationToken);

    protected override string Describe(CountingSink compiled) => $"delivering diagnoses of severity {compiled.MinimumSeverity.ToString().ToLowerInvariant()} and above";

    protected override ValueTask RetireAsync(CountingSink compiled)
    {
        // The dispatcher may still be draining the old version's queue through it: release its connections a little later.
        if (compiled.Inner is IDisposable disposable)
            _ = Task.Delay(TimeSpan.FromMinutes(1), Time).ContinueWith(_ => disposable.Dispose(), TaskScheduler.Default);
        return ValueTask.CompletedTask;
    }

    protected override JsonObject? PeriodicStatus(string key, CountingSink running)
    {
        if (!running.TakeChanged()) return null;
        var status = new JsonObject { ["deliveriesTotal"] = running.Delivered, ["failuresTotal"] = running.Failed };
        if (running.LastAttempt is { } at) status["lastDelivery"] = Timestamp(at);
        if (running.LastResult is { } result) status["lastResult"] = result;
        return status;
    }
}

/// <summary>
/// Builds the sink a <c>Sink</c> resource declares, for the operator and for <c>vigil sink test</c>: one code path, so a
/// test exercises exactly what the operator would run.
/// </summary>
public static class SinkFactory
{
    /// <summary>Builds the sink a resource declares; throws <see cref="InvalidResourceException"/> naming the field and the problem.</summary>
    public static async Task<CountingSink> BuildAsync(KubernetesClient client, UnstructuredObject resource, TimeProvider time, CancellationToken cancellationToken)
    {
        var spec = resource["spec"] as JsonObject ?? throw new InvalidResourceException("spec", "is required");
        var ns = resource.Metadata.Namespace ?? "";
        var name = $"sink:{ns}/{resource.Metadata.Name}";
        var minimum = MinimumSeverity(spec);
        ISink sink = ResourceFields.Text(spec, "type") switch
        {
            "webhook" => await WebhookAsync(client, name, ns, spec["webhook"] as JsonObject ?? throw new InvalidResourceException("spec.webhook", "is required for type webhook"), minimum, cancellationToken),
            "slack" => SlackSink.Create(name, Url("spec.slack.webhookUrlFrom", await SecretAsync(client, ns, spec["slack"]?["webhookUrlFrom"], "spec.slack.webhookUrlFrom", cancellationToken), SlackSink.Policy),
                minimum, ResourceFields.Text(spec["slack"] as JsonObject, "channel")),
            "pagerduty" => PagerDutySink.Create(name, await SecretAsync(client, ns, spec["pagerduty"]?["routingKeyFrom"], "spec.pagerduty.routingKeyFrom", cancellationToken), minimum),
            var other => throw new InvalidResourceException("spec.type", $"\"{other}\" is not webhook, slack or pagerduty"),
        };
        return new CountingSink(sink, time);
    }

    private static async Task<ISink> WebhookAsync(KubernetesClient client, string name, string ns, JsonObject webhook, Severity minimum, CancellationToken cancellationToken)
    {
        var hasUrl = ResourceFields.Text(webhook, "url") is not null;
        var hasUrlFrom = webhook["urlFrom"] is JsonObject;
        if (hasUrl == hasUrlFrom) throw new InvalidResourceException("spec.webhook", "exactly one of url and urlFrom must be set");
        var urlText = hasUrl ? ResourceFields.Text(webhook, "url")! : await SecretAsync(client, ns, webhook["urlFrom"], "spec.webhook.urlFrom", cancellationToken);
        var allowedHosts = ResourceFields.Strings(webhook["allowedHosts"]);
        var policy = new WebhookPolicy
        {
            AllowHttp = webhook["allowInsecureHttp"] is JsonValue v && v.TryGetValue<bool>(out var insecure) && insecure,
            AllowedHosts = allowedHosts,
            // Naming a host is the operator saying it is trusted, e.g. a receiver inside the cluster on a private address.
            AllowPrivateAddresses = allowedHosts.Count > 0,
        };
        var url = Url(hasUrl ? "spec.webhook.url" : "spec.webhook.urlFrom", urlText, policy);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var list = webhook["headers"] as JsonArray ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            var header = list[i] as JsonObject;
            var headerName = ResourceFields.Text(header, "name") ?? throw new InvalidResourceException($"spec.webhook.headers[{i}].name", "is required");
            headers[headerName] = ResourceFields.Text(header, "value")
                ?? await SecretAsync(client, ns, header?["valueFrom"], $"spec.webhook.headers[{i}].valueFrom", cancellationToken);
        }
        DiagnosisTemplate? template = null;
        if (ResourceFields.Text(webhook, "bodyTemplate") is { } text)
        {
            try
            {
                template = DiagnosisTemplate.Parse(text);
            }
            catch (TemplateException e)
            {
                throw new InvalidResourceException("spec.webhook.bodyTemplate", e.Message);
            }
        }
        var method = ResourceFields.Text(webhook, "method") switch
        {
            null or "POST" => HttpMethod.Post,
            "PUT" => HttpMethod.Put,
            "PATCH" => HttpMethod.Patch,
            var other => throw new InvalidResourceException("spec.webhook.method", $"\"{other}\" is not POST, PUT or PATCH"),
        };
        return new WebhookSink(name, url, policy, minimum, headers, body: template is null ? null : template.RenderAsync, method: method);
    }

    private static Uri Url(string field, string text, WebhookPolicy policy)
    {
        // The URL may come from a secret: errors name the field and the host, never the URL (its path is often the credential).
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url)) throw new InvalidResourceException(field, "is not an absolute URL");
        if (policy.Check(url) is { } refused) throw new InvalidResourceException(field, $"refused by the SSRF rules: {refused}");
        return url;
    }

    private static async Task<string> SecretAsync(KubernetesClient client, string ns, JsonNode? from, string field, CancellationToken cancellationToken)
    {
        var reference = from?["secretKeyRef"] as JsonObject ?? throw new InvalidResourceException(field, "needs secretKeyRef {name, key}");
        var secretName = ResourceFields.Text(reference, "name") ?? throw new InvalidResourceException($"{field}.secretKeyRef.name", "is required");
        var key = ResourceFields.Text(reference, "key") ?? throw new InvalidResourceException($"{field}.secretKeyRef.key", "is required");
        Secret secret;
        try
        {
            secret = await client.Resource<Secret>().GetAsync(secretName, ns, cancellationToken);
        }
        catch (NotFoundException)
        {
            throw new InvalidResourceException($"{field}.secretKeyRef", $"secret {ns}/{secretName} does not exist");
        }
        catch (ForbiddenException)
        {
            throw new InvalidResourceException($"{field}.secretKeyRef", $"Vigil may not read secret {ns}/{secretName} (RBAC)");
        }
        if (secret.Data?.TryGetValue(key, out var bytes) == true) return Encoding.UTF8.GetString(bytes).Trim();
        if (secret.StringData?.TryGetValue(key, out var text) == true) return text.Trim();
        throw new InvalidResourceException($"{field}.secretKeyRef", $"secret {ns}/{secretName} has no key \"{key}\"");
    }

    private static Severity MinimumSeverity(JsonObject spec)
    {
        var filter = ResourceFields.Strings(spec["severityFilter"]);
        if (filter.Count == 0) return Severity.Info;
        // Severities are ordered; a filter is honoured as its lowest member (critical+warning: warning and above).
        return filter.Select(s => s switch
        {
            "critical" => Severity.Critical,
            "warning" => Severity.Warning,
            "info" => Severity.Info,
            _ => throw new InvalidResourceException("spec.severityFilter", $"\"{s}\" is not critical, warning or info"),
        }).Min();
    }

}

/// <summary>A sink that counts its deliveries and remembers the last outcome, for a Sink resource's status and <c>vigil sink test</c>.</summary>
public sealed class CountingSink(ISink inner, TimeProvider time) : ISink
{
    private long _delivered;
    private long _failed;
    private int _changed;

    public ISink Inner { get; } = inner;
    public string Name => Inner.Name;
    public Severity MinimumSeverity => Inner.MinimumSeverity;
    public long Delivered => Interlocked.Read(ref _delivered);
    public long Failed => Interlocked.Read(ref _failed);
    public DateTimeOffset? LastAttempt { get; private set; }
    public string? LastResult { get; private set; }

    public async Task SendAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken)
    {
        try
        {
            await Inner.SendAsync(diagnosis, cancellationToken);
            Interlocked.Increment(ref _delivered);
            LastResult = "delivered";
        }
        catch (Exception e) when (e is SinkException or HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref _failed);
            LastResult = e is SinkException ? e.Message : $"{Name}: {e.GetType().Name}: {e.Message}";
            throw;
        }
        finally
        {
            LastAttempt = time.GetUtcNow();
            Interlocked.Exchange(ref _changed, 1);
        }
    }

    /// <summary>True once after any delivery attempt since the last call.</summary>
    public bool TakeChanged() => Interlocked.Exchange(ref _changed, 0) == 1;
}
