using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Server;

/// <summary>What a resource request addresses: the resource, its namespace, name and subresource.</summary>
public sealed record RequestInfo(ResourceType Type, string? Namespace, string? Name, string? Subresource, bool WatchPath);

/// <summary>Turns <c>/api/v1/namespaces/ns/pods/name/status</c> and its kin into a <see cref="RequestInfo"/>.</summary>
public static class RequestPath
{
    /// <summary>Parses the part after <c>/api/v1</c> or <c>/apis/group/version</c>; null when no such resource is served.</summary>
    public static RequestInfo? Parse(ResourceRegistry registry, string group, string version, ReadOnlySpan<string> rest)
    {
        var watchPath = false;
        if (rest.Length > 0 && rest[0] == "watch")
        {
            watchPath = true;
            rest = rest[1..];
        }
        if (rest.Length == 0) return null;
        if (rest[0] == "namespaces" && rest.Length >= 3)
        {
            var namespaced = registry.Find(group, version, rest[2]);
            if (namespaced is { Namespaced: true })
                return rest.Length > 5 ? null : new RequestInfo(namespaced, rest[1], rest.Length > 3 ? rest[3] : null, rest.Length > 4 ? rest[4] : null, watchPath);
        }
        var type = registry.Find(group, version, rest[0]);
        if (type is null || rest.Length > 3) return null;
        return new RequestInfo(type, null, rest.Length > 1 ? rest[1] : null, rest.Length > 2 ? rest[2] : null, watchPath);
    }
}
