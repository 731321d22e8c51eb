using System.Text.Json;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Simulation.Scheduling;

/// <summary>
/// An amount of node resources as the scheduler counts them: CPU in millicores, memory and ephemeral storage in bytes,
/// and extended resources (<c>nvidia.com/gpu</c>...) in whole units. Pod count is kept by the caller.
/// </summary>
internal sealed class Resources
{
    public long CpuMillis;
    public long MemoryBytes;
    public long EphemeralBytes;
    public Dictionary<string, long>? Extended;

    public static Resources None => new();

    public bool IsZero => CpuMillis == 0 && MemoryBytes == 0 && EphemeralBytes == 0 && (Extended is null || Extended.Values.All(v => v == 0));

    public void Add(Resources other, int sign = 1)
    {
        CpuMillis += sign * other.CpuMillis;
        MemoryBytes += sign * other.MemoryBytes;
        EphemeralBytes += sign * other.EphemeralBytes;
        if (other.Extended is null) return;
        Extended ??= new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, value) in other.Extended)
            Extended[name] = Extended.GetValueOrDefault(name) + sign * value;
    }

    /// <summary>The larger of each amount (init containers run one at a time: a pod needs the largest of them).</summary>
    public void Max(Resources other)
    {
        CpuMillis = Math.Max(CpuMillis, other.CpuMillis);
        MemoryBytes = Math.Max(MemoryBytes, other.MemoryBytes);
        EphemeralBytes = Math.Max(EphemeralBytes, other.EphemeralBytes);
        if (other.Extended is null) return;
        Extended ??= new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, value) in other.Extended)
            Extended[name] = Math.Max(Extended.GetValueOrDefault(name), value);
    }

    public long ExtendedAmount(string name) => Extended?.GetValueOrDefault(name) ?? 0;

    /// <summary>Reads one resource list (<c>requests</c>, <c>limits</c>, <c>capacity</c>...) into this amount.</summary>
    public void Set(string name, Quantity quantity)
    {
        switch (name)
        {
            case "cpu": CpuMillis = quantity.Millis; break;
            case "memory": MemoryBytes = quantity.Units; break;
            case "ephemeral-storage": EphemeralBytes = quantity.Units; break;
            case "pods": break;
            default:
                if (IsExtended(name))
                {
                    Extended ??= new Dictionary<string, long>(StringComparer.Ordinal);
                    Extended[name] = quantity.Units;
                }
                break;
        }
    }

    /// <summary>Resources the scheduler counts beyond cpu, memory and storage: names with a domain (<c>example.com/gpu</c>), not hugepages.</summary>
    public static bool IsExtended(string name) =>
        name.Contains('/', StringComparison.Ordinal) && !name.StartsWith("kubernetes.io/", StringComparison.Ordinal) && !name.StartsWith("requests.", StringComparison.Ordinal);

    public static Quantity ReadQuantity(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String when Quantity.TryParse(value.GetString(), out var q) => q,
        JsonValueKind.Number when value.TryGetDecimal(out var d) => new Quantity(d),
        _ => Quantity.Zero,
    };

    /// <summary>A container's requests as the scheduler sees them: a missing request defaults to the limit, as the apiserver defaults it.</summary>
    public static Resources OfContainer(JsonElement container)
    {
        var r = new Resources();
        if (!container.TryGetProperty("resources", out var resources) || resources.ValueKind != JsonValueKind.Object) return r;
        if (resources.TryGetProperty("limits", out var limits) && limits.ValueKind == JsonValueKind.Object)
            foreach (var p in limits.EnumerateObject()) r.Set(p.Name, ReadQuantity(p.Value));
        if (resources.TryGetProperty("requests", out var requests) && requests.ValueKind == JsonValueKind.Object)
            foreach (var p in requests.EnumerateObject()) r.Set(p.Name, ReadQuantity(p.Value));
        return r;
    }

    /// <summary>
    /// What a pod asks of a node: the sum of its containers (and restartable init containers, which keep running), or
    /// the largest init container if that is more, plus the pod overhead.
    /// </summary>
    public static Resources OfPod(JsonElement spec)
    {
        var sum = new Resources();
        if (spec.TryGetProperty("containers", out var containers) && containers.ValueKind == JsonValueKind.Array)
            foreach (var c in containers.EnumerateArray()) sum.Add(OfContainer(c));
        if (spec.TryGetProperty("initContainers", out var inits) && inits.ValueKind == JsonValueKind.Array)
        {
            var sidecars = new Resources();
            var initMax = new Resources();
            foreach (var c in inits.EnumerateArray())
            {
                var r = OfContainer(c);
                if (c.TryGetProperty("restartPolicy", out var rp) && rp.ValueKind == JsonValueKind.String && rp.GetString() == "Always")
                {
                    sidecars.Add(r);
                    continue;
                }
                var withSidecars = new Resources();
                withSidecars.Add(r);
                withSidecars.Add(sidecars);
                initMax.Max(withSidecars);
            }
            sum.Add(sidecars);
            sum.Max(initMax);
        }
        if (spec.TryGetProperty("overhead", out var overhead) && overhead.ValueKind == JsonValueKind.Object)
        {
            var o = new Resources();
            foreach (var p in overhead.EnumerateObject()) o.Set(p.Name, ReadQuantity(p.Value));
            sum.Add(o);
        }
        return sum;
    }
}
