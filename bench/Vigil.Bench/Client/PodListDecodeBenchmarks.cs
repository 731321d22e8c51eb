using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Bench.Client;

/// <summary>
/// Decoding a 100,000-pod list as the client does (source-generated typed models with extension data at every
/// level), against plain System.Text.Json parsing of the same bytes into a JsonDocument. Target: at most 1.5× slower.
/// </summary>
[MemoryDiagnoser]
public class PodListDecodeBenchmarks
{
    private byte[] _bytes = [];

    [Params(100_000)]
    public int Pods { get; set; }

    [GlobalSetup]
    public void Setup() => _bytes = PodFixtures.PodList(Pods);

    [Benchmark(Baseline = true, Description = "System.Text.Json JsonDocument.Parse")]
    public int PlainJsonDocument()
    {
        using var document = JsonDocument.Parse(_bytes);
        return document.RootElement.GetProperty("items").GetArrayLength();
    }

    [Benchmark(Description = "System.Text.Json JsonNode.Parse")]
    public int PlainJsonNode() => System.Text.Json.Nodes.JsonNode.Parse(_bytes)!["items"]!.AsArray().Count;

    [Benchmark(Description = "Vigil typed KubernetesList<Pod> (stream)")]
    public async Task<int> VigilTypedFromStream()
    {
        using var stream = new MemoryStream(_bytes, writable: false);
        var list = await JsonSerializer.DeserializeAsync(stream, KubernetesJsonContext.Default.KubernetesListPod);
        return list!.Items.Count;
    }

    [Benchmark(Description = "Vigil typed KubernetesList<Pod> (bytes)")]
    public int VigilTyped() => JsonSerializer.Deserialize(_bytes, KubernetesJsonContext.Default.KubernetesListPod)!.Items.Count;

    [Benchmark(Description = "Vigil PartialObjectMetadata list (bytes)")]
    public int VigilMetadata() => JsonSerializer.Deserialize(_bytes, KubernetesJsonContext.Default.KubernetesListPartialObjectMetadata)!.Items.Count;
}
