using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Vigil.Cluster;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Authentication;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Vigil.Bench.Client;

/// <summary>
/// Initial sync of N pods from the simulated API server over HTTPS: wall time and managed memory per cached object,
/// for a full informer and a metadata-only one (target: metadata ≤ 1 KB per pod). One-shot measurement, not a
/// BenchmarkDotNet benchmark: a sync is seconds long and its memory is what matters.
/// </summary>
public static class InformerSyncMeasurement
{
    /// <param name="mode"><c>full</c>, <c>stripped</c> (full without managedFields) or <c>metadata</c>; one per process, so
    /// one informer's memory never counts against another.</param>
    public static async Task RunAsync(int pods, string mode, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var cluster = await SimulatedCluster.StartAsync();
        var podType = cluster.Operations.Registry.Find("", "v1", "pods")!;
        cluster.Operations.Create(cluster.Operations.Registry.Find("", "v1", "namespaces")!, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "bench" } }, Vigil.Cluster.Api.WriteOptions.Default);
        // The pods' owner must exist, or the garbage collector removes them.
        var replicaSet = cluster.Operations.Create(cluster.Operations.Registry.Find("apps", "v1", "replicasets")!, "bench", (JsonObject)JsonNode.Parse("""
            {"metadata":{"name":"web-7d9f8c6b5","namespace":"bench"},"spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}},
             "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"web"}]}}}}
            """)!, Vigil.Cluster.Api.WriteOptions.Default);
        var ownerUid = replicaSet["metadata"]!["uid"]!.GetValue<string>();
        var create = Stopwatch.StartNew();
        for (var i = 0; i < pods; i++)
        {
            var pod = (JsonObject)JsonNode.Parse(PodFixtures.Pod(i))!;
            var metadata = (JsonObject)pod["metadata"]!;
            metadata.Remove("resourceVersion");
            metadata.Remove("uid");
            metadata.Remove("generateName");
            metadata["ownerReferences"]![0]!["uid"] = ownerUid;
            cluster.Operations.Create(podType, "bench", pod, Vigil.Cluster.Api.WriteOptions.Default);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"created {pods} pods in the simulated server in {create.Elapsed.TotalSeconds:F1} s"));
        var configuration = new KubernetesClientConfiguration
        {
            Server = cluster.Address,
            CertificateAuthority = [X509CertificateLoader.LoadCertificate(cluster.Certificates.Authority.RawData)],
            Credentials = new StaticCredentialProvider(new Credential(BearerToken: cluster.Token)),
            Qps = 1000,
            Burst = 1000,
            RequestTimeout = TimeSpan.FromMinutes(2),
        };
        byte[] cacheBytes;
        string label;
        using (var client = new KubernetesClient(configuration))
        {
            // Warm the server (it caches what it serves) so the first informer does not pay for it.
            _ = await client.Metadata(Pod.ResourceType).ListAsync("bench", new Vigil.Kubernetes.Http.ListOptions { Limit = 10 });
            switch (mode)
            {
                case "full":
                    label = "full (Pod)";
                    cacheBytes = await SyncAsync(label, output, new SharedInformer<Pod>(client.Resource<Pod>(), new InformerOptions<Pod> { Namespace = "bench" }), KubernetesJsonContext.Default.ListPod);
                    break;
                case "stripped":
                    label = "full (Pod, managedFields stripped)";
                    cacheBytes = await SyncAsync(label, output, new SharedInformer<Pod>(client.Resource<Pod>(), new InformerOptions<Pod> { Namespace = "bench", Transform = InformerTransforms.StripManagedFields }), KubernetesJsonContext.Default.ListPod);
                    break;
                default:
                    label = "metadata-only (PartialObjectMetadata)";
                    cacheBytes = await SyncAsync(label, output, new SharedInformer<PartialObjectMetadata>(client.Metadata(Pod.ResourceType), new InformerOptions<PartialObjectMetadata> { Namespace = "bench", Transform = InformerTransforms.StripManagedFields }), KubernetesJsonContext.Default.ListPartialObjectMetadata);
                    break;
            }
        }

        await cluster.DisposeAsync();

        // Memory per cached object, measured with the server gone: rebuild the same cache (the same objects, decoded
        // the same way, in an Indexer with its namespace index) between two settled heaps.
        var perObject = mode == "metadata"
            ? MeasureCache(cacheBytes, KubernetesJsonContext.Default.ListPartialObjectMetadata)
            : MeasureCache(cacheBytes, KubernetesJsonContext.Default.ListPod);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: {perObject:F0} bytes per cached object"));
    }

    private static async Task<byte[]> SyncAsync<T>(string label, TextWriter output, SharedInformer<T> informer, JsonTypeInfo<List<T>> listInfo)
        where T : class, IKubernetesObject
    {
        var watch = Stopwatch.StartNew();
        informer.Start();
        await informer.WaitForSyncAsync();
        var elapsed = watch.Elapsed;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: initial sync of {informer.Indexer.Count} objects in {elapsed.TotalSeconds:F2} s"));
        var bytes = JsonSerializer.SerializeToUtf8Bytes(informer.Indexer.List().ToList(), listInfo);
        await informer.StopAsync();
        return bytes;
    }

    private static double MeasureCache<T>(byte[] bytes, JsonTypeInfo<List<T>> listInfo)
        where T : class, IKubernetesObject
    {
        var before = Settle();
        var indexer = new Indexer<T>();
        var count = 0;
        foreach (var item in JsonSerializer.Deserialize(bytes, listInfo)!)
        {
            indexer.Upsert(item);
            count++;
        }

        var after = Settle();
        GC.KeepAlive(indexer);
        GC.KeepAlive(bytes);
        return (after - before) / (double)count;
    }

    private static long Settle()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
