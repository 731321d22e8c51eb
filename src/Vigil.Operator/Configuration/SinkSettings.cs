using Vigil.Delivery;
using Vigil.Delivery.Sinks;
using Vigil.Detection;
using Vigil.Kubernetes;

namespace Vigil.Operator.Configuration;

/// <summary>Which sinks the operator delivers diagnoses to, from the <c>sinks</c> section.</summary>
public sealed class SinkSettings
{
    public bool LogEnabled { get; set; } = true;
    public Severity LogMinSeverity { get; set; } = Severity.Info;

    public bool KubernetesEventsEnabled { get; set; } = true;
    public Severity KubernetesEventsMinSeverity { get; set; } = Severity.Info;

    /// <summary>At most this many resources of an incident get an Event each.</summary>
    public int KubernetesEventsMaxResources { get; set; } = 10;

    public List<WebhookSettings> Webhooks { get; } = [];

    /// <summary>The sinks to hand to the pipeline. The log sink writes to <paramref name="log"/>; Events are written with <paramref name="client"/>.</summary>
    public IReadOnlyList<ISink> Create(KubernetesClient client, TextWriter log, string reportingInstance)
    {
        var sinks = new List<ISink>();
        if (LogEnabled) sinks.Add(new LogSink(log, LogMinSeverity));
        if (KubernetesEventsEnabled) sinks.Add(new KubernetesEventSink(client, reportingInstance, KubernetesEventsMinSeverity, KubernetesEventsMaxResources));
        foreach (var w in Webhooks)
            sinks.Add(new WebhookSink(w.Name, w.Url, w.Policy, w.MinSeverity, w.Headers, w.Timeout));
        return sinks;
    }
}

/// <summary>One generic webhook sink.</summary>
public sealed class WebhookSettings
{
    public required string Name { get; init; }
    public required Uri Url { get; init; }
    public const Severity DefaultMinSeverity = Severity.Warning;
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public Severity MinSeverity { get; init; } = DefaultMinSeverity;
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public TimeSpan Timeout { get; init; } = DefaultTimeout;
    public WebhookPolicy Policy { get; init; } = new();
}
