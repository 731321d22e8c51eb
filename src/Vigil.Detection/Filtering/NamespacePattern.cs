using System.Text.RegularExpressions;

namespace Vigil.Detection.Filtering;

/// <summary>A namespace name or a glob over it (<c>*</c> any run of characters, <c>?</c> one character).</summary>
public sealed partial class NamespacePattern
{
    private readonly Regex? _glob;

    public NamespacePattern(string pattern)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        Pattern = pattern;
        if (pattern.Contains('*', StringComparison.Ordinal) || pattern.Contains('?', StringComparison.Ordinal))
            _glob = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
                RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
    }

    public string Pattern { get; }

    public bool Matches(string ns) => _glob?.IsMatch(ns) ?? string.Equals(Pattern, ns, StringComparison.Ordinal);

    public override string ToString() => Pattern;

    /// <summary>Why <paramref name="pattern"/> cannot name a namespace, or null when it can.</summary>
    public static string? Check(string pattern) =>
        string.IsNullOrWhiteSpace(pattern) ? "must not be empty"
        : !NamespaceChars().IsMatch(pattern) ? $"\"{pattern}\" is not a namespace name or glob (lower-case letters, digits, '-', and * or ?)"
        : null;

    [GeneratedRegex("^[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamespaceChars();
}
