using System.Security.Cryptography.X509Certificates;
using Vigil.Kubernetes.Authentication;

namespace Vigil.Kubernetes.Configuration;

/// <summary>Everything needed to talk to one API server: where, how to trust it, who we are, and how politely.</summary>
public sealed record KubernetesClientConfiguration
{
    public required Uri Server { get; init; }

    /// <summary>The namespace from the context (or the service account), <c>default</c> when none is set.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Roots to trust instead of the system store; null means the system store.</summary>
    public X509Certificate2Collection? CertificateAuthority { get; init; }

    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The name to verify the server certificate against, when it differs from the server URL's host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>A fixed client certificate (kubeconfig client-certificate/client-key).</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Tokens, basic credentials, or exec-plugin credentials; null for none.</summary>
    public ICredentialProvider? Credentials { get; init; }

    /// <summary>Client-side rate limit: sustained requests per second (controller-runtime's default is 20); zero or less disables it.</summary>
    public double Qps { get; init; } = 20;

    /// <summary>
    /// Ask for HTTP/2 over TLS (the server may still answer HTTP/1.1), as client-go does: watches share connections as
    /// streams. False forces HTTP/1.1, where every watch holds a connection of its own.
    /// </summary>
    public bool Http2 { get; init; } = true;

    /// <summary>Client-side rate limit: requests allowed in a burst.</summary>
    public int Burst { get; init; } = 30;

    /// <summary>Timeout of ordinary requests; watches and followed logs are not limited by it.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a request is retried after 429, 5xx or a connection failure.</summary>
    public int MaxRetries { get; init; } = 5;

    public string UserAgent { get; init; } = "vigil/1.0";

    /// <summary>The kubeconfig context this came from, or <c>in-cluster</c>.</summary>
    public string? ContextName { get; init; }

    /// <summary>The file the context came from.</summary>
    public string? SourceFile { get; init; }

    /// <summary>Loads from the KUBECONFIG list (or ~/.kube/config), optionally with another context.</summary>
    public static KubernetesClientConfiguration FromKubeConfig(string? context = null, TimeProvider? timeProvider = null) =>
        KubeConfigLoader.Load(new KubeConfigLoadOptions { Context = context }, timeProvider ?? TimeProvider.System);

    /// <summary>Loads the service-account configuration of a pod.</summary>
    public static KubernetesClientConfiguration InCluster(TimeProvider? timeProvider = null) =>
        InClusterConfig.Load(timeProvider ?? TimeProvider.System);

    /// <summary>In-cluster when running in a pod, otherwise the kubeconfig (as controller-runtime's GetConfig does).</summary>
    public static KubernetesClientConfiguration Default(TimeProvider? timeProvider = null) =>
        InClusterConfig.IsInCluster() ? InCluster(timeProvider) : FromKubeConfig(null, timeProvider);
}
