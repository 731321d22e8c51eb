using System.Globalization;
using Vigil.Detection;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;

namespace Vigil.Delivery.Sinks;

/// <summary>
/// Writes a core/v1 Event (type Warning for warnings and worse, reason <c>VigilDiagnosis</c>) on the incident's primary
/// resource and each affected resource, labelled <c>vigil.io/category</c>, <c>vigil.io/severity</c>, <c>vigil.io/detector</c>,
/// <c>vigil.io/incident</c>, with confidence and remediation steps in annotations: `kubectl get events -l vigil.io/category` finds them.
/// </summary>
public sealed class KubernetesEventSink(KubernetesClient client, string reportingInstance, Severity minimumSeverity = Severity.Info, int maxResources = 10) : ISink
{
    public const string Reason = "VigilDiagnosis";

    public string Name => "kubernetes-events";

    public Severity MinimumSeverity { get; } = minimumSeverity;

    public async Task SendAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken)
    {
        var incident = diagnosis.Incident;
        var targets = incident.AffectedResources.Take(maxResources).ToList();
        foreach (var target in targets)
        {
            var now = client.TimeProvider.GetUtcNow();
            var ns = target.Namespace ?? "default";
            var ev = new Event
            {
                ApiVersion = "v1",
                Kind = "Event",
                Metadata = new ObjectMeta
                {
                    Name = $"{target.Name}.vigil.{incident.Id}.{now.UtcTicks.ToString("x", CultureInfo.InvariantCulture)}",
                    Namespace = ns,
                    Labels = new Dictionary<string, string>
                    {
                        ["vigil.io/category"] = diagnosis.Category.ToString().ToLowerInvariant(),
                        ["vigil.io/severity"] = diagnosis.Severity.ToString().ToLowerInvariant(),
                        ["vigil.io/detector"] = incident.Signals.FirstOrDefault(s => s.Resource.Key == target.Key)?.Source ?? incident.Signals[0].Source,
                        ["vigil.io/incident"] = incident.Id,
                        ["vigil.io/reason"] = diagnosis.Reason,
                    },
                    Annotations = new Dictionary<string, string>
                    {
                        ["vigil.io/confidence"] = diagnosis.Confidence.ToString("0.00", CultureInfo.InvariantCulture),
                        ["vigil.io/remediation"] = string.Join("\n", diagnosis.RemediationSteps.Select((s, i) => $"{i + 1}. {s.Description}{(s.Command is null ? "" : $" ($ {s.Command})")}")),
                        ["vigil.io/primary-resource"] = incident.PrimaryResource.Key,
                        ["vigil.io/blast-radius"] = diagnosis.BlastRadius,
                    },
                },
                InvolvedObject = new ObjectReference { Kind = target.Kind, Namespace = target.Namespace, Name = target.Name, Uid = target.Uid, ApiVersion = target.ApiVersion },
                Reason = Reason,
                Message = Truncate(diagnosis.RootCause, 1024),
                Type = diagnosis.Severity >= Severity.Warning ? "Warning" : "Normal",
                Source = new EventSource { Component = "vigil" },
                FirstTimestamp = now,
                LastTimestamp = now,
                Count = incident.Occurrences,
                ReportingComponent = "vigil",
                ReportingInstance = reportingInstance,
            };
            try
            {
                await client.Resource<Event>().CreateAsync(ev, cancellationToken: cancellationToken);
            }
            catch (KubernetesApiException e) when ((int)e.StatusCode is 403 or 404 or 422)
            {
                // A namespace being deleted, or an object that is gone: nothing to attach the event to.
                if (target == targets[0]) throw new SinkException($"event on {target} refused: {e.Message}", retryable: false, e);
            }
            catch (KubernetesApiException e)
            {
                throw new SinkException($"event on {target} failed: {e.Message}", retryable: true, e);
            }
        }
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
