using Vigil.Detection;
using Vigil.Kubernetes;

namespace Vigil.Diagnosis.Gathering;

/// <summary>Collects one section of evidence for the incidents it applies to.</summary>
public interface IGatherer
{
    /// <summary>The section it writes (see <see cref="Analysis.EvidenceSections"/>).</summary>
    string Section { get; }

    bool AppliesTo(Incident incident);

    /// <summary>The section's lines, unredacted (the collector redacts them).</summary>
    Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken);
}

/// <summary>Limits of evidence collection.</summary>
public sealed class GatherOptions
{
    /// <summary>How long each gatherer may take; past it, its section records the timeout.</summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Lines of each container log kept (current and previous instance).</summary>
    public int LogTailLines { get; set; } = 50;

    /// <summary>How far back namespace events are read.</summary>
    public TimeSpan NamespaceEventsWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>At most this many pods of an incident are described.</summary>
    public int MaxPods { get; set; } = 3;
}
