using Vigil.Detection;

namespace Vigil.Diagnosis;

/// <summary>One gatherer's findings: a titled section of text lines (already redacted), or the error that stopped it.</summary>
public sealed record EvidenceSection(string Name, string Gatherer, IReadOnlyList<string> Lines, string? Error = null)
{
    public bool Failed => Error is not null;
}

/// <summary>What the gatherers collected for an incident, redacted before it leaves the process.</summary>
public sealed record Evidence(Incident Incident, IReadOnlyList<EvidenceSection> Sections)
{
    public EvidenceSection? Section(string name) => Sections.FirstOrDefault(s => s.Name == name);

    /// <summary>Every line of every section, for pattern matching.</summary>
    public IEnumerable<(EvidenceSection Section, string Line)> AllLines() =>
        Sections.SelectMany(s => s.Lines.Select(l => (s, l)));
}
