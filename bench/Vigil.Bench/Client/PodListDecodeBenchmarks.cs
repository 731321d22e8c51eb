using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Bench.Client;

/// <summary>
/// Decoding a 100,000-pod list as the client does (source-generated typed models with extension data at every
/// level), against plain System.Text.Json deserialisation of the same bytes into DTOs with the same modelled fields
/// (the baseline), and against a JsonDocument/JsonNode parse. Target: at most 1.5× the baseline.
/// </summary>
[MemoryDiagnoser]
public class PodListDecodeBenchmarks
{
    private byte[] _bytes = [];

    [Params(100_000)]
    public int Pods { get; set; }

    [GlobalSetup]
    public void Setup() => _bytes = PodFixtures.PodList(Pods);

    /// <summary>A quick stopwatch comparison (a few seconds), for iterating on the decoder without BenchmarkDotNet.</summary>
    public static void Quick(int pods, int rounds, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var benchmark = new PodListDecodeBenchmarks { Pods = pods };
        benchmark.Setup();
        var cases = new (string Name, Func<int> Run)[]
        {
            ("plain DTOs (baseline)", benchmark.PlainDtos),
            ("JsonDocument.Parse", benchmark.PlainJsonDocument),
            ("Vigil KubernetesList<Pod>", benchmark.VigilTyped),
            ("Vigil PartialObjectMetadata", benchmark.VigilMetadata),
        };
        foreach (var (name, run) in cases)
        {
            run();
            var best = TimeSpan.MaxValue;
            for (var i = 0; i < rounds; i++)
            {
                GC.Collect();
                var watch = System.Diagnostics.Stopwatch.StartNew();
                run();
                best = watch.Elapsed < best ? watch.Elapsed : best;
            }

            output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name,-32} best of {rounds}: {best.TotalMilliseconds,8:F1} ms"));
        }
    }

    private static readonly JsonSerializerOptions PlainOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    [Benchmark(Baseline = true, Description = "System.Text.Json into plain DTOs (reflection)")]
    public int PlainDtos() => JsonSerializer.Deserialize<PlainPodList>(_bytes, PlainOptions)!.Items!.Count;

    [Benchmark(Description = "System.Text.Json JsonDocument.Parse")]
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
