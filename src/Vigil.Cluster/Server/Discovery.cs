using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Server;

/// <summary>The discovery documents (/api, /apis, group and resource lists) in their legacy JSON form, which every client accepts.</summary>
public static class Discovery
{
    public static JsonObject ApiVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList(ResourceRegistry registry)
    {
        var groups = new JsonArray();
        foreach (var group in registry.Groups().Where(g => g.Length > 0))
            groups.Add(Group(registry, group));
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public static JsonObject? Group(ResourceRegistry registry, string group)
    {
        var versions = registry.All.Where(r => r.Group == group).Select(r => r.Version).Distinct().OrderByDescending(VersionPriority).ToList();
        if (versions.Count == 0) return null;
        var list = new JsonArray();
        foreach (var v in versions) list.Add(new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v });
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = list,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{versions[0]}", ["version"] = versions[0] },
        };
    }

    public static JsonObject? ResourceList(ResourceRegistry registry, string group, string version)
    {
        var types = registry.InGroupVersion(group, version).ToList();
        if (types.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var t in types)
        {
            resources.Add(Resource(t, t.Plural, t.Verbs, t.Kind));
            if (t.HasStatusSubresource) resources.Add(Resource(t, t.Plural + "/status", ["get", "patch", "update"], t.Kind));
            if (t.Scale is not null) resources.Add(Resource(t, t.Plural + "/scale", ["get", "patch", "update"], "Scale", "autoscaling", "v1"));
            foreach (var sub in t.ExtraSubresources)
            {
                var (kind, verbs, g, v) = sub switch
                {
                    "log" => ("Pod", new[] { "get" }, (string?)null, (string?)null),
                    "eviction" => ("Eviction", new[] { "create" }, "policy", "v1"),
                    "binding" => ("Binding", new[] { "create" }, null, null),
                    "ephemeralcontainers" => ("Pod", new[] { "get", "patch", "update" }, null, null),
                    "finalize" => ("Namespace", new[] { "update" }, null, null),
                    _ => (t.Kind, new[] { "get" }, null, null),
                };
                resources.Add(Resource(t, $"{t.Plural}/{sub}", verbs, kind, g, v));
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonObject Resource(ResourceType t, string name, IReadOnlyList<string> verbs, string kind, string? group = null, string? version = null)
    {
        var r = new JsonObject
        {
            ["name"] = name,
            ["singularName"] = name.Contains('/', StringComparison.Ordinal) ? "" : t.Singular,
            ["namespaced"] = t.Namespaced,
            ["kind"] = kind,
            ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode?)v)]),
        };
        if (group is not null) r["group"] = group;
        if (version is not null) r["version"] = version;
        if (!name.Contains('/', StringComparison.Ordinal))
        {
            if (t.ShortNames.Count > 0) r["shortNames"] = new JsonArray([.. t.ShortNames.Select(s => (JsonNode?)s)]);
            if (t.Categories.Count > 0) r["categories"] = new JsonArray([.. t.Categories.Select(s => (JsonNode?)s)]);
            r["storageVersionHash"] = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{t.Group}/{t.Version}/{t.Kind}")).AsSpan(0, 8));
        }
        return r;
    }

    /// <summary>Kubernetes' version priority: GA over beta over alpha, higher numbers first.</summary>
    public static int VersionPriority(string version)
    {
        var m = System.Text.RegularExpressions.Regex.Match(version, "^v(\\d+)(?:(alpha|beta)(\\d+))?$");
        if (!m.Success) return -1;
        var major = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var level = m.Groups[2].Value switch { "" => 3, "beta" => 2, _ => 1 };
        var minor = m.Groups[3].Success ? int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return level * 1_000_000 + major * 1000 + minor;
    }
}
