using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Configuration;
using Vigil.Kubernetes.Informers;

namespace Microsoft.Extensions.DependencyInjection;

public static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// Registers a shared <see cref="KubernetesClient"/> and <see cref="SharedInformerFactory"/>. The configuration comes
    /// from <paramref name="configure"/> when given, otherwise in-cluster when running in a pod, otherwise the
    /// kubeconfig. Uses the registered <see cref="TimeProvider"/> (TimeProvider.System by default).
    /// </summary>
    public static IServiceCollection AddKubernetesClient(this IServiceCollection services, Func<IServiceProvider, KubernetesClientConfiguration>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => configure?.Invoke(provider) ?? KubernetesClientConfiguration.Default(provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(provider => new KubernetesClient(
            provider.GetRequiredService<KubernetesClientConfiguration>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<ILoggerFactory>()));
        services.TryAddSingleton(provider => new SharedInformerFactory(provider.GetRequiredService<KubernetesClient>()));
        return services;
    }
}
