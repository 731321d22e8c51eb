using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.OpenApi;

/// <summary>A serialized OpenAPI document and the hash that names its content (the <c>?hash=</c> of the v3 index).</summary>
public sealed record OpenApiDocument(string Json, string Hash);

/// <summary>Builds the /openapi/v2 and /openapi/v3 documents from the registry: enough for kubectl apply, explain and validation.</summary>
/// <remarks>
/// Documents are built on first request and cached until the registry's set of resources changes (CRDs come and go).
/// The methods returning <see cref="JsonObject"/> hand out a fresh copy each time; the ones returning
/// <see cref="OpenApiDocument"/> hand out the cached serialized form, which is what a server should send.
/// Thread-safe.
/// </remarks>
public sealed class OpenApiPublisher(ResourceRegistry registry)
{
    private readonly Lock _gate = new();
    private Snapshot? _snapshot;

    public ResourceRegistry Registry { get; } = registry;

    /// <summary>The /openapi/v3 index: group-version paths with their serverRelativeURL.</summary>
    public JsonObject V3Index() => (JsonObject)JsonNode.Parse(V3IndexDocument().Json)!;

    /// <summary>The /openapi/v3/{apis/group/version | api/v1} document, or null when no such group-version is served.</summary>
    public JsonObject? V3GroupVersion(string groupVersionPath) =>
        V3GroupVersionDocument(groupVersionPath) is { } doc ? (JsonObject)JsonNode.Parse(doc.Json)! : null;

    /// <summary>The /openapi/v2 document (JSON).</summary>
    public JsonObject V2() => (JsonObject)JsonNode.Parse(V2Document().Json)!;

    /// <summary>The serialized /openapi/v3 index.</summary>
    public OpenApiDocument V3IndexDocument() => Current().Index.Value;

    /// <summary>
    /// The serialized document of one group-version: <c>api/v1</c>, <c>apis/apps/v1</c> (a leading <c>/</c>,
    /// <c>openapi/v3/</c> and a <c>?hash=</c> query are tolerated). Null when the group-version is not served.
    /// </summary>
    public OpenApiDocument? V3GroupVersionDocument(string groupVersionPath)
    {
        ArgumentNullException.ThrowIfNull(groupVersionPath);
        var key = NormalizePath(groupVersionPath);
        return Current().GroupVersions.TryGetValue(key, out var doc) ? doc.Value : null;
    }

    /// <summary>The serialized /openapi/v2 document.</summary>
    public OpenApiDocument V2Document() => Current().V2.Value;

    /// <summary>The content type of the protobuf form of /openapi/v2, as the real server labels it (kubectl 1.27 asks for it first).</summary>
    public const string V2ProtobufContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    /// <summary>
    /// The protobuf form of /openapi/v2: an empty <c>openapi_v2.Document</c> (zero bytes). kubectl 1.27 fetches it before
    /// anything else and fails when it is missing; an empty document satisfies it (it then skips client-side schema
    /// validation, which server-side field validation replaces, and falls back to its compiled-in types for strategic
    /// merge patches). Verified with kubectl 1.27 and 1.33 explain and apply.
    /// </summary>
    public static ReadOnlyMemory<byte> V2Protobuf() => ReadOnlyMemory<byte>.Empty;

    /// <summary>The v3 index key of a group-version: <c>api/v1</c> or <c>apis/{group}/{version}</c>.</summary>
    public static string GroupVersionPath(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    private static string NormalizePath(string path)
    {
        var p = path;
        var q = p.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0) p = p[..q];
        p = p.Trim('/');
        if (p.StartsWith("openapi/v3/", StringComparison.Ordinal)) p = p["openapi/v3/".Length..];
        return p;
    }

    private Snapshot Current()
    {
        var all = Registry.All;
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is not null && snapshot.Resources == all) return snapshot;
        lock (_gate)
        {
            all = Registry.All;
            if (_snapshot is not null && _snapshot.Resources == all) return _snapshot;
            var fresh = new Snapshot(all);
            Volatile.Write(ref _snapshot, fresh);
            return fresh;
        }
    }

    private static OpenApiDocument Serialize(JsonObject doc)
    {
        var json = doc.ToJsonString();
        var hash = Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(json)));
        return new OpenApiDocument(json, hash);
    }

    /// <summary>The documents of one state of the registry, each built lazily.</summary>
    private sealed class Snapshot
    {
        public Snapshot(ImmutableArray<ResourceType> resources)
        {
            Resources = resources;
            var byGroupVersion = new Dictionary<string, Lazy<OpenApiDocument>>(StringComparer.Ordinal);
            foreach (var group in resources.GroupBy(r => GroupVersionPath(r.Group, r.Version)))
            {
                var members = group.ToImmutableArray();
                byGroupVersion[group.Key] = new Lazy<OpenApiDocument>(() => Serialize(BuildV3(members)), LazyThreadSafetyMode.ExecutionAndPublication);
            }
            GroupVersions = byGroupVersion;
            Index = new Lazy<OpenApiDocument>(BuildIndex, LazyThreadSafetyMode.ExecutionAndPublication);
            V2 = new Lazy<OpenApiDocument>(() => Serialize(BuildV2(resources)), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public ImmutableArray<ResourceType> Resources { get; }
        public IReadOnlyDictionary<string, Lazy<OpenApiDocument>> GroupVersions { get; }
        public Lazy<OpenApiDocument> Index { get; }
        public Lazy<OpenApiDocument> V2 { get; }

        private OpenApiDocument BuildIndex()
        {
            var paths = new JsonObject();
            foreach (var (key, doc) in GroupVersions.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={doc.Value.Hash}" };
            return Serialize(new JsonObject { ["paths"] = paths });
        }
    }

    private static JsonObject BuildV3(ImmutableArray<ResourceType> resources)
    {
        var paths = new JsonObject();
        var builder = new OpenApiPaths(v3: true);
        var schemas = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var builtInRoots = new List<string> { OpenApiDefinitions.ObjectMeta, OpenApiDefinitions.ListMeta };
        foreach (var r in resources.OrderBy(r => r.Plural, StringComparer.Ordinal))
        {
            builtInRoots.AddRange(builder.Add(paths, r));
            AddKindDefinitions(r, v3: true, schemas, builtInRoots);
        }
        foreach (var name in OpenApiDefinitions.Closure(builtInRoots))
            schemas.TryAdd(name, OpenApiDefinitions.BuiltInDefinition(name, v3: true));
        var components = new JsonObject();
        foreach (var (name, schema) in schemas) components[name] = schema;
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "unversioned" },
            ["paths"] = SortedObject(paths),
            ["components"] = new JsonObject
            {
                ["schemas"] = components,
                ["securitySchemes"] = new JsonObject
                {
                    ["BearerToken"] = new JsonObject { ["description"] = "Bearer Token authentication", ["in"] = "header", ["name"] = "authorization", ["type"] = "apiKey" },
                },
            },
            ["security"] = new JsonArray(new JsonObject { ["BearerToken"] = new JsonArray() }),
        };
    }

    private static JsonObject BuildV2(ImmutableArray<ResourceType> resources)
    {
        var paths = new JsonObject();
        var builder = new OpenApiPaths(v3: false);
        var definitions = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var builtInRoots = new List<string>();
        foreach (var r in resources.OrderBy(r => r.Group, StringComparer.Ordinal).ThenBy(r => r.Version, StringComparer.Ordinal).ThenBy(r => r.Plural, StringComparer.Ordinal))
        {
            builtInRoots.AddRange(builder.Add(paths, r));
            AddKindDefinitions(r, v3: false, definitions, builtInRoots);
        }
        // Every embedded definition goes in: the v2 document describes the whole server.
        foreach (var name in BuiltInSchemas.Definitions.Keys)
            definitions.TryAdd(name, OpenApiDefinitions.BuiltInDefinition(name, v3: false));
        var defs = new JsonObject();
        foreach (var (name, schema) in definitions) defs[name] = schema;
        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.33.0" },
            ["paths"] = SortedObject(paths),
            ["definitions"] = defs,
            ["securityDefinitions"] = new JsonObject
            {
                ["BearerToken"] = new JsonObject { ["description"] = "Bearer Token authentication", ["in"] = "header", ["name"] = "authorization", ["type"] = "apiKey" },
            },
            ["security"] = new JsonArray(new JsonObject { ["BearerToken"] = new JsonArray() }),
        };
    }

    private static void AddKindDefinitions(ResourceType r, bool v3, SortedDictionary<string, JsonObject> schemas, List<string> builtInRoots)
    {
        var kindName = OpenApiDefinitions.KindName(r);
        var listName = OpenApiDefinitions.ListName(r);
        if (OpenApiDefinitions.IsBuiltIn(kindName))
            builtInRoots.Add(kindName);
        else
            schemas[kindName] = OpenApiDefinitions.CustomKindDefinition(r, v3);
        if (OpenApiDefinitions.IsBuiltIn(listName))
            builtInRoots.Add(listName);
        else
            schemas[listName] = OpenApiDefinitions.CustomListDefinition(r, v3);
    }

    private static JsonObject SortedObject(JsonObject obj)
    {
        var sorted = new JsonObject();
        foreach (var (key, value) in obj.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray())
        {
            obj.Remove(key);
            sorted[key] = value;
        }
        return sorted;
    }
}
