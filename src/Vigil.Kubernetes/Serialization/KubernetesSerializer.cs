using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Vigil.Kubernetes.Serialization;

/// <summary>
/// The serializer options the client uses: the source-generated <see cref="KubernetesJsonContext"/>, optionally
/// followed by resolvers for custom resource types registered by the application.
/// </summary>
public static class KubernetesSerializer
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Options that resolve the built-in models first, then <paramref name="extra"/> (e.g. an application's own source-generated context).</summary>
    public static JsonSerializerOptions CreateOptions(params IJsonTypeInfoResolver[] extra)
    {
        ArgumentNullException.ThrowIfNull(extra);
        var options = new JsonSerializerOptions(KubernetesJsonContext.Default.Options)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine([KubernetesJsonContext.Default, .. extra]),
        };
        options.MakeReadOnly();
        return options;
    }

    public static JsonTypeInfo<T> TypeInfo<T>(this JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }
}
