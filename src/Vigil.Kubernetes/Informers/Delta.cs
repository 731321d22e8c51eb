using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Informers;

/// <summary>What happened to an object, as the DeltaFIFO records it.</summary>
public enum DeltaType
{
    Added,
    Updated,
    Deleted,

    /// <summary>The object was in a relist (<c>Replace</c>).</summary>
    Replaced,

    /// <summary>A periodic resync of an object that did not change.</summary>
    Sync,
}

/// <summary>
/// An object that disappeared while the watch was down: a relist no longer had it, so its deletion was never seen.
/// <see cref="LastKnown"/> is the cached state, which may be stale.
/// </summary>
public sealed record DeletedFinalStateUnknown<T>(string Key, T LastKnown)
    where T : class, IKubernetesObject;

/// <summary>One change: the object, or for a vanished object a tombstone.</summary>
public sealed record Delta<T>(DeltaType Type, T Object, DeletedFinalStateUnknown<T>? Tombstone = null)
    where T : class, IKubernetesObject;
