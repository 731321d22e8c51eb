using System.Globalization;
using System.Runtime;

namespace Vigil.Bench.Cluster;

/// <summary>What the figures were measured on: cores, CPU model, memory, load, runtime and GC mode.</summary>
internal static class MachineInfo
{
    public static void Describe(IDictionary<string, string> into)
    {
        into["date (UTC)"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        into["cores (nproc)"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture);
        into["cpu"] = Read("/proc/cpuinfo", "model name") ?? "unknown";
        into["memory"] = Read("/proc/meminfo", "MemTotal") ?? "unknown";
        into["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
        into["gc"] = (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Interactive ? ", concurrent" : "");
        into["load at start (1/5/15 min)"] = Load();
        into["cpu pressure at start"] = Pressure();
    }

    /// <summary>
    /// /proc/pressure/cpu: the share of time some runnable task waited for a core (avg10/avg60). Near 0 on a quiet
    /// machine; near 100 when other work keeps the cores busy and the figures measure a fraction of the machine.
    /// </summary>
    public static string Pressure()
    {
        try
        {
            var some = File.ReadLines("/proc/pressure/cpu").First().Split(' ');
            return string.Join(" ", some.Skip(1).Take(2)) + " (% of time waiting for a core)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return "unknown";
        }
    }

    public static string Load()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(" / ", parts.Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string? Read(string file, string key)
    {
        try
        {
            foreach (var line in File.ReadLines(file))
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        return null;
    }
}
