using System.Globalization;
using System.Text;
using Vigil.Cel.Syntax;

namespace Vigil.Cel.Library;

/// <summary>CEL's standard definitions: operators, conversions, size, string tests, timestamps and durations.</summary>
internal static class Standard
{
    public static void Register(FunctionTable t)
    {
        // Logic (evaluated by dedicated nodes; the signatures are for the checker).
        t.Global(Operators.LogicalAnd, "bool, bool -> bool");
        t.Global(Operators.LogicalOr, "bool, bool -> bool");
        t.Global(Operators.LogicalNot, "bool -> bool").F1 = v => v.Kind == CelValueKind.Bool ? CelValue.Bool(v.Bits == 0) : Err.NoOverload("!_", v);
        t.Global(Operators.NotStrictlyFalse, "bool -> bool").F1 = v => v.Kind == CelValueKind.Bool ? v : CelValue.True;

        var eq = t.Global(Operators.Equals, "A, A -> bool");
        eq.F2 = (a, b) => CelValue.Bool(CelOps.Equal(a, b));
        eq.Cost = CostModel.Traverse;
        var ne = t.Global(Operators.NotEquals, "A, A -> bool");
        ne.F2 = (a, b) => CelValue.Bool(!CelOps.Equal(a, b));
        ne.Cost = CostModel.Traverse;

        string[] ordered =
        [
            "bool, bool -> bool", "int, int -> bool", "uint, uint -> bool", "double, double -> bool", "string, string -> bool",
            "bytes, bytes -> bool", "timestamp, timestamp -> bool", "duration, duration -> bool", "int, uint -> bool",
            "int, double -> bool", "uint, int -> bool", "uint, double -> bool", "double, int -> bool", "double, uint -> bool",
        ];
        t.Global(Operators.Less, ordered).F2 = (a, b) => Ordered(Operators.Less, a, b, c => c < 0);
        t.Global(Operators.LessEquals, ordered).F2 = (a, b) => Ordered(Operators.LessEquals, a, b, c => c <= 0);
        t.Global(Operators.Greater, ordered).F2 = (a, b) => Ordered(Operators.Greater, a, b, c => c > 0);
        t.Global(Operators.GreaterEquals, ordered).F2 = (a, b) => Ordered(Operators.GreaterEquals, a, b, c => c >= 0);

        var add = t.Global(Operators.Add, "int, int -> int", "uint, uint -> uint", "double, double -> double", "string, string -> string",
            "bytes, bytes -> bytes", "list(A), list(A) -> list(A)", "timestamp, duration -> timestamp", "duration, timestamp -> timestamp",
            "duration, duration -> duration");
        add.F2 = Arithmetic.Add;
        add.Cost = CostModel.Traverse;
        t.Global(Operators.Subtract, "int, int -> int", "uint, uint -> uint", "double, double -> double", "timestamp, timestamp -> duration",
            "timestamp, duration -> timestamp", "duration, duration -> duration").F2 = Arithmetic.Subtract;
        t.Global(Operators.Multiply, "int, int -> int", "uint, uint -> uint", "double, double -> double").F2 = Arithmetic.Multiply;
        t.Global(Operators.Divide, "int, int -> int", "uint, uint -> uint", "double, double -> double").F2 = Arithmetic.Divide;
        t.Global(Operators.Modulo, "int, int -> int", "uint, uint -> uint").F2 = Arithmetic.Modulo;
        t.Global(Operators.Negate, "int -> int", "double -> double").F1 = Arithmetic.Negate;
        t.Global(Operators.Index, "list(A), int -> A", "map(K, V), K -> V", "optional_type(list(A)), int -> optional_type(A)",
            "optional_type(map(K, V)), K -> optional_type(V)").F2 = Access.Index;
        var inFn = t.Global(Operators.In, "A, list(A) -> bool", "K, map(K, V) -> bool");
        inFn.F2 = Access.In;
        inFn.Cost = CostModel.ListTraverse;

        var size = t.Both("size", "string -> int", "bytes -> int", "list(A) -> int", "map(K, V) -> int");
        size.F1 = v => v.Kind switch
        {
            CelValueKind.String => CelValue.Int(Strings.CodePointCount((string)v.Ref!)),
            CelValueKind.Bytes => CelValue.Int(((byte[])v.Ref!).Length),
            CelValueKind.List => CelValue.Int(((CelList)v.Ref!).Count),
            CelValueKind.Map => CelValue.Int(((CelMap)v.Ref!).Count),
            _ => Err.NoOverload("size", v),
        };

        t.Global("type", "A -> type(A)").F1 = v => CelValue.Type(v.Type().RuntimeType);
        t.Global("dyn", "A -> dyn").F1 = v => v;
        t.Global("int", "int -> int", "uint -> int", "double -> int", "string -> int", "timestamp -> int").F1 = Conversions.ToInt;
        t.Global("uint", "uint -> uint", "int -> uint", "double -> uint", "string -> uint").F1 = Conversions.ToUint;
        t.Global("double", "double -> double", "int -> double", "uint -> double", "string -> double").F1 = Conversions.ToDouble;
        t.Global("string", "string -> string", "int -> string", "uint -> string", "double -> string", "bytes -> string",
            "bool -> string", "timestamp -> string", "duration -> string").F1 = Conversions.ToStringValue;
        t.Global("bytes", "bytes -> bytes", "string -> bytes").F1 = Conversions.ToBytes;
        t.Global("bool", "bool -> bool", "string -> bool").F1 = Conversions.ToBool;
        t.Global("timestamp", "timestamp -> timestamp", "string -> timestamp", "int -> timestamp").F1 = Conversions.ToTimestamp;
        t.Global("duration", "duration -> duration", "string -> duration").F1 = Conversions.ToDuration;

        StringTest(t, "contains", (s, x) => s.Contains(x, StringComparison.Ordinal));
        StringTest(t, "startsWith", (s, x) => s.StartsWith(x, StringComparison.Ordinal));
        StringTest(t, "endsWith", (s, x) => s.EndsWith(x, StringComparison.Ordinal));
        var matches = t.Both("matches", "string, string -> bool");
        matches.F2 = (s, p) => s.Kind == CelValueKind.String && p.Kind == CelValueKind.String
            ? Regexes.Matches((string)s.Ref!, (string)p.Ref!)
            : Err.NoOverload("matches", s, p);
        matches.SpecializeConst2 = Regexes.SpecializeMatches;
        matches.Cost = CostModel.Regex;

        foreach (var accessor in new[] { "getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear" })
        {
            var f = t.Member(accessor, "timestamp -> int", "timestamp, string -> int");
            f.F1 = v => Time.Accessor(accessor, v, null);
            f.F2 = (v, tz) => Time.Accessor(accessor, v, tz);
        }
        foreach (var accessor in new[] { "getHours", "getMinutes", "getSeconds", "getMilliseconds" })
        {
            var f = t.Member(accessor, "timestamp -> int", "timestamp, string -> int", "duration -> int");
            f.F1 = v => Time.Accessor(accessor, v, null);
            f.F2 = (v, tz) => Time.Accessor(accessor, v, tz);
        }

        // Helper for transformMap: adds a key to the accumulator map (never visible to users).
        t.Global("cel.@mapInsert", "map(K, V), K, V -> map(K, V)").F3 = (m, k, v) =>
        {
            if (m.Kind != CelValueKind.Map) return Err.NoOverload("transformMap", m, k, v);
            if (!CelMap.IsValidKey(k)) return CelValue.Error($"unsupported key type: {k.Type()}");
            var b = new CelMap.Builder(((CelMap)m.Ref!).Count + 1);
            foreach (var (key, value) in (CelMap)m.Ref!) b.Set(key, value);
            if (!b.TryAdd(k, v)) return CelValue.Error($"insert failed: key {k} already exists");
            return CelValue.Map(b.Build());
        };
    }

    private static void StringTest(FunctionTable t, string name, Func<string, string, bool> test)
    {
        var f = t.Member(name, "string, string -> bool");
        f.F2 = (s, x) => s.Kind == CelValueKind.String && x.Kind == CelValueKind.String
            ? CelValue.Bool(test((string)s.Ref!, (string)x.Ref!))
            : Err.NoOverload(name, s, x);
        f.Cost = CostModel.Traverse;
    }

    internal static CelValue Ordered(string op, CelValue a, CelValue b, Func<int, bool> test)
    {
        var c = CelOps.Compare(a, b);
        if (c is null) return Err.NoOverload(op, a, b);
        return CelValue.Bool(c != int.MinValue && test(c.Value));
    }
}

/// <summary>Arithmetic with CEL's overflow and division rules.</summary>
internal static class Arithmetic
{
    public static CelValue Add(CelValue a, CelValue b)
    {
        switch (a.Kind)
        {
            case CelValueKind.Int when b.Kind == CelValueKind.Int:
            {
                var r = unchecked(a.Bits + b.Bits);
                return ((a.Bits ^ r) & (b.Bits ^ r)) < 0 ? Err.Overflow("+") : CelValue.Int(r);
            }
            case CelValueKind.Uint when b.Kind == CelValueKind.Uint:
            {
                var r = unchecked(a.UintValue + b.UintValue);
                return r < a.UintValue ? Err.Overflow("+") : CelValue.Uint(r);
            }
            case CelValueKind.Double when b.Kind == CelValueKind.Double: return CelValue.Double(a.DoubleValue + b.DoubleValue);
            case CelValueKind.String when b.Kind == CelValueKind.String:
            {
                var x = (string)a.Ref!;
                var y = (string)b.Ref!;
                if ((long)x.Length + y.Length > Limits.MaxStringLength) return CelValue.Error("string concatenation result is too large");
                return CelValue.String(string.Concat(x, y));
            }
            case CelValueKind.Bytes when b.Kind == CelValueKind.Bytes:
            {
                var x = (byte[])a.Ref!;
                var y = (byte[])b.Ref!;
                if ((long)x.Length + y.Length > Limits.MaxStringLength) return CelValue.Error("bytes concatenation result is too large");
                return CelValue.Bytes([.. x, .. y]);
            }
            case CelValueKind.List when b.Kind == CelValueKind.List:
            {
                var x = (CelList)a.Ref!;
                var y = (CelList)b.Ref!;
                if ((long)x.Count + y.Count > Limits.MaxListLength) return CelValue.Error("list concatenation result is too large");
                return CelValue.List(CelList.Concat(x, y));
            }
            case CelValueKind.Timestamp when b.Kind == CelValueKind.Duration:
            case CelValueKind.Duration when b.Kind == CelValueKind.Timestamp:
            {
                var (ts, d) = a.Kind == CelValueKind.Timestamp ? (a, b) : (b, a);
                return CelValue.Timestamp(ts.Seconds + d.DurationSeconds, ts.Nanos + d.DurationNanos);
            }
            case CelValueKind.Duration when b.Kind == CelValueKind.Duration:
                return CelValue.DurationFromNanos(a.TotalNanos + b.TotalNanos);
        }
        return Err.NoOverload(Operators.Add, a, b);
    }

    public static CelValue Subtract(CelValue a, CelValue b)
    {
        switch (a.Kind)
        {
            case CelValueKind.Int when b.Kind == CelValueKind.Int:
            {
                var r = unchecked(a.Bits - b.Bits);
                return ((a.Bits ^ b.Bits) & (a.Bits ^ r)) < 0 ? Err.Overflow("-") : CelValue.Int(r);
            }
            case CelValueKind.Uint when b.Kind == CelValueKind.Uint:
                return b.UintValue > a.UintValue ? Err.Overflow("-") : CelValue.Uint(a.UintValue - b.UintValue);
            case CelValueKind.Double when b.Kind == CelValueKind.Double: return CelValue.Double(a.DoubleValue - b.DoubleValue);
            case CelValueKind.Timestamp when b.Kind == CelValueKind.Timestamp:
                return CelValue.DurationFromNanos(a.TotalNanos - b.TotalNanos);
            case CelValueKind.Timestamp when b.Kind == CelValueKind.Duration:
                return CelValue.Timestamp(a.Seconds - b.DurationSeconds, a.Nanos - b.DurationNanos);
            case CelValueKind.Duration when b.Kind == CelValueKind.Duration:
                return CelValue.DurationFromNanos(a.TotalNanos - b.TotalNanos);
        }
        return Err.NoOverload(Operators.Subtract, a, b);
    }

    public static CelValue Multiply(CelValue a, CelValue b)
    {
        switch (a.Kind)
        {
            case CelValueKind.Int when b.Kind == CelValueKind.Int:
            {
                var r = Math.BigMul(a.Bits, b.Bits, out var low);
                return (r == 0 && low >= 0) || (r == -1 && low < 0) ? CelValue.Int(low) : Err.Overflow("*");
            }
            case CelValueKind.Uint when b.Kind == CelValueKind.Uint:
            {
                var high = Math.BigMul(a.UintValue, b.UintValue, out var low);
                return high == 0 ? CelValue.Uint(low) : Err.Overflow("*");
            }
            case CelValueKind.Double when b.Kind == CelValueKind.Double: return CelValue.Double(a.DoubleValue * b.DoubleValue);
        }
        return Err.NoOverload(Operators.Multiply, a, b);
    }

    public static CelValue Divide(CelValue a, CelValue b)
    {
        switch (a.Kind)
        {
            case CelValueKind.Int when b.Kind == CelValueKind.Int:
                if (b.Bits == 0) return Err.DivideByZero();
                if (b.Bits == -1 && a.Bits == long.MinValue) return Err.Overflow("/");
                return CelValue.Int(a.Bits / b.Bits);
            case CelValueKind.Uint when b.Kind == CelValueKind.Uint:
                return b.UintValue == 0 ? Err.DivideByZero() : CelValue.Uint(a.UintValue / b.UintValue);
            case CelValueKind.Double when b.Kind == CelValueKind.Double: return CelValue.Double(a.DoubleValue / b.DoubleValue);
        }
        return Err.NoOverload(Operators.Divide, a, b);
    }

    public static CelValue Modulo(CelValue a, CelValue b)
    {
        switch (a.Kind)
        {
            case CelValueKind.Int when b.Kind == CelValueKind.Int:
                if (b.Bits == 0) return Err.ModulusByZero();
                if (b.Bits == -1) return a.Bits == long.MinValue ? Err.Overflow("%") : CelValue.Int(0);
                return CelValue.Int(a.Bits % b.Bits);
            case CelValueKind.Uint when b.Kind == CelValueKind.Uint:
                return b.UintValue == 0 ? Err.ModulusByZero() : CelValue.Uint(a.UintValue % b.UintValue);
        }
        return Err.NoOverload(Operators.Modulo, a, b);
    }

    public static CelValue Negate(CelValue a) => a.Kind switch
    {
        CelValueKind.Int => a.Bits == long.MinValue ? Err.Overflow("-") : CelValue.Int(-a.Bits),
        CelValueKind.Double => CelValue.Double(-a.DoubleValue),
        _ => Err.NoOverload(Operators.Negate, a),
    };
}

/// <summary>Indexing and membership.</summary>
internal static class Access
{
    public static CelValue Index(CelValue target, CelValue index)
    {
        switch (target.Kind)
        {
            case CelValueKind.Opaque when target.Ref is CelOptional:
                return Optionals.Index(target, index);
            case CelValueKind.List:
            {
                var list = (CelList)target.Ref!;
                long i;
                switch (index.Kind)
                {
                    case CelValueKind.Int: i = index.Bits; break;
                    case CelValueKind.Uint: i = index.UintValue > long.MaxValue ? long.MaxValue : index.Bits; break;
                    case CelValueKind.Double:
                    {
                        var d = index.DoubleValue;
                        if (d != Math.Floor(d) || !double.IsFinite(d)) return CelValue.Error($"invalid list index: {CelValue.FormatDouble(d)} is not an integer");
                        i = d >= 9.2233720368547758E18 ? long.MaxValue : d < -9.2233720368547758E18 ? long.MinValue : (long)d;
                        break;
                    }
                    default: return CelValue.Error($"invalid list index of type {index.Type().RuntimeType}");
                }
                if (i < 0 || i >= list.Count) return CelValue.Error($"index out of bounds: {i} (list size {list.Count})");
                return list[(int)i];
            }
            case CelValueKind.Map:
            {
                var map = (CelMap)target.Ref!;
                if (map.TryGetValue(index, out var v)) return v;
                return NoSuchKey(index);
            }
            default:
                return Err.NoOverload(Operators.Index, target, index);
        }
    }

    public static CelValue NoSuchKey(CelValue key) =>
        CelValue.Error(key.Kind == CelValueKind.String ? $"no such key: {(string)key.Ref!}" : $"no such key: {key}");

    public static CelValue In(CelValue item, CelValue container)
    {
        switch (container.Kind)
        {
            case CelValueKind.List:
                foreach (var x in ((CelList)container.Ref!).Span)
                    if (CelOps.Equal(item, x)) return CelValue.True;
                return CelValue.False;
            case CelValueKind.Map:
                return CelValue.Bool(((CelMap)container.Ref!).TryGetValue(item, out _));
            default:
                return Err.NoOverload(Operators.In, item, container);
        }
    }
}

internal static class Limits
{
    public const long MaxStringLength = 64L * 1024 * 1024;
    public const long MaxListLength = 16L * 1024 * 1024;
}

/// <summary>Type conversions.</summary>
internal static class Conversions
{
    public static CelValue ToInt(CelValue v)
    {
        switch (v.Kind)
        {
            case CelValueKind.Int: return v;
            case CelValueKind.Uint: return v.UintValue > long.MaxValue ? CelValue.Error("int range error: uint value too large") : CelValue.Int(v.Bits);
            case CelValueKind.Double:
            {
                var d = v.DoubleValue;
                if (!(d > -9.2233720368547758E18 && d < 9.2233720368547758E18)) return CelValue.Error("int range error: double out of range");
                return CelValue.Int((long)d);
            }
            case CelValueKind.String:
                return long.TryParse((string)v.Ref!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                    ? CelValue.Int(l)
                    : CelValue.Error($"type conversion error: cannot convert '{(string)v.Ref!}' to int");
            case CelValueKind.Timestamp: return CelValue.Int(v.Seconds);
            default: return Err.NoOverload("int", v);
        }
    }

    public static CelValue ToUint(CelValue v)
    {
        switch (v.Kind)
        {
            case CelValueKind.Uint: return v;
            case CelValueKind.Int: return v.Bits < 0 ? CelValue.Error("uint range error: negative value") : CelValue.Uint((ulong)v.Bits);
            case CelValueKind.Double:
            {
                var d = v.DoubleValue;
                if (!(d > -1 && d < 1.8446744073709552E19)) return CelValue.Error("uint range error: double out of range");
                return CelValue.Uint((ulong)d);
            }
            case CelValueKind.String:
                return ulong.TryParse((string)v.Ref!, NumberStyles.None, CultureInfo.InvariantCulture, out var u)
                    ? CelValue.Uint(u)
                    : CelValue.Error($"type conversion error: cannot convert '{(string)v.Ref!}' to uint");
            default: return Err.NoOverload("uint", v);
        }
    }

    public static CelValue ToDouble(CelValue v)
    {
        switch (v.Kind)
        {
            case CelValueKind.Double: return v;
            case CelValueKind.Int: return CelValue.Double(v.Bits);
            case CelValueKind.Uint: return CelValue.Double(v.UintValue);
            case CelValueKind.String:
            {
                var s = (string)v.Ref!;
                switch (s)
                {
                    case "NaN": return CelValue.Double(double.NaN);
                    case "Infinity" or "+Infinity" or "Inf" or "+Inf" or "inf" or "+inf": return CelValue.Double(double.PositiveInfinity);
                    case "-Infinity" or "-Inf" or "-inf": return CelValue.Double(double.NegativeInfinity);
                }
                return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    ? CelValue.Double(d)
                    : CelValue.Error($"type conversion error: cannot convert '{s}' to double");
            }
            default: return Err.NoOverload("double", v);
        }
    }

    public static CelValue ToStringValue(CelValue v)
    {
        switch (v.Kind)
        {
            case CelValueKind.String: return v;
            case CelValueKind.Int: return CelValue.String(v.Bits.ToString(CultureInfo.InvariantCulture));
            case CelValueKind.Uint: return CelValue.String(v.UintValue.ToString(CultureInfo.InvariantCulture));
            case CelValueKind.Double: return CelValue.String(CelValue.FormatDouble(v.DoubleValue));
            case CelValueKind.Bool: return CelValue.String(v.Bits != 0 ? "true" : "false");
            case CelValueKind.Bytes:
                try
                {
                    return CelValue.String(Strict.GetString((byte[])v.Ref!));
                }
                catch (DecoderFallbackException)
                {
                    return CelValue.Error("invalid UTF-8 in bytes, cannot convert to string");
                }
            case CelValueKind.Timestamp: return CelValue.String(CelFormat.Timestamp(v));
            case CelValueKind.Duration: return CelValue.String(CelFormat.Duration(v));
            case CelValueKind.Opaque when v.Ref is Quantity q: return CelValue.String(q.ToString());
            default: return Err.NoOverload("string", v);
        }
    }

    internal static readonly UTF8Encoding Strict = new(false, true);

    public static CelValue ToBytes(CelValue v) => v.Kind switch
    {
        CelValueKind.Bytes => v,
        CelValueKind.String => CelValue.Bytes(Encoding.UTF8.GetBytes((string)v.Ref!)),
        _ => Err.NoOverload("bytes", v),
    };

    public static CelValue ToBool(CelValue v)
    {
        switch (v.Kind)
        {
            case CelValueKind.Bool: return v;
            case CelValueKind.String:
                return (string)v.Ref! switch
                {
                    "1" or "t" or "T" or "true" or "TRUE" or "True" => CelValue.True,
                    "0" or "f" or "F" or "false" or "FALSE" or "False" => CelValue.False,
                    var s => CelValue.Error($"type conversion error: cannot convert '{s}' to bool"),
                };
            default: return Err.NoOverload("bool", v);
        }
    }

    public static CelValue ToTimestamp(CelValue v) => v.Kind switch
    {
        CelValueKind.Timestamp => v,
        CelValueKind.String => Time.ParseTimestamp((string)v.Ref!),
        CelValueKind.Int => CelValue.Timestamp(v.Bits, 0),
        _ => Err.NoOverload("timestamp", v),
    };

    public static CelValue ToDuration(CelValue v) => v.Kind switch
    {
        CelValueKind.Duration => v,
        CelValueKind.String => Time.ParseDuration((string)v.Ref!),
        _ => Err.NoOverload("duration", v),
    };
}
