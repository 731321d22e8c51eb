using System.Security.Cryptography.X509Certificates;

namespace Vigil.Kubernetes.Authentication;

/// <summary>What to authenticate a request with: a bearer token, basic credentials, a client certificate, or a mix.</summary>
public sealed record Credential(string? BearerToken = null, X509Certificate2? ClientCertificate = null, string? BasicUser = null, string? BasicPassword = null)
{
    public static Credential None { get; } = new();
}

/// <summary>Supplies credentials for each request; providers cache and refresh them (token files, exec plugins).</summary>
public interface ICredentialProvider
{
    ValueTask<Credential> GetCredentialAsync(CancellationToken cancellationToken);

    /// <summary>The last credential fetched, for synchronous consumers such as the TLS client-certificate callback.</summary>
    Credential? Current { get; }

    /// <summary>Forgets the cached credential (called after a 401) so the next request fetches a fresh one.</summary>
    void Invalidate();
}

/// <summary>A fixed credential: a token or basic credentials from the kubeconfig.</summary>
public sealed class StaticCredentialProvider(Credential credential) : ICredentialProvider
{
    public Credential? Current => credential;

    public ValueTask<Credential> GetCredentialAsync(CancellationToken cancellationToken) => ValueTask.FromResult(credential);

    public void Invalidate()
    {
    }
}
