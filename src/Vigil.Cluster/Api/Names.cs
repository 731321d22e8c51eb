using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Vigil.Cluster.Api;

/// <summary>Object name rules and generateName, as the apiserver applies them.</summary>
public static partial class Names
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    /// <summary>The base cut to 58 characters and five random characters appended.</summary>
    public static string Generate(string baseName)
    {
        if (baseName.Length > 58) baseName = baseName[..58];
        Span<char> suffix = stackalloc char[5];
        for (var i = 0; i < suffix.Length; i++) suffix[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return baseName + new string(suffix);
    }

    /// <summary>The validation error for a DNS-1123 subdomain name, or null when it is valid.</summary>
    public static string? SubdomainError(string name)
    {
        if (name.Length > 253) return "must be no more than 253 characters";
        return Dns1123Subdomain().IsMatch(name) ? null
            : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    }

    /// <summary>The validation error for a DNS-1123 label (namespaces, services), or null when it is valid.</summary>
    public static string? LabelError(string name)
    {
        if (name.Length > 63) return "must be no more than 63 characters";
        return Dns1123Label().IsMatch(name) ? null
            : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    }

    /// <summary>Path segment names the apiserver refuses for every resource.</summary>
    public static string? PathSegmentError(string name) =>
        name is "." or ".." ? $"may not be '{name}'" :
        name.Contains('/', StringComparison.Ordinal) ? "may not contain '/'" :
        name.Contains('%', StringComparison.Ordinal) ? "may not contain '%'" : null;
}
