using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Kubernetes.Models;

/// <summary><c>/api</c>: the core group's versions.</summary>
public sealed class ApiVersions
{
    public string? Kind { get; set; }
    public IList<string> Versions { get; set; } = [];

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary><c>/apis</c>: the named groups.</summary>
public sealed class ApiGroupList
{
    public string? Kind { get; set; }
    public IList<ApiGroup> Groups { get; set; } = [];

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class ApiGroup
{
    public string? Name { get; set; }
    public IList<GroupVersionForDiscovery> Versions { get; set; } = [];
    public GroupVersionForDiscovery? PreferredVersion { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class GroupVersionForDiscovery
{
    public string? GroupVersion { get; set; }
    public string? Version { get; set; }
}

/// <summary><c>/api/v1</c> or <c>/apis/{group}/{version}</c>: the resources of one group-version.</summary>
public sealed class ApiResourceList
{
    public string? Kind { get; set; }
    public string? GroupVersion { get; set; }
    public IList<ApiResource> Resources { get; set; } = [];

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class ApiResource
{
    public string? Name { get; set; }
    public string? SingularName { get; set; }
    public bool Namespaced { get; set; }
    public string? Group { get; set; }
    public string? Version { get; set; }
    public string? Kind { get; set; }
    public IList<string>? Verbs { get; set; }
    public IList<string>? ShortNames { get; set; }
    public IList<string>? Categories { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary><c>/version</c>.</summary>
public sealed class ServerVersion
{
    public string? Major { get; set; }
    public string? Minor { get; set; }
    public string? GitVersion { get; set; }
    public string? GitCommit { get; set; }
    public string? Platform { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}
