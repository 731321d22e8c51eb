using System.Text;
using Vigil.Kubernetes.Authentication;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Tests.Fixtures;

namespace Vigil.Kubernetes.Tests.Configuration;

public sealed class KubeConfigLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestCertificates _certificates = new();

    public void Dispose()
    {
        _dir.Dispose();
        _certificates.Dispose();
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private KubernetesClientConfiguration Load(string? context = null, string? kubeconfig = null, string? ns = null) =>
        KubeConfigLoader.Load(
            new KubeConfigLoadOptions { Context = context, Namespace = ns, Environment = name => name == "KUBECONFIG" ? kubeconfig : null },
            TimeProvider.System);

    [Fact]
    public void Merges_the_KUBECONFIG_list_with_first_file_winning()
    {
        var first = _dir.Write("a/config", """
            apiVersion: v1
            kind: Config
            current-context: dev
            clusters:
            - name: shared
              cluster: {server: "https://first.example:6443", insecure-skip-tls-verify: true}
            contexts:
            - name: dev
              context: {cluster: shared, user: dev-user, namespace: team-a}
            users:
            - name: dev-user
              user: {token: first-token}
            """);
        var second = _dir.Write("b/config", """
            current-context: prod
            clusters:
            - name: shared
              cluster: {server: "https://second.example"}
            - name: prod
              cluster: {server: "https://prod.example", tls-server-name: api.internal}
            contexts:
            - name: prod
              context: {cluster: prod, user: prod-user}
            users:
            - name: dev-user
              user: {token: second-token}
            - name: prod-user
              user: {token: prod-token}
            """);
        var missing = Path.Combine(_dir.Path, "missing");
        var list = string.Join(Path.PathSeparator, first, missing, second);

        var dev = Load(kubeconfig: list);
        dev.Server.ShouldBe(new Uri("https://first.example:6443"));
        dev.InsecureSkipTlsVerify.ShouldBeTrue();
        dev.Namespace.ShouldBe("team-a");
        dev.ContextName.ShouldBe("dev");
        dev.Credentials!.Current!.BearerToken.ShouldBe("first-token");

        var prod = Load(context: "prod", kubeconfig: list);
        prod.Server.Host.ShouldBe("prod.example");
        prod.Namespace.ShouldBe("default");
        prod.TlsServerName.ShouldBe("api.internal");
        prod.Credentials!.Current!.BearerToken.ShouldBe("prod-token");

        Load(context: "prod", kubeconfig: list, ns: "override").Namespace.ShouldBe("override");
    }

    [Fact]
    public void Loads_client_certificates_and_ca_from_data_and_from_relative_files()
    {
        using var client = _certificates.IssueClient("alice");
        _dir.Write("certs/ca.crt", _certificates.AuthorityPem);
        _dir.Write("certs/client.crt", TestCertificates.CertificatePem(client));
        _dir.Write("certs/client.key", TestCertificates.KeyPem(client));
        var config = _dir.Write("config", $"""
            current-context: files
            clusters:
            - name: c-files
              cluster: {"{"}server: "https://127.0.0.1:1", certificate-authority: certs/ca.crt{"}"}
            - name: c-data
              cluster: {"{"}server: "https://127.0.0.1:1", certificate-authority-data: {B64(_certificates.AuthorityPem)}{"}"}
            users:
            - name: u-files
              user: {"{"}client-certificate: certs/client.crt, client-key: certs/client.key{"}"}
            - name: u-data
              user: {"{"}client-certificate-data: {B64(TestCertificates.CertificatePem(client))}, client-key-data: {B64(TestCertificates.KeyPem(client))}{"}"}
            contexts:
            - name: files
              context: {"{"}cluster: c-files, user: u-files{"}"}
            - name: data
              context: {"{"}cluster: c-data, user: u-data{"}"}
            """);

        foreach (var context in new[] { "files", "data" })
        {
            var loaded = Load(context, config);
            loaded.CertificateAuthority!.Count.ShouldBe(1);
            loaded.CertificateAuthority[0].Thumbprint.ShouldBe(_certificates.Authority.Thumbprint);
            loaded.ClientCertificate!.HasPrivateKey.ShouldBeTrue();
            loaded.ClientCertificate.Subject.ShouldBe("CN=alice");
        }
    }

    [Fact]
    public void Errors_name_the_file_context_and_field()
    {
        var config = _dir.Write("config", """
            current-context: broken
            clusters:
            - name: c
              cluster: {server: "https://x"}
            users:
            - name: u
              user: {client-certificate-data: "%%%not-base64%%%", client-key-data: "eA=="}
            contexts:
            - name: broken
              context: {cluster: c, user: u}
            - name: no-cluster
              context: {cluster: nowhere, user: u}
            """);

        var error = Should.Throw<KubeConfigException>(() => Load(kubeconfig: config));
        error.File.ShouldBe(config);
        error.Context.ShouldBe("broken");
        error.Field.ShouldBe("users[u].user.client-certificate-data");
        error.Message.ShouldContain("not valid base64");

        var noCluster = Should.Throw<KubeConfigException>(() => Load("no-cluster", config));
        noCluster.Field.ShouldBe("context.cluster");
        noCluster.Message.ShouldContain("'nowhere'");

        var unknown = Should.Throw<KubeConfigException>(() => Load("ghost", config));
        unknown.Message.ShouldContain("context 'ghost' is not defined");
    }

    [Fact]
    public void Reports_yaml_errors_with_position()
    {
        var config = _dir.Write("config", "clusters: [\n  - name: x\n   bad");
        var error = Should.Throw<KubeConfigException>(() => Load(kubeconfig: config));
        error.File.ShouldBe(config);
        error.Message.ShouldContain("line");
    }

    [Fact]
    public void Bad_certificate_key_pair_names_the_field()
    {
        var config = _dir.Write("config", $"""
            current-context: x
            clusters: [{"{"}name: c, cluster: {"{"}server: "https://x"{"}"}{"}"}]
            users: [{"{"}name: u, user: {"{"}client-certificate-data: {B64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}, client-key-data: {B64("nope")}{"}"}{"}"}]
            contexts: [{"{"}name: x, context: {"{"}cluster: c, user: u{"}"}{"}"}]
            """);
        var error = Should.Throw<KubeConfigException>(() => Load(kubeconfig: config));
        error.Field.ShouldBe("users[u].user.client-certificate");
        error.Context.ShouldBe("x");
    }

    [Fact]
    public async Task Token_file_is_reread_when_it_changes()
    {
        var tokenPath = _dir.Write("token", "one\n");
        var config = _dir.Write("config", """
            current-context: x
            clusters: [{name: c, cluster: {server: "https://x"}}]
            users: [{name: u, user: {tokenFile: token}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            """);
        var credentials = Load(kubeconfig: config).Credentials.ShouldBeOfType<TokenFileCredentialProvider>();
        (await credentials.GetCredentialAsync(default)).BearerToken.ShouldBe("one");
        File.WriteAllText(tokenPath, "second-token");
        (await credentials.GetCredentialAsync(default)).BearerToken.ShouldBe("second-token");
    }

    [Fact]
    public async Task Token_file_is_reread_every_minute_even_without_a_visible_change()
    {
        var clock = new ManualTimeProvider();
        var tokenPath = _dir.Write("token", "aaaa");
        var stamp = File.GetLastWriteTimeUtc(tokenPath);
        var provider = new TokenFileCredentialProvider(tokenPath, clock);
        (await provider.GetCredentialAsync(default)).BearerToken.ShouldBe("aaaa");
        File.WriteAllText(tokenPath, "bbbb");
        File.SetLastWriteTimeUtc(tokenPath, stamp);
        (await provider.GetCredentialAsync(default)).BearerToken.ShouldBe("aaaa");
        clock.Advance(TimeSpan.FromSeconds(61));
        (await provider.GetCredentialAsync(default)).BearerToken.ShouldBe("bbbb");
    }

    [Fact]
    public async Task Server_without_scheme_defaults_to_https_token_file_wins_and_insecure_with_ca_is_refused()
    {
        _dir.Write("token", "from-file");
        var config = _dir.Write("config", $"""
            current-context: x
            clusters:
            - name: c
              cluster:
                server: api.example:6443
            - name: conflicted
              cluster:
                server: https://x
                insecure-skip-tls-verify: true
                certificate-authority-data: {B64(_certificates.AuthorityPem)}
            users:
            - name: u
              user:
                token: inline
                tokenFile: token
            contexts:
            - name: x
              context:
                cluster: c
                user: u
            - name: bad
              context:
                cluster: conflicted
                user: u
            """);
        var loaded = Load(kubeconfig: config);
        loaded.Server.ShouldBe(new Uri("https://api.example:6443"));
        (await loaded.Credentials!.GetCredentialAsync(default)).BearerToken.ShouldBe("from-file");
        var error = Should.Throw<KubeConfigException>(() => Load("bad", config));
        error.Field.ShouldBe("clusters[conflicted].cluster.insecure-skip-tls-verify");
    }

    [Fact]
    public async Task In_cluster_config_reads_the_service_account()
    {
        _dir.Write("sa/token", "sa-token");
        _dir.Write("sa/namespace", "kube-system");
        _dir.Write("sa/ca.crt", _certificates.AuthorityPem);
        var env = new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "fd00::1", ["KUBERNETES_SERVICE_PORT"] = "443" };
        var config = InClusterConfig.Load(TimeProvider.System, name => env.GetValueOrDefault(name), Path.Combine(_dir.Path, "sa"));
        config.Server.ShouldBe(new Uri("https://[fd00::1]:443"));
        config.Namespace.ShouldBe("kube-system");
        config.CertificateAuthority!.Count.ShouldBe(1);
        (await config.Credentials!.GetCredentialAsync(default)).BearerToken.ShouldBe("sa-token");

        Should.Throw<KubeConfigException>(() => InClusterConfig.Load(TimeProvider.System, _ => null, _dir.Path)).Message.ShouldContain("KUBERNETES_SERVICE_HOST");
    }
}
