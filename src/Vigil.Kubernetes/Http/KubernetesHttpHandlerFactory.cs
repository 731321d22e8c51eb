using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Vigil.Kubernetes.Configuration;

namespace Vigil.Kubernetes.Http;

/// <summary>
/// Builds the socket handler for a configuration: trust only the configured CA (or the system store), verify the
/// server name against <c>tls-server-name</c> when given, skip verification when told to, and present the client
/// certificate from the kubeconfig or, when an exec plugin hands one out, the plugin's current certificate.
/// </summary>
public static class KubernetesHttpHandlerFactory
{
    public static SocketsHttpHandler Create(KubernetesClientConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = System.Net.DecompressionMethods.GZip,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 100,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            EnableMultipleHttp2Connections = true,
        };

        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            ValidateServerCertificate(configuration, certificate as X509Certificate2, chain, errors);

        if (configuration.ClientCertificate is not null || configuration.Credentials is not null)
        {
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) =>
                configuration.Credentials?.Current?.ClientCertificate ?? configuration.ClientCertificate!;
        }

        return handler;
    }

    internal static bool ValidateServerCertificate(KubernetesClientConfiguration configuration, X509Certificate2? certificate, X509Chain? defaultChain, SslPolicyErrors errors)
    {
        if (configuration.InsecureSkipTlsVerify)
        {
            return true;
        }

        if (certificate is null)
        {
            return false;
        }

        var nameOk = configuration.TlsServerName is { } serverName
            ? certificate.MatchesHostname(serverName)
            : (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
        if (!nameOk)
        {
            return false;
        }

        if (configuration.CertificateAuthority is not { Count: > 0 } authority)
        {
            return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (defaultChain is not null)
        {
            foreach (var element in defaultChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }
}
