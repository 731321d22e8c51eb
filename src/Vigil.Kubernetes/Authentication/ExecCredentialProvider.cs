using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Kubernetes.Configuration;

namespace Vigil.Kubernetes.Authentication;

/// <summary>The settings of an exec credential plugin, resolved against the kubeconfig it came from.</summary>
public sealed record ExecPluginSettings
{
    public const string V1 = "client.authentication.k8s.io/v1";
    public const string V1Beta1 = "client.authentication.k8s.io/v1beta1";

    public required string ApiVersion { get; init; }
    public required string Command { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    public string? InstallHint { get; init; }

    /// <summary>When true the plugin receives <c>spec.cluster</c> in <c>KUBERNETES_EXEC_INFO</c>.</summary>
    public bool ProvideClusterInfo { get; init; }
    public string? InteractiveMode { get; init; }

    /// <summary>Cluster information to pass along when <see cref="ProvideClusterInfo"/> is set.</summary>
    public string? ClusterServer { get; init; }
    public string? ClusterTlsServerName { get; init; }
    public bool ClusterInsecureSkipTlsVerify { get; init; }
    public string? ClusterCertificateAuthorityData { get; init; }

    /// <summary>Where the setting came from, for error messages.</summary>
    public string? Source { get; init; }
}

/// <summary>
/// Runs an exec credential plugin (client.authentication.k8s.io v1 or v1beta1) and caches what it prints until
/// 30 seconds before its <c>expirationTimestamp</c>. A 401 invalidates the cache. Concurrent callers share one run.
/// </summary>
public sealed partial class ExecCredentialProvider : ICredentialProvider, IDisposable
{
    /// <summary>How long before expiry the credential is refreshed.</summary>
    public static readonly TimeSpan RefreshBeforeExpiry = TimeSpan.FromSeconds(30);

    private readonly ExecPluginSettings _settings;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile CachedCredential? _cached;

    public ExecCredentialProvider(ExecPluginSettings settings, TimeProvider timeProvider, ILogger<ExecCredentialProvider>? logger = null)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (settings.ApiVersion is not (ExecPluginSettings.V1 or ExecPluginSettings.V1Beta1))
        {
            throw new KubeConfigException(settings.Source, null, "exec.apiVersion", $"exec plugin apiVersion '{settings.ApiVersion}' is not supported (use {ExecPluginSettings.V1} or {ExecPluginSettings.V1Beta1}).");
        }

        if (settings.ApiVersion == ExecPluginSettings.V1 && string.IsNullOrEmpty(settings.InteractiveMode))
        {
            throw new KubeConfigException(settings.Source, null, "exec.interactiveMode", "interactiveMode must be set for client.authentication.k8s.io/v1 plugins.");
        }
    }

    /// <summary>How many times the plugin has been run (for diagnostics and tests).</summary>
    public int Runs { get; private set; }

    public Credential? Current => _cached?.Credential;

    public async ValueTask<Credential> GetCredentialAsync(CancellationToken cancellationToken)
    {
        var cached = _cached;
        if (cached is not null && IsFresh(cached))
        {
            return cached.Credential;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            cached = _cached;
            if (cached is not null && IsFresh(cached))
            {
                return cached.Credential;
            }

            cached = await RunPluginAsync(cancellationToken);
            _cached = cached;
            return cached.Credential;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Invalidate() => _cached = null;

    public void Dispose() => _gate.Dispose();

    private bool IsFresh(CachedCredential cached) =>
        cached.ExpiresAt is not { } expiry || _timeProvider.GetUtcNow() < expiry - RefreshBeforeExpiry;

    private async Task<CachedCredential> RunPluginAsync(CancellationToken cancellationToken)
    {
        if (string.Equals(_settings.InteractiveMode, "Always", StringComparison.Ordinal))
        {
            throw Fail("interactiveMode is Always but the client has no terminal");
        }

        var start = new ProcessStartInfo(_settings.Command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in _settings.Args)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in _settings.Env)
        {
            start.Environment[name] = value;
        }

        start.Environment["KUBERNETES_EXEC_INFO"] = BuildExecInfo();

        Process process;
        try
        {
            process = Process.Start(start) ?? throw Fail("the process did not start");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw Fail($"cannot run '{_settings.Command}': {exception.Message}" + (_settings.InstallHint is null ? string.Empty : $". {_settings.InstallHint}"), exception);
        }

        using (process)
        {
            process.StandardInput.Close();
            Runs++;
            LogRunningPlugin(_logger, _settings.Command);
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var output = await stdout;
            var errors = await stderr;
            if (process.ExitCode != 0)
            {
                throw Fail($"'{_settings.Command}' exited with code {process.ExitCode}: {errors.Trim()}");
            }

            return Parse(output);
        }
    }

    private string BuildExecInfo()
    {
        var info = new ExecCredential
        {
            ApiVersion = _settings.ApiVersion,
            Kind = "ExecCredential",
            Spec = new ExecCredentialSpec
            {
                Interactive = false,
                Cluster = _settings.ProvideClusterInfo
                    ? new ExecCluster
                    {
                        Server = _settings.ClusterServer,
                        TlsServerName = _settings.ClusterTlsServerName,
                        InsecureSkipTlsVerify = _settings.ClusterInsecureSkipTlsVerify ? true : null,
                        CertificateAuthorityData = _settings.ClusterCertificateAuthorityData,
                    }
                    : null,
            },
        };
        return JsonSerializer.Serialize(info, ExecCredentialJsonContext.Default.ExecCredential);
    }

    private CachedCredential Parse(string output)
    {
        ExecCredential? credential;
        try
        {
            credential = JsonSerializer.Deserialize(output, ExecCredentialJsonContext.Default.ExecCredential);
        }
        catch (JsonException exception)
        {
            throw Fail($"its output is not an ExecCredential: {exception.Message}", exception);
        }

        if (credential is null || !string.Equals(credential.Kind, "ExecCredential", StringComparison.Ordinal))
        {
            throw Fail("its output is not an ExecCredential");
        }

        if (!string.Equals(credential.ApiVersion, _settings.ApiVersion, StringComparison.Ordinal))
        {
            throw Fail($"it answered with apiVersion '{credential.ApiVersion}' but '{_settings.ApiVersion}' was asked for");
        }

        var status = credential.Status ?? throw Fail("its output has no status");
        X509Certificate2? certificate = null;
        if (status.ClientCertificateData is not null || status.ClientKeyData is not null)
        {
            if (status.ClientCertificateData is null || status.ClientKeyData is null)
            {
                throw Fail("it printed only one of clientCertificateData and clientKeyData");
            }

            certificate = PemCertificates.LoadClientCertificate(status.ClientCertificateData, status.ClientKeyData, _settings.Source ?? "exec plugin");
        }

        if (status.Token is null && certificate is null)
        {
            throw Fail("it printed neither a token nor a client certificate");
        }

        return new CachedCredential(new Credential(BearerToken: status.Token, ClientCertificate: certificate), status.ExpirationTimestamp?.Value);
    }

    private KubeConfigException Fail(string problem, Exception? inner = null) =>
        new(_settings.Source, null, "exec", $"exec plugin failed: {problem}", inner);

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Running exec credential plugin {Command}")]
    private static partial void LogRunningPlugin(ILogger logger, string command);

    private sealed record CachedCredential(Credential Credential, DateTimeOffset? ExpiresAt);
}
