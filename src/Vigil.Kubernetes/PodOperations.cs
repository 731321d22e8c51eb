using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes;

/// <summary>Pod-only operations: logs (whole or followed), eviction, ephemeral containers.</summary>
public static class PodOperations
{
    /// <summary>The log as text (not followed).</summary>
    public static async Task<string> GetLogsAsync(this ResourceClient<Pod> pods, string name, string? @namespace = null, LogOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var query = new QueryBuilder();
        (options ?? new LogOptions()).AppendTo(query);
        using var response = await pods.SendRawAsync(HttpMethod.Get, name, "log", @namespace, query.ToString(), streaming: false, "text/plain, */*", cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>The log as a stream; with <see cref="LogOptions.Follow"/> it stays open as the container writes. Dispose it to stop.</summary>
    public static async Task<Stream> OpenLogStreamAsync(this ResourceClient<Pod> pods, string name, string? @namespace = null, LogOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var query = new QueryBuilder();
        (options ?? new LogOptions()).AppendTo(query);
        var response = await pods.SendRawAsync(HttpMethod.Get, name, "log", @namespace, query.ToString(), streaming: true, "text/plain, */*", cancellationToken);
        return new ResponseOwningStream(response, await response.Content.ReadAsStreamAsync(cancellationToken));
    }

    /// <summary>The log line by line; with <see cref="LogOptions.Follow"/> it ends when the container's log ends or on cancellation.</summary>
    public static async IAsyncEnumerable<string> StreamLogLinesAsync(this ResourceClient<Pod> pods, string name, string? @namespace = null, LogOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var stream = await pods.OpenLogStreamAsync(name, @namespace, options, cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            yield return line;
        }
    }

    /// <summary>
    /// Evicts a pod through policy/v1 Eviction. A disruption budget that forbids it answers 429
    /// (<see cref="TooManyRequestsException"/>), which is not retried here: the caller decides when to try again.
    /// </summary>
    public static Task EvictAsync(this ResourceClient<Pod> pods, string name, string? @namespace = null, DeleteOptions? deleteOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var eviction = new Eviction
        {
            ApiVersion = "policy/v1",
            Kind = "Eviction",
            Metadata = new ObjectMeta { Name = name, Namespace = @namespace ?? pods.Client.DefaultNamespace },
            DeleteOptions = deleteOptions,
        };
        return pods.PostSubresourceAsync(name, "eviction", @namespace, JsonSerializer.SerializeToUtf8Bytes(eviction, KubernetesJsonContext.Default.Eviction), cancellationToken);
    }

    /// <summary>Adds an ephemeral (debug) container with a strategic merge patch of the ephemeralcontainers subresource, as kubectl debug does.</summary>
    public static Task<Pod> AddEphemeralContainerAsync(this ResourceClient<Pod> pods, string name, EphemeralContainer container, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(container);
        var patch = new Pod { Spec = new PodSpec { EphemeralContainers = [container] } };
        var json = JsonSerializer.SerializeToNode(patch, KubernetesJsonContext.Default.Pod)!.AsObject();
        json.Remove("metadata");
        return pods.PatchAsync(name, Patch.Strategic(json.ToJsonString()), @namespace, subresource: "ephemeralcontainers", cancellationToken: cancellationToken);
    }

    /// <summary>A stream that disposes its HTTP response with it.</summary>
    private sealed class ResponseOwningStream(HttpResponseMessage response, Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
