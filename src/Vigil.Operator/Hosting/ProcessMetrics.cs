using System.Diagnostics;
using Vigil.Operator.Metrics;

namespace Vigil.Operator.Hosting;

/// <summary>
/// The conventional <c>process_*</c> metrics every Prometheus client library exports, under the same names, so the
/// memory-growth alert (deploy/monitoring) and generic process dashboards work on Vigil unchanged.
/// </summary>
public static class ProcessMetrics
{
    public static void Write(PrometheusTextWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        using var process = Process.GetCurrentProcess();
        w.Family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        w.Sample("process_resident_memory_bytes", process.WorkingSet64);
        w.Family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
        w.Sample("process_cpu_seconds_total", process.TotalProcessorTime.TotalSeconds);
        w.Family("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.");
        w.Sample("process_start_time_seconds", new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
    }
}
