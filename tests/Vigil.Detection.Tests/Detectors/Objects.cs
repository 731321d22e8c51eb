using System.Text.Json;
using Vigil.Detection.Detectors;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Detection.Tests.Detectors;

/// <summary>Objects as the API serves them, parsed by the client's own serializer.</summary>
internal static class Objects
{
    public static T Parse<T>(string json) where T : class => JsonSerializer.Deserialize(json, KubernetesSerializer.Options.TypeInfo<T>())!;

    public static Pod Pod(string name, string status, string ns = "shop", string? node = "node-1", string owner = "api-7d9f8c6b5", string hash = "7d9f8c6b5", string extraSpec = "") =>
        Parse<Pod>($$"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{name}}","namespace":"{{ns}}","uid":"uid-{{name}}","creationTimestamp":"2026-11-22T12:00:00Z",
              "labels":{"app":"api","pod-template-hash":"{{hash}}"},
              "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"{{owner}}","uid":"rs-1","controller":true}]},
             "spec":{"nodeName":{{(node is null ? "null" : $"\"{node}\"")}},"containers":[{"name":"api","image":"shop/api:1","resources":{"limits":{"memory":"128Mi"} } }]{{extraSpec}} },
             "status":{{status}} }
            """);
}

/// <summary>A cluster view over a list of objects.</summary>
internal sealed class ListClusterView(params KubernetesObject[] objects) : IClusterView
{
    public List<KubernetesObject> Objects { get; } = [.. objects];

    public T? Get<T>(string? ns, string name) where T : KubernetesObject, IKubernetesResource =>
        Objects.OfType<T>().FirstOrDefault(o => o.Metadata.Namespace == ns && o.Metadata.Name == name);

    public IEnumerable<T> List<T>(string? ns = null) where T : KubernetesObject, IKubernetesResource =>
        Objects.OfType<T>().Where(o => ns is null || o.Metadata.Namespace == ns);
}
