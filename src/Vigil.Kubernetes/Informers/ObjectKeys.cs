using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Informers;

/// <summary>Cache keys as client-go's <c>MetaNamespaceKeyFunc</c>: <c>namespace/name</c>, or <c>name</c> for cluster-scoped objects.</summary>
public static class ObjectKeys
{
    public static string For(IKubernetesObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return For(obj.Metadata.Namespace, obj.Metadata.Name ?? string.Empty);
    }

    public static string For(string? @namespace, string name) => string.IsNullOrEmpty(@namespace) ? name : $"{@namespace}/{name}";

    public static (string? Namespace, string Name) Split(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (null, key) : (key[..slash], key[(slash + 1)..]);
    }
}
