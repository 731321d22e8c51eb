using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Cel.Library;

/// <summary>
/// Regular expressions with RE2-like guarantees: .NET's non-backtracking engine (linear time, no backreferences or
/// lookaround, as in RE2) with a match timeout. RE2's (?P&lt;name&gt;...) groups and POSIX classes are translated.
/// </summary>
internal static class Regexes
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    private static readonly ConcurrentDictionary<string, object> Cache = new(StringComparer.Ordinal);
    private const int MaxCached = 1000;

    /// <summary>The compiled regex, or an error value's message.</summary>
    public static object Compile(string pattern)
    {
        if (Cache.TryGetValue(pattern, out var cached)) return cached;
        object result;
        try
        {
            result = new Regex(Translate(pattern), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, Timeout);
        }
        catch (ArgumentException e)
        {
            result = $"invalid regular expression '{pattern}': {e.Message}";
        }
        catch (NotSupportedException e)
        {
            result = $"unsupported regular expression '{pattern}': {e.Message}";
        }
        if (Cache.Count >= MaxCached) Cache.Clear();
        Cache[pattern] = result;
        return result;
    }

    /// <summary>RE2 syntax to .NET syntax, for the common differences.</summary>
    internal static string Translate(string pattern)
    {
        if (!pattern.Contains("(?P<", StringComparison.Ordinal) && !pattern.Contains("[:", StringComparison.Ordinal)
            && !pattern.Contains("\\z", StringComparison.Ordinal) && !pattern.Contains('$'))
            return pattern;
        var sb = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                sb.Append(c).Append(pattern[i + 1]);
                i++;
                continue;
            }
            if (!inClass && c == '(' && string.CompareOrdinal(pattern, i, "(?P<", 0, 4) == 0)
            {
                sb.Append("(?<");
                i += 3;
                continue;
            }
            if (inClass && c == '[' && i + 1 < pattern.Length && pattern[i + 1] == ':')
            {
                var end = pattern.IndexOf(":]", i + 2, StringComparison.Ordinal);
                if (end > 0)
                {
                    var name = pattern[(i + 2)..end];
                    var negate = name.StartsWith('^');
                    if (negate) name = name[1..];
                    var set = name switch
                    {
                        "alpha" => "a-zA-Z",
                        "digit" => "0-9",
                        "alnum" => "a-zA-Z0-9",
                        "upper" => "A-Z",
                        "lower" => "a-z",
                        "space" => "\\t\\n\\v\\f\\r ",
                        "xdigit" => "0-9A-Fa-f",
                        "punct" => "!-/:-@\\[-`{-~",
                        "word" => "\\w",
                        "blank" => "\\t ",
                        "cntrl" => "\\x00-\\x1f\\x7f",
                        "print" => " -~",
                        "graph" => "!-~",
                        _ => null,
                    };
                    if (set is not null && !negate)
                    {
                        sb.Append(set);
                        i = end + 1;
                        continue;
                    }
                }
            }
            if (c == '[' && !inClass)
            {
                inClass = true;
                sb.Append(c);
                if (i + 1 < pattern.Length && pattern[i + 1] == '^') { sb.Append('^'); i++; }
                if (i + 1 < pattern.Length && pattern[i + 1] == ']') { sb.Append("\\]"); i++; }
                continue;
            }
            if (c == ']' && inClass) inClass = false;
            // RE2's $ without (?m) matches only at the very end, like \z.
            if (c == '$' && !inClass)
            {
                sb.Append("\\z");
                continue;
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    public static CelValue Matches(string s, string pattern)
    {
        var compiled = Compile(pattern);
        if (compiled is string error) return CelValue.Error(error);
        return IsMatch((Regex)compiled, s);
    }

    private static CelValue IsMatch(Regex re, string s)
    {
        try
        {
            return CelValue.Bool(re.IsMatch(s));
        }
        catch (RegexMatchTimeoutException)
        {
            return CelValue.Error("regular expression match timed out");
        }
    }

    /// <summary>matches() with a constant pattern: compiled once when the program is planned.</summary>
    public static Func<CelValue, CelValue, CelValue>? SpecializeMatches(CelValue pattern)
    {
        if (pattern.Kind != CelValueKind.String) return null;
        var compiled = Compile((string)pattern.Ref!);
        if (compiled is not Regex re) return null;
        return (s, p) => s.Kind == CelValueKind.String ? IsMatch(re, (string)s.Ref!) : Err.NoOverload("matches", s, p);
    }

    /// <summary>The Kubernetes regex library: find and findAll.</summary>
    public static void Register(FunctionTable t)
    {
        var find = t.Member("find", "string, string -> string");
        find.F2 = (s, p) =>
        {
            if (s.Kind != CelValueKind.String || p.Kind != CelValueKind.String) return Err.NoOverload("find", s, p);
            var compiled = Compile((string)p.Ref!);
            if (compiled is string error) return CelValue.Error(error);
            try
            {
                var m = ((Regex)compiled).Match((string)s.Ref!);
                return CelValue.String(m.Success ? m.Value : "");
            }
            catch (RegexMatchTimeoutException)
            {
                return CelValue.Error("regular expression match timed out");
            }
        };
        find.Cost = CostModel.Regex;
        var findAll = t.Member("findAll", "string, string -> list(string)", "string, string, int -> list(string)");
        findAll.F2 = (s, p) => FindAll(s, p, CelValue.Int(-1));
        findAll.F3 = FindAll;
        findAll.Cost = CostModel.Regex;
    }

    private static CelValue FindAll(CelValue s, CelValue p, CelValue n)
    {
        if (s.Kind != CelValueKind.String || p.Kind != CelValueKind.String || n.Kind != CelValueKind.Int) return Err.NoOverload("findAll", s, p, n);
        var compiled = Compile((string)p.Ref!);
        if (compiled is string error) return CelValue.Error(error);
        var limit = n.Bits;
        var items = new List<CelValue>();
        try
        {
            for (var m = ((Regex)compiled).Match((string)s.Ref!); m.Success && (limit < 0 || items.Count < limit); m = m.NextMatch())
                items.Add(CelValue.String(m.Value));
        }
        catch (RegexMatchTimeoutException)
        {
            return CelValue.Error("regular expression match timed out");
        }
        return CelValue.List(new CelList([.. items]));
    }
}
