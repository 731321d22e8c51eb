using System.Globalization;

namespace Vigil.Cluster.Simulation.Nodes;

/// <summary>
/// Where nodes and pods live on the simulated network: node addresses from 172.16.0.0/12, and one /24 pod range per
/// node from 10.128.0.0/9 (32,768 nodes), clear of the service range 10.96.0.0/12.
/// </summary>
internal static class NodeAddresses
{
    public static string InternalIp(int ordinal)
    {
        var n = ordinal + 2;
        return string.Create(CultureInfo.InvariantCulture, $"172.{16 + ((n >> 16) & 0x0f)}.{(n >> 8) & 0xff}.{n & 0xff}");
    }

    public static string PodCidr(int ordinal) =>
        string.Create(CultureInfo.InvariantCulture, $"10.{128 + ((ordinal >> 8) & 0x7f)}.{ordinal & 0xff}.0/24");

    /// <summary>The first three octets of a /24 pod range ("10.128.3."), or null when the range is not a /24 we can allocate from.</summary>
    public static string? PodPrefix(string? cidr)
    {
        if (cidr is null || !cidr.EndsWith(".0/24", StringComparison.Ordinal)) return null;
        return cidr[..^4];
    }
}

/// <summary>Pod addresses of one node: .2 to .254 of its /24 (.1 is the bridge), reused once freed.</summary>
internal sealed class PodIpAllocator(string prefix)
{
    private readonly bool[] _used = new bool[256];
    private int _next = 2;

    public string Prefix { get; } = prefix;

    public string? Allocate()
    {
        for (var i = 0; i < 253; i++)
        {
            var candidate = 2 + ((_next - 2 + i) % 253);
            if (_used[candidate]) continue;
            _used[candidate] = true;
            _next = candidate + 1;
            return Prefix + candidate.ToString(CultureInfo.InvariantCulture);
        }
        return null;
    }

    public void Release(string ip)
    {
        if (!ip.StartsWith(Prefix, StringComparison.Ordinal)) return;
        if (int.TryParse(ip.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var last) && last is >= 0 and < 256)
            _used[last] = false;
    }
}
