using System.Text.Json.Serialization;
using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Authentication;

/// <summary><c>client.authentication.k8s.io</c> ExecCredential, as passed to and printed by an exec plugin.</summary>
internal sealed class ExecCredential
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ExecCredentialSpec? Spec { get; set; }
    public ExecCredentialStatus? Status { get; set; }
}

internal sealed class ExecCredentialSpec
{
    public bool Interactive { get; set; }
    public ExecCluster? Cluster { get; set; }
}

internal sealed class ExecCluster
{
    public string? Server { get; set; }

    [JsonPropertyName("tls-server-name")]
    public string? TlsServerName { get; set; }

    [JsonPropertyName("insecure-skip-tls-verify")]
    public bool? InsecureSkipTlsVerify { get; set; }

    [JsonPropertyName("certificate-authority-data")]
    public string? CertificateAuthorityData { get; set; }
}

internal sealed class ExecCredentialStatus
{
    public Time? ExpirationTimestamp { get; set; }
    public string? Token { get; set; }
    public string? ClientCertificateData { get; set; }
    public string? ClientKeyData { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExecCredential))]
internal sealed partial class ExecCredentialJsonContext : JsonSerializerContext;
