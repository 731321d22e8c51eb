using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Informers;

/// <summary>Receives an informer's notifications, one at a time, in order.</summary>
public interface IResourceEventHandler<in T>
    where T : class, IKubernetesObject
{
    /// <summary>A new object; <paramref name="isInInitialList"/> is true while the first list is being delivered.</summary>
    void OnAdd(T obj, bool isInInitialList);

    /// <summary>A changed object; on a resync <paramref name="oldObj"/> and <paramref name="newObj"/> are the same.</summary>
    void OnUpdate(T oldObj, T newObj);

    /// <summary>
    /// A deleted object. When <paramref name="isFinalStateUnknown"/> is true the deletion was missed while the watch was
    /// down (a tombstone, client-go's <c>DeletedFinalStateUnknown</c>) and <paramref name="obj"/> is the last cached state.
    /// </summary>
    void OnDelete(T obj, bool isFinalStateUnknown);
}

/// <summary>A handler made of delegates; any may be null.</summary>
public sealed class ResourceEventHandler<T> : IResourceEventHandler<T>
    where T : class, IKubernetesObject
{
    public Action<T, bool>? Added { get; init; }

    public Action<T, T>? Updated { get; init; }

    public Action<T, bool>? Deleted { get; init; }

    public void OnAdd(T obj, bool isInInitialList) => Added?.Invoke(obj, isInInitialList);

    public void OnUpdate(T oldObj, T newObj) => Updated?.Invoke(oldObj, newObj);

    public void OnDelete(T obj, bool isFinalStateUnknown) => Deleted?.Invoke(obj, isFinalStateUnknown);
}
