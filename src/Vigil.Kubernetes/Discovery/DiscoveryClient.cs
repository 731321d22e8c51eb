using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Discovery;

/// <summary>
/// Legacy discovery (<c>/api</c>, <c>/apis</c>, <c>/api/v1</c>, <c>/apis/g/v</c>), cached for <see cref="CacheDuration"/>
/// (kubectl uses 10 minutes). Resolves a kind, plural, singular or short name to a <see cref="ResourceType"/>;
/// a miss refreshes the cache once, so newly registered CRDs are found. A failing group-version is skipped, as
/// client-go does.
/// </summary>
public sealed class DiscoveryClient
{
    private readonly KubernetesClient _client;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DiscoverySnapshot? _snapshot;

    internal DiscoveryClient(KubernetesClient client)
    {
        _client = client;
    }

    public TimeSpan CacheDuration { get; init; } = TimeSpan.FromMinutes(10);

    public Task<ServerVersion> GetServerVersionAsync(CancellationToken cancellationToken = default) =>
        _client.SendAsync<ServerVersion>(new ApiRequest(HttpMethod.Get, "/version?timeout=32s"), cancellationToken);

    /// <summary>Every served resource (subresources excluded), from the cache when fresh.</summary>
    public async Task<IReadOnlyList<DiscoveredResource>> GetResourcesAsync(CancellationToken cancellationToken = default) =>
        (await SnapshotAsync(forceRefresh: false, cancellationToken)).Resources;

    /// <summary>Drops the cache.</summary>
    public void Invalidate() => _snapshot = null;

    /// <summary>Finds the resource serving <paramref name="kind"/> in <paramref name="apiVersion"/> (<c>apps/v1</c>, <c>v1</c>).</summary>
    public async Task<ResourceType> ResolveKindAsync(string apiVersion, string kind, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiVersion);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        var found = await FindAsync(r => r.Type.ApiVersion == apiVersion && r.Type.Kind == kind, cancellationToken);
        return found?.Type ?? throw new KubernetesApiException(new Status { Code = 404, Reason = StatusReasons.NotFound, Message = $"no resource serves kind {kind} in {apiVersion}" });
    }

    /// <summary>
    /// Resolves what a user typed: <c>pods</c>, <c>pod</c>, <c>po</c>, <c>Pod</c>, <c>deployments.apps</c>,
    /// <c>deploy.v1.apps</c>. Preferred versions win.
    /// </summary>
    public async Task<ResourceType> ResolveAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var parts = name.Split('.', 3);
        var resource = parts[0].ToLowerInvariant();
        string? version = null;
        string? group = null;
        if (parts.Length == 3 && parts[1].StartsWith('v') && parts[1].Length > 1 && char.IsAsciiDigit(parts[1][1]))
        {
            version = parts[1];
            group = parts[2];
        }
        else if (parts.Length > 1)
        {
            group = name[(parts[0].Length + 1)..];
        }

        bool Matches(DiscoveredResource r) =>
            (group is null || r.Type.Group == group) && (version is null || r.Type.Version == version)
            && (r.Type.Plural == resource || string.Equals(r.Singular, resource, StringComparison.Ordinal)
                || r.Type.Kind.Equals(resource, StringComparison.OrdinalIgnoreCase) || r.ShortNames.Contains(resource));

        var found = await FindAsync(Matches, cancellationToken);
        return found?.Type ?? throw new KubernetesApiException(new Status { Code = 404, Reason = StatusReasons.NotFound, Message = $"the server doesn't have a resource type \"{name}\"" });
    }

    private async Task<DiscoveredResource?> FindAsync(Func<DiscoveredResource, bool> predicate, CancellationToken cancellationToken)
    {
        var snapshot = await SnapshotAsync(forceRefresh: false, cancellationToken);
        var found = Best(snapshot, predicate);
        if (found is null && snapshot.FetchedAt != default)
        {
            snapshot = await SnapshotAsync(forceRefresh: true, cancellationToken);
            found = Best(snapshot, predicate);
        }

        return found;
    }

    private static DiscoveredResource? Best(DiscoverySnapshot snapshot, Func<DiscoveredResource, bool> predicate) =>
        snapshot.Resources.Where(predicate).OrderByDescending(r => r.IsPreferredVersion).FirstOrDefault();

    private async Task<DiscoverySnapshot> SnapshotAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        var now = _client.TimeProvider.GetUtcNow();
        var snapshot = _snapshot;
        if (!forceRefresh && snapshot is not null && now - snapshot.FetchedAt < CacheDuration)
        {
            return snapshot;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            snapshot = _snapshot;
            if (snapshot is not null && (forceRefresh ? snapshot.FetchedAt > now : now - snapshot.FetchedAt < CacheDuration))
            {
                return snapshot;
            }

            snapshot = await FetchAsync(cancellationToken);
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<DiscoverySnapshot> FetchAsync(CancellationToken cancellationToken)
    {
        var groupVersions = new List<(string GroupVersion, bool Preferred)>();
        var core = await _client.SendAsync<ApiVersions>(new ApiRequest(HttpMethod.Get, "/api?timeout=32s"), cancellationToken);
        groupVersions.AddRange(core.Versions.Select((v, i) => (v, i == 0)));
        var groups = await _client.SendAsync<ApiGroupList>(new ApiRequest(HttpMethod.Get, "/apis?timeout=32s"), cancellationToken);
        foreach (var group in groups.Groups)
        {
            foreach (var version in group.Versions)
            {
                if (version.GroupVersion is { } gv)
                {
                    groupVersions.Add((gv, gv == group.PreferredVersion?.GroupVersion));
                }
            }
        }

        var resources = new List<DiscoveredResource>();
        var lists = await Task.WhenAll(groupVersions.Select(async gv =>
        {
            var path = gv.GroupVersion.Contains('/', StringComparison.Ordinal) ? $"/apis/{gv.GroupVersion}" : $"/api/{gv.GroupVersion}";
            try
            {
                return (gv, List: await _client.SendAsync<ApiResourceList>(new ApiRequest(HttpMethod.Get, path + "?timeout=32s"), cancellationToken));
            }
            catch (KubernetesApiException)
            {
                return (gv, List: (ApiResourceList?)null);
            }
        }));
        foreach (var (gv, list) in lists)
        {
            if (list is null)
            {
                continue;
            }

            var slash = gv.GroupVersion.IndexOf('/', StringComparison.Ordinal);
            var group = slash < 0 ? string.Empty : gv.GroupVersion[..slash];
            var version = slash < 0 ? gv.GroupVersion : gv.GroupVersion[(slash + 1)..];
            foreach (var resource in list.Resources)
            {
                if (resource.Name is null || resource.Kind is null || resource.Name.Contains('/', StringComparison.Ordinal))
                {
                    continue;
                }

                resources.Add(new DiscoveredResource(
                    new ResourceType(resource.Group ?? group, resource.Version ?? version, resource.Name, resource.Kind, resource.Namespaced),
                    resource.SingularName is { Length: > 0 } singular ? singular : resource.Kind.ToLowerInvariant(),
                    resource.ShortNames?.ToArray() ?? [],
                    resource.Verbs?.ToArray() ?? [],
                    gv.Preferred,
                    list.Resources.Where(r => r.Name?.StartsWith(resource.Name + "/", StringComparison.Ordinal) == true).Select(r => r.Name![(resource.Name.Length + 1)..]).ToArray()));
            }
        }

        return new DiscoverySnapshot(_client.TimeProvider.GetUtcNow(), resources);
    }

    private sealed record DiscoverySnapshot(DateTimeOffset FetchedAt, IReadOnlyList<DiscoveredResource> Resources);
}

/// <summary>One resource as discovery announces it.</summary>
public sealed record DiscoveredResource(
    ResourceType Type,
    string Singular,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Verbs,
    bool IsPreferredVersion,
    IReadOnlyList<string> Subresources);
