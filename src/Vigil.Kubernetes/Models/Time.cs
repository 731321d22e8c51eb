using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Kubernetes.Models;

/// <summary>
/// A <c>metav1.Time</c>: an instant with whole-second precision, written as RFC 3339 in UTC (<c>2021-01-02T03:04:05Z</c>).
/// Fractions are dropped on construction, as the API server does.
/// </summary>
[JsonConverter(typeof(TimeJsonConverter))]
public readonly record struct Time : IComparable<Time>
{
    public Time(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        Value = new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    public DateTimeOffset Value { get; }

    public static Time From(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new Time(timeProvider.GetUtcNow());
    }

    public static Time Parse(string text) => new(RfcTimeParser.Parse(text));

    public override string ToString() => Value.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);

    public int CompareTo(Time other) => Value.CompareTo(other.Value);

    public static bool operator <(Time left, Time right) => left.CompareTo(right) < 0;

    public static bool operator >(Time left, Time right) => left.CompareTo(right) > 0;

    public static bool operator <=(Time left, Time right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Time left, Time right) => left.CompareTo(right) >= 0;

    public static implicit operator Time(DateTimeOffset value) => new(value);
}

/// <summary>
/// A <c>metav1.MicroTime</c>: an instant with microsecond precision, always written with exactly six fraction digits
/// (<c>2021-01-02T03:04:05.123456Z</c>). Used by Lease <c>acquireTime</c>/<c>renewTime</c> and events.k8s.io <c>eventTime</c>.
/// </summary>
[JsonConverter(typeof(MicroTimeJsonConverter))]
public readonly record struct MicroTime : IComparable<MicroTime>
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    public MicroTime(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        Value = new DateTimeOffset(utc.Ticks - (utc.Ticks % TicksPerMicrosecond), TimeSpan.Zero);
    }

    public DateTimeOffset Value { get; }

    public static MicroTime From(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new MicroTime(timeProvider.GetUtcNow());
    }

    public static MicroTime Parse(string text) => new(RfcTimeParser.Parse(text));

    public override string ToString() => Value.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture);

    public int CompareTo(MicroTime other) => Value.CompareTo(other.Value);

    public static bool operator <(MicroTime left, MicroTime right) => left.CompareTo(right) < 0;

    public static bool operator >(MicroTime left, MicroTime right) => left.CompareTo(right) > 0;

    public static bool operator <=(MicroTime left, MicroTime right) => left.CompareTo(right) <= 0;

    public static bool operator >=(MicroTime left, MicroTime right) => left.CompareTo(right) >= 0;

    public static implicit operator MicroTime(DateTimeOffset value) => new(value);
}

internal static class RfcTimeParser
{
    public static DateTimeOffset Parse(string text)
    {
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            || !text.Contains('T', StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"'{text}' is not an RFC 3339 time.");
        }

        return value;
    }
}

public sealed class TimeJsonConverter : JsonConverter<Time>
{
    public override Time Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // The reader's ISO 8601 parser handles RFC 3339 without allocating; anything else goes the slow way.
        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var parsed))
        {
            return new Time(parsed);
        }

        var text = reader.GetString() ?? throw new JsonException("A time must be a string.");
        try
        {
            return Time.Parse(text);
        }
        catch (FormatException exception)
        {
            throw new JsonException(exception.Message, exception);
        }
    }

    public override void Write(Utf8JsonWriter writer, Time value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}

public sealed class MicroTimeJsonConverter : JsonConverter<MicroTime>
{
    public override MicroTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // The reader's ISO 8601 parser handles RFC 3339 without allocating; anything else goes the slow way.
        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var parsed))
        {
            return new MicroTime(parsed);
        }

        var text = reader.GetString() ?? throw new JsonException("A time must be a string.");
        try
        {
            return MicroTime.Parse(text);
        }
        catch (FormatException exception)
        {
            throw new JsonException(exception.Message, exception);
        }
    }

    public override void Write(Utf8JsonWriter writer, MicroTime value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
