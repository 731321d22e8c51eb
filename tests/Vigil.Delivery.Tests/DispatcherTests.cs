using Vigil.Delivery.Sinks;
using Vigil.Detection;

namespace Vigil.Delivery.Tests;

public sealed class DispatcherTests
{
    private static readonly DeliveryOptions Fast = new() { InitialBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(40), MaxAttempts = 4 };

    private sealed class Recording(string name, Severity minimum, Func<int, Exception?>? fail = null) : ISink
    {
        private int _calls;
        public List<string> Sent { get; } = [];
        public string Name => name;
        public Severity MinimumSeverity => minimum;
        public TaskCompletionSource Gate { get; } = new();
        public bool Blocking { get; init; }

        public async Task SendAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken)
        {
            if (Blocking) await Gate.Task.WaitAsync(cancellationToken);
            var call = Interlocked.Increment(ref _calls);
            if (fail?.Invoke(call) is { } e) throw e;
            lock (Sent) Sent.Add(diagnosis.Incident.Id);
        }
    }

    [Fact]
    public async Task Each_sink_gets_the_severities_it_asks_for_and_retryable_failures_are_retried()
    {
        var all = new Recording("all", Severity.Info);
        var critical = new Recording("critical", Severity.Critical);
        var flaky = new Recording("flaky", Severity.Info, call => call < 3 ? new SinkException("503", retryable: true) : null);
        await using (var dispatcher = new Dispatcher([all, critical, flaky], Fast, TimeProvider.System))
        {
            dispatcher.Publish(Diagnoses.Of(Severity.Warning, "w"));
            dispatcher.Publish(Diagnoses.Of(Severity.Critical, "c"));
            await dispatcher.StopAsync(TimeSpan.FromSeconds(10));
            all.Sent.ShouldBe(["w", "c"]);
            critical.Sent.ShouldBe(["c"]);
            flaky.Sent.ShouldBe(["w", "c"]);
            dispatcher.Counters.Get("critical", DeliveryCounters.Filtered).ShouldBe(1);
            dispatcher.Counters.Get("flaky", DeliveryCounters.Retried).ShouldBe(2);
            dispatcher.Counters.Get("flaky", DeliveryCounters.Delivered).ShouldBe(2);
        }
    }

    [Fact]
    public async Task A_permanent_failure_is_not_retried_and_is_counted()
    {
        var broken = new Recording("broken", Severity.Info, _ => new SinkException("400", retryable: false));
        await using var dispatcher = new Dispatcher([broken], Fast, TimeProvider.System);
        dispatcher.Publish(Diagnoses.Of());
        await dispatcher.StopAsync(TimeSpan.FromSeconds(10));
        dispatcher.Counters.Get("broken", DeliveryCounters.Failed).ShouldBe(1);
        dispatcher.Counters.Get("broken", DeliveryCounters.Retried).ShouldBe(0);
    }

    [Fact]
    public async Task A_full_queue_drops_the_oldest_and_counts_it_and_what_was_accepted_is_drained()
    {
        var slow = new Recording("slow", Severity.Info) { Blocking = true };
        await using var dispatcher = new Dispatcher([slow], new DeliveryOptions { QueueCapacity = 2, InitialBackoff = TimeSpan.FromMilliseconds(10) }, TimeProvider.System);
        for (var i = 0; i < 6; i++) dispatcher.Publish(Diagnoses.Of(id: $"d{i}"));
        slow.Gate.SetResult();
        await dispatcher.StopAsync(TimeSpan.FromSeconds(10));
        var dropped = dispatcher.Counters.Get("slow", DeliveryCounters.Dropped);
        dropped.ShouldBeGreaterThan(0);
        (slow.Sent.Count + dropped).ShouldBe(6);
        slow.Sent[^1].ShouldBe("d5");
    }

    [Fact]
    public void Invalid_options_name_the_key() =>
        Should.Throw<ArgumentException>(() => new DeliveryOptions { QueueCapacity = 0 }.Validate()).Message.ShouldContain("delivery.queueCapacity");

    [Fact]
    public async Task The_log_sink_writes_one_json_line_per_diagnosis()
    {
        var writer = new StringWriter();
        await new LogSink(writer).SendAsync(Diagnoses.Of(), CancellationToken.None);
        var line = System.Text.Json.Nodes.JsonNode.Parse(writer.ToString())!;
        line["msg"]!.GetValue<string>().ShouldBe("diagnosis");
        line["diagnosis"]!["category"]!.GetValue<string>().ShouldBe("resources");
        line["diagnosis"]!["incident"]!["primaryResource"]!["kind"]!.GetValue<string>().ShouldBe("Deployment");
    }
}
