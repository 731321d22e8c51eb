using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Vigil.Cluster;

namespace Vigil.Bench.Cluster;

/// <summary>
/// A full paged list (limit=500, following continue tokens) of every pod, three ways: the store alone (in-process, no HTTP),
/// HTTPS reading the bytes only (the continue token is found in the list head by a byte search), and HTTPS counting items
/// with a Utf8JsonReader (what a client does at least).
/// </summary>
internal sealed class PagedListBench(SimulatedCluster cluster, HttpClient http, int limit)
{
    private byte[] _buffer = new byte[4 << 20];

    public sealed record Run(int Pages, long Items, long Bytes, TimeSpan Elapsed)
    {
        public double ItemsPerSecond => Items / Elapsed.TotalSeconds;
        public double MegabytesPerSecond => Bytes / 1e6 / Elapsed.TotalSeconds;
    }

    /// <summary>Walks the store's pages in-process, as the handler does (an always-true filter), touching nothing but the counts.</summary>
    public Run StoreOnly()
    {
        var store = cluster.Operations.Store;
        var key = Pods.PodType(cluster).StorageKey;
        var sw = Stopwatch.StartNew();
        long items = 0, bytes = 0;
        var pages = 0;
        string? next = null;
        long? rv = null;
        do
        {
            var page = store.List(key, null, static _ => true, limit, next, rv);
            rv = page.ResourceVersion;
            next = page.NextKey;
            foreach (var item in page.Items) bytes += item.Json.Length;
            items += page.Items.Count;
            pages++;
        }
        while (next is not null);
        return new Run(pages, items, bytes, sw.Elapsed);
    }

    public async Task<Run> OverHttp(bool count)
    {
        var sw = Stopwatch.StartNew();
        long items = 0, bytes = 0;
        var pages = 0;
        string? token = null;
        do
        {
            var url = token is null ? $"/api/v1/pods?limit={limit}" : $"/api/v1/pods?limit={limit}&continue={token}";
            var length = await ReadBody(url);
            bytes += length;
            pages++;
            if (count)
            {
                var (n, next) = CountItems(_buffer.AsSpan(0, length));
                items += n;
                token = next;
            }
            else
            {
                token = ContinueFromHead(_buffer.AsSpan(0, Math.Min(length, 4096)));
            }
        }
        while (token is not null);
        return new Run(pages, count ? items : -1, bytes, sw.Elapsed);
    }

    private async Task<int> ReadBody(string url)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await using var stream = await response.Content.ReadAsStreamAsync();
        var length = 0;
        while (true)
        {
            if (length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            var read = await stream.ReadAsync(_buffer.AsMemory(length));
            if (read == 0) return length;
            length += read;
        }
    }

    private static ReadOnlySpan<byte> ContinueKey => "\"continue\":\""u8;

    /// <summary>The continue token from the list head without parsing: the server writes metadata before items.</summary>
    internal static string? ContinueFromHead(ReadOnlySpan<byte> head)
    {
        var at = head.IndexOf(ContinueKey);
        if (at < 0) return null;
        var rest = head[(at + ContinueKey.Length)..];
        var end = rest.IndexOf((byte)'"');
        return end <= 0 ? null : System.Text.Encoding.ASCII.GetString(rest[..end]);
    }

    /// <summary>Counts the items of a list and reads metadata.continue, skipping everything else.</summary>
    internal static (int Items, string? Continue) CountItems(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var items = 0;
        string? next = null;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isContinue = reader.ValueTextEquals("continue"u8);
                    reader.Read();
                    if (isContinue) next = reader.GetString();
                    else reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("items"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items++;
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return (items, string.IsNullOrEmpty(next) ? null : next);
    }
}
