using System.Globalization;
using System.Text.Json.Nodes;

namespace Vigil.Delivery;

/// <summary>The JSON form of a diagnosis that sinks send and the log writes: one schema everywhere (docs/configuration.md).</summary>
public static class DiagnosisJson
{
    public static JsonObject ToJson(Diagnosis.Diagnosis d)
    {
        var i = d.Incident;
        return new JsonObject
        {
            ["incident"] = new JsonObject
            {
                ["id"] = i.Id,
                ["fingerprint"] = i.Fingerprint,
                ["rule"] = i.CorrelationRule,
                ["primaryResource"] = Ref(i.PrimaryResource),
                ["occurrences"] = i.Occurrences,
                ["firstSeen"] = Time(i.FirstSeen),
                ["lastSeen"] = Time(i.LastSeen),
                ["signals"] = new JsonArray([.. i.Signals.Select(s => (JsonNode)new JsonObject
                {
                    ["source"] = s.Source, ["reason"] = s.Reason, ["severity"] = s.Severity.ToString().ToLowerInvariant(), ["resource"] = Ref(s.Resource), ["message"] = s.Message,
                })]),
            },
            ["severity"] = d.Severity.ToString().ToLowerInvariant(),
            ["category"] = d.Category.ToString().ToLowerInvariant(),
            ["reason"] = d.Reason,
            ["rootCause"] = d.RootCause,
            ["confidence"] = Math.Round(d.Confidence, 2),
            ["systemic"] = d.Systemic,
            ["blastRadius"] = d.BlastRadius,
            ["remediationSteps"] = new JsonArray([.. d.RemediationSteps.Select(s => (JsonNode)new JsonObject { ["description"] = s.Description, ["command"] = s.Command })]),
            ["relatedResources"] = new JsonArray([.. d.RelatedResources.Select(r => (JsonNode)Ref(r))]),
            ["evidence"] = new JsonArray([.. d.SupportingEvidence.Select(e => (JsonNode?)e)]),
            ["customEvidence"] = new JsonArray([.. d.CustomEvidence.Select(e =>
            {
                var section = new JsonObject { ["name"] = e.Name, ["lines"] = new JsonArray([.. e.Lines.Select(l => (JsonNode?)l)]) };
                if (e.Error is not null) section["error"] = e.Error;
                return (JsonNode)section;
            })]),
            ["analyzer"] = d.Analyzer,
            ["diagnosedAt"] = Time(d.DiagnosedAt),
        };
    }

    private static JsonObject Ref(Detection.ResourceRef r)
    {
        var o = new JsonObject { ["kind"] = r.Kind, ["name"] = r.Name };
        if (r.Namespace is not null) o["namespace"] = r.Namespace;
        return o;
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
