using System.Text;
using Vigil.Kubernetes.Authentication;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Tests.Fixtures;

namespace Vigil.Kubernetes.Tests.Operations;

[Collection(ClusterCollection.Name)]
public sealed class AuthenticationTests(ClusterFixture fixture) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private string CaData => B64(fixture.Cluster.Certificates.AuthorityPem);

    /// <summary>A kubeconfig for the simulated cluster whose user entry is <paramref name="userYaml"/> (block YAML, indented for "user:").</summary>
    private string Kubeconfig(string userYaml) => $"""
        current-context: c
        clusters:
        - name: c
          cluster:
            server: "{fixture.Cluster.Address.ToString().TrimEnd('/')}"
            certificate-authority-data: {CaData}
        users:
        - name: u
          user:
        {userYaml}
        contexts:
        - name: c
          context:
            cluster: c
            user: u
        """;

    private KubernetesClient FromKubeconfig(string yaml)
    {
        var path = _dir.Write($"config-{Guid.NewGuid():N}", yaml);
        return new KubernetesClient(KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = [path] }, TimeProvider.System));
    }

    [Fact]
    public async Task Kubeconfig_written_by_the_simulator_works()
    {
        var path = Path.Combine(_dir.Path, "sim-config");
        fixture.Cluster.WriteKubeconfig(path);
        using var client = new KubernetesClient(KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = [path] }, TimeProvider.System));
        (await client.Resource<Namespace>().GetAsync("default")).Metadata.Name.ShouldBe("default");
    }

    [Fact]
    public async Task Client_certificate_from_the_cluster_ca_authenticates()
    {
        var (certificate, key) = fixture.Cluster.Certificates.IssueClient("vigil-admin", ["system:masters"], TimeProvider.System);
        using var client = FromKubeconfig(Kubeconfig($"    client-certificate-data: {B64(certificate)}\n    client-key-data: {B64(key)}"));
        (await client.Resource<Namespace>().GetAsync("kube-system")).Metadata.Name.ShouldBe("kube-system");
    }

    [Fact]
    public async Task Without_credentials_the_server_answers_unauthorized()
    {
        using var client = new KubernetesClient(fixture.Configuration() with { Credentials = null });
        await Should.ThrowAsync<UnauthorizedException>(() => client.Resource<Namespace>().GetAsync("default"));
    }

    [Fact]
    public async Task Exec_plugin_token_is_refreshed_after_a_401()
    {
        // The first run prints a wrong token; the client must drop it on 401 and run the plugin again.
        _dir.WriteExecutable("plugin.sh", $$$"""
            #!/bin/sh
            dir=$(dirname "$0")
            if [ -f "$dir/ran" ]; then token="{{{fixture.Cluster.Token}}}"; else token="stale"; touch "$dir/ran"; fi
            printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2999-01-01T00:00:00Z"}}' "$token"
            """);
        using var client = FromKubeconfig(Kubeconfig("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./plugin.sh\n      interactiveMode: Never"));
        (await client.Resource<Namespace>().GetAsync("default")).Metadata.Name.ShouldBe("default");
        ((ExecCredentialProvider)client.Configuration.Credentials!).Runs.ShouldBe(2);
    }

    [Fact]
    public async Task Exec_plugin_can_authenticate_with_a_client_certificate()
    {
        var (certificate, key) = fixture.Cluster.Certificates.IssueClient("exec-user", [], TimeProvider.System);
        static string Json(string s) => s.Replace("\n", "\\n", StringComparison.Ordinal);
        _dir.Write("cred.json", $$$"""{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"clientCertificateData":"{{{Json(certificate)}}}","clientKeyData":"{{{Json(key)}}}"}}""");
        _dir.WriteExecutable("cert-plugin.sh", "#!/bin/sh\ncat \"$(dirname \"$0\")/cred.json\"\n");
        using var client = FromKubeconfig(Kubeconfig("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ./cert-plugin.sh"));
        (await client.Resource<Namespace>().GetAsync("default")).Metadata.Name.ShouldBe("default");
    }

    [Fact]
    public async Task Tls_verification_uses_the_ca_the_server_name_and_can_be_skipped()
    {
        using var wrongCa = new TestCertificates();
        var configuration = fixture.Configuration();

        using (var named = new KubernetesClient(configuration with { TlsServerName = "kubernetes.default.svc" }))
        {
            (await named.Resource<Namespace>().GetAsync("default")).Metadata.Name.ShouldBe("default");
        }

        using (var misnamed = new KubernetesClient(configuration with { TlsServerName = "elsewhere.example", MaxRetries = 0 }))
        {
            await Should.ThrowAsync<HttpRequestException>(() => misnamed.Resource<Namespace>().GetAsync("default"));
        }

        var untrusted = configuration with { CertificateAuthority = [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(wrongCa.Authority.RawData)], MaxRetries = 0 };
        using (var rejecting = new KubernetesClient(untrusted))
        {
            await Should.ThrowAsync<HttpRequestException>(() => rejecting.Resource<Namespace>().GetAsync("default"));
        }

        using (var insecure = new KubernetesClient(untrusted with { InsecureSkipTlsVerify = true }))
        {
            (await insecure.Resource<Namespace>().GetAsync("default")).Metadata.Name.ShouldBe("default");
        }
    }

    [Fact]
    public async Task Connections_reset_while_connecting_surface_as_http_request_exceptions()
    {
        // A peer that accepts and resets at once can make SocketsHttpHandler throw a raw SocketException; the client
        // must report (and retry) it as an ordinary connection failure.
        await using var proxy = new ChaosProxy(fixture.Cluster.Address);
        proxy.Cut(refuseNew: true);
        using var client = new KubernetesClient(fixture.Configuration(server: proxy.Address) with { MaxRetries = 1 });
        for (var i = 0; i < 10; i++)
        {
            var error = await Should.ThrowAsync<Exception>(() => client.Resource<Namespace>().GetAsync("default"));
            error.ShouldBeOfType<HttpRequestException>();
        }

        proxy.Heal();
        (await client.Resource<Namespace>().GetAsync("default")).Metadata.Name.ShouldBe("default");
    }
}
