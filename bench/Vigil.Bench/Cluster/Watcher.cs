using System.Buffers.Text;
using System.Diagnostics;
using System.Text;

namespace Vigil.Bench.Cluster;

/// <summary>
/// One watch connection read as a client reads it: newline-delimited events split into lines; counts MODIFIED events and,
/// when asked, reads each event's stamp annotation (<c>seq:timestamp</c>) to record the write-to-watch latency.
/// </summary>
internal sealed class Watcher : IAsyncDisposable
{
    public const string StampAnnotation = "bench.vigil.dev/stamp";
    private static readonly byte[] StampKey = Encoding.UTF8.GetBytes($"\"{StampAnnotation}\":\"");
    private static ReadOnlySpan<byte> Modified => "{\"type\":\"MODIFIED\""u8;
    private static ReadOnlySpan<byte> ErrorType => "{\"type\":\"ERROR\""u8;

    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly long[]? _latencyTicks;
    private readonly int _skipBelowSeq;
    private long _count;
    private Task _reader = Task.CompletedTask;

    private Watcher(HttpResponseMessage response, int latencyCapacity, int skipBelowSeq)
    {
        _response = response;
        _latencyTicks = latencyCapacity > 0 ? new long[latencyCapacity] : null;
        _skipBelowSeq = skipBelowSeq;
    }

    /// <summary>MODIFIED events read so far.</summary>
    public long Count => Volatile.Read(ref _count);
    public long OtherEvents { get; private set; }

    /// <summary>Reads that returned data: events per read shows how well the server batches.</summary>
    public long Reads { get; private set; }
    public string? Error { get; private set; }
    public bool Ended { get; private set; }
    public int LatencySamples { get; private set; }
    public ReadOnlySpan<long> LatencyTicks => _latencyTicks.AsSpan(0, LatencySamples);

    public static async Task<Watcher> Open(HttpClient http, string path, int latencyCapacity = 0, int skipBelowSeq = 0)
    {
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"watch {path}: {(int)response.StatusCode}");
        var watcher = new Watcher(response, latencyCapacity, skipBelowSeq);
        watcher._reader = Task.Run(watcher.ReadAsync);
        return watcher;
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[256 * 1024];
        int start = 0, end = 0;
        try
        {
            await using var stream = await _response.Content.ReadAsStreamAsync(_stop.Token);
            while (true)
            {
                if (buffer.Length - end < 32 * 1024)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                    if (buffer.Length - end < 32 * 1024) Array.Resize(ref buffer, buffer.Length * 2);
                }
                var read = await stream.ReadAsync(buffer.AsMemory(end), _stop.Token);
                if (read == 0) break;
                Reads++;
                end += read;
                var now = _latencyTicks is null ? 0 : Stopwatch.GetTimestamp();
                var pending = buffer.AsSpan(start, end - start);
                int newline;
                while ((newline = pending.IndexOf((byte)'\n')) >= 0)
                {
                    OnLine(pending[..newline], now);
                    start += newline + 1;
                    pending = pending[(newline + 1)..];
                }
                if (start == end) start = end = 0;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
        }
        finally
        {
            Ended = true;
        }
    }

    private void OnLine(ReadOnlySpan<byte> line, long now)
    {
        if (!line.StartsWith(Modified))
        {
            if (line.StartsWith(ErrorType)) Error = Encoding.UTF8.GetString(line);
            else OtherEvents++;
            return;
        }
        if (_latencyTicks is not null)
        {
            var at = line.IndexOf(StampKey);
            if (at >= 0)
            {
                var value = line[(at + StampKey.Length)..];
                if (Utf8Parser.TryParse(value, out int seq, out var used) && value[used] == (byte)':'
                    && Utf8Parser.TryParse(value[(used + 1)..], out long stamp, out _) && seq >= _skipBelowSeq && LatencySamples < _latencyTicks.Length)
                    _latencyTicks[LatencySamples++] = now - stamp;
            }
        }
        Volatile.Write(ref _count, _count + 1);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        await _reader;
        _stop.Dispose();
    }
}
