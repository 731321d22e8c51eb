using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Selectors;

/// <summary>Tolerant reads from JSON objects: a missing field or a value of another type reads as null.</summary>
internal static class JsonAccess
{
    public static JsonNode? At(JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var key in path)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(key, out node)) return null;
        }
        return node;
    }

    public static JsonObject? Obj(JsonNode? node, params ReadOnlySpan<string> path) => At(node, path) as JsonObject;

    public static JsonArray? Arr(JsonNode? node, params ReadOnlySpan<string> path) => At(node, path) as JsonArray;

    /// <summary>The string at the path, or null when missing or not a string.</summary>
    public static string? Str(JsonNode? node, params ReadOnlySpan<string> path) =>
        At(node, path) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>The string at the path, or "" (Go's zero value).</summary>
    public static string Text(JsonNode? node, params ReadOnlySpan<string> path) => Str(node, path) ?? "";

    /// <summary>The integer at the path (a whole JSON number), or null.</summary>
    public static long? Long(JsonNode? node, params ReadOnlySpan<string> path) => AsLong(At(node, path));

    public static long? AsLong(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) return null;
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return i;
        var d = v.GetValue<double>();
        return Math.Abs(d) < 9.2e18 ? (long)d : null;
    }

    /// <summary>The integer at the path, or 0 (Go's zero value).</summary>
    public static long Int(JsonNode? node, params ReadOnlySpan<string> path) => Long(node, path) ?? 0;

    public static bool? Bool(JsonNode? node, params ReadOnlySpan<string> path) =>
        At(node, path) is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    /// <summary>The boolean at the path, or false (Go's zero value).</summary>
    public static bool Flag(JsonNode? node, params ReadOnlySpan<string> path) => Bool(node, path) ?? false;

    /// <summary>The number of properties of an object or elements of an array at the path; 0 when missing.</summary>
    public static int Count(JsonNode? node, params ReadOnlySpan<string> path) => At(node, path) switch
    {
        JsonObject o => o.Count,
        JsonArray a => a.Count,
        _ => 0,
    };

    /// <summary>A Kubernetes timestamp (RFC 3339, optionally with fractional seconds) at the path, or null.</summary>
    public static DateTimeOffset? Time(JsonNode? node, params ReadOnlySpan<string> path) =>
        Str(node, path) is { } s && TryParseTime(s, out var t) ? t : null;

    private static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    /// <summary>Parses RFC 3339 as Go's <c>time.Parse(time.RFC3339, s)</c> accepts it.</summary>
    public static bool TryParseTime(string s, out DateTimeOffset time)
    {
        // Go accepts up to nanosecond precision; .NET keeps 7 fraction digits.
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < s.Length && char.IsAsciiDigit(s[end])) end++;
            if (end - dot - 1 > 7) s = string.Concat(s.AsSpan(0, dot + 8), s.AsSpan(end));
        }
        return DateTimeOffset.TryParseExact(s, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }

    /// <summary>Go's <c>strconv.FormatBool</c>.</summary>
    public static string GoBool(bool b) => b ? "true" : "false";

    public static string Itoa(long n) => n.ToString(CultureInfo.InvariantCulture);
}
