using System.Globalization;
using System.Text.Json;

namespace Vigil.Cluster.Simulation.Scheduling;

/// <summary>One <c>matchExpressions</c>/<c>matchFields</c> requirement of a node selector term.</summary>
internal sealed record NodeSelectorRequirement(string Key, string Operator, IReadOnlyList<string> Values)
{
    public bool Matches(string? value) => Operator switch
    {
        "In" => value is not null && Values.Contains(value),
        "NotIn" => value is null || !Values.Contains(value),
        "Exists" => value is not null,
        "DoesNotExist" => value is null,
        "Gt" => value is not null && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && Values.Count == 1
                && long.TryParse(Values[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var gt) && v > gt,
        "Lt" => value is not null && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) && Values.Count == 1
                && long.TryParse(Values[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var lt) && w < lt,
        _ => false,
    };

    public static List<NodeSelectorRequirement> Parse(JsonElement term, string property)
    {
        var list = new List<NodeSelectorRequirement>();
        if (!term.TryGetProperty(property, out var exprs) || exprs.ValueKind != JsonValueKind.Array) return list;
        foreach (var e in exprs.EnumerateArray())
        {
            var values = new List<string>();
            if (e.TryGetProperty("values", out var vs) && vs.ValueKind == JsonValueKind.Array)
                foreach (var v in vs.EnumerateArray())
                    if (v.ValueKind == JsonValueKind.String) values.Add(v.GetString()!);
            list.Add(new NodeSelectorRequirement(Taint.Str(e, "key"), Taint.Str(e, "operator"), values));
        }
        return list;
    }
}

/// <summary>A required node affinity term: every expression and field requirement must hold (an empty term matches nothing).</summary>
internal sealed record NodeSelectorTerm(IReadOnlyList<NodeSelectorRequirement> Expressions, IReadOnlyList<NodeSelectorRequirement> Fields)
{
    public bool Matches(string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        if (Expressions.Count == 0 && Fields.Count == 0) return false;
        foreach (var e in Expressions)
            if (!e.Matches(labels.TryGetValue(e.Key, out var v) ? v : null)) return false;
        foreach (var f in Fields)
            if (!f.Matches(f.Key == "metadata.name" ? nodeName : null)) return false;
        return true;
    }
}

/// <summary>What the scheduler needs to know about a pod, read once from its spec.</summary>
internal sealed class PodSchedulingSpec
{
    public string SchedulerName { get; private init; } = "default-scheduler";
    public IReadOnlyDictionary<string, string> NodeSelector { get; private init; } = new Dictionary<string, string>();
    public IReadOnlyList<NodeSelectorTerm>? RequiredTerms { get; private init; }
    public IReadOnlyList<Toleration> Tolerations { get; private init; } = [];
    public Resources Requests { get; private init; } = new();
    public bool Gated { get; private init; }
    public string PreemptionPolicy { get; private init; } = "PreemptLowerPriority";
    public IReadOnlyList<string> Claims { get; private init; } = [];
    public IReadOnlyList<(long Port, string Protocol)> HostPorts { get; private init; } = [];

    public static PodSchedulingSpec Parse(JsonElement spec)
    {
        var selector = new Dictionary<string, string>(StringComparer.Ordinal);
        if (spec.TryGetProperty("nodeSelector", out var ns) && ns.ValueKind == JsonValueKind.Object)
            foreach (var p in ns.EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.String) selector[p.Name] = p.Value.GetString()!;
        List<NodeSelectorTerm>? terms = null;
        if (spec.TryGetProperty("affinity", out var affinity) && affinity.ValueKind == JsonValueKind.Object
            && affinity.TryGetProperty("nodeAffinity", out var na) && na.ValueKind == JsonValueKind.Object
            && na.TryGetProperty("requiredDuringSchedulingIgnoredDuringExecution", out var req) && req.ValueKind == JsonValueKind.Object
            && req.TryGetProperty("nodeSelectorTerms", out var nst) && nst.ValueKind == JsonValueKind.Array)
        {
            terms = [];
            foreach (var t in nst.EnumerateArray())
                terms.Add(new NodeSelectorTerm(NodeSelectorRequirement.Parse(t, "matchExpressions"), NodeSelectorRequirement.Parse(t, "matchFields")));
        }
        var claims = new List<string>();
        if (spec.TryGetProperty("volumes", out var volumes) && volumes.ValueKind == JsonValueKind.Array)
            foreach (var v in volumes.EnumerateArray())
                if (v.TryGetProperty("persistentVolumeClaim", out var pvc) && pvc.ValueKind == JsonValueKind.Object && Taint.Str(pvc, "claimName") is { Length: > 0 } claim)
                    claims.Add(claim);
        var ports = new List<(long, string)>();
        foreach (var listName in new[] { "initContainers", "containers" })
            if (spec.TryGetProperty(listName, out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var c in list.EnumerateArray())
                    if (c.TryGetProperty("ports", out var cp) && cp.ValueKind == JsonValueKind.Array)
                        foreach (var p in cp.EnumerateArray())
                            if (p.TryGetProperty("hostPort", out var hp) && hp.TryGetInt64(out var port) && port > 0)
                                ports.Add((port, Taint.Str(p, "protocol") is { Length: > 0 } proto ? proto : "TCP"));
        var scheduler = Taint.Str(spec, "schedulerName");
        var preemption = Taint.Str(spec, "preemptionPolicy");
        return new PodSchedulingSpec
        {
            SchedulerName = scheduler.Length == 0 ? "default-scheduler" : scheduler,
            NodeSelector = selector,
            RequiredTerms = terms,
            Tolerations = Toleration.Parse(spec),
            Requests = Resources.OfPod(spec),
            Gated = spec.TryGetProperty("schedulingGates", out var gates) && gates.ValueKind == JsonValueKind.Array && gates.GetArrayLength() > 0,
            PreemptionPolicy = preemption.Length == 0 ? "PreemptLowerPriority" : preemption,
            Claims = claims,
            HostPorts = ports,
        };
    }

    /// <summary>The NodeAffinity filter: the nodeSelector and, when present, one of the required terms.</summary>
    public bool MatchesNode(string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in NodeSelector)
            if (!labels.TryGetValue(key, out var actual) || actual != value) return false;
        if (RequiredTerms is null) return true;
        foreach (var term in RequiredTerms)
            if (term.Matches(nodeName, labels)) return true;
        return false;
    }
}
