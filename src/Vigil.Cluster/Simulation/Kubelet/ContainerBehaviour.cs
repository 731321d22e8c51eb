using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Simulation.Kubelet;

/// <summary>
/// What a container does when it runs, from the behaviour convention's annotations: <c>sim.vigil.io/&lt;key&gt;</c> for every
/// (regular) container of the pod, <c>sim.vigil.io/&lt;container&gt;.&lt;key&gt;</c> for one container, which wins. Init containers
/// take only their per-container keys: a pod-wide crash would otherwise never let the pod start.
/// </summary>
internal sealed record ContainerBehaviour
{
    public const string Prefix = "sim.vigil.io/";

    public int? ExitCode { get; init; }
    public double? RunSeconds { get; init; }
    public Quantity? MemoryUsage { get; init; }
    public Quantity? CpuUsage { get; init; }
    public bool ReadinessFails { get; init; }
    public bool LivenessFails { get; init; }
    public double StartSeconds { get; init; }
    public double? TerminationSeconds { get; init; }
    public double? PullSeconds { get; init; }
    public IReadOnlyList<string> Logs { get; init; } = [];

    /// <summary>True when the container ends by itself (exit code, run time).</summary>
    public bool Exits => ExitCode is not null || RunSeconds is not null;

    public static ContainerBehaviour For(IReadOnlyDictionary<string, string> annotations, string container, bool init)
    {
        string? Get(string key) =>
            annotations.TryGetValue(Prefix + container + "." + key, out var own) ? own
            : !init && annotations.TryGetValue(Prefix + key, out var podWide) ? podWide : null;
        static double? Number(string? s) =>
            s is not null && double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && double.IsFinite(d) ? d : null;
        static Quantity? Amount(string? s) => Quantity.TryParse(s, out var q) ? q : null;
        var exit = Get("exit-code");
        return new ContainerBehaviour
        {
            ExitCode = exit is not null && int.TryParse(exit.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : null,
            RunSeconds = Number(Get("run-seconds")),
            MemoryUsage = Amount(Get("memory-usage")),
            CpuUsage = Amount(Get("cpu-usage")),
            ReadinessFails = string.Equals(Get("ready")?.Trim(), "false", StringComparison.OrdinalIgnoreCase),
            LivenessFails = string.Equals(Get("liveness")?.Trim(), "fail", StringComparison.OrdinalIgnoreCase),
            StartSeconds = Number(Get("start-seconds")) ?? 0,
            TerminationSeconds = Number(Get("termination-seconds")),
            PullSeconds = Number(Get("pull-seconds")),
            Logs = Get("logs") is { } logs ? [.. logs.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0)] : [],
        };
    }

    /// <summary>The annotations that describe behaviour, as one string to notice when they change.</summary>
    public static string Signature(JsonObject pod)
    {
        if (pod["metadata"]?["annotations"] is not JsonObject annotations) return "";
        var parts = new List<string>();
        foreach (var (key, value) in annotations)
            if (key.StartsWith(Prefix, StringComparison.Ordinal)) parts.Add(key + "=" + value?.ToString());
        parts.Sort(StringComparer.Ordinal);
        return string.Join('\u0001', parts);
    }
}
