using System.Text;
using Vigil.Kubernetes.Authentication;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Tests.Fixtures;

namespace Vigil.Kubernetes.Tests.Configuration;

public sealed class ExecCredentialProviderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A plugin that logs its KUBERNETES_EXEC_INFO, counts its runs and prints a token that expires at $EXPIRY.</summary>
    private string WritePlugin(string apiVersion = "client.authentication.k8s.io/v1")
    {
        return _dir.WriteExecutable("bin/plugin.sh", $$$"""
            #!/bin/sh
            dir=$(dirname "$0")
            count=$(cat "$dir/count" 2>/dev/null || echo 0)
            count=$((count + 1))
            echo $count > "$dir/count"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/info.json"
            if [ -n "$FAIL" ]; then echo "token service unreachable" >&2; exit 3; fi
            printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"token-%s-%s","expirationTimestamp":"%s"}}' "${ANSWER_VERSION:-{{{apiVersion}}}}" "$1" "$count" "$EXPIRY"
            """);
    }

    private int Runs => int.Parse(File.ReadAllText(Path.Combine(_dir.Path, "bin/count")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Caches_until_thirty_seconds_before_expiry_then_runs_again()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var provider = new ExecCredentialProvider(
            new ExecPluginSettings
            {
                ApiVersion = ExecPluginSettings.V1,
                Command = WritePlugin(),
                Args = ["alpha"],
                Env = new Dictionary<string, string> { ["EXPIRY"] = "2030-01-01T00:10:00Z" },
                InteractiveMode = "Never",
                ProvideClusterInfo = true,
                ClusterServer = "https://api.example",
            },
            clock);

        (await provider.GetCredentialAsync(default)).BearerToken.ShouldBe("token-alpha-1");
        var info = File.ReadAllText(Path.Combine(_dir.Path, "bin/info.json"));
        info.ShouldContain("\"apiVersion\":\"client.authentication.k8s.io/v1\"");
        info.ShouldContain("\"server\":\"https://api.example\"");
        info.ShouldContain("\"interactive\":false");

        clock.Advance(TimeSpan.FromMinutes(9));
        (await provider.GetCredentialAsync(default)).BearerToken.ShouldBe("token-alpha-1");
        clock.Advance(TimeSpan.FromSeconds(31));
        (await provider.GetCredentialAsync(default)).BearerToken.ShouldBe("token-alpha-2");

        provider.Invalidate();
        (await provider.GetCredentialAsync(default)).BearerToken.ShouldBe("token-alpha-3");
        Runs.ShouldBe(3);
    }

    [Fact]
    public async Task Concurrent_callers_share_one_run()
    {
        var provider = new ExecCredentialProvider(
            new ExecPluginSettings { ApiVersion = ExecPluginSettings.V1Beta1, Command = WritePlugin(ExecPluginSettings.V1Beta1), Env = new Dictionary<string, string> { ["EXPIRY"] = "2999-01-01T00:00:00Z" } },
            TimeProvider.System);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => provider.GetCredentialAsync(default).AsTask()));
        results.Select(r => r.BearerToken).Distinct().Count().ShouldBe(1);
        Runs.ShouldBe(1);
    }

    [Fact]
    public async Task Failing_plugin_reports_stderr_and_wrong_version_is_rejected()
    {
        var command = WritePlugin();
        var failing = new ExecCredentialProvider(
            new ExecPluginSettings { ApiVersion = ExecPluginSettings.V1, InteractiveMode = "Never", Command = command, Env = new Dictionary<string, string> { ["FAIL"] = "1" }, Source = "/home/me/.kube/config" },
            TimeProvider.System);
        var error = await Should.ThrowAsync<KubeConfigException>(async () => await failing.GetCredentialAsync(default));
        error.Message.ShouldContain("token service unreachable");
        error.Message.ShouldContain("/home/me/.kube/config");

        var mismatched = new ExecCredentialProvider(
            new ExecPluginSettings { ApiVersion = ExecPluginSettings.V1, InteractiveMode = "Never", Command = command, Env = new Dictionary<string, string> { ["ANSWER_VERSION"] = ExecPluginSettings.V1Beta1, ["EXPIRY"] = "2999-01-01T00:00:00Z" } },
            TimeProvider.System);
        (await Should.ThrowAsync<KubeConfigException>(async () => await mismatched.GetCredentialAsync(default))).Message.ShouldContain("apiVersion");

        var missing = new ExecCredentialProvider(
            new ExecPluginSettings { ApiVersion = ExecPluginSettings.V1, InteractiveMode = "Never", Command = "/nonexistent/kubelogin", InstallHint = "Install kubelogin." },
            TimeProvider.System);
        (await Should.ThrowAsync<KubeConfigException>(async () => await missing.GetCredentialAsync(default))).Message.ShouldContain("Install kubelogin.");
    }

    [Fact]
    public async Task Kubeconfig_exec_resolves_relative_commands_and_validates_api_version()
    {
        WritePlugin();
        var config = _dir.Write("config", """
            current-context: x
            clusters: [{name: c, cluster: {server: "https://x"}}]
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./bin/plugin.sh
                  args: [beta]
                  env: [{name: EXPIRY, value: "2999-01-01T00:00:00Z"}]
                  interactiveMode: Never
            - name: bad
              user:
                exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}
            contexts: [{name: x, context: {cluster: c, user: u}}, {name: y, context: {cluster: c, user: bad}}]
            """);
        var load = (string? context) => KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = [config], Context = context }, TimeProvider.System);
        (await load(null).Credentials!.GetCredentialAsync(default)).BearerToken.ShouldBe("token-beta-1");
        var error = Should.Throw<KubeConfigException>(() => load("y"));
        error.Field.ShouldBe("users[bad].user.exec.apiVersion");
    }

    [Fact]
    public async Task Plugin_can_return_a_client_certificate()
    {
        using var certificates = new TestCertificates();
        using var client = certificates.IssueClient("exec-user");
        static string Json(string s) => s.Replace("\n", "\\n", StringComparison.Ordinal);
        var output = $$$"""{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"clientCertificateData":"{{{Json(TestCertificates.CertificatePem(client))}}}","clientKeyData":"{{{Json(TestCertificates.KeyPem(client))}}}"}}""";
        _dir.Write("cred.json", output);
        var command = _dir.WriteExecutable("cert.sh", "#!/bin/sh\ncat \"$(dirname \"$0\")/cred.json\"\n");
        var provider = new ExecCredentialProvider(new ExecPluginSettings { ApiVersion = ExecPluginSettings.V1Beta1, Command = command }, TimeProvider.System);
        var credential = await provider.GetCredentialAsync(default);
        credential.BearerToken.ShouldBeNull();
        credential.ClientCertificate!.Subject.ShouldBe("CN=exec-user");
        credential.ClientCertificate.HasPrivateKey.ShouldBeTrue();
        _ = Encoding.UTF8;
    }
}
