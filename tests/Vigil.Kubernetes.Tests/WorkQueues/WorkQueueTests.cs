using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Vigil.Kubernetes.RateLimiting;
using Vigil.Kubernetes.Tests.Fixtures;
using Vigil.Kubernetes.WorkQueues;

namespace Vigil.Kubernetes.Tests.WorkQueues;

public class WorkQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Deduplicates_items_while_they_wait_and_keeps_fifo_order()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");
        queue.Count.ShouldBe(2);
        (await queue.GetAsync()).Item.ShouldBe("a");
        (await queue.GetAsync()).Item.ShouldBe("b");
        queue.Count.ShouldBe(0);
    }

    [Fact]
    public async Task Item_re_added_while_processing_is_handed_out_again_only_after_done()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        var (item, _) = await queue.GetAsync();
        queue.Add("a");
        queue.Count.ShouldBe(0, "an item being processed is not queued twice");

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Should.ThrowAsync<OperationCanceledException>(async () => await queue.GetAsync(cts.Token));

        queue.Done(item);
        queue.Count.ShouldBe(1);
        (await queue.GetAsync().AsTask().WaitAsync(Patience)).Item.ShouldBe("a");
    }

    [Fact]
    public async Task Never_processes_one_item_in_two_workers_at_once()
    {
        using var queue = new WorkQueue<int>();
        var active = new ConcurrentDictionary<int, int>();
        var processed = 0;
        var overlap = false;
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var (item, shutdown) = await queue.GetAsync();
                if (shutdown)
                {
                    return;
                }

                if (active.AddOrUpdate(item, 1, (_, n) => n + 1) > 1)
                {
                    overlap = true;
                }

                await Task.Yield();
                queue.Add(item % 3 == 0 ? item : -1);
                active.AddOrUpdate(item, 0, (_, n) => n - 1);
                Interlocked.Increment(ref processed);
                queue.Done(item);
            }
        })).ToArray();

        for (var i = 0; i < 300; i++)
        {
            queue.Add(i % 5);
        }

        await Eventually.TrueAsync(() => Volatile.Read(ref processed) > 200, Patience);
        await queue.ShutDownWithDrainAsync().WaitAsync(Patience);
        await Task.WhenAll(workers).WaitAsync(Patience);
        overlap.ShouldBeFalse();
    }

    [Fact]
    public async Task Shutdown_hands_out_what_is_queued_then_reports_shutdown_and_drain_waits_for_done()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.Add("b");
        var (first, _) = await queue.GetAsync();
        var drain = queue.ShutDownWithDrainAsync();
        queue.Add("ignored");
        (await queue.GetAsync()).Item.ShouldBe("b");
        var (_, shutdown) = await queue.GetAsync();
        shutdown.ShouldBeTrue();
        drain.IsCompleted.ShouldBeFalse();
        queue.Done("b");
        drain.IsCompleted.ShouldBeFalse();
        queue.Done(first);
        await drain.WaitAsync(Patience);
    }

    [Fact]
    public async Task Shutdown_wakes_waiting_workers()
    {
        using var queue = new WorkQueue<string>();
        var waiting = queue.GetAsync().AsTask();
        queue.ShutDown();
        (await waiting.WaitAsync(Patience)).Shutdown.ShouldBeTrue();
    }

    [Fact]
    public async Task AddAfter_waits_for_the_clock_and_the_earliest_request_wins()
    {
        var clock = new ManualTimeProvider();
        using var queue = new WorkQueue<string>(new WorkQueueOptions<string> { TimeProvider = clock });
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(3));
        queue.AddAfter("b", TimeSpan.FromSeconds(5));
        queue.Count.ShouldBe(0);
        clock.Advance(TimeSpan.FromSeconds(3));
        queue.Count.ShouldBe(1);
        (await queue.GetAsync()).Item.ShouldBe("a");
        clock.Advance(TimeSpan.FromSeconds(2));
        (await queue.GetAsync()).Item.ShouldBe("b");
        clock.Advance(TimeSpan.FromSeconds(10));
        queue.Count.ShouldBe(0, "the later request for a was superseded");
    }

    [Fact]
    public void Per_item_backoff_doubles_from_5ms_to_1000s()
    {
        var limiter = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));
        limiter.When("a").ShouldBe(TimeSpan.FromMilliseconds(5));
        limiter.When("a").ShouldBe(TimeSpan.FromMilliseconds(10));
        limiter.When("a").ShouldBe(TimeSpan.FromMilliseconds(20));
        limiter.When("b").ShouldBe(TimeSpan.FromMilliseconds(5));
        limiter.NumRequeues("a").ShouldBe(3);
        for (var i = 0; i < 40; i++)
        {
            limiter.When("a");
        }

        limiter.When("a").ShouldBe(TimeSpan.FromSeconds(1000));
        limiter.Forget("a");
        limiter.NumRequeues("a").ShouldBe(0);
        limiter.When("a").ShouldBe(TimeSpan.FromMilliseconds(5));
    }

    [Fact]
    public void Default_limiter_is_the_max_of_backoff_and_a_10qps_burst_100_bucket()
    {
        var clock = new ManualTimeProvider();
        var limiter = WorkQueueRateLimiters.Default<int>(clock);
        for (var i = 0; i < 100; i++)
        {
            limiter.When(i).ShouldBe(TimeSpan.FromMilliseconds(5), $"item {i} is within the burst");
        }

        limiter.When(1000).ShouldBe(TimeSpan.FromMilliseconds(100));
        limiter.When(1001).ShouldBe(TimeSpan.FromMilliseconds(200));
        clock.Advance(TimeSpan.FromSeconds(60));
        limiter.When(7).ShouldBe(TimeSpan.FromMilliseconds(10), "the per-item back-off wins once the bucket has refilled");
    }

    [Fact]
    public async Task Rate_limited_adds_count_requeues_until_forgotten()
    {
        var clock = new ManualTimeProvider();
        using var queue = new WorkQueue<string>(new WorkQueueOptions<string>
        {
            TimeProvider = clock,
            RateLimiter = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)),
        });
        queue.AddRateLimited("a");
        queue.AddRateLimited("a");
        queue.NumRequeues("a").ShouldBe(2);
        clock.Advance(TimeSpan.FromSeconds(1));
        (await queue.GetAsync()).Item.ShouldBe("a");
        queue.Forget("a");
        queue.NumRequeues("a").ShouldBe(0);
    }

    [Fact]
    public async Task Publishes_metrics()
    {
        var measurements = new ConcurrentBag<(string Instrument, double Value, string? Name)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Vigil.Kubernetes.WorkQueue")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Add((instrument.Name, value, NameTag(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Add((instrument.Name, value, NameTag(tags))));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => measurements.Add((instrument.Name, value, NameTag(tags))));
        listener.Start();

        var clock = new ManualTimeProvider();
        using var queue = new WorkQueue<string>(new WorkQueueOptions<string> { Name = "metrics-test", TimeProvider = clock });
        queue.Add("a");
        queue.Add("b");
        clock.Advance(TimeSpan.FromSeconds(2));
        var (item, _) = await queue.GetAsync();
        clock.Advance(TimeSpan.FromSeconds(3));
        queue.Done(item);
        queue.AddRateLimited("c");
        listener.RecordObservableInstruments();

        var mine = measurements.Where(m => m.Name == "metrics-test").ToList();
        mine.Count(m => m.Instrument == "workqueue.adds").ShouldBeGreaterThanOrEqualTo(2);
        mine.Single(m => m.Instrument == "workqueue.queue_duration").Value.ShouldBe(2);
        mine.Single(m => m.Instrument == "workqueue.work_duration").Value.ShouldBe(3);
        mine.Single(m => m.Instrument == "workqueue.retries").Value.ShouldBe(1);
        mine.Single(m => m.Instrument == "workqueue.depth").Value.ShouldBe(1);
    }

    [Fact]
    public void Token_bucket_reserves_into_debt_fairly()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(2, 2, clock);
        bucket.Reserve().ShouldBe(TimeSpan.Zero);
        bucket.Reserve().ShouldBe(TimeSpan.Zero);
        bucket.Reserve().ShouldBe(TimeSpan.FromMilliseconds(500));
        bucket.Reserve().ShouldBe(TimeSpan.FromSeconds(1));
        bucket.TryTake().ShouldBeFalse();
        clock.Advance(TimeSpan.FromSeconds(2));
        bucket.TryTake().ShouldBeTrue();
    }

    private static string? NameTag(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "name")
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
