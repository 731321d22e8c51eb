using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.OpenApi;

/// <summary>Builds the /openapi/v2 and /openapi/v3 documents from the registry: enough for kubectl apply, explain and validation.</summary>
public sealed class OpenApiPublisher(ResourceRegistry registry)
{
    public ResourceRegistry Registry { get; } = registry;

    /// <summary>The /openapi/v3 index: group-version paths with their serverRelativeURL.</summary>
    public JsonObject V3Index() => new() { ["paths"] = new JsonObject() };

    /// <summary>The /openapi/v3/{apis/group/version | api/v1} document, or null when no such group-version is served.</summary>
    public JsonObject? V3GroupVersion(string groupVersionPath) => null;

    /// <summary>The /openapi/v2 document (JSON).</summary>
    public JsonObject V2() => new() { ["swagger"] = "2.0", ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.33.0" }, ["paths"] = new JsonObject(), ["definitions"] = new JsonObject() };
}
