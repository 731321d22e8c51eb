using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Simulation.Kubelet;
using Vigil.Cluster.Simulation.Nodes;

namespace Vigil.Cluster.Simulation.Metrics;

/// <summary>
/// <c>metrics.k8s.io/v1beta1</c> as metrics-server serves it, computed on each read from what the kubelets run:
/// PodMetrics for pods with running containers and NodeMetrics for nodes whose kubelet is up. Usage comes from
/// <c>sim.vigil.io/cpu-usage</c> and <c>sim.vigil.io/memory-usage</c> (per container with <c>sim.vigil.io/&lt;container&gt;.*</c>),
/// or a small steady amount per container when not given.
/// </summary>
internal sealed class MetricsApi
{
    public const string Group = "metrics.k8s.io";
    public const string Version = "v1beta1";
    private const string Window = "10.264s";

    private readonly SimulationContext _context;
    private readonly ClusterState _state;
    private readonly Kubelet.Kubelet _kubelet;

    public MetricsApi(SimulationContext context, ClusterState state, Kubelet.Kubelet kubelet)
    {
        _context = context;
        _state = state;
        _kubelet = kubelet;
    }

    /// <summary>Adds PodMetrics and NodeMetrics to the server's resources (discovery, get, list).</summary>
    public void Register(ResourceRegistry registry)
    {
        registry.AddOrReplace(new ResourceType
        {
            Group = Group,
            Version = Version,
            Kind = "PodMetrics",
            Plural = "pods",
            Singular = "",
            Namespaced = true,
            Verbs = ["get", "list"],
            Computed = new PodMetricsResource(this),
        });
        registry.AddOrReplace(new ResourceType
        {
            Group = Group,
            Version = Version,
            Kind = "NodeMetrics",
            Plural = "nodes",
            Singular = "",
            Namespaced = false,
            Verbs = ["get", "list"],
            Computed = new NodeMetricsResource(this),
        });
    }

    /// <summary>A container's usage now: CPU in nanocores, memory in bytes.</summary>
    internal static (long NanoCores, long Bytes) Usage(PodRuntime rt, ContainerRuntime c)
    {
        var seed = Seed(rt.Uid + "/" + c.Name);
        var cpu = c.Behaviour.CpuUsage is { } q ? (long)Math.Ceiling(q.Value * 1_000_000_000m) : 1_000_000 + (long)(seed % 4_000_000);
        var memory = c.Behaviour.MemoryUsage is { } m ? m.Units : (8L << 20) + (long)(seed % (24UL << 20));
        return (cpu, memory);
    }

    private static ulong Seed(string s) => BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(s)), 0);

    private static string Cpu(long nanoCores) => nanoCores.ToString(CultureInfo.InvariantCulture) + "n";

    private static string Memory(long bytes) => (bytes / 1024).ToString(CultureInfo.InvariantCulture) + "Ki";

    private JsonObject? PodMetrics(PodRuntime rt, DateTimeOffset now)
    {
        var containers = new JsonArray();
        lock (rt.Gate)
        {
            if (rt.TerminalPhase is not null) return null;
            foreach (var c in rt.InitContainers.Where(c => c.Sidecar).Concat(rt.Containers))
            {
                if (c.Phase != ContainerPhase.Running) continue;
                var (cpu, memory) = Usage(rt, c);
                containers.Add(new JsonObject { ["name"] = c.Name, ["usage"] = new JsonObject { ["cpu"] = Cpu(cpu), ["memory"] = Memory(memory) } });
            }
        }
        if (containers.Count == 0) return null;
        var stored = _context.Operations.TryGetStored(_state.Pods, rt.Namespace, rt.Name);
        if (stored is null || stored.Uid != rt.Uid) return null;
        var labels = new JsonObject();
        foreach (var (k, v) in stored.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal)) labels[k] = v;
        var meta = new JsonObject { ["name"] = rt.Name, ["namespace"] = rt.Namespace, ["creationTimestamp"] = Meta.Time(now) };
        if (labels.Count > 0) meta["labels"] = labels;
        return new JsonObject
        {
            ["kind"] = "PodMetrics",
            ["apiVersion"] = Group + "/" + Version,
            ["metadata"] = meta,
            ["timestamp"] = Meta.Time(now.AddSeconds(-5)),
            ["window"] = Window,
            ["containers"] = containers,
        };
    }

    private JsonObject NodeMetrics(NodeRecord node, long nanoCores, long bytes, DateTimeOffset now)
    {
        var seed = Seed(node.Name);
        var baseCpu = 60_000_000 + (long)(seed % 60_000_000);
        var baseMemory = (700L << 20) + (long)(seed % (300UL << 20));
        var labels = new JsonObject();
        foreach (var (k, v) in node.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal)) labels[k] = v;
        return new JsonObject
        {
            ["kind"] = "NodeMetrics",
            ["apiVersion"] = Group + "/" + Version,
            ["metadata"] = new JsonObject { ["name"] = node.Name, ["creationTimestamp"] = Meta.Time(now), ["labels"] = labels },
            ["timestamp"] = Meta.Time(now.AddSeconds(-5)),
            ["window"] = Window,
            ["usage"] = new JsonObject { ["cpu"] = Cpu(baseCpu + nanoCores), ["memory"] = Memory(baseMemory + bytes) },
        };
    }

    private IReadOnlyList<JsonObject> ListPods(string? ns)
    {
        var now = _context.Clock.GetUtcNow();
        var list = new List<(string Key, JsonObject Item)>();
        foreach (var rt in _kubelet.Runtimes)
        {
            if (ns is not null && rt.Namespace != ns) continue;
            if (PodMetrics(rt, now) is { } item) list.Add((rt.Key, item));
        }
        return [.. list.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => x.Item)];
    }

    private JsonObject? GetPod(string? ns, string name)
    {
        var key = (ns ?? "") + "/" + name;
        var rt = _kubelet.Runtime(key);
        return rt is null ? null : PodMetrics(rt, _context.Clock.GetUtcNow());
    }

    private IReadOnlyList<JsonObject> ListNodes(string? only)
    {
        var now = _context.Clock.GetUtcNow();
        var usage = new Dictionary<string, (long Cpu, long Memory)>(StringComparer.Ordinal);
        foreach (var rt in _kubelet.Runtimes)
        {
            if (only is not null && rt.NodeName != only) continue;
            lock (rt.Gate)
            {
                if (rt.TerminalPhase is not null) continue;
                foreach (var c in rt.All)
                {
                    if (c.Phase != ContainerPhase.Running) continue;
                    var (cpu, memory) = Usage(rt, c);
                    var total = usage.GetValueOrDefault(rt.NodeName);
                    usage[rt.NodeName] = (total.Cpu + cpu, total.Memory + memory);
                }
            }
        }
        var list = new List<JsonObject>();
        foreach (var node in _state.NodeArray.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            if (only is not null && node.Name != only) continue;
            if (!node.KubeletRunning || node.Ready != "True") continue;
            var (cpu, memory) = usage.GetValueOrDefault(node.Name);
            list.Add(NodeMetrics(node, cpu, memory, now));
        }
        return list;
    }

    private sealed class PodMetricsResource(MetricsApi api) : IComputedResource
    {
        public IReadOnlyList<JsonObject> List(string? ns) => api.ListPods(ns);

        public JsonObject? Get(string? ns, string name) => api.GetPod(ns, name);
    }

    private sealed class NodeMetricsResource(MetricsApi api) : IComputedResource
    {
        public IReadOnlyList<JsonObject> List(string? ns) => api.ListNodes(null);

        public JsonObject? Get(string? ns, string name) => api.ListNodes(name).FirstOrDefault();
    }
}
