using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Cluster.Server;

namespace Vigil.Cluster.Tests.Support;

/// <summary>A running simulated cluster for a test class, with an HTTPS client and a kubeconfig for real clients.</summary>
public class ClusterFixture : IAsyncLifetime
{
    /// <summary>Options for the cluster; a derived fixture overrides them (a short watch history, a request budget).</summary>
    protected virtual ClusterOptions Options => new() { Simulate = false };

    public SimulatedCluster Cluster { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "vigil-tests", Guid.NewGuid().ToString("N"));
    public string KubeconfigPath => Path.Combine(Directory, "kubeconfig");

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Cluster = await SimulatedCluster.StartAsync(Options);
        Cluster.WriteKubeconfig(KubeconfigPath);
        Http = CreateClient(Cluster, Cluster.Token);
    }

    /// <summary>An HTTPS client that trusts the cluster's CA and sends <paramref name="token"/> (none when null).</summary>
    public static HttpClient CreateClient(SimulatedCluster cluster, string? token, X509Certificate2? clientCertificate = null)
    {
        var authority = X509CertificateLoader.LoadCertificate(cluster.Certificates.Authority.RawData);
        var handler = new SocketsHttpHandler
        {
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    if (cert is null) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(authority);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()));
                },
            },
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 256,
        };
        if (clientCertificate is not null) handler.SslOptions.ClientCertificates = [clientCertificate];
        var client = new HttpClient(handler) { BaseAddress = cluster.Address, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Cluster.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>HTTP helpers that speak the Kubernetes protocol plainly, so the tests read as requests and answers.</summary>
public static class HttpExtensions
{
    public static async Task<(int Status, JsonNode? Body)> SendJson(this HttpClient http, HttpMethod method, string path, object? body = null, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            var text = body switch
            {
                string s => s,
                JsonNode n => n.ToJsonString(),
                _ => System.Text.Json.JsonSerializer.Serialize(body),
            };
            request.Content = new StringContent(text, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await http.SendAsync(request);
        var content = await response.Content.ReadAsStringAsync();
        JsonNode? node = null;
        if (content.Length > 0 && (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) ?? false)) node = JsonNode.Parse(content);
        return ((int)response.StatusCode, node);
    }

    public static Task<(int Status, JsonNode? Body)> Get(this HttpClient http, string path, string? accept = null) => http.SendJson(HttpMethod.Get, path, accept: accept);
    public static Task<(int Status, JsonNode? Body)> Post(this HttpClient http, string path, object body) => http.SendJson(HttpMethod.Post, path, body);
    public static Task<(int Status, JsonNode? Body)> Put(this HttpClient http, string path, object body) => http.SendJson(HttpMethod.Put, path, body);
    public static Task<(int Status, JsonNode? Body)> Delete(this HttpClient http, string path, object? body = null) => http.SendJson(HttpMethod.Delete, path, body);
    public static Task<(int Status, JsonNode? Body)> Patch(this HttpClient http, string path, object body, string contentType) => http.SendJson(HttpMethod.Patch, path, body, contentType);
}

/// <summary>Waits on a condition with a timeout, instead of sleeping a fixed time.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (deadline.Elapsed > limit) throw new TimeoutException($"condition not met within {limit}: {what ?? "(unnamed)"}; last value: {value}");
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
        }
    }

    public static Task True(Func<Task<bool>> probe, TimeSpan? timeout = null, string? what = null) => Until(probe, v => v, timeout, what);
}
