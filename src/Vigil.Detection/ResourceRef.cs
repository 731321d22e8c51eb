namespace Vigil.Detection;

/// <summary>The Kubernetes object something is about. Namespace is null for cluster-scoped kinds; Uid when known.</summary>
public sealed record ResourceRef(string Kind, string? Namespace, string Name, string? Uid = null, string? ApiVersion = null)
{
    /// <summary><c>Kind/namespace/name</c>, or <c>Kind/name</c> for cluster-scoped objects: the identity used in fingerprints and messages.</summary>
    public string Key => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";

    /// <summary>
    /// The namespace this resource's faults belong to: its own, or for a Namespace the namespace itself; null for other
    /// cluster-scoped kinds (nodes, storage). Shards and per-namespace policies divide work by it.
    /// </summary>
    public string? ScopeNamespace => Namespace ?? (Kind == "Namespace" ? Name : null);

    public override string ToString() => Key;
}
