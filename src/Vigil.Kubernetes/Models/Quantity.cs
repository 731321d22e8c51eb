using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Kubernetes.Models;

/// <summary>How a <see cref="Quantity"/> is written: the family of its suffix.</summary>
public enum QuantityFormat
{
    /// <summary>Powers of ten with SI suffixes: n, u, m, "", k, M, G, T, P, E.</summary>
    DecimalSI,

    /// <summary>Powers of two: Ki, Mi, Gi, Ti, Pi, Ei.</summary>
    BinarySI,

    /// <summary>Scientific notation: 1e3, 5E-3.</summary>
    DecimalExponent,
}

/// <summary>
/// A Kubernetes resource quantity (<c>resource.Quantity</c>): an exact decimal value plus the suffix family it was written in.
/// Values finer than 1n are rounded up to 1n, as the API server does. Formatting gives the canonical form
/// (<c>1.5Gi</c> → <c>1536Mi</c>, <c>0.5</c> → <c>500m</c>, <c>1000</c> → <c>1k</c>).
/// </summary>
[JsonConverter(typeof(QuantityJsonConverter))]
public sealed class Quantity : IEquatable<Quantity>, IComparable<Quantity>
{
    private const int MaxScale = 9;

    private static readonly (string Suffix, int Exponent)[] DecimalSuffixes =
    [
        ("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18),
    ];

    private static readonly (string Suffix, int Power)[] BinarySuffixes =
    [
        ("Ki", 10), ("Mi", 20), ("Gi", 30), ("Ti", 40), ("Pi", 50), ("Ei", 60),
    ];

    public Quantity(decimal value, QuantityFormat format)
    {
        Value = RoundUpToNano(value);
        Format = format;
    }

    /// <summary>The exact value, in base units (cores, bytes).</summary>
    public decimal Value { get; }

    public QuantityFormat Format { get; }

    public static Quantity Zero { get; } = new(0m, QuantityFormat.DecimalSI);

    public bool IsZero => Value == 0m;

    /// <summary>The value in thousandths, rounded up (CPU millicores).</summary>
    public long MilliValue => (long)decimal.Ceiling(Value * 1000m);

    /// <summary>The value rounded up to a whole number.</summary>
    public long IntegerValue => (long)decimal.Ceiling(Value);

    public static Quantity FromMilli(long milli) => new(milli / 1000m, QuantityFormat.DecimalSI);

    public static Quantity FromBytes(long bytes) => new(bytes, QuantityFormat.BinarySI);

    public static Quantity Parse(string text)
    {
        if (!TryParse(text, out var quantity, out var error))
        {
            throw new FormatException($"Quantity '{text}' is not valid: {error}.");
        }

        return quantity;
    }

    public static bool TryParse(string? text, out Quantity quantity) => TryParse(text, out quantity, out _);

    private static bool TryParse(string? text, out Quantity quantity, out string error)
    {
        quantity = Zero;
        if (string.IsNullOrEmpty(text))
        {
            error = "it is empty";
            return false;
        }

        var span = text.AsSpan();
        var position = 0;
        if (span[0] is '+' or '-')
        {
            position++;
        }

        var sawDigit = false;
        while (position < span.Length && char.IsAsciiDigit(span[position]))
        {
            position++;
            sawDigit = true;
        }

        if (position < span.Length && span[position] == '.')
        {
            position++;
            while (position < span.Length && char.IsAsciiDigit(span[position]))
            {
                position++;
                sawDigit = true;
            }
        }

        if (!sawDigit)
        {
            error = "it has no digits";
            return false;
        }

        var numberPart = span[..position];
        var suffix = span[position..];
        if (!decimal.TryParse(numberPart, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            error = "its number is out of range";
            return false;
        }

        try
        {
            if (suffix.Length == 0)
            {
                quantity = new Quantity(number, QuantityFormat.DecimalSI);
                error = string.Empty;
                return true;
            }

            foreach (var (binarySuffix, power) in BinarySuffixes)
            {
                if (suffix.SequenceEqual(binarySuffix))
                {
                    quantity = new Quantity(number * (decimal)Math.Pow(2, power), QuantityFormat.BinarySI);
                    error = string.Empty;
                    return true;
                }
            }

            foreach (var (decimalSuffix, exponent) in DecimalSuffixes)
            {
                if (decimalSuffix.Length > 0 && suffix.SequenceEqual(decimalSuffix))
                {
                    quantity = new Quantity(Scale(number, exponent), QuantityFormat.DecimalSI);
                    error = string.Empty;
                    return true;
                }
            }

            if (suffix[0] is 'e' or 'E' && suffix.Length > 1
                && int.TryParse(suffix[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var explicitExponent)
                && explicitExponent is >= -28 and <= 28)
            {
                quantity = new Quantity(Scale(number, explicitExponent), QuantityFormat.DecimalExponent);
                error = string.Empty;
                return true;
            }
        }
        catch (OverflowException)
        {
            error = "it is too large";
            return false;
        }

        error = $"unknown suffix '{suffix.ToString()}'";
        return false;
    }

    /// <summary>The canonical string form, as the API server would store it.</summary>
    public override string ToString()
    {
        if (Value == 0m)
        {
            return "0";
        }

        var format = Format;
        if (format == QuantityFormat.BinarySI && (Math.Abs(Value) < 1024m || decimal.Truncate(Value) != Value))
        {
            format = QuantityFormat.DecimalSI;
        }

        if (format == QuantityFormat.BinarySI)
        {
            var mantissa = Value;
            var power = 0;
            while (power < 60 && decimal.Remainder(mantissa, 1024m) == 0m)
            {
                mantissa /= 1024m;
                power += 10;
            }

            var suffix = power == 0 ? string.Empty : BinarySuffixes[(power / 10) - 1].Suffix;
            return FormatInteger(mantissa) + suffix;
        }

        var (digits, exponent) = CanonicalDecimal(Value);
        if (format == QuantityFormat.DecimalExponent)
        {
            return exponent == 0 ? FormatInteger(digits) : FormatInteger(digits) + "e" + exponent.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (decimalSuffix, suffixExponent) in DecimalSuffixes)
        {
            if (suffixExponent == exponent)
            {
                return FormatInteger(digits) + decimalSuffix;
            }
        }

        // Larger than the E suffix can hold as an integer mantissa: use the exponent form.
        return FormatInteger(digits) + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }

    public bool Equals(Quantity? other) => other is not null && Value == other.Value;

    public override bool Equals(object? obj) => obj is Quantity other && Equals(other);

    public override int GetHashCode() => Value.GetHashCode();

    public int CompareTo(Quantity? other) => other is null ? 1 : Value.CompareTo(other.Value);

    public Quantity Add(Quantity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new Quantity(Value + other.Value, Format);
    }

    public Quantity Subtract(Quantity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new Quantity(Value - other.Value, Format);
    }

    public static bool operator ==(Quantity? left, Quantity? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Quantity? left, Quantity? right) => !(left == right);

    public static bool operator <(Quantity left, Quantity right) => Compare(left, right) < 0;

    public static bool operator >(Quantity left, Quantity right) => Compare(left, right) > 0;

    public static bool operator <=(Quantity left, Quantity right) => Compare(left, right) <= 0;

    public static bool operator >=(Quantity left, Quantity right) => Compare(left, right) >= 0;

    public static Quantity operator +(Quantity left, Quantity right) => left.Add(right);

    public static Quantity operator -(Quantity left, Quantity right) => left.Subtract(right);

    private static int Compare(Quantity left, Quantity right)
    {
        ArgumentNullException.ThrowIfNull(left);
        return left.CompareTo(right);
    }

    private static decimal Scale(decimal number, int exponent)
    {
        var result = number;
        for (var i = 0; i < Math.Abs(exponent); i++)
        {
            result = exponent > 0 ? result * 10m : result / 10m;
        }

        return result;
    }

    private static decimal RoundUpToNano(decimal value)
    {
        var scaled = value * 1_000_000_000m;
        var rounded = value >= 0 ? decimal.Ceiling(scaled) : decimal.Floor(scaled);
        return rounded == scaled ? value : rounded / 1_000_000_000m;
    }

    /// <summary>Splits a value into an integer mantissa and an exponent that is a multiple of three, moving trailing zeros into the exponent.</summary>
    private static (decimal Digits, int Exponent) CanonicalDecimal(decimal value)
    {
        var digits = value;
        var exponent = 0;
        while (decimal.Truncate(digits) != digits && exponent > -MaxScale)
        {
            digits *= 1000m;
            exponent -= 3;
        }

        while (exponent < 18 && digits != 0m && decimal.Remainder(digits, 1000m) == 0m)
        {
            digits /= 1000m;
            exponent += 3;
        }

        return (digits, exponent);
    }

    private static string FormatInteger(decimal value)
    {
        return decimal.Truncate(value).ToString("0", CultureInfo.InvariantCulture);
    }
}

/// <summary>Reads quantities written as strings or bare numbers; writes the canonical string.</summary>
public sealed class QuantityJsonConverter : JsonConverter<Quantity>
{
    public override Quantity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        return reader.TokenType switch
        {
            JsonTokenType.String => Quantity.TryParse(reader.GetString(), out var quantity)
                ? quantity
                : throw new JsonException($"'{reader.GetString()}' is not a valid quantity."),
            JsonTokenType.Number => new Quantity(reader.GetDecimal(), QuantityFormat.DecimalSI),
            _ => throw new JsonException($"A quantity must be a string or a number, not {reader.TokenType}."),
        };
    }

    public override void Write(Utf8JsonWriter writer, Quantity value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.ToString());
    }
}
