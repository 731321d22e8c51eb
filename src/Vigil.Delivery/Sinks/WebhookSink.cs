using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Vigil.Detection;

namespace Vigil.Delivery.Sinks;

/// <summary>Where a webhook may send: the guard against server-side request forgery.</summary>
public sealed class WebhookPolicy
{
    /// <summary>Plain http is refused unless allowed (https only by default).</summary>
    public bool AllowHttp { get; init; }

    /// <summary>Loopback and private addresses are refused unless allowed (link-local and cloud metadata addresses always are).</summary>
    public bool AllowPrivateAddresses { get; init; }

    /// <summary>Host globs (<c>*.example.com</c>); empty means any host that passes the address rules.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Why <paramref name="url"/> may not be called, or null when it may.</summary>
    public string? Check(Uri url)
    {
        if (url.Scheme is not ("https" or "http")) return $"scheme {url.Scheme} is not allowed";
        if (url.Scheme == "http" && !AllowHttp) return "plain http is not allowed (https only)";
        if (AllowedHosts.Count > 0 && !AllowedHosts.Any(g => Glob(g).IsMatch(url.Host))) return $"host {url.Host} is not in the allowed hosts";
        if (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && CheckAddress(ip) is { } reason) return reason;
        return null;
    }

    /// <summary>Why an address may not be connected to, or null. Checked again at connect time, so DNS cannot smuggle one in.</summary>
    public string? CheckAddress(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        var b = ip.GetAddressBytes();
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            if (b[0] == 169 && b[1] == 254) return $"{ip} is link-local (cloud metadata)";
            if (b[0] == 100 && b[1] == 100 && b[2] == 100 && b[3] == 200) return $"{ip} is a cloud metadata address";
            if (b[0] == 0) return $"{ip} is not routable";
            var isPrivate = b[0] == 10 || b[0] == 127 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && b[1] >= 64 && b[1] <= 127);
            if (isPrivate && !AllowPrivateAddresses) return $"{ip} is a private or loopback address";
        }
        else
        {
            if (ip.IsIPv6LinkLocal || (b[0] == 0xfd && b[1] == 0x00 && b[2] == 0x0e && b[3] == 0xc2)) return $"{ip} is link-local (cloud metadata)";
            if ((IPAddress.IsLoopback(ip) || ip.IsIPv6UniqueLocal || ip.IsIPv6SiteLocal) && !AllowPrivateAddresses) return $"{ip} is a private or loopback address";
        }
        return null;
    }

    /// <summary>
    /// An HTTP client that obeys this policy at connect time (every resolved address is checked, so DNS cannot smuggle a
    /// forbidden one in), never follows redirects and ignores proxies.
    /// </summary>
    public HttpClient CreateClient(TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
                foreach (var address in addresses)
                    if (CheckAddress(address) is { } reason) throw new HttpRequestException($"refused to connect to {context.DnsEndPoint.Host}: {reason}");
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { Timeout = timeout };
    }

    private static Regex Glob(string glob) =>
        new("^" + Regex.Escape(glob).Replace("\\*", "[^.]*", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}

/// <summary>
/// POSTs each diagnosis as JSON (the schema of <see cref="DiagnosisJson"/>) to a URL, with optional headers. Redirects are
/// refused, addresses are checked when connecting, and 4xx answers (but 408 and 429) are not retried.
/// </summary>
public sealed class WebhookSink : ISink, IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly IReadOnlyDictionary<string, string> _headers;
    private readonly HttpMethod _method;

    public WebhookSink(string name, Uri url, WebhookPolicy policy, Severity minimumSeverity = Severity.Info, IReadOnlyDictionary<string, string>? headers = null,
        TimeSpan? timeout = null, Func<Diagnosis.Diagnosis, CancellationToken, Task<string>>? body = null, HttpMethod? method = null)
    {
        if (policy.Check(url) is { } refused) throw new ArgumentException($"webhook sink {name}: {url} refused: {refused}");
        Name = name;
        _url = url;
        _headers = headers ?? new Dictionary<string, string>();
        _method = method ?? HttpMethod.Post;
        Body = body ?? ((d, _) => Task.FromResult(DiagnosisJson.ToJson(d).ToJsonString()));
        MinimumSeverity = minimumSeverity;
        _http = policy.CreateClient(timeout ?? TimeSpan.FromSeconds(10));
    }

    public string Name { get; }

    public Severity MinimumSeverity { get; }

    /// <summary>Renders the request body (JSON by default; templated sinks render their own).</summary>
    public Func<Diagnosis.Diagnosis, CancellationToken, Task<string>> Body { get; }

    public async Task SendAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken)
    {
        string body;
        try
        {
            body = await Body(diagnosis, cancellationToken);
        }
        catch (Templates.TemplateException e)
        {
            // Rendering again will not help: the template itself is at fault.
            throw new SinkException($"{Name}: {e.Message}", retryable: false, e);
        }
        using var request = new HttpRequestMessage(_method, _url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (k, v) in _headers) request.Headers.TryAddWithoutValidation(k, v);
        using var response = await _http.SendAsync(request, cancellationToken);
        var code = (int)response.StatusCode;
        if (code is >= 200 and < 300) return;
        if (code is >= 300 and < 400) throw new SinkException($"{Name}: redirect to {response.Headers.Location} refused", retryable: false);
        throw new SinkException($"{Name}: {_url.Host} answered {code}", retryable: code is 408 or 429 or >= 500);
    }

    public void Dispose() => _http.Dispose();
}
