using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Cluster;
using Vigil.Cluster.Registry;

namespace Vigil.Bench.Cluster;

/// <summary>How the benchmark writes: in-process through ResourceOperations, or over HTTPS as a client's merge patch.</summary>
internal enum WriterKind
{
    InProcess,
    Http,
}

/// <summary>Writes a stamp annotation (<c>seq:timestamp</c>) on pod <c>seq % pods</c>; every write is a real change, so one MODIFIED event.</summary>
internal sealed class PodWriter(SimulatedCluster cluster, HttpClient http, string ns, int pods)
{
    private readonly ResourceType _type = Pods.PodType(cluster);
    private static readonly MediaTypeHeaderValue MergePatch = new("application/merge-patch+json");

    public static string Stamp(int seq, long timestamp) =>
        seq.ToString(CultureInfo.InvariantCulture) + ":" + timestamp.ToString(CultureInfo.InvariantCulture);

    public void WriteInProcess(int seq, long timestamp)
    {
        var stamp = Stamp(seq, timestamp);
        cluster.Operations.Mutate(_type, ns, Pods.Name(seq % pods), pod =>
        {
            var meta = (JsonObject)pod["metadata"]!;
            if (meta["annotations"] is not JsonObject annotations) meta["annotations"] = annotations = [];
            annotations[Watcher.StampAnnotation] = stamp;
            return true;
        });
    }

    public async Task WriteHttp(int seq, long timestamp)
    {
        var body = $"{{\"metadata\":{{\"annotations\":{{\"{Watcher.StampAnnotation}\":\"{Stamp(seq, timestamp)}\"}}}}}}";
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = MergePatch;
        using var response = await http.PatchAsync($"/api/v1/namespaces/{ns}/pods/{Pods.Name(seq % pods)}", content);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"PATCH: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        // Read the answer as a client would, so the connection is reused.
        await response.Content.CopyToAsync(Stream.Null);
    }
}
