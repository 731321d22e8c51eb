using System.Collections.Concurrent;
using Vigil.Cluster.Controllers;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Controllers;

public sealed class WorkQueueTests
{
    [Fact]
    public async Task A_key_queued_many_times_while_waiting_is_processed_once()
    {
        var gate = new ManualResetEventSlim(false);
        var counts = new ConcurrentDictionary<string, int>();
        await using var queue = new WorkQueue<string>(key =>
        {
            if (key == "block") gate.Wait(TimeSpan.FromSeconds(10));
            counts.AddOrUpdate(key, 1, (_, n) => n + 1);
            return null;
        }, TimeProvider.System, workers: 1);
        queue.Enqueue("block");
        for (var i = 0; i < 50; i++) queue.Enqueue("a");
        gate.Set();
        await Eventually.True(() => Task.FromResult(counts.ContainsKey("a")), what: "a processed");
        await Eventually.True(() => Task.FromResult(queue.Depth == 0), what: "queue drained");
        counts["a"].ShouldBe(1);
    }

    [Fact]
    public async Task A_key_is_never_processed_by_two_workers_at_once_and_a_requeue_during_processing_runs_again_after()
    {
        var inFlight = 0;
        var maxInFlight = 0;
        var runs = 0;
        var started = new SemaphoreSlim(0);
        var release = new SemaphoreSlim(0);
        await using var queue = new WorkQueue<string>(_ =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            var run = Interlocked.Increment(ref runs);
            if (run == 1)
            {
                started.Release();
                release.Wait(TimeSpan.FromSeconds(10));
            }
            Interlocked.Decrement(ref inFlight);
            return null;
        }, TimeProvider.System, workers: 4);
        queue.Enqueue("k");
        (await started.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBeTrue();
        queue.Enqueue("k");
        queue.Enqueue("k");
        release.Release();
        await Eventually.True(() => Task.FromResult(Volatile.Read(ref runs) == 2), what: "processed again after the first run");
        maxInFlight.ShouldBe(1);
    }

    [Fact]
    public async Task A_key_asking_to_be_requeued_is_processed_again_after_the_delay_and_a_throwing_key_is_retried()
    {
        var runs = new ConcurrentDictionary<string, int>();
        await using var queue = new WorkQueue<string>(key =>
        {
            var n = runs.AddOrUpdate(key, 1, (_, v) => v + 1);
            if (key == "throws" && n == 1) throw new InvalidOperationException("transient");
            return key == "again" && n < 3 ? TimeSpan.FromMilliseconds(20) : null;
        }, TimeProvider.System, workers: 2);
        queue.Enqueue("again");
        queue.Enqueue("throws");
        await Eventually.True(() => Task.FromResult(runs.GetValueOrDefault("again") == 3), what: "requeued twice");
        await Eventually.True(() => Task.FromResult(runs.GetValueOrDefault("throws") == 2), TimeSpan.FromSeconds(10), what: "retried after a failure");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
