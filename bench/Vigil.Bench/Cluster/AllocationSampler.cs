using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Vigil.Bench.Cluster;

/// <summary>
/// Samples allocations through the runtime's AllocationTick events (one per ~100 KB allocated, naming the type of the
/// allocation that crossed it): where the bytes go, without a profiler. Enabled by <c>--alloc-profile</c>.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _on;

    public void Start() => _on = true;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1 /* GC */);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_on || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        var name = e.PayloadNames?.IndexOf("TypeName") is int i and >= 0 ? e.Payload[i] as string : null;
        var amount = e.PayloadNames?.IndexOf("AllocationAmount64") is int j and >= 0 && e.Payload[j] is ulong a ? (long)a : 100_000;
        // Arrays by size class (the sampled object's size), to tell pooled-buffer misses from per-object copies.
        if (name is "System.Byte[]" && e.PayloadNames?.IndexOf("ObjectSize") is int k and >= 0 && e.Payload[k] is ulong size)
            name += size switch { < 1024 => " <1K", < 4096 => " 1-4K", < 16384 => " 4-16K", < 65536 => " 16-64K", _ => " >=64K" };
        _bytes.AddOrUpdate(name ?? "?", amount, (_, v) => v + amount);
    }

    public void Print(int top = 25)
    {
        var total = _bytes.Values.Sum();
        Console.WriteLine($"\nallocation samples (~{total / 1e6:0} MB sampled), by type:");
        foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(top))
            Console.WriteLine($"  {bytes * 100.0 / total,5:0.0}%  {type}");
    }
}
