using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Kubernetes.Models;

/// <summary>An <c>intstr.IntOrString</c>: a port number or name, a count or a percentage (<c>25%</c>).</summary>
[JsonConverter(typeof(IntOrStringJsonConverter))]
public readonly record struct IntOrString
{
    private IntOrString(int? number, string? text)
    {
        Number = number;
        Text = text;
    }

    public int? Number { get; }

    public string? Text { get; }

    public bool IsNumber => Number.HasValue;

    public static IntOrString FromInt32(int value) => new(value, null);

    public static IntOrString FromString(string value) => new(null, value);

    public static implicit operator IntOrString(int value) => FromInt32(value);

    public static implicit operator IntOrString(string value) => FromString(value);

    /// <summary>Resolves a count or percentage against a total (as <c>GetScaledValueFromIntOrPercent</c>).</summary>
    public int Scale(int total, bool roundUp)
    {
        if (Number is { } number)
        {
            return number;
        }

        var text = Text ?? throw new InvalidOperationException("Empty IntOrString.");
        if (!text.EndsWith('%') || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
        {
            throw new FormatException($"'{text}' is not a percentage.");
        }

        var scaled = total * percent / 100.0;
        return roundUp ? (int)Math.Ceiling(scaled) : (int)Math.Floor(scaled);
    }

    public override string ToString() => Number?.ToString(CultureInfo.InvariantCulture) ?? Text ?? string.Empty;
}

public sealed class IntOrStringJsonConverter : JsonConverter<IntOrString>
{
    public override IntOrString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        return reader.TokenType switch
        {
            JsonTokenType.Number => IntOrString.FromInt32(reader.GetInt32()),
            JsonTokenType.String => IntOrString.FromString(reader.GetString()!),
            _ => throw new JsonException($"Expected an integer or a string, not {reader.TokenType}."),
        };
    }

    public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.Number is { } number)
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(value.Text);
        }
    }
}
