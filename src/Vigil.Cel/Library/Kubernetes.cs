using System.Globalization;
using System.Numerics;

namespace Vigil.Cel.Library;

/// <summary>The Kubernetes CEL libraries that apply to Vigil: lists, quantity and URL (regex is in <see cref="Regexes"/>).</summary>
internal static class Kubernetes
{
    public static void Register(FunctionTable t)
    {
        var isSorted = t.Member("isSorted", "list(A) -> bool");
        isSorted.F1 = l =>
        {
            if (l.Kind != CelValueKind.List) return Err.NoOverload("isSorted", l);
            var list = (CelList)l.Ref!;
            for (var i = 1; i < list.Count; i++)
            {
                var c = CelOps.Compare(list[i - 1], list[i]);
                if (c is null) return Err.NoOverload("isSorted", list[i - 1], list[i]);
                if (c > 0) return CelValue.False;
            }
            return CelValue.True;
        };
        isSorted.Cost = CostModel.ListTraverse;

        var sum = t.Member("sum", "list(int) -> int", "list(uint) -> uint", "list(double) -> double", "list(duration) -> duration");
        sum.F1 = l =>
        {
            if (l.Kind != CelValueKind.List) return Err.NoOverload("sum", l);
            var list = (CelList)l.Ref!;
            if (list.Count == 0) return CelValue.Int(0);
            var acc = list[0];
            for (var i = 1; i < list.Count; i++)
            {
                acc = Arithmetic.Add(acc, list[i]);
                if (acc.IsError) return acc;
            }
            return acc.Kind is CelValueKind.Int or CelValueKind.Uint or CelValueKind.Double or CelValueKind.Duration ? acc : Err.NoOverload("sum", l);
        };
        sum.Cost = CostModel.ListTraverse;

        foreach (var (name, sign) in new[] { ("min", -1), ("max", 1) })
        {
            var f = t.Member(name, "list(A) -> A");
            f.F1 = l =>
            {
                if (l.Kind != CelValueKind.List) return Err.NoOverload(name, l);
                var list = (CelList)l.Ref!;
                if (list.Count == 0) return CelValue.Error($"{name} called on an empty list");
                var best = list[0];
                for (var i = 1; i < list.Count; i++)
                {
                    var c = CelOps.Compare(list[i], best);
                    if (c is null) return Err.NoOverload(name, list[i], best);
                    if (c != int.MinValue && Math.Sign(c.Value) == sign) best = list[i];
                }
                return best;
            };
            f.Cost = CostModel.ListTraverse;
        }
        t.Member("indexOf", "list(A), A -> int").Cost = CostModel.ListTraverse;
        t.Member("lastIndexOf", "list(A), A -> int").Cost = CostModel.ListTraverse;

        // quantity
        t.Global("quantity", "string -> kubernetes.resource.Quantity").F1 = s =>
        {
            if (s.Kind != CelValueKind.String) return Err.NoOverload("quantity", s);
            return Quantity.TryParse((string)s.Ref!, out var q) ? CelValue.Opaque(q) : CelValue.Error($"invalid quantity: '{(string)s.Ref!}'");
        };
        t.Global("isQuantity", "string -> bool").F1 = s =>
            s.Kind == CelValueKind.String ? CelValue.Bool(Quantity.TryParse((string)s.Ref!, out _)) : Err.NoOverload("isQuantity", s);
        const string Q = "kubernetes.resource.Quantity";
        t.Member("sign", $"{Q} -> int").F1 = q => q.Ref is Quantity x ? CelValue.Int(x.Sign) : Err.NoOverload("sign", q);
        t.Member("isInteger", $"{Q} -> bool").F1 = q => q.Ref is Quantity x ? CelValue.Bool(x.IsInteger) : Err.NoOverload("isInteger", q);
        t.Member("asInteger", $"{Q} -> int").F1 = q =>
        {
            if (q.Ref is not Quantity x) return Err.NoOverload("asInteger", q);
            return x.TryAsInt64(out var v) ? CelValue.Int(v) : CelValue.Error($"cannot convert quantity {x} to an int64: it is not an integer or it is out of range");
        };
        t.Member("asApproximateFloat", $"{Q} -> double").F1 = q => q.Ref is Quantity x ? CelValue.Double(x.ToDouble()) : Err.NoOverload("asApproximateFloat", q);
        t.Member("add", $"{Q}, {Q} -> {Q}", $"{Q}, int -> {Q}").F2 = (a, b) => QuantityArith("add", a, b, 1);
        t.Member("sub", $"{Q}, {Q} -> {Q}", $"{Q}, int -> {Q}").F2 = (a, b) => QuantityArith("sub", a, b, -1);
        t.Member("isLessThan", $"{Q}, {Q} -> bool").F2 = (a, b) =>
            a.Ref is Quantity x && b.Ref is Quantity y ? CelValue.Bool(x.CompareTo(y) < 0) : Err.NoOverload("isLessThan", a, b);
        t.Member("isGreaterThan", $"{Q}, {Q} -> bool").F2 = (a, b) =>
            a.Ref is Quantity x && b.Ref is Quantity y ? CelValue.Bool(x.CompareTo(y) > 0) : Err.NoOverload("isGreaterThan", a, b);
        t.Member("compareTo", $"{Q}, {Q} -> int").F2 = (a, b) =>
            a.Ref is Quantity x && b.Ref is Quantity y ? CelValue.Int(Math.Sign(x.CompareTo(y))) : Err.NoOverload("compareTo", a, b);

        // url
        const string U = "kubernetes.URL";
        t.Global("url", $"string -> {U}").F1 = s =>
        {
            if (s.Kind != CelValueKind.String) return Err.NoOverload("url", s);
            return CelUrl.TryParse((string)s.Ref!, out var u) ? CelValue.Opaque(u) : CelValue.Error($"URL parse error during conversion from string: '{(string)s.Ref!}'");
        };
        t.Global("isURL", "string -> bool").F1 = s => s.Kind == CelValueKind.String ? CelValue.Bool(CelUrl.TryParse((string)s.Ref!, out _)) : Err.NoOverload("isURL", s);
        t.Member("getScheme", $"{U} -> string").F1 = u => u.Ref is CelUrl x ? CelValue.String(x.Scheme) : Err.NoOverload("getScheme", u);
        t.Member("getHost", $"{U} -> string").F1 = u => u.Ref is CelUrl x ? CelValue.String(x.Host) : Err.NoOverload("getHost", u);
        t.Member("getHostname", $"{U} -> string").F1 = u => u.Ref is CelUrl x ? CelValue.String(x.Hostname) : Err.NoOverload("getHostname", u);
        t.Member("getPort", $"{U} -> string").F1 = u => u.Ref is CelUrl x ? CelValue.String(x.Port) : Err.NoOverload("getPort", u);
        t.Member("getEscapedPath", $"{U} -> string").F1 = u => u.Ref is CelUrl x ? CelValue.String(x.EscapedPath) : Err.NoOverload("getEscapedPath", u);
        t.Member("getQuery", $"{U} -> map(string, list(string))").F1 = u => u.Ref is CelUrl x ? x.QueryMap() : Err.NoOverload("getQuery", u);
    }

    private static CelValue QuantityArith(string name, CelValue a, CelValue b, int sign)
    {
        if (a.Ref is not Quantity x) return Err.NoOverload(name, a, b);
        Quantity y;
        if (b.Ref is Quantity q) y = q;
        else if (b.Kind == CelValueKind.Int) y = Quantity.FromInt(b.Bits);
        else return Err.NoOverload(name, a, b);
        return CelValue.Opaque(sign > 0 ? x.Add(y) : x.Add(y.Negate()));
    }
}

/// <summary>A Kubernetes resource quantity ("100m", "1.5Gi", "2e3"), kept exactly as a fraction.</summary>
internal sealed class Quantity : ICelOpaque, ICelComparable
{
    public static readonly CelType CelTypeValue = CelType.Opaque("kubernetes.resource.Quantity");
    private readonly BigInteger _num;
    private readonly BigInteger _den;
    private readonly string _text;

    private Quantity(BigInteger num, BigInteger den, string text)
    {
        var g = BigInteger.GreatestCommonDivisor(num, den);
        if (!g.IsZero && !g.IsOne)
        {
            num /= g;
            den /= g;
        }
        _num = num;
        _den = den;
        _text = text;
    }

    public CelType Type => CelTypeValue;
    public int Sign => _num.Sign;
    public bool IsInteger => _den.IsOne;

    public static Quantity FromInt(long v) => new(v, BigInteger.One, v.ToString(CultureInfo.InvariantCulture));

    public static bool TryParse(string s, out Quantity q)
    {
        q = null!;
        if (s.Length == 0 || s.Length > 100) return false;
        var p = 0;
        var negative = false;
        if (s[p] is '+' or '-')
        {
            negative = s[p] == '-';
            p++;
        }
        var start = p;
        while (p < s.Length && char.IsAsciiDigit(s[p])) p++;
        var intPart = s[start..p];
        var frac = "";
        if (p < s.Length && s[p] == '.')
        {
            p++;
            var fs = p;
            while (p < s.Length && char.IsAsciiDigit(s[p])) p++;
            frac = s[fs..p];
        }
        if (intPart.Length == 0 && frac.Length == 0) return false;
        var suffix = s[p..];
        var mantissa = BigInteger.Parse((intPart + frac).Length == 0 ? "0" : intPart + frac, CultureInfo.InvariantCulture);
        var exp10 = -frac.Length;
        var exp2 = 0;
        switch (suffix)
        {
            case "": break;
            case "n": exp10 -= 9; break;
            case "u": exp10 -= 6; break;
            case "m": exp10 -= 3; break;
            case "k": exp10 += 3; break;
            case "M": exp10 += 6; break;
            case "G": exp10 += 9; break;
            case "T": exp10 += 12; break;
            case "P": exp10 += 15; break;
            case "E": exp10 += 18; break;
            case "Ki": exp2 = 10; break;
            case "Mi": exp2 = 20; break;
            case "Gi": exp2 = 30; break;
            case "Ti": exp2 = 40; break;
            case "Pi": exp2 = 50; break;
            case "Ei": exp2 = 60; break;
            default:
                if (suffix[0] is 'e' or 'E' && int.TryParse(suffix.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var e) && e is > -100 and < 100)
                {
                    exp10 += e;
                    break;
                }
                return false;
        }
        var num = mantissa * BigInteger.Pow(2, exp2);
        var den = BigInteger.One;
        if (exp10 >= 0) num *= BigInteger.Pow(10, exp10);
        else den = BigInteger.Pow(10, -exp10);
        if (negative) num = -num;
        q = new Quantity(num, den, s);
        return true;
    }

    public bool TryAsInt64(out long v)
    {
        v = 0;
        if (!IsInteger || _num < long.MinValue || _num > long.MaxValue) return false;
        v = (long)_num;
        return true;
    }

    public double ToDouble() => (double)_num / (double)_den;

    public Quantity Add(Quantity o) => new(_num * o._den + o._num * _den, _den * o._den, "");

    public Quantity Negate() => new(-_num, _den, "");

    public int CompareTo(Quantity o) => (_num * o._den).CompareTo(o._num * _den);

    public bool CelEquals(ICelOpaque other) => other is Quantity q && CompareTo(q) == 0;

    public int CelHash() => ToDouble().GetHashCode();

    public int? CompareTo(ICelOpaque other) => other is Quantity q ? Math.Sign(CompareTo(q)) : null;

    public object? ToJsonValue() => ToString();

    public override string ToString()
    {
        if (_text.Length > 0) return _text;
        if (IsInteger) return _num.ToString(CultureInfo.InvariantCulture);
        // Express in the smallest decimal SI suffix that is exact, else as a decimal.
        foreach (var (suffix, scale) in new[] { ("m", 3), ("u", 6), ("n", 9) })
        {
            var scaled = _num * BigInteger.Pow(10, scale);
            if (BigInteger.Remainder(scaled, _den).IsZero) return (scaled / _den).ToString(CultureInfo.InvariantCulture) + suffix;
        }
        return ToDouble().ToString("R", CultureInfo.InvariantCulture);
    }
}

/// <summary>A URL value for the Kubernetes URL library.</summary>
internal sealed class CelUrl : ICelOpaque
{
    public static readonly CelType CelTypeValue = CelType.Opaque("kubernetes.URL");
    private readonly string _text;

    private CelUrl(string text, string scheme, string host, string hostname, string port, string path, string query)
    {
        _text = text;
        Scheme = scheme;
        Host = host;
        Hostname = hostname;
        Port = port;
        EscapedPath = path;
        Query = query;
    }

    public CelType Type => CelTypeValue;
    public string Scheme { get; }
    public string Host { get; }
    public string Hostname { get; }
    public string Port { get; }
    public string EscapedPath { get; }
    public string Query { get; }

    public static bool TryParse(string s, out CelUrl url)
    {
        url = null!;
        if (s.Length == 0 || s.Any(char.IsWhiteSpace)) return false;
        var withoutFragment = s.Split('#')[0];
        if (s.StartsWith('/'))
        {
            var q = withoutFragment.IndexOf('?', StringComparison.Ordinal);
            url = new CelUrl(s, "", "", "", "", q < 0 ? withoutFragment : withoutFragment[..q], q < 0 ? "" : withoutFragment[(q + 1)..]);
            return true;
        }
        if (!Uri.TryCreate(s, UriKind.Absolute, out var uri) || uri.IsFile && !s.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return false;
        var colon = s.IndexOf(':', StringComparison.Ordinal);
        var scheme = s[..colon];
        var authorityStart = s.IndexOf("//", StringComparison.Ordinal) == colon + 1 ? colon + 3 : -1;
        string host = "", hostname = "", port = "", path, query;
        var rest = withoutFragment[(colon + 1)..];
        if (authorityStart >= 0)
        {
            var end = withoutFragment.IndexOfAny(['/', '?'], authorityStart);
            var authority = end < 0 ? withoutFragment[authorityStart..] : withoutFragment[authorityStart..end];
            var at = authority.LastIndexOf('@');
            host = at >= 0 ? authority[(at + 1)..] : authority;
            rest = end < 0 ? "" : withoutFragment[end..];
            if (host.StartsWith('['))
            {
                var close = host.IndexOf(']', StringComparison.Ordinal);
                if (close < 0) return false;
                hostname = host[1..close];
                port = close + 1 < host.Length && host[close + 1] == ':' ? host[(close + 2)..] : "";
            }
            else
            {
                var pc = host.LastIndexOf(':');
                hostname = pc >= 0 ? host[..pc] : host;
                port = pc >= 0 ? host[(pc + 1)..] : "";
            }
            if (port.Length > 0 && !port.All(char.IsAsciiDigit)) return false;
        }
        var qi = rest.IndexOf('?', StringComparison.Ordinal);
        path = qi < 0 ? rest : rest[..qi];
        query = qi < 0 ? "" : rest[(qi + 1)..];
        url = new CelUrl(s, scheme, host, hostname, port, path, query);
        return true;
    }

    public CelValue QueryMap()
    {
        var values = new Dictionary<string, List<CelValue>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var part in Query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var k = Uri.UnescapeDataString((eq < 0 ? part : part[..eq]).Replace('+', ' '));
            var v = eq < 0 ? "" : Uri.UnescapeDataString(part[(eq + 1)..].Replace('+', ' '));
            if (!values.TryGetValue(k, out var list))
            {
                values[k] = list = [];
                order.Add(k);
            }
            list.Add(CelValue.String(v));
        }
        var b = new CelMap.Builder(order.Count);
        foreach (var k in order) b.Set(CelValue.String(k), CelValue.List(new CelList([.. values[k]])));
        return CelValue.Map(b.Build());
    }

    public bool CelEquals(ICelOpaque other) => other is CelUrl u && u._text == _text;

    public int CelHash() => StringComparer.Ordinal.GetHashCode(_text);

    public object? ToJsonValue() => _text;

    public override string ToString() => _text;
}

/// <summary>List helpers shared by the strings and lists libraries.</summary>
internal static class Lists
{
    public static CelValue IndexOf(CelValue l, CelValue x, bool last)
    {
        if (l.Kind != CelValueKind.List) return Err.NoOverload(last ? "lastIndexOf" : "indexOf", l, x);
        var list = (CelList)l.Ref!;
        if (last)
        {
            for (var i = list.Count - 1; i >= 0; i--)
                if (CelOps.Equal(list[i], x)) return CelValue.Int(i);
        }
        else
        {
            for (var i = 0; i < list.Count; i++)
                if (CelOps.Equal(list[i], x)) return CelValue.Int(i);
        }
        return CelValue.Int(-1);
    }
}

/// <summary>The Kubernetes sets library (sets.contains, sets.equivalent, sets.intersects) and cel-go's base64 encoders.</summary>
internal static class SetsAndEncoders
{
    public static void Register(FunctionTable t)
    {
        var contains = t.Global("sets.contains", "list(A), list(A) -> bool");
        contains.F2 = (a, b) => a.Kind == CelValueKind.List && b.Kind == CelValueKind.List
            ? CelValue.Bool(ContainsAll((CelList)a.Ref!, (CelList)b.Ref!))
            : Err.NoOverload("sets.contains", a, b);
        contains.Cost = CostModel.ListTraverse;
        var equivalent = t.Global("sets.equivalent", "list(A), list(A) -> bool");
        equivalent.F2 = (a, b) => a.Kind == CelValueKind.List && b.Kind == CelValueKind.List
            ? CelValue.Bool(ContainsAll((CelList)a.Ref!, (CelList)b.Ref!) && ContainsAll((CelList)b.Ref!, (CelList)a.Ref!))
            : Err.NoOverload("sets.equivalent", a, b);
        equivalent.Cost = CostModel.ListTraverse;
        var intersects = t.Global("sets.intersects", "list(A), list(A) -> bool");
        intersects.F2 = (a, b) =>
        {
            if (a.Kind != CelValueKind.List || b.Kind != CelValueKind.List) return Err.NoOverload("sets.intersects", a, b);
            foreach (var x in ((CelList)a.Ref!).Span)
                if (Access.In(x, b).Bits != 0) return CelValue.True;
            return CelValue.False;
        };
        intersects.Cost = CostModel.ListTraverse;

        var encode = t.Global("base64.encode", "bytes -> string");
        encode.F1 = b => b.Kind == CelValueKind.Bytes ? CelValue.String(Convert.ToBase64String((byte[])b.Ref!)) : Err.NoOverload("base64.encode", b);
        encode.Cost = CostModel.Traverse;
        var decode = t.Global("base64.decode", "string -> bytes");
        decode.F1 = s =>
        {
            if (s.Kind != CelValueKind.String) return Err.NoOverload("base64.decode", s);
            var text = (string)s.Ref!;
            if (text.Length % 4 != 0) text = text.PadRight(text.Length + 4 - text.Length % 4, '=');
            try
            {
                return CelValue.Bytes(Convert.FromBase64String(text));
            }
            catch (FormatException)
            {
                return CelValue.Error("base64.decode: invalid base64 input");
            }
        };
        decode.Cost = CostModel.Traverse;
    }

    // Sets of this size are compared by nested scan; the cost model charges for the elements of both lists.
    private static bool ContainsAll(CelList a, CelList b)
    {
        foreach (var x in b.Span)
        {
            var found = false;
            foreach (var y in a.Span)
            {
                if (CelOps.Equal(x, y))
                {
                    found = true;
                    break;
                }
            }
            if (!found) return false;
        }
        return true;
    }
}
