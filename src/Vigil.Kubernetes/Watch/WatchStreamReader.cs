using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Watch;

/// <summary>
/// Reads a watch response: newline-delimited JSON events, decoded straight from UTF-8 without a string per line.
/// A connection silent for longer than the idle timeout is declared dead. An ERROR event ends the stream with the
/// typed exception for its Status (410 → <see cref="ResourceExpiredException"/>).
/// </summary>
internal static class WatchStreamReader
{
    // Small to start: a sharded operator holds a watch per namespace and kind, most of them idle, each keeping its buffer
    // for as long as it runs. A busy watch grows its buffer (below) up to BusyBufferSize, so it still reads in large chunks.
    private const int InitialBufferSize = 4 * 1024;
    private const int BusyBufferSize = 64 * 1024;

    public static async IAsyncEnumerable<WatchEvent<T>> ReadAsync<T>(
        Stream stream,
        JsonTypeInfo<T> typeInfo,
        TimeSpan idleTimeout,
        TimeProvider timeProvider,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        var start = 0;
        var end = 0;
        var filled = false;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var idleTimer = timeProvider.CreateTimer(static state => CancelQuietly((CancellationTokenSource)state!), idle, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        try
        {
            while (true)
            {
                // Emit every complete line in the buffer.
                int newline;
                while ((newline = Array.IndexOf(buffer, (byte)'\n', start, end - start)) >= 0)
                {
                    var line = new ReadOnlyMemory<byte>(buffer, start, newline - start);
                    start = newline + 1;
                    var watchEvent = Decode(line, typeInfo);
                    if (watchEvent is not null)
                    {
                        yield return watchEvent;
                    }
                }

                // Compact, grow if a single line fills the buffer.
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }

                if (end == buffer.Length || (filled && buffer.Length < BusyBufferSize))
                {
                    filled = false;
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, bigger, 0, end);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                idleTimer.Change(idleTimeout, Timeout.InfiniteTimeSpan);
                int read;
                var room = buffer.Length - end;
                try
                {
                    read = await stream.ReadAsync(buffer.AsMemory(end), idle.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new WatchIdleTimeoutException($"The watch delivered no data for {idleTimeout}; the connection is treated as dead.");
                }
                catch (IOException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new WatchIdleTimeoutException($"The watch delivered no data for {idleTimeout}; the connection is treated as dead.");
                }

                if (read == 0)
                {
                    // The server closed the watch; a final line without a newline still counts.
                    if (end > start)
                    {
                        var last = Decode(new ReadOnlyMemory<byte>(buffer, start, end - start), typeInfo);
                        if (last is not null)
                        {
                            yield return last;
                        }
                    }

                    yield break;
                }

                end += read;
                // A read that filled all the room there was means more was waiting: the stream is busy, read more at once.
                filled = read == room;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The idle timer may fire while the watch is being torn down; a disposed source is simply ignored.</summary>
    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Decodes one line; blank lines give null.</summary>
    internal static WatchEvent<T>? Decode<T>(ReadOnlyMemory<byte> line, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        var span = line.Span;
        if (span.Length > 0 && span[^1] == (byte)'\r')
        {
            span = span[..^1];
        }

        if (span.Trim((byte)' ').Length == 0)
        {
            return null;
        }

        string? type = null;
        var objectStart = -1;
        var objectLength = 0;
        try
        {
            var reader = new Utf8JsonReader(span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Malformed(span, "not a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.GetString();
                }
                else if (reader.ValueTextEquals("object"u8))
                {
                    reader.Read();
                    objectStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    objectLength = (int)reader.BytesConsumed - objectStart;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException exception)
        {
            throw Malformed(span, exception.Message, exception);
        }

        if (type is null || objectStart < 0)
        {
            throw Malformed(span, "an event needs a type and an object");
        }

        var body = span.Slice(objectStart, objectLength);
        if (type == "ERROR")
        {
            var status = JsonSerializer.Deserialize(body, Serialization.KubernetesJsonContext.Default.Status) ?? new Status();
            throw KubernetesApiException.From(status);
        }

        var eventType = type switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            _ => throw Malformed(span, $"unknown event type '{type}'"),
        };
        T value;
        try
        {
            value = JsonSerializer.Deserialize(body, typeInfo) ?? throw Malformed(span, "the object is null");
        }
        catch (JsonException exception)
        {
            throw Malformed(span, exception.Message, exception);
        }

        return new WatchEvent<T>(eventType, value);
    }

    private static JsonException Malformed(ReadOnlySpan<byte> line, string why, Exception? inner = null)
    {
        var preview = Encoding.UTF8.GetString(line[..Math.Min(line.Length, 200)]);
        return new JsonException($"Malformed watch event ({why}): {preview}", inner);
    }
}
