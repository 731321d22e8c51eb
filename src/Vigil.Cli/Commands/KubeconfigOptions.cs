using System.CommandLine;
using Vigil.Kubernetes.Configuration;

namespace Vigil.Cli.Commands;

/// <summary>The <c>--kubeconfig</c> and <c>--context</c> options of commands that talk to a cluster once, and loading them.</summary>
internal sealed class KubeconfigOptions
{
    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "Path to the kubeconfig (default: $KUBECONFIG, then ~/.kube/config)." };

    public Option<string?> Context { get; } = new("--context") { Description = "The kubeconfig context to use (default: its current context)." };

    /// <summary>The client configuration, or null with <paramref name="error"/> naming the file and the problem.</summary>
    public KubernetesClientConfiguration? Load(ParseResult result, out string? error)
    {
        error = null;
        try
        {
            var path = result.GetValue(Kubeconfig);
            return KubeConfigLoader.Load(new KubeConfigLoadOptions { Paths = path is null ? null : [path], Context = result.GetValue(Context) }, TimeProvider.System);
        }
        catch (Exception e) when (e is KubeConfigException or IOException)
        {
            error = e.Message;
            return null;
        }
    }
}
