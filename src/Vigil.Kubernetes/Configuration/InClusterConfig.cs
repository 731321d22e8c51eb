using Vigil.Kubernetes.Authentication;

namespace Vigil.Kubernetes.Configuration;

/// <summary>
/// The configuration of a pod's service account: <c>https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT</c>, the
/// token (re-read as it rotates), <c>ca.crt</c> and <c>namespace</c> under <see cref="DefaultDirectory"/>.
/// </summary>
public static class InClusterConfig
{
    public const string DefaultDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    public static bool IsInCluster(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return !string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_HOST")) && !string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_PORT"))
            && File.Exists(Path.Combine(DefaultDirectory, "token"));
    }

    public static KubernetesClientConfiguration Load(TimeProvider timeProvider, Func<string, string?>? environment = null, string directory = DefaultDirectory)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        environment ??= Environment.GetEnvironmentVariable;
        var host = environment("KUBERNETES_SERVICE_HOST");
        var port = environment("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubeConfigException(null, "in-cluster", "KUBERNETES_SERVICE_HOST", "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
        }

        var tokenPath = Path.Combine(directory, "token");
        if (!File.Exists(tokenPath))
        {
            throw new KubeConfigException(tokenPath, "in-cluster", "token", "the service-account token file does not exist");
        }

        var caPath = Path.Combine(directory, "ca.crt");
        var authority = File.Exists(caPath) ? PemCertificates.LoadBundle(File.ReadAllText(caPath), caPath) : null;
        var namespacePath = Path.Combine(directory, "namespace");
        var ns = File.Exists(namespacePath) ? File.ReadAllText(namespacePath).Trim() : "default";

        // An IPv6 host needs brackets in the URL.
        var hostPart = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
        return new KubernetesClientConfiguration
        {
            Server = new Uri($"https://{hostPart}:{port}"),
            Namespace = ns.Length == 0 ? "default" : ns,
            CertificateAuthority = authority,
            Credentials = new TokenFileCredentialProvider(tokenPath, timeProvider),
            ContextName = "in-cluster",
            SourceFile = tokenPath,
        };
    }
}
