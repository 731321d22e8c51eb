using Vigil.Detection;

namespace Vigil.Delivery.Tests;

public sealed class DeliveryConcurrencyTests
{
    /// <summary>A sink that holds every delivery until released, and records how many it held at once.</summary>
    private sealed class Holding : ISink
    {
        private int _inFlight;
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int MostAtOnce { get; private set; }
        public int Delivered;
        public string Name => "holding";
        public Severity MinimumSeverity => Severity.Info;

        public async Task SendAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _inFlight);
            lock (this) MostAtOnce = Math.Max(MostAtOnce, now);
            await Release.Task.WaitAsync(cancellationToken);
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref Delivered);
        }
    }

    [Fact]
    public async Task A_sink_with_concurrency_has_that_many_deliveries_in_flight_and_gets_every_diagnosis()
    {
        var sink = new Holding();
        await using var dispatcher = new Dispatcher([sink], new DeliveryOptions { Concurrency = 3 }, TimeProvider.System);
        for (var i = 0; i < 5; i++) dispatcher.Publish(Diagnoses.Of(id: $"d{i}"));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (sink.MostAtOnce < 3 && DateTime.UtcNow < deadline) await Task.Delay(10);
        sink.MostAtOnce.ShouldBe(3);
        sink.Release.SetResult();
        await dispatcher.StopAsync(TimeSpan.FromSeconds(10));
        sink.Delivered.ShouldBe(5);
        dispatcher.Counters.Get("holding", DeliveryCounters.Delivered).ShouldBe(5);
    }

    [Fact]
    public void Concurrency_below_one_is_refused_by_name() =>
        Should.Throw<ArgumentException>(() => new DeliveryOptions { Concurrency = 0 }.Validate()).Message.ShouldContain("delivery.concurrency");
}
