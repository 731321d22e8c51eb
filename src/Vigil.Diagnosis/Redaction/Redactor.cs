using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Diagnosis.Redaction;

/// <summary>
/// Removes secrets from text before it leaves the process (sinks, LLM prompts, logs, reports): tokens, passwords,
/// private keys, bearer and basic credentials, cloud provider keys, connection strings, and patterns the operator
/// configures. A redacted value is replaced by <see cref="Mask"/>, keeping the key or scheme so the line stays readable.
/// </summary>
public sealed partial class Redactor
{
    public const string Mask = "[REDACTED]";

    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);
    private readonly IReadOnlyList<Regex> _custom;

    /// <param name="customPatterns">Extra regular expressions; the whole match (or its group named <c>secret</c>) is masked.</param>
    public Redactor(IEnumerable<string>? customPatterns = null)
    {
        var custom = new List<Regex>();
        foreach (var pattern in customPatterns ?? [])
        {
            try
            {
                custom.Add(new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, MatchTimeout));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"redaction pattern \"{pattern}\" is not a valid regular expression: {e.Message}", nameof(customPatterns), e);
            }
        }
        _custom = custom;
    }

    public static Redactor Default { get; } = new();

    // A PEM private key block, whole.
    [GeneratedRegex(@"-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z0-9]+ )?PRIVATE KEY-----", RegexOptions.CultureInvariant, 200)]
    private static partial Regex PemPrivateKey();

    // Authorization headers and their relatives: the scheme stays, the credential goes.
    [GeneratedRegex(@"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9\-._~+/]{8,}=*", RegexOptions.CultureInvariant, 200)]
    private static partial Regex AuthScheme();

    // key=value, key: value, "key": "value" where the key names a secret (an auth scheme already handled above is skipped).
    [GeneratedRegex(@"(?i)(""?[\w.\-]*(?:password|passwd|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|client[_\-]?secret|auth|credential)[\w.\-]*""?\s*[:=]\s*)(?!(?:bearer|basic|token)\s|\[REDACTED\]|<)(""[^""]*""|'[^']*'|[^\s,;&""']+)", RegexOptions.CultureInvariant, 200)]
    private static partial Regex SecretAssignment();

    // Credentials embedded in URLs: scheme://user:password@host
    [GeneratedRegex(@"(?i)\b([a-z][a-z0-9+.\-]*://[^\s:/@]+:)([^\s@/]+)(@)", RegexOptions.CultureInvariant, 200)]
    private static partial Regex UrlCredentials();

    // JSON Web Tokens (three base64url segments, the first starting with {" encoded).
    [GeneratedRegex(@"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\b", RegexOptions.CultureInvariant, 200)]
    private static partial Regex Jwt();

    // AWS access key ids, GitHub, Slack, Google API keys, Stripe secret keys.
    [GeneratedRegex(@"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bxox[baprs]-[A-Za-z0-9\-]{10,}\b|\bAIza[0-9A-Za-z_\-]{35}\b|\bsk_live_[0-9A-Za-z]{16,}\b", RegexOptions.CultureInvariant, 200)]
    private static partial Regex CloudKeys();

    // Azure-style connection strings: AccountKey=..., SharedAccessKey=...
    [GeneratedRegex(@"(?i)((?:AccountKey|SharedAccessKey|SharedAccessSignature|sig)=)([^;\s&]+)", RegexOptions.CultureInvariant, 200)]
    private static partial Regex ConnectionStringKeys();

    // Words one of which every SecretAssignment match contains (password/passwd, pwd, secret, token, *key, auth, credential).
    // That regex has no literal prefix, so it is tried at every position of every line: most evidence lines name no
    // secret and are skipped with one vectorized search. Case-insensitive regex matching also equates a few non-ASCII
    // letters with ASCII ones (the Kelvin sign with k), so lines with non-ASCII text always go through the regex.
    private static readonly SearchValues<string> SecretKeyWords =
        SearchValues.Create(["passw", "pwd", "secret", "token", "key", "auth", "credential"], StringComparison.OrdinalIgnoreCase);

    private static bool MayAssignSecret(string text) => text.AsSpan().ContainsAny(SecretKeyWords) || !Ascii.IsValid(text);

    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        try
        {
            text = PemPrivateKey().Replace(text, Mask);
            text = Jwt().Replace(text, Mask);
            text = CloudKeys().Replace(text, Mask);
            // Both need a literal the line may not have: "://" in a URL, "=" after a key.
            if (text.Contains("://", StringComparison.Ordinal)) text = UrlCredentials().Replace(text, m => m.Groups[1].Value + Mask + m.Groups[3].Value);
            if (text.Contains('=', StringComparison.Ordinal)) text = ConnectionStringKeys().Replace(text, m => m.Groups[1].Value + Mask);
            text = AuthScheme().Replace(text, m => m.Groups[1].Value + " " + Mask);
            if (MayAssignSecret(text)) text = SecretAssignment().Replace(text, m => m.Groups[1].Value + (m.Groups[2].Value.StartsWith('"') ? "\"" + Mask + "\"" : Mask));
            foreach (var custom in _custom)
                text = custom.Replace(text, m => m.Groups["secret"] is { Success: true } g
                    ? m.Value[..(g.Index - m.Index)] + Mask + m.Value[(g.Index - m.Index + g.Length)..]
                    : Mask);
            return text;
        }
        catch (RegexMatchTimeoutException)
        {
            // A line too costly to scan is withheld rather than risk letting a secret through.
            return Mask;
        }
    }

    public IReadOnlyList<string> Redact(IEnumerable<string> lines) => [.. lines.Select(Redact)];
}
