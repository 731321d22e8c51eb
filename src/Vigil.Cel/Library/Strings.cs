using System.Globalization;
using System.Text;

namespace Vigil.Cel.Library;

/// <summary>The strings extension (cel-go's ext.Strings, as enabled in Kubernetes): positions count code points.</summary>
internal static class Strings
{
    public static int CodePointCount(string s)
    {
        var surrogates = 0;
        var span = s.AsSpan();
        var i = span.IndexOfAnyInRange('\uD800', '\uDBFF');
        if (i < 0) return s.Length;
        for (; i < span.Length; i++)
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1])) { surrogates++; i++; }
        return s.Length - surrogates;
    }

    private static bool IsSimple(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0;

    /// <summary>The UTF-16 index of the code point index cp (which may equal the count).</summary>
    private static int CharIndex(string s, int cp)
    {
        if (IsSimple(s)) return cp;
        var i = 0;
        for (var n = 0; n < cp && i < s.Length; n++) i += char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
        return i;
    }

    private static int CodePointIndex(string s, int charIndex) => IsSimple(s) ? charIndex : CodePointCount(s[..charIndex]);

    private static string[] CodePoints(string s)
    {
        var list = new List<string>(s.Length);
        for (var i = 0; i < s.Length;)
        {
            var n = char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
            list.Add(s.Substring(i, n));
            i += n;
        }
        return [.. list];
    }

    public static void Register(FunctionTable t)
    {
        var charAt = t.Member("charAt", "string, int -> string");
        charAt.F2 = (s, i) =>
        {
            if (s.Kind != CelValueKind.String || i.Kind != CelValueKind.Int) return Err.NoOverload("charAt", s, i);
            var str = (string)s.Ref!;
            var n = CodePointCount(str);
            if (i.Bits < 0 || i.Bits > n) return CelValue.Error($"index out of range: {i.Bits}");
            if (i.Bits == n) return CelValue.String("");
            var start = CharIndex(str, (int)i.Bits);
            var len = char.IsHighSurrogate(str[start]) && start + 1 < str.Length ? 2 : 1;
            return CelValue.String(str.Substring(start, len));
        };
        charAt.Cost = CostModel.Traverse;

        var indexOf = t.Member("indexOf", "string, string -> int", "string, string, int -> int");
        indexOf.F2 = (s, x) => s.Kind == CelValueKind.String && x.Kind == CelValueKind.String
            ? IndexOf((string)s.Ref!, (string)x.Ref!, 0)
            : Lists.IndexOf(s, x, last: false);
        indexOf.F3 = (s, x, i) => s.Kind == CelValueKind.String && x.Kind == CelValueKind.String && i.Kind == CelValueKind.Int
            ? IndexOf((string)s.Ref!, (string)x.Ref!, i.Bits)
            : Err.NoOverload("indexOf", s, x, i);
        indexOf.Cost = CostModel.Traverse;

        var lastIndexOf = t.Member("lastIndexOf", "string, string -> int", "string, string, int -> int");
        lastIndexOf.F2 = (s, x) => s.Kind == CelValueKind.String && x.Kind == CelValueKind.String
            ? LastIndexOf((string)s.Ref!, (string)x.Ref!, null)
            : Lists.IndexOf(s, x, last: true);
        lastIndexOf.F3 = (s, x, i) => s.Kind == CelValueKind.String && x.Kind == CelValueKind.String && i.Kind == CelValueKind.Int
            ? LastIndexOf((string)s.Ref!, (string)x.Ref!, i.Bits)
            : Err.NoOverload("lastIndexOf", s, x, i);
        lastIndexOf.Cost = CostModel.Traverse;

        var lower = t.Member("lowerAscii", "string -> string");
        lower.F1 = s => s.Kind == CelValueKind.String ? CelValue.String(MapAscii((string)s.Ref!, upper: false)) : Err.NoOverload("lowerAscii", s);
        lower.Cost = CostModel.Traverse;
        var upper = t.Member("upperAscii", "string -> string");
        upper.F1 = s => s.Kind == CelValueKind.String ? CelValue.String(MapAscii((string)s.Ref!, upper: true)) : Err.NoOverload("upperAscii", s);
        upper.Cost = CostModel.Traverse;

        var replace = t.Member("replace", "string, string, string -> string", "string, string, string, int -> string");
        replace.F3 = (s, a, b) => Replace(s, a, b, CelValue.Int(-1));
        replace.FN = args => args.Length == 4 ? Replace(args[0], args[1], args[2], args[3]) : Err.NoOverload("replace", args);
        replace.Cost = CostModel.Traverse;

        var split = t.Member("split", "string, string -> list(string)", "string, string, int -> list(string)");
        split.F2 = (s, sep) => Split(s, sep, CelValue.Int(-1));
        split.F3 = Split;
        split.Cost = CostModel.Traverse;

        var substring = t.Member("substring", "string, int -> string", "string, int, int -> string");
        substring.F2 = (s, a) => s.Kind == CelValueKind.String && a.Kind == CelValueKind.Int
            ? Substring((string)s.Ref!, a.Bits, CodePointCount((string)s.Ref!))
            : Err.NoOverload("substring", s, a);
        substring.F3 = (s, a, b) => s.Kind == CelValueKind.String && a.Kind == CelValueKind.Int && b.Kind == CelValueKind.Int
            ? Substring((string)s.Ref!, a.Bits, b.Bits)
            : Err.NoOverload("substring", s, a, b);
        substring.Cost = CostModel.Traverse;

        var trim = t.Member("trim", "string -> string");
        trim.F1 = s => s.Kind == CelValueKind.String ? CelValue.String(((string)s.Ref!).Trim()) : Err.NoOverload("trim", s);
        trim.Cost = CostModel.Traverse;

        var join = t.Member("join", "list(string) -> string", "list(string), string -> string");
        join.F1 = l => Join(l, CelValue.String(""));
        join.F2 = Join;
        join.Cost = CostModel.Traverse;

        var reverse = t.Member("reverse", "string -> string");
        reverse.F1 = s =>
        {
            if (s.Kind != CelValueKind.String) return Err.NoOverload("reverse", s);
            var cps = CodePoints((string)s.Ref!);
            Array.Reverse(cps);
            return CelValue.String(string.Concat(cps));
        };
        reverse.Cost = CostModel.Traverse;

        var quote = t.Global("strings.quote", "string -> string");
        quote.F1 = s => s.Kind == CelValueKind.String ? CelValue.String(Quote((string)s.Ref!)) : Err.NoOverload("strings.quote", s);
        quote.Cost = CostModel.Traverse;

        var format = t.Member("format", "string, list(dyn) -> string");
        format.F2 = Formatter.Format;
        format.Cost = CostModel.Traverse;
    }

    private static CelValue IndexOf(string s, string sub, long start)
    {
        var n = CodePointCount(s);
        if (start < 0 || start > n) return CelValue.Error($"index out of range: {start}");
        var from = CharIndex(s, (int)start);
        var i = s.IndexOf(sub, from, StringComparison.Ordinal);
        return CelValue.Int(i < 0 ? -1 : CodePointIndex(s, i));
    }

    private static CelValue LastIndexOf(string s, string sub, long? start)
    {
        var n = CodePointCount(s);
        var st = start ?? n;
        if (st < 0 || st > n) return CelValue.Error($"index out of range: {st}");
        if (sub.Length == 0) return CelValue.Int(st);
        var from = CharIndex(s, (int)st);
        // occurrences starting at or before 'from'
        var limit = Math.Min(s.Length, from + sub.Length);
        var i = s.AsSpan(0, limit).LastIndexOf(sub.AsSpan(), StringComparison.Ordinal);
        return CelValue.Int(i < 0 ? -1 : CodePointIndex(s, i));
    }

    private static string MapAscii(string s, bool upper)
    {
        return string.Create(s.Length, (s, upper), static (span, state) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                var c = state.s[i];
                span[i] = state.upper ? (c is >= 'a' and <= 'z' ? (char)(c - 32) : c) : (c is >= 'A' and <= 'Z' ? (char)(c + 32) : c);
            }
        });
    }

    private static CelValue Replace(CelValue s, CelValue a, CelValue b, CelValue n)
    {
        if (s.Kind != CelValueKind.String || a.Kind != CelValueKind.String || b.Kind != CelValueKind.String || n.Kind != CelValueKind.Int)
            return Err.NoOverload("replace", [s, a, b, n]);
        var str = (string)s.Ref!;
        var old = (string)a.Ref!;
        var rep = (string)b.Ref!;
        var limit = n.Bits;
        if (limit == 0) return s;
        var sb = new StringBuilder();
        var count = 0L;
        if (old.Length == 0)
        {
            // Go semantics: insert before every code point and at the end.
            var cps = CodePoints(str);
            for (var i = 0; i <= cps.Length; i++)
            {
                if (limit < 0 || count < limit)
                {
                    sb.Append(rep);
                    count++;
                }
                if (i < cps.Length) sb.Append(cps[i]);
                if (sb.Length > Limits.MaxStringLength) return CelValue.Error("replace result is too large");
            }
            return CelValue.String(sb.ToString());
        }
        var pos = 0;
        while (limit < 0 || count < limit)
        {
            var i = str.IndexOf(old, pos, StringComparison.Ordinal);
            if (i < 0) break;
            sb.Append(str, pos, i - pos).Append(rep);
            pos = i + old.Length;
            count++;
            if (sb.Length > Limits.MaxStringLength) return CelValue.Error("replace result is too large");
        }
        sb.Append(str, pos, str.Length - pos);
        return CelValue.String(sb.ToString());
    }

    private static CelValue Split(CelValue s, CelValue sep, CelValue n)
    {
        if (s.Kind != CelValueKind.String || sep.Kind != CelValueKind.String || n.Kind != CelValueKind.Int)
            return Err.NoOverload("split", s, sep, n);
        var str = (string)s.Ref!;
        var sp = (string)sep.Ref!;
        var limit = n.Bits;
        if (limit == 0) return CelValue.List(CelList.Empty);
        var parts = new List<CelValue>();
        if (sp.Length == 0)
        {
            var cps = CodePoints(str);
            for (var i = 0; i < cps.Length; i++)
            {
                if (limit > 0 && parts.Count == limit - 1)
                {
                    parts.Add(CelValue.String(string.Concat(cps[i..])));
                    break;
                }
                parts.Add(CelValue.String(cps[i]));
            }
            return CelValue.List(new CelList([.. parts]));
        }
        var pos = 0;
        while (limit < 0 || parts.Count < limit - 1)
        {
            var i = str.IndexOf(sp, pos, StringComparison.Ordinal);
            if (i < 0) break;
            parts.Add(CelValue.String(str[pos..i]));
            pos = i + sp.Length;
        }
        parts.Add(CelValue.String(str[pos..]));
        return CelValue.List(new CelList([.. parts]));
    }

    private static CelValue Substring(string s, long start, long end)
    {
        var n = CodePointCount(s);
        if (start < 0 || start > n) return CelValue.Error($"index out of range: {start}");
        if (end < 0 || end > n) return CelValue.Error($"index out of range: {end}");
        if (start > end) return CelValue.Error($"invalid substring range. start: {start}, end: {end}");
        var a = CharIndex(s, (int)start);
        var b = CharIndex(s, (int)end);
        return CelValue.String(s[a..b]);
    }

    private static CelValue Join(CelValue l, CelValue sep)
    {
        if (l.Kind != CelValueKind.List || sep.Kind != CelValueKind.String) return Err.NoOverload("join", l, sep);
        var list = (CelList)l.Ref!;
        var parts = new string[list.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            if (list[i].Kind != CelValueKind.String) return CelValue.Error($"join: list element {i} is {list[i].Type().RuntimeType}, not string");
            parts[i] = (string)list[i].Ref!;
        }
        return CelValue.String(string.Join((string)sep.Ref!, parts));
    }

    internal static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                    {
                        sb.Append(c).Append(s[i + 1]);
                        i++;
                    }
                    else if (char.IsSurrogate(c)) sb.Append('\uFFFD');
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }
}
