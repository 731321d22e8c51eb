using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>Whether a pod may run on a node: its nodeSelector, required node affinity and tolerations of the node's taints.</summary>
public static class NodeAffinity
{
    /// <summary>The nodeSelector and the required node affinity terms both match the node.</summary>
    public static bool Matches(JsonObject podSpec, JsonObject node)
    {
        var labels = Meta.Labels(node);
        foreach (var (k, v) in Meta.StringMap(podSpec["nodeSelector"]))
            if (!labels.TryGetValue(k, out var have) || have != v) return false;
        if (podSpec["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"] is JsonArray terms && terms.Count > 0)
            return terms.OfType<JsonObject>().Any(t => TermMatches(t, node, labels));
        return true;
    }

    /// <summary>A NodeSelectorTerm: every matchExpression and matchField holds (an empty term matches nothing).</summary>
    public static bool TermMatches(JsonObject term, JsonObject node, IReadOnlyDictionary<string, string> labels)
    {
        var expressions = (term["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var fields = (term["matchFields"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (expressions.Count == 0 && fields.Count == 0) return false;
        foreach (var e in expressions)
            if (!RequirementMatches(e, labels.TryGetValue(Meta.Str(e, "key") ?? "", out var v) ? v : null)) return false;
        foreach (var f in fields)
        {
            var value = Meta.Str(f, "key") == "metadata.name" ? Json.Name(node) : null;
            if (!RequirementMatches(f, value)) return false;
        }
        return true;
    }

    private static bool RequirementMatches(JsonObject requirement, string? value)
    {
        var values = (requirement["values"] as JsonArray ?? []).Select(v => v?.GetValue<string>()).ToList();
        return Meta.Str(requirement, "operator") switch
        {
            "In" => value is not null && values.Contains(value),
            "NotIn" => value is null || !values.Contains(value),
            "Exists" => value is not null,
            "DoesNotExist" => value is null,
            "Gt" => value is not null && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var a) && values.Count == 1
                    && long.TryParse(values[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) && a > b,
            "Lt" => value is not null && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) && values.Count == 1
                    && long.TryParse(values[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) && c < d,
            _ => false,
        };
    }

    /// <summary>The node's taints with one of <paramref name="effects"/> that no toleration tolerates.</summary>
    public static IEnumerable<JsonObject> UntoleratedTaints(JsonObject node, JsonArray? tolerations, params string[] effects)
    {
        var list = (tolerations ?? []).OfType<JsonObject>().ToList();
        foreach (var taint in (node["spec"]?["taints"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (!effects.Contains(Meta.Str(taint, "effect"))) continue;
            if (!list.Any(t => Tolerates(t, taint))) yield return taint;
        }
    }

    public static bool Tolerates(JsonObject toleration, JsonObject taint)
    {
        var effect = Meta.Str(toleration, "effect");
        if (!string.IsNullOrEmpty(effect) && effect != Meta.Str(taint, "effect")) return false;
        var key = Meta.Str(toleration, "key");
        var op = Meta.Str(toleration, "operator") ?? "Equal";
        if (string.IsNullOrEmpty(key)) return op == "Exists";
        if (key != Meta.Str(taint, "key")) return false;
        return op == "Exists" || (Meta.Str(toleration, "value") ?? "") == (Meta.Str(taint, "value") ?? "");
    }
}
