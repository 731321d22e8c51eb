namespace Vigil.Cel;

/// <summary>Equality and ordering with CEL's semantics.</summary>
internal static class CelOps
{
    private static bool IsNumber(CelValueKind k) => k is CelValueKind.Int or CelValueKind.Uint or CelValueKind.Double;

    /// <summary>Heterogeneous equality: numbers compare by value across int, uint and double; other kinds must match.</summary>
    public static bool Equal(CelValue a, CelValue b)
    {
        var ka = a.Kind;
        var kb = b.Kind;
        if (ka == kb)
        {
            switch (ka)
            {
                case CelValueKind.Null: return true;
                case CelValueKind.Bool:
                case CelValueKind.Int:
                case CelValueKind.Uint:
                    return a.Bits == b.Bits;
                case CelValueKind.Double: return a.DoubleValue == b.DoubleValue;
                case CelValueKind.String: return string.Equals((string)a.Ref!, (string)b.Ref!, StringComparison.Ordinal);
                case CelValueKind.Bytes: return ((byte[])a.Ref!).AsSpan().SequenceEqual((byte[])b.Ref!);
                case CelValueKind.Timestamp:
                case CelValueKind.Duration:
                    return a.Bits == b.Bits && a.Extra == b.Extra;
                case CelValueKind.Type: return ((CelType)a.Ref!).RuntimeType.Name == ((CelType)b.Ref!).RuntimeType.Name;
                case CelValueKind.List:
                {
                    var la = (CelList)a.Ref!;
                    var lb = (CelList)b.Ref!;
                    if (la.Count != lb.Count) return false;
                    for (var i = 0; i < la.Count; i++)
                        if (!Equal(la[i], lb[i])) return false;
                    return true;
                }
                case CelValueKind.Map:
                {
                    var ma = (CelMap)a.Ref!;
                    var mb = (CelMap)b.Ref!;
                    if (ma.Count != mb.Count) return false;
                    foreach (var (k, v) in ma)
                        if (!mb.TryGetValue(k, out var w) || !Equal(v, w)) return false;
                    return true;
                }
                case CelValueKind.Opaque: return ((ICelOpaque)a.Ref!).CelEquals((ICelOpaque)b.Ref!);
                default: return false;
            }
        }
        if (IsNumber(ka) && IsNumber(kb)) return CompareNumbers(a, b) == 0;
        return false;
    }

    public static int Hash(CelValue v)
    {
        switch (v.Kind)
        {
            case CelValueKind.Int: return v.Bits.GetHashCode();
            case CelValueKind.Uint: return v.UintValue <= long.MaxValue ? v.Bits.GetHashCode() : v.UintValue.GetHashCode();
            case CelValueKind.Double:
            {
                var d = v.DoubleValue;
                if (d == Math.Floor(d) && d >= -9.2233720368547758E18 && d < 9.2233720368547758E18) return ((long)d).GetHashCode();
                if (d == Math.Floor(d) && d >= 0 && d < 1.8446744073709552E19) return ((ulong)d).GetHashCode();
                return d.GetHashCode();
            }
            case CelValueKind.String: return StringComparer.Ordinal.GetHashCode((string)v.Ref!);
            case CelValueKind.Bool: return v.Bits.GetHashCode();
            case CelValueKind.List: return HashCode.Combine(CelValueKind.List, ((CelList)v.Ref!).Count);
            case CelValueKind.Map: return HashCode.Combine(CelValueKind.Map, ((CelMap)v.Ref!).Count);
            case CelValueKind.Opaque: return ((ICelOpaque)v.Ref!).CelHash();
            case CelValueKind.Type: return ((CelType)v.Ref!).RuntimeType.Name.GetHashCode(StringComparison.Ordinal);
            default: return HashCode.Combine(v.Kind, v.Bits, v.Extra);
        }
    }

    /// <summary>Compares two numbers of any numeric kinds; NaN compares as int.MinValue (unordered).</summary>
    public static int CompareNumbers(CelValue a, CelValue b)
    {
        switch (a.Kind)
        {
            case CelValueKind.Int:
                switch (b.Kind)
                {
                    case CelValueKind.Int: return a.Bits.CompareTo(b.Bits);
                    case CelValueKind.Uint: return a.Bits < 0 ? -1 : ((ulong)a.Bits).CompareTo(b.UintValue);
                    default: return CompareIntDouble(a.Bits, b.DoubleValue);
                }
            case CelValueKind.Uint:
                switch (b.Kind)
                {
                    case CelValueKind.Int: return b.Bits < 0 ? 1 : a.UintValue.CompareTo((ulong)b.Bits);
                    case CelValueKind.Uint: return a.UintValue.CompareTo(b.UintValue);
                    default: return CompareUintDouble(a.UintValue, b.DoubleValue);
                }
            default:
                switch (b.Kind)
                {
                    case CelValueKind.Int: return Negate(CompareIntDouble(b.Bits, a.DoubleValue));
                    case CelValueKind.Uint: return Negate(CompareUintDouble(b.UintValue, a.DoubleValue));
                    default:
                    {
                        var x = a.DoubleValue;
                        var y = b.DoubleValue;
                        if (double.IsNaN(x) || double.IsNaN(y)) return int.MinValue;
                        return x < y ? -1 : x > y ? 1 : 0;
                    }
                }
        }
    }

    private static int Negate(int c) => c == int.MinValue ? c : -c;

    // As cel-go does, an int or uint is compared with a double by converting it to double.
    private static int CompareIntDouble(long i, double d) => CompareDoubles(i, d);

    private static int CompareUintDouble(ulong u, double d) => CompareDoubles(u, d);

    private static int CompareDoubles(double x, double y)
    {
        if (double.IsNaN(x) || double.IsNaN(y)) return int.MinValue;
        return x < y ? -1 : x > y ? 1 : 0;
    }

    /// <summary>Strings order by Unicode code point (as their UTF-8 bytes do), not by UTF-16 code unit.</summary>
    public static int CompareCodePoints(string a, string b)
    {
        var i = a.AsSpan().CommonPrefixLength(b);
        if (i == a.Length || i == b.Length) return a.Length.CompareTo(b.Length);
        return Fixup(a[i]).CompareTo(Fixup(b[i]));

        // Surrogates (D800-DFFF) encode code points above FFFF: move them above E000-FFFF.
        static int Fixup(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
    }

    /// <summary>Ordering for &lt;, &lt;=, &gt;, &gt;=: null when the kinds cannot be ordered (no such overload);
    /// int.MinValue for NaN.</summary>
    public static int? Compare(CelValue a, CelValue b)
    {
        var ka = a.Kind;
        var kb = b.Kind;
        if (IsNumber(ka) && IsNumber(kb)) return CompareNumbers(a, b);
        if (ka != kb) return null;
        switch (ka)
        {
            case CelValueKind.Bool: return a.Bits.CompareTo(b.Bits);
            case CelValueKind.String: return CompareCodePoints((string)a.Ref!, (string)b.Ref!);
            case CelValueKind.Bytes: return Math.Sign(((byte[])a.Ref!).AsSpan().SequenceCompareTo((byte[])b.Ref!));
            case CelValueKind.Timestamp:
            case CelValueKind.Duration:
                return a.Bits != b.Bits ? a.Bits.CompareTo(b.Bits) : a.Extra.CompareTo(b.Extra);
            case CelValueKind.Opaque when a.Ref is ICelComparable ca: return ca.CompareTo((ICelOpaque)b.Ref!);
            default: return null;
        }
    }
}

/// <summary>An extension value with an order.</summary>
internal interface ICelComparable
{
    int? CompareTo(ICelOpaque other);
}
