namespace Vigil.Operator.Configuration;

/// <summary>One problem in a configuration file: the key path (<c>detectors.PodCrashLoop.threshold</c>), what is wrong, and where.</summary>
public sealed record ConfigError(string Path, string Message, int Line = 0)
{
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}

/// <summary>A configuration that cannot be used, with every problem found (not just the first).</summary>
public sealed class ConfigException(string source, IReadOnlyList<ConfigError> errors)
    : Exception($"{source}: {errors.Count} configuration error(s):\n" + string.Join("\n", errors.Select(e => $"  {(e.Line > 0 ? $"line {e.Line}: " : "")}{e}")))
{
    /// <summary>The file (or other source) the configuration came from.</summary>
    public string File { get; } = source;

    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}
