using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vigil.Cluster.Api;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Cluster.Serialization;

/// <summary>
/// YAML to JSON the way Kubernetes converts manifests (sigs.k8s.io/yaml): plain scalars become booleans, numbers
/// and null by YAML 1.1 rules; quoted scalars stay strings; a multi-document stream yields one object per document.
/// </summary>
public static partial class YamlJson
{
    [GeneratedRegex("^[-+]?(0|[1-9][0-9_]*)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex("^[-+]?([0-9][0-9_]*)?\\.[0-9]*([eE][-+]?[0-9]+)?$|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$")]
    private static partial Regex FloatPattern();

    /// <summary>Every non-empty document of a YAML (or JSON) stream.</summary>
    public static List<JsonNode> ParseDocuments(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw ApiException.BadRequest($"error converting YAML to JSON: yaml: line {e.Start.Line}: {e.Message}");
        }
        var result = new List<JsonNode>();
        foreach (var doc in stream.Documents)
            if (Convert(doc.RootNode) is { } node) result.Add(node);
        return result;
    }

    /// <summary>One YAML document (an empty one is null).</summary>
    public static JsonNode? Parse(string text)
    {
        var docs = ParseDocuments(text);
        return docs.Count switch
        {
            0 => null,
            1 => docs[0],
            _ => throw ApiException.BadRequest("error converting YAML to JSON: expected one document, found several"),
        };
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => ConvertMap(map),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(Convert)]),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => null,
    };

    private static JsonObject ConvertMap(YamlMappingNode map)
    {
        var obj = new JsonObject();
        foreach (var (k, v) in map.Children)
        {
            var key = k is YamlScalarNode s ? s.Value ?? "" : throw ApiException.BadRequest("error converting YAML to JSON: map keys must be scalars");
            if (key == "<<" && v is YamlMappingNode merged)
            {
                foreach (var (mk, mv) in ConvertMap(merged)) obj.TryAdd(mk, mv?.DeepClone());
                continue;
            }
            obj.Remove(key);
            obj[key] = Convert(v);
        }
        return obj;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
            return JsonValue.Create(value);
        if (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == "tag:yaml.org,2002:str") return JsonValue.Create(value);
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y":
                return value is "y" or "Y" ? JsonValue.Create(value) : JsonValue.Create(true);
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N":
                return value is "n" or "N" ? JsonValue.Create(value) : JsonValue.Create(false);
        }
        if (IntPattern().IsMatch(value) && long.TryParse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return JsonValue.Create(l);
        if (value.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(value[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
            return JsonValue.Create(hex);
        if (FloatPattern().IsMatch(value) && value.Any(char.IsDigit) && double.TryParse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            return JsonValue.Create(d);
        return JsonValue.Create(value);
    }

    /// <summary>JSON to YAML, for <c>-o yaml</c>-style output and kubeconfig files.</summary>
    public static string ToYaml(JsonNode? node)
    {
        var sb = new System.Text.StringBuilder();
        Write(sb, node, 0, inList: false);
        return sb.ToString();
    }

    private static void Write(System.Text.StringBuilder sb, JsonNode? node, int indent, bool inList)
    {
        var pad = new string(' ', indent);
        switch (node)
        {
            case JsonObject o when o.Count > 0:
                var first = true;
                foreach (var (k, v) in o)
                {
                    if (!(first && inList)) sb.Append(pad);
                    first = false;
                    sb.Append(Scalar(k)).Append(':');
                    WriteChild(sb, v, indent);
                }
                break;
            case JsonArray a when a.Count > 0:
                foreach (var item in a)
                {
                    sb.Append(pad).Append("- ");
                    if (item is JsonObject io && io.Count > 0) Write(sb, item, indent + 2, inList: true);
                    else if (item is JsonArray ia && ia.Count > 0) { sb.Append('\n'); Write(sb, item, indent + 2, false); }
                    else sb.Append(Inline(item)).Append('\n');
                }
                break;
            default:
                sb.Append(pad).Append(Inline(node)).Append('\n');
                break;
        }
    }

    private static void WriteChild(System.Text.StringBuilder sb, JsonNode? v, int indent)
    {
        if (v is JsonObject co && co.Count > 0) { sb.Append('\n'); Write(sb, v, indent + 2, false); }
        else if (v is JsonArray ca && ca.Count > 0) { sb.Append('\n'); Write(sb, v, indent, false); }
        else sb.Append(' ').Append(Inline(v)).Append('\n');
    }

    private static string Inline(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v when v.TryGetValue<string>(out var s) => Scalar(s),
        _ => node.ToJsonString(),
    };

    private static string Scalar(string s)
    {
        if (s.Length == 0) return "\"\"";
        var needsQuotes = s.IndexOfAny([':', '#', '\n', '"', '\'', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '%', '@', '`']) >= 0
            || char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1]) || s[0] is '-' or '?'
            || ConvertScalar(new YamlScalarNode(s)) is not JsonValue jv || !jv.TryGetValue<string>(out _);
        return needsQuotes ? System.Text.Json.JsonSerializer.Serialize(s, Storage.JsonDefaults.Compact) : s;
    }
}
