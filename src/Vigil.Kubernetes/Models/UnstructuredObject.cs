using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Models;

/// <summary>
/// Any object as JSON: custom resources and kinds without a model. Metadata is typed (so informers, keys and selectors work),
/// everything else is a <see cref="JsonObject"/> edited in place.
/// </summary>
[JsonConverter(typeof(UnstructuredObjectJsonConverter))]
public sealed class UnstructuredObject : IKubernetesObject
{
    public UnstructuredObject()
        : this(new JsonObject())
    {
    }

    /// <summary>Wraps <paramref name="content"/>; its <c>metadata</c> property is moved into <see cref="Metadata"/>.</summary>
    public UnstructuredObject(JsonObject content)
    {
        ArgumentNullException.ThrowIfNull(content);
        Content = content;
        if (content.TryGetPropertyValue("metadata", out var metadata))
        {
            content.Remove("metadata");
            if (metadata is not null)
            {
                Metadata = metadata.Deserialize(KubernetesJsonContext.Default.ObjectMeta) ?? new ObjectMeta();
            }
        }
    }

    /// <summary>Every property except <c>metadata</c>.</summary>
    public JsonObject Content { get; }

    public ObjectMeta Metadata { get; set; } = new();

    public string? ApiVersion
    {
        get => Content["apiVersion"]?.GetValue<string>();
        set => Content["apiVersion"] = value;
    }

    public string? Kind
    {
        get => Content["kind"]?.GetValue<string>();
        set => Content["kind"] = value;
    }

    public JsonNode? this[string property]
    {
        get => Content[property];
        set => Content[property] = value;
    }

    public static UnstructuredObject Parse(string json) =>
        JsonSerializer.Deserialize(json, KubernetesJsonContext.Default.UnstructuredObject)
        ?? throw new JsonException("The JSON is null.");

    /// <summary>Converts a typed model to its unstructured form.</summary>
    public static UnstructuredObject From<T>(T value)
        where T : class
    {
        var node = JsonSerializer.SerializeToNode(value, KubernetesSerializer.Options.GetTypeInfo(typeof(T))) as JsonObject
            ?? throw new JsonException($"{typeof(T).Name} does not serialize to a JSON object.");
        return new UnstructuredObject(node);
    }

    /// <summary>The whole object, metadata included, as a fresh JsonObject.</summary>
    public JsonObject ToJsonObject() => (JsonObject)JsonSerializer.SerializeToNode(this, KubernetesJsonContext.Default.UnstructuredObject)!;

    public override string ToString() => JsonSerializer.Serialize(this, KubernetesJsonContext.Default.UnstructuredObject);
}

public sealed class UnstructuredObjectJsonConverter : JsonConverter<UnstructuredObject>
{
    public override UnstructuredObject? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var node = JsonNode.Parse(ref reader) as JsonObject ?? throw new JsonException("An object must be a JSON object.");
        return new UnstructuredObject(node);
    }

    public override void Write(Utf8JsonWriter writer, UnstructuredObject value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        WriteIfPresent(writer, value.Content, "apiVersion", options);
        WriteIfPresent(writer, value.Content, "kind", options);
        writer.WritePropertyName("metadata");
        JsonSerializer.Serialize(writer, value.Metadata, KubernetesJsonContext.Default.ObjectMeta);
        foreach (var (name, node) in value.Content)
        {
            if (name is "apiVersion" or "kind")
            {
                continue;
            }

            writer.WritePropertyName(name);
            WriteNode(writer, node, options);
        }

        writer.WriteEndObject();
    }

    private static void WriteIfPresent(Utf8JsonWriter writer, JsonObject content, string name, JsonSerializerOptions options)
    {
        if (content.TryGetPropertyValue(name, out var node))
        {
            writer.WritePropertyName(name);
            WriteNode(writer, node, options);
        }
    }

    private static void WriteNode(Utf8JsonWriter writer, JsonNode? node, JsonSerializerOptions options)
    {
        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer, options);
        }
    }
}
