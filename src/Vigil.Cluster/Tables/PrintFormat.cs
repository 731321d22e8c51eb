using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Selectors;
using static Vigil.Cluster.Selectors.JsonAccess;

using Vigil.Cluster.Serialization;

namespace Vigil.Cluster.Tables;

/// <summary>The small formatting helpers the Kubernetes printers share.</summary>
internal static class PrintFormat
{
    /// <summary>An object's age: <c>translateTimestampSince(creationTimestamp)</c>.</summary>
    public static string Age(JsonObject obj, DateTimeOffset now) => HumanDuration.Since(Time(obj, "metadata", "creationTimestamp"), now);

    /// <summary><c>labels.FormatLabels</c>: <c>k=v</c> pairs sorted and comma-joined, <c>&lt;none&gt;</c> when empty.</summary>
    public static string FormatLabels(JsonObject? map)
    {
        if (map is null || map.Count == 0) return "<none>";
        var pairs = map.Select(p => p.Key + "=" + (p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : ""))
            .OrderBy(s => s, StringComparer.Ordinal);
        var text = string.Join(",", pairs);
        return text.Length == 0 ? "<none>" : text;
    }

    /// <summary><c>metav1.FormatLabelSelector</c>: the canonical selector, <c>&lt;none&gt;</c> when it selects everything or nothing, <c>&lt;error&gt;</c> when invalid.</summary>
    public static string FormatLabelSelector(JsonObject? selector)
    {
        try
        {
            var text = LabelSelector.FromObjectOrNothing(selector).ToString();
            return text.Length == 0 ? "<none>" : text;
        }
        catch (ApiException)
        {
            return "<error>";
        }
    }

    /// <summary>The container names and images of a pod spec, comma-joined (<c>layoutContainerCells</c>).</summary>
    public static (string Names, string Images) ContainerCells(JsonArray? containers)
    {
        if (containers is null) return ("", "");
        return (string.Join(",", containers.Select(c => Text(c, "name"))), string.Join(",", containers.Select(c => Text(c, "image"))));
    }

    /// <summary>An <c>IntOrString</c> as its <c>String()</c> prints it; null when missing.</summary>
    public static string? IntOrString(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => AsLong(v)?.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>
    /// A resource quantity as text. Stored quantities are already canonical on a real server, so the text is passed through;
    /// a missing quantity is the zero quantity, <c>0</c>.
    /// </summary>
    public static string Quantity(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => GoFormat.Text(v) ?? "0",
        _ => "0",
    };

    /// <summary>A quantity behind a pointer: Go prints a nil <c>*Quantity</c> as <c>&lt;nil&gt;</c>.</summary>
    public static string QuantityPointer(JsonNode? node) => node is null ? "<nil>" : Quantity(node);

    /// <summary><c>printBoolPtr</c>: <c>True</c>, <c>False</c> or <c>&lt;unset&gt;</c>.</summary>
    public static string BoolPointer(bool? value) => value switch
    {
        true => "True",
        false => "False",
        null => "<unset>",
    };

    /// <summary>Persistent volume access modes as <c>RWO,ROX,RWX,RWOP</c> in that order (<c>GetAccessModesAsString</c>).</summary>
    public static string AccessModes(JsonArray? modes)
    {
        if (modes is null) return "";
        var set = modes.Select(m => m is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "").ToHashSet(StringComparer.Ordinal);
        var parts = new List<string>();
        if (set.Contains("ReadWriteOnce")) parts.Add("RWO");
        if (set.Contains("ReadOnlyMany")) parts.Add("ROX");
        if (set.Contains("ReadWriteMany")) parts.Add("RWX");
        if (set.Contains("ReadWriteOncePod")) parts.Add("RWOP");
        return string.Join(",", parts);
    }

    /// <summary>The first condition of a type in a conditions list, or null.</summary>
    public static JsonObject? Condition(JsonArray? conditions, string type)
    {
        if (conditions is null) return null;
        foreach (var c in conditions)
            if (c is JsonObject o && Text(o, "type") == type)
                return o;
        return null;
    }

    /// <summary>True when the first condition of the type has status True (<c>hasJobCondition</c>).</summary>
    public static bool ConditionTrue(JsonArray? conditions, string type) => Text(Condition(conditions, type), "status") == "True";

    /// <summary>Formats an IP and port as Go's <c>net.JoinHostPort</c> (brackets around IPv6 hosts).</summary>
    public static string JoinHostPort(string host, long port) =>
        (host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);
}
