using System.Collections.Immutable;

namespace Vigil.Cluster.Registry;

/// <summary>
/// Every resource the server serves, built-in and custom, looked up by group/version/plural for routing,
/// by kind for manifests, and enumerated for discovery and OpenAPI. Thread-safe; CRDs change it at run time.
/// </summary>
public sealed class ResourceRegistry
{
    private ImmutableArray<ResourceType> _all;
    private ImmutableDictionary<(string Group, string Version, string Plural), ResourceType> _byPlural;
    private readonly Lock _gate = new();

    public ResourceRegistry(IEnumerable<ResourceType>? builtIns = null)
    {
        _all = [.. builtIns ?? BuiltInResources.All];
        _byPlural = _all.ToImmutableDictionary(r => (r.Group, r.Version, r.Plural));
    }

    /// <summary>Raised after a resource was added or removed (discovery caches, OpenAPI documents).</summary>
    public event Action? Changed;

    public ImmutableArray<ResourceType> All => _all;

    public ResourceType? Find(string group, string version, string plural) =>
        _byPlural.TryGetValue((group, version, plural), out var r) ? r : null;

    public ResourceType? FindByKind(string apiVersion, string kind)
    {
        var (group, version) = SplitApiVersion(apiVersion);
        foreach (var r in _all)
            if (r.Group == group && r.Version == version && r.Kind == kind)
                return r;
        return null;
    }

    /// <summary>The resource for a kind in any served version of its group; the first served wins.</summary>
    public ResourceType? FindByGroupKind(string group, string kind)
    {
        foreach (var r in _all)
            if (r.Group == group && r.Kind == kind)
                return r;
        return null;
    }

    public IEnumerable<string> Groups() => _all.Select(r => r.Group).Distinct();

    public IEnumerable<ResourceType> InGroupVersion(string group, string version) =>
        _all.Where(r => r.Group == group && r.Version == version);

    public void AddOrReplace(ResourceType type)
    {
        lock (_gate)
        {
            var existing = Find(type.Group, type.Version, type.Plural);
            _all = existing is null ? _all.Add(type) : _all.Replace(existing, type);
            _byPlural = _byPlural.SetItem((type.Group, type.Version, type.Plural), type);
        }
        Changed?.Invoke();
    }

    public void Remove(string group, string version, string plural)
    {
        lock (_gate)
        {
            var existing = Find(group, version, plural);
            if (existing is null) return;
            _all = _all.Remove(existing);
            _byPlural = _byPlural.Remove((group, version, plural));
        }
        Changed?.Invoke();
    }

    public static (string Group, string Version) SplitApiVersion(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }
}
