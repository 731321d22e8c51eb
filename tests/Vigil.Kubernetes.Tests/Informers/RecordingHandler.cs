using System.Collections.Concurrent;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Tests.Informers;

/// <summary>Records what an informer told it, as readable lines: <c>add ns/a initial</c>, <c>update ns/a 5</c>, <c>delete ns/a tombstone</c>.</summary>
internal sealed class RecordingHandler<T> : IResourceEventHandler<T>
    where T : class, IKubernetesObject
{
    public ConcurrentQueue<string> Events { get; } = new();

    public ConcurrentQueue<(T Old, T New)> Updates { get; } = new();

    public void OnAdd(T obj, bool isInInitialList) => Events.Enqueue($"add {ObjectKeys.For(obj)}{(isInInitialList ? " initial" : string.Empty)}");

    public void OnUpdate(T oldObj, T newObj)
    {
        Updates.Enqueue((oldObj, newObj));
        Events.Enqueue($"update {ObjectKeys.For(newObj)}{(ReferenceEquals(oldObj, newObj) || oldObj.Metadata.ResourceVersion == newObj.Metadata.ResourceVersion ? " resync" : string.Empty)}");
    }

    public void OnDelete(T obj, bool isFinalStateUnknown) => Events.Enqueue($"delete {ObjectKeys.For(obj)}{(isFinalStateUnknown ? " tombstone" : string.Empty)}");

    public bool Saw(string line) => Events.Contains(line);
}
