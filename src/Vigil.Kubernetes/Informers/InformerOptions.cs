using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Informers;

/// <summary>What an informer watches and how.</summary>
public sealed record InformerOptions<T>
    where T : class, IKubernetesObject
{
    /// <summary>The namespace to watch; null or empty watches all namespaces (ignored for cluster-scoped resources).</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Default resync period of handlers; zero disables resync. controller-runtime uses 10 hours.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.Zero;

    /// <summary>Applied to every object before it is cached (e.g. <see cref="InformerTransforms.StripManagedFields{T}"/>).</summary>
    public Func<T, T>? Transform { get; init; }

    /// <summary>
    /// Cache each object as a compact document (<see cref="CompactObjectCodec{T}"/>) rather than as the object: a fraction
    /// of the memory, for a decode on every read of the cache. For large caches read rarely next to how often they
    /// change (an operator's pods); handlers still get the decoded objects of the events.
    /// </summary>
    public bool Compact { get; init; }

    public ReflectorOptions Reflector { get; init; } = new();
}

public static class InformerTransforms
{
    /// <summary>Drops <c>metadata.managedFields</c>, which controllers rarely read and which can dominate the cache's memory.</summary>
    public static T StripManagedFields<T>(T obj)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(obj);
        obj.Metadata.ManagedFields = null;
        return obj;
    }
}
