using System.Globalization;
using System.Text;

namespace Vigil.Cel;

/// <summary>The kind of a <see cref="CelValue"/>.</summary>
public enum CelValueKind
{
    /// <summary>null (the default value).</summary>
    Null = 0,
    /// <summary>bool.</summary>
    Bool,
    /// <summary>int (64-bit signed).</summary>
    Int,
    /// <summary>uint (64-bit unsigned).</summary>
    Uint,
    /// <summary>double.</summary>
    Double,
    /// <summary>string.</summary>
    String,
    /// <summary>bytes.</summary>
    Bytes,
    /// <summary>list.</summary>
    List,
    /// <summary>map.</summary>
    Map,
    /// <summary>google.protobuf.Timestamp: seconds and nanoseconds since the Unix epoch.</summary>
    Timestamp,
    /// <summary>google.protobuf.Duration: seconds and nanoseconds.</summary>
    Duration,
    /// <summary>A type value (the result of <c>type(x)</c>, or an identifier such as <c>int</c>).</summary>
    Type,
    /// <summary>A value of an extension type (quantity, URL, optional).</summary>
    Opaque,
    /// <summary>An evaluation error carried as a value.</summary>
    Error,
    /// <summary>An unknown value (a variable marked unknown in the activation) carried as a value.</summary>
    Unknown,
}

/// <summary>
/// A CEL value: a small struct (no allocation for numbers, booleans, timestamps and durations; strings, bytes, lists
/// and maps point at their immutable payload).
/// </summary>
public readonly struct CelValue : IEquatable<CelValue>
{
    internal readonly object? Ref;
    internal readonly long Bits;
    private readonly CelValueKind _kind;
    internal readonly int Extra;

    internal CelValue(CelValueKind kind, long bits, object? reference, int extra = 0)
    {
        _kind = kind;
        Bits = bits;
        Ref = reference;
        Extra = extra;
    }

    /// <summary>The value's kind.</summary>
    public CelValueKind Kind => _kind;

    /// <summary>null.</summary>
    public static readonly CelValue Null;
    /// <summary>true.</summary>
    public static readonly CelValue True = new(CelValueKind.Bool, 1, null);
    /// <summary>false.</summary>
    public static readonly CelValue False = new(CelValueKind.Bool, 0, null);

    internal const long MinTimestampSeconds = -62135596800; // 0001-01-01T00:00:00Z
    internal const long MaxTimestampSeconds = 253402300799; // 9999-12-31T23:59:59Z

    /// <summary>A bool.</summary>
    public static CelValue Bool(bool value) => value ? True : False;
    /// <summary>An int.</summary>
    public static CelValue Int(long value) => new(CelValueKind.Int, value, null);
    /// <summary>A uint.</summary>
    public static CelValue Uint(ulong value) => new(CelValueKind.Uint, unchecked((long)value), null);
    /// <summary>A double.</summary>
    public static CelValue Double(double value) => new(CelValueKind.Double, BitConverter.DoubleToInt64Bits(value), null);
    /// <summary>A string.</summary>
    public static CelValue String(string value) => new(CelValueKind.String, 0, value ?? throw new ArgumentNullException(nameof(value)));
    /// <summary>Bytes (the array is not copied: do not change it afterwards).</summary>
    public static CelValue Bytes(byte[] value) => new(CelValueKind.Bytes, 0, value ?? throw new ArgumentNullException(nameof(value)));
    /// <summary>A list of the given values.</summary>
    public static CelValue List(params CelValue[] items) => new(CelValueKind.List, 0, new CelList(items));
    /// <summary>A list.</summary>
    public static CelValue List(CelList list) => new(CelValueKind.List, 0, list ?? throw new ArgumentNullException(nameof(list)));
    /// <summary>A map.</summary>
    public static CelValue Map(CelMap map) => new(CelValueKind.Map, 0, map ?? throw new ArgumentNullException(nameof(map)));
    /// <summary>A type value.</summary>
    public static CelValue Type(CelType type) => new(CelValueKind.Type, 0, type ?? throw new ArgumentNullException(nameof(type)));
    internal static CelValue Opaque(ICelOpaque value) => new(CelValueKind.Opaque, 0, value);

    /// <summary>An error value with the given message.</summary>
    public static CelValue Error(string message) => new(CelValueKind.Error, 0, new CelError(message, -1));
    internal static CelValue Error(string message, int offset) => new(CelValueKind.Error, 0, new CelError(message, offset));
    internal static CelValue Error(CelError error) => new(CelValueKind.Error, 0, error);

    /// <summary>An unknown value naming the attribute (variable or path) that is not known yet.</summary>
    public static CelValue Unknown(string attribute) => new(CelValueKind.Unknown, 0, new CelUnknown([attribute]));
    internal static CelValue Unknown(CelUnknown unknown) => new(CelValueKind.Unknown, 0, unknown);

    /// <summary>A timestamp from seconds and nanoseconds since the Unix epoch; an error value when out of range.</summary>
    public static CelValue Timestamp(long seconds, int nanos)
    {
        Normalize(ref seconds, ref nanos);
        if (seconds < MinTimestampSeconds || seconds > MaxTimestampSeconds) return Error("timestamp out of range");
        return new(CelValueKind.Timestamp, seconds, null, nanos);
    }

    /// <summary>A timestamp.</summary>
    public static CelValue Timestamp(DateTimeOffset value)
    {
        var ticks = value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        return Timestamp(seconds, (int)(rest * 100));
    }

    /// <summary>A duration from seconds and nanoseconds; an error value when out of range (as in cel-go, a duration is
    /// a 64-bit count of nanoseconds: about ±292 years).</summary>
    public static CelValue Duration(long seconds, int nanos) => DurationFromNanos((Int128)seconds * 1_000_000_000 + nanos);

    /// <summary>A duration.</summary>
    public static CelValue Duration(TimeSpan value) => DurationFromNanos((Int128)value.Ticks * 100);

    internal static CelValue DurationFromNanos(Int128 nanos)
    {
        if (nanos < long.MinValue || nanos > long.MaxValue) return Error("duration out of range");
        return new(CelValueKind.Duration, (long)nanos, null);
    }

    private static void Normalize(ref long seconds, ref int nanos)
    {
        seconds += nanos / 1_000_000_000;
        nanos %= 1_000_000_000;
        if (nanos < 0) { seconds--; nanos += 1_000_000_000; }
    }

    /// <summary>True for an error value.</summary>
    public bool IsError => _kind == CelValueKind.Error;
    /// <summary>True for an unknown value.</summary>
    public bool IsUnknown => _kind == CelValueKind.Unknown;
    internal bool IsErrorOrUnknown => _kind >= CelValueKind.Error;

    /// <summary>The bool.</summary>
    public bool AsBool() => _kind == CelValueKind.Bool ? Bits != 0 : throw WrongKind(CelValueKind.Bool);
    /// <summary>The int.</summary>
    public long AsInt() => _kind == CelValueKind.Int ? Bits : throw WrongKind(CelValueKind.Int);
    /// <summary>The uint.</summary>
    public ulong AsUint() => _kind == CelValueKind.Uint ? unchecked((ulong)Bits) : throw WrongKind(CelValueKind.Uint);
    /// <summary>The double.</summary>
    public double AsDouble() => _kind == CelValueKind.Double ? BitConverter.Int64BitsToDouble(Bits) : throw WrongKind(CelValueKind.Double);
    /// <summary>The string.</summary>
    public string AsString() => _kind == CelValueKind.String ? (string)Ref! : throw WrongKind(CelValueKind.String);
    /// <summary>The bytes (do not change them).</summary>
    public byte[] AsBytes() => _kind == CelValueKind.Bytes ? (byte[])Ref! : throw WrongKind(CelValueKind.Bytes);
    /// <summary>The list.</summary>
    public CelList AsList() => _kind == CelValueKind.List ? (CelList)Ref! : throw WrongKind(CelValueKind.List);
    /// <summary>The map.</summary>
    public CelMap AsMap() => _kind == CelValueKind.Map ? (CelMap)Ref! : throw WrongKind(CelValueKind.Map);
    /// <summary>The type.</summary>
    public CelType AsType() => _kind == CelValueKind.Type ? (CelType)Ref! : throw WrongKind(CelValueKind.Type);
    /// <summary>The error's message.</summary>
    public string ErrorMessage => _kind == CelValueKind.Error ? ((CelError)Ref!).Message : throw WrongKind(CelValueKind.Error);
    internal CelError AsError() => (CelError)Ref!;
    internal CelUnknown AsUnknown() => (CelUnknown)Ref!;
    /// <summary>The attributes an unknown value depends on.</summary>
    public IReadOnlyList<string> UnknownAttributes => _kind == CelValueKind.Unknown ? ((CelUnknown)Ref!).Attributes : throw WrongKind(CelValueKind.Unknown);

    /// <summary>The timestamp (to 100 ns precision).</summary>
    public DateTimeOffset AsTimestamp() => _kind == CelValueKind.Timestamp
        ? DateTimeOffset.UnixEpoch.AddTicks(Bits * TimeSpan.TicksPerSecond + Extra / 100)
        : throw WrongKind(CelValueKind.Timestamp);

    /// <summary>The duration (to 100 ns precision).</summary>
    public TimeSpan AsDuration() => _kind == CelValueKind.Duration ? TimeSpan.FromTicks(Bits / 100) : throw WrongKind(CelValueKind.Duration);

    internal double DoubleValue => BitConverter.Int64BitsToDouble(Bits);
    internal ulong UintValue => unchecked((ulong)Bits);
    internal long Seconds => Bits;
    internal int Nanos => Extra;
    internal Int128 TotalNanos => _kind == CelValueKind.Duration ? Bits : (Int128)Bits * 1_000_000_000 + Extra;
    internal long DurationSeconds => Bits / 1_000_000_000;
    internal int DurationNanos => (int)(Bits % 1_000_000_000);

    private InvalidOperationException WrongKind(CelValueKind wanted) =>
        new($"CEL value is {_kind}, not {wanted}" + (_kind == CelValueKind.Error ? ": " + ((CelError)Ref!).Message : ""));

    /// <summary>Heterogeneous CEL equality (1 == 1u == 1.0; values of different kinds are not equal).</summary>
    public bool Equals(CelValue other) => CelOps.Equal(this, other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is CelValue other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => CelOps.Hash(this);

    /// <summary>Equality as <see cref="Equals(CelValue)"/>.</summary>
    public static bool operator ==(CelValue left, CelValue right) => left.Equals(right);
    /// <summary>Inequality as <see cref="Equals(CelValue)"/>.</summary>
    public static bool operator !=(CelValue left, CelValue right) => !left.Equals(right);

    /// <summary>The CEL type of the value.</summary>
    public CelType Type() => _kind switch
    {
        CelValueKind.Null => CelType.Null,
        CelValueKind.Bool => CelType.Bool,
        CelValueKind.Int => CelType.Int,
        CelValueKind.Uint => CelType.Uint,
        CelValueKind.Double => CelType.Double,
        CelValueKind.String => CelType.String,
        CelValueKind.Bytes => CelType.Bytes,
        CelValueKind.List => CelType.ListKind,
        CelValueKind.Map => CelType.MapKind,
        CelValueKind.Timestamp => CelType.Timestamp,
        CelValueKind.Duration => CelType.Duration,
        CelValueKind.Type => CelType.TypeKind,
        CelValueKind.Opaque => ((ICelOpaque)Ref!).Type,
        CelValueKind.Error => CelType.Error,
        _ => CelType.Dyn,
    };

    /// <summary>A readable rendering, in CEL literal syntax where there is one.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        CelFormat.Write(sb, this);
        return sb.ToString();
    }

    /// <summary>Converts a .NET value: CelValue, null, bool, integers, floating point, string, byte[], DateTimeOffset,
    /// DateTime, TimeSpan, JsonNode, JsonElement, dictionaries and enumerables (recursively).</summary>
    public static CelValue From(object? value) => CelJson.FromObject(value);

    /// <summary>Converts JSON text (parsed once; keep the result to evaluate many times).</summary>
    public static CelValue FromJson(string json) => CelJson.FromJsonText(json);

    /// <summary>The value as JSON text: maps as objects, lists as arrays, int and uint as numbers, bytes as base64,
    /// timestamps and durations as strings, types by name.</summary>
    public string ToJson(bool indented = false) => CelJson.ToJsonText(this, indented);

    /// <summary>The value as a JsonNode (see <see cref="ToJson"/>).</summary>
    public System.Text.Json.Nodes.JsonNode? ToJsonNode() => CelJson.ToNode(this);

    /// <summary>A double as cel-go's string() renders it (Go's %g: the shortest digits that round-trip, in exponent
    /// form when the decimal exponent is below -4 or 6 and above, e.g. 1e+06).</summary>
    internal static string FormatDouble(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "+Inf";
        if (double.IsNegativeInfinity(d)) return "-Inf";
        if (d == 0) return double.IsNegative(d) ? "-0" : "0";
        // Shortest round-trip digits and the decimal exponent of the first digit.
        var shortest = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int exp;
        var e = shortest.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            digits = shortest[..e].Replace(".", "", StringComparison.Ordinal);
            exp = int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        else
        {
            var dot = shortest.IndexOf('.', StringComparison.Ordinal);
            var intPart = dot < 0 ? shortest : shortest[..dot];
            var all = shortest.Replace(".", "", StringComparison.Ordinal);
            var lead = all.Length - all.TrimStart('0').Length;
            digits = all.TrimStart('0');
            exp = intPart.TrimStart('0').Length > 0 ? intPart.TrimStart('0').Length - 1 : -(lead - intPart.Length) - 1;
        }
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        var sb = new StringBuilder();
        if (d < 0) sb.Append('-');
        if (exp < -4 || exp >= 6)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (exp < 0)
        {
            sb.Append("0.").Append('0', -exp - 1).Append(digits);
        }
        else if (digits.Length <= exp + 1)
        {
            sb.Append(digits).Append('0', exp + 1 - digits.Length);
        }
        else
        {
            sb.Append(digits, 0, exp + 1).Append('.').Append(digits, exp + 1, digits.Length - exp - 1);
        }
        return sb.ToString();
    }
}

internal sealed class CelError(string message, int offset)
{
    public string Message { get; } = message;
    public int Offset { get; set; } = offset;
}

internal sealed class CelUnknown(IReadOnlyList<string> attributes)
{
    public IReadOnlyList<string> Attributes { get; } = attributes;

    public static CelUnknown Merge(CelUnknown a, CelUnknown b)
    {
        if (ReferenceEquals(a, b)) return a;
        var all = new List<string>(a.Attributes);
        foreach (var x in b.Attributes) if (!all.Contains(x)) all.Add(x);
        return new CelUnknown(all);
    }
}

/// <summary>A value of an extension type: quantity, URL, optional.</summary>
internal interface ICelOpaque
{
    CelType Type { get; }
    bool CelEquals(ICelOpaque other);
    int CelHash();
    object? ToJsonValue();
}
