using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Vigil.Cluster.Tests.Support;

/// <summary>A watch request read line by line, as client-go reads it.</summary>
public sealed class WatchStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<JsonNode> _events = Channel.CreateUnbounded<JsonNode>();
    private readonly Task _reader;

    private WatchStream(HttpResponseMessage response)
    {
        _response = response;
        _reader = Task.Run(ReadAsync);
    }

    public int StatusCode => (int)_response.StatusCode;

    /// <summary>True once the server ended the response.</summary>
    public bool Ended { get; private set; }

    public static async Task<WatchStream> Open(HttpClient http, string path, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new WatchStream(response);
    }

    private async Task ReadAsync()
    {
        try
        {
            using var stream = await _response.Content.ReadAsStreamAsync(_stop.Token);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
                if (line.Length > 0) await _events.Writer.WriteAsync(JsonNode.Parse(line)!, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
        }
        finally
        {
            Ended = true;
            _events.Writer.TryComplete();
        }
    }

    /// <summary>The next event, or null when the stream ended; fails after the timeout.</summary>
    public async Task<JsonNode?> Next(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            return await _events.Reader.ReadAsync(cts.Token);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no watch event arrived in time");
        }
    }

    /// <summary>Reads events until <paramref name="count"/> non-bookmark events arrived.</summary>
    public async Task<List<JsonNode>> Take(int count, TimeSpan? timeout = null)
    {
        var list = new List<JsonNode>();
        while (list.Count < count)
        {
            var e = await Next(timeout) ?? throw new InvalidOperationException($"watch ended after {list.Count} of {count} events");
            if (e["type"]!.GetValue<string>() != "BOOKMARK") list.Add(e);
        }
        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        await _reader;
        _stop.Dispose();
    }
}

public static class WatchEventExtensions
{
    public static string Type(this JsonNode e) => e["type"]!.GetValue<string>();
    public static string Name(this JsonNode e) => e["object"]!["metadata"]!["name"]!.GetValue<string>();
    public static long Rv(this JsonNode e) => long.Parse(e["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
}
