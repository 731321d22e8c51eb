namespace Vigil.Kubernetes.Configuration;

/// <summary>A configuration that cannot be used; the message names the file, context and field at fault.</summary>
public sealed class KubeConfigException : Exception
{
    public KubeConfigException()
    {
    }

    public KubeConfigException(string message)
        : base(message)
    {
    }

    public KubeConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public KubeConfigException(string? file, string? context, string? field, string problem, Exception? innerException = null)
        : base(Describe(file, context, field, problem), innerException)
    {
        File = file;
        Context = context;
        Field = field;
    }

    /// <summary>The kubeconfig file the faulty entry came from.</summary>
    public string? File { get; }

    public string? Context { get; }

    /// <summary>The field path, such as <c>users[admin].user.client-key-data</c>.</summary>
    public string? Field { get; }

    private static string Describe(string? file, string? context, string? field, string problem)
    {
        var parts = new List<string>();
        if (file is not null)
        {
            parts.Add($"kubeconfig '{file}'");
        }

        if (context is not null)
        {
            parts.Add($"context '{context}'");
        }

        if (field is not null)
        {
            parts.Add($"field '{field}'");
        }

        return parts.Count == 0 ? problem : $"{string.Join(", ", parts)}: {problem}";
    }
}
