using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Detectors;

/// <summary>
/// Watches one kind of object and says which fault conditions hold on it now. Detectors are level-based and pure:
/// the engine turns a condition that starts holding into a Signal and one that stops into a clear.
/// </summary>
public interface IDetector
{
    string Name { get; }

    /// <summary>The kind evaluated (<c>Pod</c>, <c>Node</c>, <c>Event</c>...).</summary>
    string Kind { get; }

    DetectorOptions Options { get; }

    /// <summary>
    /// True when a finding can start holding only because the object itself changed: never because time passed or other
    /// objects changed. The periodic rescan then re-evaluates only the objects of this kind that hold something (their
    /// findings can stop holding, and thresholds pass, with time), which spares decoding every cached pod every 15 s.
    /// False, the safe default, for custom detectors.
    /// </summary>
    bool FindingsStartOnlyOnChange => false;

    /// <summary>True when only the leader replica should run it (cluster-scoped kinds).</summary>
    bool ClusterScoped => Kind is "Node" or "PersistentVolume";

    IEnumerable<Finding> Evaluate(KubernetesObject obj, DateTimeOffset now, IClusterView cluster);
}

/// <summary>A detector over one typed kind.</summary>
public abstract class Detector<T>(DetectorOptions options) : IDetector where T : KubernetesObject, IKubernetesResource
{
    public abstract string Name { get; }

    public string Kind => T.ResourceType.Kind;

    public DetectorOptions Options { get; } = options;

    /// <inheritdoc cref="IDetector.FindingsStartOnlyOnChange"/>
    public virtual bool FindingsStartOnlyOnChange => false;

    public IEnumerable<Finding> Evaluate(KubernetesObject obj, DateTimeOffset now, IClusterView cluster) =>
        obj is T typed ? Evaluate(typed, now, cluster) : [];

    protected abstract IEnumerable<Finding> Evaluate(T obj, DateTimeOffset now, IClusterView cluster);

    protected static ResourceRef Ref(KubernetesObject obj) =>
        new(obj.Kind ?? T.ResourceType.Kind, obj.Metadata.Namespace, obj.Metadata.Name ?? "", obj.Metadata.Uid, obj.ApiVersion);
}
