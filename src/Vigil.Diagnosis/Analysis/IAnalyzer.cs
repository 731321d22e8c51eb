namespace Vigil.Diagnosis.Analysis;

/// <summary>Explains an incident from its evidence. The rules analyzer always answers; an LLM analyzer may decline (null).</summary>
public interface IAnalyzer
{
    string Name { get; }

    Task<Diagnosis?> AnalyzeAsync(Evidence evidence, CancellationToken cancellationToken);
}
