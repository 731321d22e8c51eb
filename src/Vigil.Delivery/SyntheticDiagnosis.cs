using Vigil.Detection;

namespace Vigil.Delivery;

/// <summary>A diagnosis that says it is a test, for checking that a sink delivers (<c>vigil sink test</c>).</summary>
public static class SyntheticDiagnosis
{
    public static Diagnosis.Diagnosis Create(DateTimeOffset now, Severity severity = Severity.Critical)
    {
        var resource = new ResourceRef("Deployment", "vigil-test", "example");
        var id = $"test-{now.ToUnixTimeSeconds()}";
        var signal = new Signal
        {
            Id = id, Source = "vigil-sink-test", Reason = "SinkTest", Severity = severity, Resource = resource,
            Message = "a test signal from vigil sink test", ObservedAt = now,
        };
        return new Diagnosis.Diagnosis
        {
            Incident = new Incident { Id = id, Fingerprint = signal.Fingerprint, PrimaryResource = resource, Signals = [signal], FirstSeen = now, LastSeen = now, Occurrences = 1 },
            RootCause = "This is a test diagnosis sent by `vigil sink test`; nothing is wrong.",
            Category = Diagnosis.Category.Unknown,
            Severity = severity,
            Confidence = 1,
            BlastRadius = "none (test)",
            Analyzer = "vigil-sink-test",
            Reason = "SinkTest",
            DiagnosedAt = now,
            RemediationSteps = [new Diagnosis.RemediationStep("Nothing to do: this checks that the sink delivers.", "vigil sink test --help")],
            RelatedResources = [],
        };
    }
}
