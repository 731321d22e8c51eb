using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Simulation.Scheduling;

/// <summary>A node taint.</summary>
internal sealed record Taint(string Key, string Value, string Effect, DateTimeOffset? TimeAdded = null)
{
    public const string NoSchedule = "NoSchedule";
    public const string PreferNoSchedule = "PreferNoSchedule";
    public const string NoExecute = "NoExecute";

    // The well-known taints the node lifecycle controller manages.
    public const string NotReady = "node.kubernetes.io/not-ready";
    public const string Unreachable = "node.kubernetes.io/unreachable";
    public const string Unschedulable = "node.kubernetes.io/unschedulable";
    public const string MemoryPressure = "node.kubernetes.io/memory-pressure";
    public const string DiskPressure = "node.kubernetes.io/disk-pressure";
    public const string PidPressure = "node.kubernetes.io/pid-pressure";
    public const string NetworkUnavailable = "node.kubernetes.io/network-unavailable";

    public static IReadOnlyList<Taint> Parse(JsonElement spec)
    {
        if (!spec.TryGetProperty("taints", out var taints) || taints.ValueKind != JsonValueKind.Array) return [];
        var list = new List<Taint>();
        foreach (var t in taints.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.Object) continue;
            DateTimeOffset? added = t.TryGetProperty("timeAdded", out var ta) && ta.ValueKind == JsonValueKind.String ? Meta.ParseTime(ta.GetString()) : null;
            list.Add(new Taint(Str(t, "key"), Str(t, "value"), Str(t, "effect"), added));
        }
        return list;
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["key"] = Key };
        if (Value.Length > 0) o["value"] = Value;
        o["effect"] = Effect;
        if (TimeAdded is { } t) o["timeAdded"] = Meta.Time(t);
        return o;
    }

    internal static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
}

/// <summary>A pod toleration, and the matching rules of <c>k8s.io/api/core/v1.Toleration.ToleratesTaint</c>.</summary>
internal sealed record Toleration(string Key, string Operator, string Value, string Effect, long? Seconds)
{
    public static IReadOnlyList<Toleration> Parse(JsonElement spec)
    {
        if (!spec.TryGetProperty("tolerations", out var tolerations) || tolerations.ValueKind != JsonValueKind.Array) return [];
        var list = new List<Toleration>();
        foreach (var t in tolerations.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.Object) continue;
            long? seconds = t.TryGetProperty("tolerationSeconds", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var n) ? n : null;
            var op = Taint.Str(t, "operator");
            list.Add(new Toleration(Taint.Str(t, "key"), op.Length == 0 ? "Equal" : op, Taint.Str(t, "value"), Taint.Str(t, "effect"), seconds));
        }
        return list;
    }

    public bool Tolerates(Taint taint)
    {
        if (Effect.Length > 0 && Effect != taint.Effect) return false;
        if (Key.Length > 0 && Key != taint.Key) return false;
        return Operator switch
        {
            "Exists" => true,
            "Equal" => Value == taint.Value,
            _ => false,
        };
    }

    /// <summary>The first NoSchedule or NoExecute taint none of the tolerations tolerates, as the scheduler's TaintToleration filter finds it.</summary>
    public static Taint? FirstUntolerated(IReadOnlyList<Taint> taints, IReadOnlyList<Toleration> tolerations, bool noExecuteOnly = false)
    {
        foreach (var taint in taints)
        {
            if (taint.Effect is not (Taint.NoSchedule or Taint.NoExecute)) continue;
            if (noExecuteOnly && taint.Effect != Taint.NoExecute) continue;
            var tolerated = false;
            foreach (var t in tolerations)
                if (t.Tolerates(taint))
                {
                    tolerated = true;
                    break;
                }
            if (!tolerated) return taint;
        }
        return null;
    }
}
