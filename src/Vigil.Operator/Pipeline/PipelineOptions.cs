using Vigil.Delivery;
using Vigil.Detection.Correlation;
using Vigil.Detection.Detectors;
using Vigil.Detection.Filtering;
using Vigil.Diagnosis.Gathering;

namespace Vigil.Operator.Pipeline;

/// <summary>Everything the detect → correlate → gather → diagnose → deliver pipeline is configured with.</summary>
public sealed class PipelineOptions
{
    /// <summary>Per-detector settings replacing the defaults, by detector name.</summary>
    public Dictionary<string, DetectorOptions> Detectors { get; } = new(StringComparer.Ordinal);

    /// <summary>Namespaces, selectors and suppression windows that drop signals before correlation.</summary>
    public FilterOptions Filters { get; set; } = new();

    public CorrelationOptions Correlation { get; set; } = new();

    public GatherOptions Gather { get; set; } = new();

    public DeliveryOptions Delivery { get; set; } = new();

    /// <summary>How often every cached object is re-evaluated, so time thresholds pass without a change.</summary>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often held signals are checked against the correlation window.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Diagnoses (evidence gathering and analysis) running at once.</summary>
    public int DiagnosisConcurrency { get; set; } = 4;

    /// <summary>How long stopping may take: finishing diagnoses in flight and draining the sinks' queues.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra redaction patterns (regular expressions).</summary>
    public List<string> RedactionPatterns { get; } = [];

    /// <summary>
    /// Whether Detector, Policy, Sink and Gatherer resources (vigil.io/v1alpha1) are watched and applied. Off when the CRDs are not
    /// installed (checked at start, with a log line saying so).
    /// </summary>
    public bool CustomResources { get; set; } = true;

    /// <summary>
    /// What the informers cache (see <c>CacheProjections</c>): compact projections by default; the other shapes are for
    /// benchmarks that measure what each step saves. Not a configuration key.
    /// </summary>
    public CacheShape Cache { get; set; } = CacheShape.Compact;

    /// <summary>
    /// <see cref="WatchScope.Cluster"/>: one informer per kind over the whole cluster, and this replica does everything.
    /// <see cref="WatchScope.Assigned"/>: namespaced kinds are watched only in the namespaces assigned with
    /// <see cref="DiagnosisPipeline.AssignNamespacesAsync"/>, and cluster-scoped detection runs only while
    /// <see cref="DiagnosisPipeline.SetClusterScopeAsync"/> says this replica leads (sharding).
    /// </summary>
    public WatchScope Scope { get; set; } = WatchScope.Cluster;

    /// <summary>
    /// After a hand-over, how long the fingerprints of incidents the previous owner diagnosed are remembered: a fault it
    /// already reported that this replica detects again within this time is counted as a duplicate, not delivered again.
    /// Long enough for the slowest detector threshold to pass again on the new owner.
    /// </summary>
    public TimeSpan InheritedIncidentTtl { get; set; } = TimeSpan.FromMinutes(15);


    /// <summary>Vigil's own namespace: Detectors and Policies there may select namespaces cluster-wide.</summary>
    public string SystemNamespace { get; set; } = "vigil-system";
}

/// <summary>What one pipeline watches: the whole cluster, or the namespaces assigned to it.</summary>
public enum WatchScope
{
    Cluster,
    Assigned,
}

/// <summary>What the pipeline's informers keep of each object.</summary>
public enum CacheShape
{
    /// <summary>Whole objects, as the API sends them.</summary>
    Full,

    /// <summary>The fields the detectors, correlator, filters and gatherers read (<c>CacheProjections</c>), as objects.</summary>
    Projected,

    /// <summary>The same projections, each held as a compact document and decoded when the cache is read.</summary>
    Compact,
}
