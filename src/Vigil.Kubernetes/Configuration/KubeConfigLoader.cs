using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vigil.Kubernetes.Authentication;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Vigil.Kubernetes.Configuration;

/// <summary>Which kubeconfig files to read and which context to use.</summary>
public sealed record KubeConfigLoadOptions
{
    /// <summary>The files to merge; null means the KUBECONFIG list, or ~/.kube/config when it is unset.</summary>
    public IReadOnlyList<string>? Paths { get; init; }

    /// <summary>Overrides current-context (kubectl's --context).</summary>
    public string? Context { get; init; }

    /// <summary>Overrides the context's namespace (kubectl's --namespace).</summary>
    public string? Namespace { get; init; }

    /// <summary>The environment to read KUBECONFIG and HOME from; null means the process environment.</summary>
    public Func<string, string?>? Environment { get; init; }
}

/// <summary>A kubeconfig with the KUBECONFIG files merged, remembering which file each entry came from.</summary>
public sealed class MergedKubeConfig
{
    public string? CurrentContext { get; internal set; }

    public string? CurrentContextSource { get; internal set; }

    public Dictionary<string, (ClusterEntry Entry, string File)> Clusters { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, (UserEntry Entry, string File)> Users { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, (ContextEntry Entry, string File)> Contexts { get; } = new(StringComparer.Ordinal);

    /// <summary>The files that were read, in order.</summary>
    public List<string> Files { get; } = [];
}

/// <summary>
/// Reads kubeconfig files the way clientcmd does: KUBECONFIG lists files (':'-separated, ';' on Windows); for each
/// cluster, user and context name and for current-context the first file that sets it wins; missing files in the list
/// are skipped; relative paths are relative to the file that holds them.
/// </summary>
public static class KubeConfigLoader
{
    public static KubernetesClientConfiguration Load(KubeConfigLoadOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        var merged = Merge(ResolvePaths(options));
        return Resolve(merged, options.Context, options.Namespace, timeProvider);
    }

    public static IReadOnlyList<string> ResolvePaths(KubeConfigLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Paths is { Count: > 0 })
        {
            return options.Paths;
        }

        var environment = options.Environment ?? System.Environment.GetEnvironmentVariable;
        var list = environment("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(list))
        {
            return list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        var home = environment("HOME") ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        return [Path.Combine(home, ".kube", "config")];
    }

    public static MergedKubeConfig Merge(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var merged = new MergedKubeConfig();
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
            {
                if (paths.Count == 1)
                {
                    throw new KubeConfigException(full, null, null, "the file does not exist");
                }

                continue;
            }

            var file = Parse(full);
            merged.Files.Add(full);
            if (merged.CurrentContext is null && !string.IsNullOrEmpty(file.CurrentContext))
            {
                merged.CurrentContext = file.CurrentContext;
                merged.CurrentContextSource = full;
            }

            foreach (var (cluster, index) in (file.Clusters ?? []).Select((c, i) => (c, i)))
            {
                var name = cluster.Name ?? throw new KubeConfigException(full, null, $"clusters[{index}].name", "a cluster has no name");
                merged.Clusters.TryAdd(name, (cluster.Cluster ?? new ClusterEntry(), full));
            }

            foreach (var (user, index) in (file.Users ?? []).Select((u, i) => (u, i)))
            {
                var name = user.Name ?? throw new KubeConfigException(full, null, $"users[{index}].name", "a user has no name");
                merged.Users.TryAdd(name, (user.User ?? new UserEntry(), full));
            }

            foreach (var (context, index) in (file.Contexts ?? []).Select((c, i) => (c, i)))
            {
                var name = context.Name ?? throw new KubeConfigException(full, null, $"contexts[{index}].name", "a context has no name");
                merged.Contexts.TryAdd(name, (context.Context ?? new ContextEntry(), full));
            }
        }

        if (merged.Files.Count == 0)
        {
            throw new KubeConfigException($"none of the kubeconfig files exist: {string.Join(", ", paths)}");
        }

        return merged;
    }

    public static KubeConfigFile Parse(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException exception)
        {
            throw new KubeConfigException(path, null, null, $"cannot read the file: {exception.Message}", exception);
        }
        catch (UnauthorizedAccessException exception)
        {
            throw new KubeConfigException(path, null, null, $"cannot read the file: {exception.Message}", exception);
        }

        return ParseText(text, path);
    }

    public static KubeConfigFile ParseText(string yaml, string source)
    {
        var deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();
        try
        {
            return deserializer.Deserialize<KubeConfigFile?>(yaml) ?? new KubeConfigFile();
        }
        catch (YamlException exception)
        {
            throw new KubeConfigException(source, null, null, $"not valid YAML at line {exception.Start.Line}, column {exception.Start.Column}: {(exception.InnerException ?? exception).Message}", exception);
        }
    }

    public static KubernetesClientConfiguration Resolve(MergedKubeConfig merged, string? contextOverride, string? namespaceOverride, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(merged);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var contextName = contextOverride ?? merged.CurrentContext;
        var files = string.Join(", ", merged.Files);
        if (string.IsNullOrEmpty(contextName))
        {
            throw new KubeConfigException(files, null, "current-context", "no current-context is set and no context was given");
        }

        if (!merged.Contexts.TryGetValue(contextName, out var context))
        {
            throw new KubeConfigException(contextOverride is null ? merged.CurrentContextSource : files, contextName, "contexts", $"context '{contextName}' is not defined");
        }

        var contextFile = context.File;
        var clusterName = context.Entry.Cluster;
        if (string.IsNullOrEmpty(clusterName) || !merged.Clusters.TryGetValue(clusterName, out var cluster))
        {
            throw new KubeConfigException(contextFile, contextName, "context.cluster", $"cluster '{clusterName}' is not defined");
        }

        var clusterField = $"clusters[{clusterName}].cluster";
        if (string.IsNullOrEmpty(cluster.Entry.Server))
        {
            throw new KubeConfigException(cluster.File, contextName, clusterField + ".server", "no server is set");
        }

        // clientcmd accepts host:port and defaults the scheme to https.
        var serverText = cluster.Entry.Server.Contains("://", StringComparison.Ordinal) ? cluster.Entry.Server : "https://" + cluster.Entry.Server;
        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || server.Scheme is not ("https" or "http"))
        {
            throw new KubeConfigException(cluster.File, contextName, clusterField + ".server", $"'{cluster.Entry.Server}' is not an http(s) URL");
        }

        X509Certificate2Collection? authority = null;
        string? authorityPem = null;
        if (!string.IsNullOrEmpty(cluster.Entry.CertificateAuthorityData))
        {
            authorityPem = DecodeBase64(cluster.Entry.CertificateAuthorityData, cluster.File, contextName, clusterField + ".certificate-authority-data");
        }
        else if (!string.IsNullOrEmpty(cluster.Entry.CertificateAuthority))
        {
            authorityPem = ReadReferencedFile(cluster.File, cluster.Entry.CertificateAuthority, contextName, clusterField + ".certificate-authority");
        }

        if (authorityPem is not null && cluster.Entry.InsecureSkipTlsVerify)
        {
            throw new KubeConfigException(cluster.File, contextName, clusterField + ".insecure-skip-tls-verify", "specifying a root certificates file with the insecure flag is not allowed");
        }

        if (authorityPem is not null)
        {
            authority = WithField(() => PemCertificates.LoadBundle(authorityPem, cluster.File), cluster.File, contextName, clusterField + ".certificate-authority");
        }

        UserEntry user = new();
        var userFile = contextFile;
        var userField = "context.user";
        if (!string.IsNullOrEmpty(context.Entry.User))
        {
            if (!merged.Users.TryGetValue(context.Entry.User, out var found))
            {
                throw new KubeConfigException(contextFile, contextName, "context.user", $"user '{context.Entry.User}' is not defined");
            }

            (user, userFile) = found;
            userField = $"users[{context.Entry.User}].user";
        }

        var clientCertificate = LoadClientCertificate(user, userFile, contextName, userField);
        var credentials = BuildCredentials(user, userFile, contextName, userField, cluster.Entry, authorityPem, timeProvider);

        return new KubernetesClientConfiguration
        {
            Server = server,
            Namespace = namespaceOverride ?? (string.IsNullOrEmpty(context.Entry.Namespace) ? "default" : context.Entry.Namespace),
            CertificateAuthority = authority,
            InsecureSkipTlsVerify = cluster.Entry.InsecureSkipTlsVerify,
            TlsServerName = string.IsNullOrEmpty(cluster.Entry.TlsServerName) ? null : cluster.Entry.TlsServerName,
            ClientCertificate = clientCertificate,
            Credentials = credentials,
            ContextName = contextName,
            SourceFile = contextFile,
        };
    }

    private static X509Certificate2? LoadClientCertificate(UserEntry user, string file, string context, string field)
    {
        string? certificate = null;
        string? key = null;
        if (!string.IsNullOrEmpty(user.ClientCertificateData))
        {
            certificate = DecodeBase64(user.ClientCertificateData, file, context, field + ".client-certificate-data");
        }
        else if (!string.IsNullOrEmpty(user.ClientCertificate))
        {
            certificate = ReadReferencedFile(file, user.ClientCertificate, context, field + ".client-certificate");
        }

        if (!string.IsNullOrEmpty(user.ClientKeyData))
        {
            key = DecodeBase64(user.ClientKeyData, file, context, field + ".client-key-data");
        }
        else if (!string.IsNullOrEmpty(user.ClientKey))
        {
            key = ReadReferencedFile(file, user.ClientKey, context, field + ".client-key");
        }

        if (certificate is null && key is null)
        {
            return null;
        }

        if (certificate is null)
        {
            throw new KubeConfigException(file, context, field + ".client-certificate", "a client key is set but no client certificate");
        }

        if (key is null)
        {
            throw new KubeConfigException(file, context, field + ".client-key", "a client certificate is set but no client key");
        }

        return WithField(() => PemCertificates.LoadClientCertificate(certificate, key, file), file, context, field + ".client-certificate");
    }

    private static ICredentialProvider? BuildCredentials(UserEntry user, string file, string context, string field, ClusterEntry cluster, string? authorityPem, TimeProvider timeProvider)
    {
        if (user.AuthProvider is not null)
        {
            throw new KubeConfigException(file, context, field + ".auth-provider", "auth-provider plugins are not supported; use an exec plugin");
        }

        if (user.Exec is { } exec)
        {
            if (string.IsNullOrEmpty(exec.Command))
            {
                throw new KubeConfigException(file, context, field + ".exec.command", "an exec plugin needs a command");
            }

            if (string.IsNullOrEmpty(exec.ApiVersion))
            {
                throw new KubeConfigException(file, context, field + ".exec.apiVersion", "an exec plugin needs an apiVersion");
            }

            var command = exec.Command.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(exec.Command)
                ? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, exec.Command))
                : exec.Command;
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (variable, index) in (exec.Env ?? []).Select((v, i) => (v, i)))
            {
                if (string.IsNullOrEmpty(variable.Name))
                {
                    throw new KubeConfigException(file, context, $"{field}.exec.env[{index}].name", "an environment variable has no name");
                }

                env[variable.Name] = variable.Value ?? string.Empty;
            }

            var settings = new ExecPluginSettings
            {
                ApiVersion = exec.ApiVersion,
                Command = command,
                Args = exec.Args ?? [],
                Env = env,
                InstallHint = exec.InstallHint,
                ProvideClusterInfo = exec.ProvideClusterInfo,
                InteractiveMode = exec.InteractiveMode,
                ClusterServer = cluster.Server,
                ClusterTlsServerName = cluster.TlsServerName,
                ClusterInsecureSkipTlsVerify = cluster.InsecureSkipTlsVerify,
                ClusterCertificateAuthorityData = authorityPem is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(authorityPem)),
                Source = file,
            };
            try
            {
                return new ExecCredentialProvider(settings, timeProvider);
            }
            catch (KubeConfigException exception)
            {
                throw new KubeConfigException(file, context, field + "." + exception.Field, exception.Message, exception);
            }
        }

        // As in client-go, the token file wins over an inline token: its last good read is used.
        if (!string.IsNullOrEmpty(user.TokenFile))
        {
            var path = ResolvePath(file, user.TokenFile);
            if (!File.Exists(path))
            {
                throw new KubeConfigException(file, context, field + ".tokenFile", $"token file '{path}' does not exist");
            }

            return new TokenFileCredentialProvider(path, timeProvider);
        }

        if (!string.IsNullOrEmpty(user.Token))
        {
            return new StaticCredentialProvider(new Credential(BearerToken: user.Token));
        }

        if (!string.IsNullOrEmpty(user.Username) || !string.IsNullOrEmpty(user.Password))
        {
            return new StaticCredentialProvider(new Credential(BasicUser: user.Username ?? string.Empty, BasicPassword: user.Password ?? string.Empty));
        }

        return null;
    }

    private static string ResolvePath(string file, string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, path));

    private static string ReadReferencedFile(string file, string path, string context, string field)
    {
        var full = ResolvePath(file, path);
        try
        {
            return File.ReadAllText(full);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new KubeConfigException(file, context, field, $"cannot read '{full}': {exception.Message}", exception);
        }
    }

    private static string DecodeBase64(string data, string file, string context, string field)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(data));
        }
        catch (FormatException exception)
        {
            throw new KubeConfigException(file, context, field, "not valid base64", exception);
        }
    }

    private static T WithField<T>(Func<T> load, string file, string context, string field)
    {
        try
        {
            return load();
        }
        catch (KubeConfigException exception)
        {
            var problem = exception.Message;
            var colon = problem.IndexOf(": ", StringComparison.Ordinal);
            throw new KubeConfigException(file, context, field, colon >= 0 ? problem[(colon + 2)..] : problem, exception);
        }
    }
}
