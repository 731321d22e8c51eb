using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Vigil.Cluster;

namespace Vigil.Bench.Cluster;

/// <summary>An HTTPS client as a real client would use: trusts only the cluster CA, sends the bearer token.</summary>
internal static class BenchHttp
{
    public static HttpClient Create(SimulatedCluster cluster, int maxConnections = 256)
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
                    using var leaf = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                    return chain.Build(leaf);
                },
            },
            MaxConnectionsPerServer = maxConnections,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        };
        var client = new HttpClient(handler) { BaseAddress = cluster.Address, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.Token);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        client.DefaultRequestHeaders.UserAgent.ParseAdd("vigil-bench/1.0");
        return client;
    }
}
