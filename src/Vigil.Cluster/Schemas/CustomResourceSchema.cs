using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vigil.Cluster.Api;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Schemas;

/// <summary>
/// What the API server does with a CRD's <c>openAPIV3Schema</c> besides pruning: fills in <c>default</c> values, then
/// validates types, required fields, enums, patterns, lengths, bounds and item counts, answering with the same causes
/// and messages as the real server (<c>spec.resource: Unsupported value: "widgets": supported values: ...</c>).
/// metadata is ObjectMeta, validated elsewhere, so it is skipped at the top level.
/// </summary>
public static class CustomResourceSchema
{
    private static readonly Dictionary<string, Regex> Patterns = new(StringComparer.Ordinal);
    private static readonly Lock PatternsGate = new();

    /// <summary>Sets schema defaults where a property is absent (inside objects that exist, as the server does).</summary>
    public static void ApplyDefaults(JsonObject obj, JsonObject schema) => Default(obj, schema, topLevel: true);

    /// <summary>Every violation of the schema, in document order; empty when the object is valid.</summary>
    public static List<StatusCause> Validate(JsonObject obj, JsonObject schema)
    {
        var causes = new List<StatusCause>();
        ValidateObject(obj, schema, "", causes, topLevel: true);
        return causes;
    }

    private static void Default(JsonNode? value, JsonObject schema, bool topLevel = false)
    {
        switch (value)
        {
            case JsonObject obj:
                if (schema["properties"] is JsonObject properties)
                {
                    foreach (var (name, propertySchema) in properties)
                    {
                        if (propertySchema is not JsonObject ps || (topLevel && name == "metadata")) continue;
                        if (!obj.ContainsKey(name) && ps["default"] is { } defaultValue) obj[name] = defaultValue.DeepClone();
                        if (obj[name] is { } child) Default(child, ps);
                    }
                }
                else if (schema["additionalProperties"] is JsonObject valueSchema)
                {
                    foreach (var (_, child) in obj.ToArray()) Default(child, valueSchema);
                }
                break;
            case JsonArray array when schema["items"] is JsonObject itemSchema:
                foreach (var item in array) Default(item, itemSchema);
                break;
        }
    }

    private static void ValidateObject(JsonObject obj, JsonObject schema, string path, List<StatusCause> causes, bool topLevel = false)
    {
        foreach (var required in schema["required"] as JsonArray ?? [])
        {
            var name = Str(required);
            if (name is not null && (!obj.TryGetPropertyValue(name, out var present) || present is null))
                causes.Add(new("FieldValueRequired", "Required value", Join(path, name)));
        }
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in obj)
            {
                if (topLevel && name is "metadata" or "apiVersion" or "kind") continue;
                if (properties[name] is JsonObject childSchema) ValidateValue(child, childSchema, Join(path, name), causes);
            }
        }
        else if (schema["additionalProperties"] is JsonObject valueSchema)
        {
            foreach (var (name, child) in obj) ValidateValue(child, valueSchema, Join(path, name), causes);
        }
        Bounds(obj.Count, schema, "minProperties", "maxProperties", path, causes, "properties");
    }

    private static void ValidateValue(JsonNode? value, JsonObject schema, string path, List<StatusCause> causes)
    {
        if (value is null)
        {
            if (!Flag(schema["nullable"]) && schema["type"] is not null)
                causes.Add(new("FieldValueTypeInvalid", $"Invalid value: \"null\": {path} in body must be of type {Type(schema)}: \"null\"", path));
            return;
        }
        var intOrString = Flag(schema["x-kubernetes-int-or-string"]);
        var type = Type(schema);
        var actual = ActualType(value);
        var typeOk = type is null || actual == type || (type == "number" && actual == "integer")
            || (intOrString && actual is "integer" or "string");
        if (!typeOk)
        {
            causes.Add(new("FieldValueTypeInvalid", $"Invalid value: \"{actual}\": {path} in body must be of type {type}: \"{actual}\"", path));
            return;
        }
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            causes.Add(new("FieldValueNotSupported",
                $"Unsupported value: {Render(value)}: supported values: {string.Join(", ", allowed.Select(Render))}", path));
            return;
        }
        switch (value)
        {
            case JsonObject obj:
                ValidateObject(obj, schema, path, causes);
                break;
            case JsonArray array:
                if (schema["maxItems"] is JsonValue max && array.Count > Long(max))
                    causes.Add(new("FieldValueTooMany", $"Too many: {array.Count}: must have at most {Long(max)} items", path));
                if (schema["minItems"] is JsonValue min && array.Count < Long(min))
                    causes.Add(new("FieldValueInvalid", $"Invalid value: {array.Count}: {path} in body should have at least {Long(min)} items", path));
                if (schema["items"] is JsonObject itemSchema)
                    for (var i = 0; i < array.Count; i++) ValidateValue(array[i], itemSchema, $"{path}[{i}]", causes);
                break;
            case JsonValue scalar when actual == "string":
                var text = scalar.GetValue<string>();
                Bounds(text.Length, schema, "minLength", "maxLength", path, causes, "chars long", Render(value));
                if (Str(schema["pattern"]) is { } pattern && !Matches(pattern, text))
                    causes.Add(new("FieldValueInvalid", $"Invalid value: {Render(value)}: {path} in body should match '{pattern}'", path));
                if (Str(schema["format"]) == "date-time" && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
                    causes.Add(new("FieldValueInvalid", $"Invalid value: {Render(value)}: {path} in body must be of type date-time: {Render(value)}", path));
                break;
            case JsonValue number when actual is "integer" or "number":
                var n = Number(number);
                if (schema["minimum"] is JsonValue minimum && n < Number(minimum))
                    causes.Add(new("FieldValueInvalid", $"Invalid value: {Render(value)}: {path} in body should be greater than or equal to {Render(minimum)}", path));
                if (schema["maximum"] is JsonValue maximum && n > Number(maximum))
                    causes.Add(new("FieldValueInvalid", $"Invalid value: {Render(value)}: {path} in body should be less than or equal to {Render(maximum)}", path));
                break;
        }
    }

    private static void Bounds(int count, JsonObject schema, string minKey, string maxKey, string path, List<StatusCause> causes, string unit, string? shown = null)
    {
        shown ??= count.ToString(CultureInfo.InvariantCulture);
        if (schema[minKey] is JsonValue min && count < Long(min))
            causes.Add(new("FieldValueInvalid", $"Invalid value: {shown}: {path} in body should be at least {Long(min)} {unit}", path));
        if (schema[maxKey] is JsonValue max && count > Long(max))
            causes.Add(new("FieldValueTooLong", $"Too long: may not be more than {Long(max)}", path));
    }

    // Numbers may be held as any CLR type (parsed JSON, YAML, protobuf): read them through their JSON text.
    private static double Number(JsonNode node) => double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static long Long(JsonNode node) => (long)Number(node);

    private static string? Type(JsonObject schema) => Str(schema["type"]);

    // A schema the real server would have refused at CRD creation must not turn every write into a 500 here.
    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool Flag(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static string ActualType(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => IsInteger(value) ? "integer" : "number",
        _ => "null",
    };

    private static bool IsInteger(JsonNode value) => value.ToJsonString().AsSpan().IndexOfAny('.', 'e', 'E') < 0;

    private static string Render(JsonNode? value) => value?.ToJsonString(JsonDefaults.Compact) ?? "null";

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>True when the text matches; a pattern .NET cannot compile (the server would have refused it) or that runs too long does not fail the write.</summary>
    private static bool Matches(string pattern, string text)
    {
        try
        {
            Regex regex;
            lock (PatternsGate)
            {
                if (!Patterns.TryGetValue(pattern, out regex!))
                {
                    regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                    if (Patterns.Count > 1_000) Patterns.Clear();
                    Patterns[pattern] = regex;
                }
            }
            return regex.IsMatch(text);
        }
        catch (Exception e) when (e is ArgumentException or RegexMatchTimeoutException)
        {
            return true;
        }
    }
}
