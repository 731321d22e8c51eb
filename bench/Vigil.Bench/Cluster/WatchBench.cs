using System.Diagnostics;
using System.Threading.Channels;
using Vigil.Cluster;

namespace Vigil.Bench.Cluster;

/// <summary>Concurrent HTTPS watchers on one namespace's pods while a writer changes those pods.</summary>
internal sealed class WatchBench(SimulatedCluster cluster, HttpClient http, string ns, int pods)
{
    private readonly PodWriter _writer = new(cluster, http, ns, pods);

    public sealed record Throughput(int Watchers, long Writes, TimeSpan WriteTime, long Deliveries, TimeSpan DeliveryTime, long Lost, long Unexpected, string? Error,
        long Reads, long AllocatedBytes, int Gen0, int Gen1, int Gen2)
    {
        public double WritesPerSecond => Writes / WriteTime.TotalSeconds;
        public double DeliveriesPerSecond => Deliveries / DeliveryTime.TotalSeconds;
    }

    public sealed record Latency(int Watchers, int TargetRate, double AchievedRate, long Writes, long Samples, long Lost, string? Error,
        double P50, double P90, double P99, double P999, double Max, double WorstWriterLagMs);

    private async Task<Watcher[]> OpenWatchers(int count, int latencyCapacity = 0, int skipBelowSeq = 0)
    {
        var rv = cluster.Operations.Store.CurrentResourceVersion;
        var path = $"/api/v1/namespaces/{ns}/pods?watch=true&resourceVersion={rv}";
        return await Task.WhenAll(Enumerable.Range(0, count).Select(_ => Watcher.Open(http, path, latencyCapacity, skipBelowSeq)));
    }

    /// <summary>
    /// Writes as fast as the whole system sustains for <paramref name="duration"/>: the writer never gets more than
    /// <paramref name="window"/> events ahead of the slowest watcher (so no watcher falls out of the server's history),
    /// then waits until every watcher has every event. Deliveries/s = all events read by all watchers / (first write .. last read).
    /// </summary>
    public async Task<Throughput> MeasureThroughput(int watcherCount, TimeSpan duration, WriterKind kind, int httpWriters, int window)
    {
        var watchers = await OpenWatchers(watcherCount);
        try
        {
            long MinCount()
            {
                var min = long.MaxValue;
                foreach (var w in watchers) min = Math.Min(min, w.Count);
                return min;
            }
            var allocated0 = GC.GetTotalAllocatedBytes();
            var (g0, g1, g2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var sw = Stopwatch.StartNew();
            long writes;
            if (kind == WriterKind.InProcess)
            {
                writes = await Task.Factory.StartNew(() =>
                {
                    var seq = 0;
                    while (sw.Elapsed < duration)
                    {
                        if ((seq & 15) == 0)
                            while (seq - MinCount() > window) Thread.Sleep(1);
                        _writer.WriteInProcess(seq, Stopwatch.GetTimestamp());
                        seq++;
                    }
                    return (long)seq;
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            else
            {
                var next = -1;
                long done = 0;
                await Task.WhenAll(Enumerable.Range(0, httpWriters).Select(async _ =>
                {
                    while (sw.Elapsed < duration)
                    {
                        while (Volatile.Read(ref next) - MinCount() > window) await Task.Delay(1);
                        var seq = Interlocked.Increment(ref next);
                        await _writer.WriteHttp(seq, Stopwatch.GetTimestamp());
                        Interlocked.Increment(ref done);
                    }
                }));
                writes = done;
            }
            var writeTime = sw.Elapsed;
            await WaitForAll(watchers, writes, TimeSpan.FromSeconds(60));
            var deliveryTime = sw.Elapsed;
            var delivered = watchers.Sum(w => w.Count);
            var lost = watchers.Sum(w => Math.Max(0, writes - w.Count));
            var unexpected = watchers.Sum(w => w.OtherEvents + Math.Max(0, w.Count - writes));
            return new Throughput(watcherCount, writes, writeTime, delivered, deliveryTime, lost, unexpected, watchers.Select(w => w.Error).FirstOrDefault(e => e is not null),
                watchers.Sum(w => w.Reads), GC.GetTotalAllocatedBytes() - allocated0,
                GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2);
        }
        finally
        {
            foreach (var w in watchers) await w.DisposeAsync();
        }
    }

    /// <summary>
    /// Writes at a fixed <paramref name="rate"/>; each write carries its scheduled send time (so a writer falling behind
    /// counts against latency rather than hiding it), and each watcher records when it read the event.
    /// The first <paramref name="warmup"/> of writes is not recorded.
    /// </summary>
    public async Task<Latency> MeasureLatency(int watcherCount, int rate, TimeSpan duration, TimeSpan warmup, WriterKind kind, int httpWriters)
    {
        var warmupWrites = (int)(rate * warmup.TotalSeconds);
        var total = warmupWrites + (int)(rate * duration.TotalSeconds);
        var watchers = await OpenWatchers(watcherCount, total, warmupWrites);
        try
        {
            var ticksPerWrite = (double)Stopwatch.Frequency / rate;
            var t0 = Stopwatch.GetTimestamp();
            long Due(int seq) => t0 + (long)(seq * ticksPerWrite);
            long worstLag = 0;
            long lastWrite;
            if (kind == WriterKind.InProcess)
            {
                lastWrite = await Task.Factory.StartNew(() =>
                {
                    for (var seq = 0; seq < total; seq++)
                    {
                        var due = Due(seq);
                        while (Stopwatch.GetTimestamp() < due) Thread.Sleep(1);
                        if (seq >= warmupWrites) worstLag = Math.Max(worstLag, Stopwatch.GetTimestamp() - due);
                        _writer.WriteInProcess(seq, due);
                    }
                    return Stopwatch.GetTimestamp();
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            else
            {
                var channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleWriter = true });
                var pacer = Task.Factory.StartNew(() =>
                {
                    for (var seq = 0; seq < total; seq++)
                    {
                        while (Stopwatch.GetTimestamp() < Due(seq)) Thread.Sleep(1);
                        channel.Writer.TryWrite(seq);
                    }
                    channel.Writer.Complete();
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                var lags = new long[httpWriters];
                await Task.WhenAll(Enumerable.Range(0, httpWriters).Select(async w =>
                {
                    await foreach (var seq in channel.Reader.ReadAllAsync())
                    {
                        var due = Due(seq);
                        if (seq >= warmupWrites) lags[w] = Math.Max(lags[w], Stopwatch.GetTimestamp() - due);
                        await _writer.WriteHttp(seq, due);
                    }
                }));
                await pacer;
                worstLag = lags.Max();
                lastWrite = Stopwatch.GetTimestamp();
            }
            var achieved = total / Stopwatch.GetElapsedTime(t0, lastWrite).TotalSeconds;
            await WaitForAll(watchers, total, TimeSpan.FromSeconds(30));

            var samples = new long[watchers.Sum(w => w.LatencySamples)];
            var at = 0;
            foreach (var w in watchers)
            {
                w.LatencyTicks.CopyTo(samples.AsSpan(at));
                at += w.LatencySamples;
            }
            Array.Sort(samples);
            double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
            double Pct(double p) => samples.Length == 0 ? double.NaN : Ms(samples[Math.Min(samples.Length - 1, (int)Math.Ceiling(p * samples.Length) - 1)]);
            var lost = watchers.Sum(w => Math.Max(0, total - w.Count));
            return new Latency(watcherCount, rate, achieved, total, samples.Length, lost, watchers.Select(w => w.Error).FirstOrDefault(e => e is not null),
                Pct(0.50), Pct(0.90), Pct(0.99), Pct(0.999), samples.Length == 0 ? double.NaN : Ms(samples[^1]), Ms(worstLag));
        }
        finally
        {
            foreach (var w in watchers) await w.DisposeAsync();
        }
    }

    private static async Task WaitForAll(Watcher[] watchers, long expected, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (watchers.All(w => w.Count >= expected || w.Ended)) return;
            await Task.Delay(1);
        }
    }
}
