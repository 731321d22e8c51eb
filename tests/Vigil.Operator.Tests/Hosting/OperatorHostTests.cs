using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Delivery;
using Vigil.Detection;
using Vigil.Detection.Correlation;
using Vigil.Operator.Hosting;
using Vigil.Operator.Metrics;
using Vigil.Operator.Pipeline;
using Vigil.Operator.Tests.Support;

namespace Vigil.Operator.Tests.Hosting;

/// <summary>A sink that takes its time, and remembers what it received.</summary>
internal sealed class SlowSink(TimeSpan delay) : ISink
{
    private readonly List<Diagnosis.Diagnosis> _received = [];
    private int _started;

    public string Name => "slow";
    public Severity MinimumSeverity => Severity.Info;
    public int Started => _started;

    public IReadOnlyList<Diagnosis.Diagnosis> Received
    {
        get
        {
            lock (_received) return [.. _received];
        }
    }

    public async Task SendAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _started);
        await Task.Delay(delay, cancellationToken);
        lock (_received) _received.Add(diagnosis);
    }
}

public sealed class OperatorHostTests
{
    private static PipelineOptions Fast() => new()
    {
        Correlation = new CorrelationOptions { Window = TimeSpan.Zero },
        RescanInterval = TimeSpan.FromMilliseconds(500),
        ShutdownTimeout = TimeSpan.FromSeconds(30),
    };

    private static OperatorOptions Local() => new() { MetricsAddress = "127.0.0.1:0", ApiProbeInterval = TimeSpan.FromMilliseconds(200), ApiStaleAfter = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task Metrics_count_signals_by_detector_and_drops_by_reason_in_a_strictly_valid_exposition()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Pod("shop", "api-1");
        cluster.Pod("kube-system", "dns-1");
        cluster.Pod("batch", "job-1", """{"vigil.io/exclude-detectors": "PodCrashLoop"}""");
        var options = Fast();
        options.Filters.ExcludedNamespaces.Add("kube-*");
        await using var host = await OperatorHost.StartAsync(cluster.Client, options, [new SlowSink(TimeSpan.Zero)], Local(), TimeProvider.System, NullLoggerFactory.Instance);
        using var http = new HttpClient { BaseAddress = host.Address };

        cluster.CrashLoop("shop", "api-1");
        cluster.CrashLoop("kube-system", "dns-1");
        cluster.CrashLoop("batch", "job-1");

        Exposition metrics = null!;
        await Wait.Until(async () =>
        {
            metrics = Exposition.Parse(await http.GetStringAsync("/metrics"));
            return metrics.Value("vigil_sink_deliveries_total", ("sink", "slow"), ("outcome", "delivered")) >= 1
                && metrics.Value("vigil_signals_dropped_total", ("reason", "annotation")) >= 1
                && metrics.Value("vigil_signals_dropped_total", ("reason", "namespace_excluded")) >= 1;
        }, "the signals to be counted");
        metrics.Value("vigil_signals_total", ("detector", "PodCrashLoop")).ShouldBe(3);
        metrics.Value("vigil_signals_dropped_total", ("reason", "namespace_excluded")).ShouldBe(1);
        metrics.Value("vigil_signals_dropped_total", ("reason", "annotation")).ShouldBe(1);
        metrics.Value("vigil_incidents_total", ("rule", "none"), ("change", "opened")).ShouldBe(1);
        metrics.Value("vigil_diagnoses_total", ("category", "application")).ShouldBeGreaterThanOrEqualTo(0);
        metrics.Families["vigil_diagnoses_total"].Samples.Sum(s => s.Value).ShouldBe(1);
        metrics.Value("vigil_gather_duration_seconds_count").ShouldBe(1);
        metrics.Value("vigil_deliver_duration_seconds_count", ("sink", "slow")).ShouldBe(1);
        metrics.Value("vigil_informer_synced", ("kind", "Pod")).ShouldBe(1);
        metrics.Value("vigil_sink_queue_depth", ("sink", "slow")).ShouldBe(0);
        metrics.Families.Keys.ShouldAllBe(name => name.StartsWith("vigil_", StringComparison.Ordinal));
        metrics.Families["vigil_gather_duration_seconds"].Type.ShouldBe("histogram");
        metrics.Families["vigil_work_queue_depth"].Type.ShouldBe("gauge");
        (await http.GetAsync("/metrics")).Content.Headers.ContentType!.ToString().ShouldContain("version=0.0.4");
    }

    [Fact]
    public async Task Healthz_answers_and_readyz_fails_with_the_reason_when_the_api_server_is_gone()
    {
        var cluster = await TestCluster.StartAsync();
        OperatorHost? host = null;
        var gone = Task.CompletedTask;
        try
        {
            host = await OperatorHost.StartAsync(cluster.Client, Fast(), [], Local(), TimeProvider.System, NullLoggerFactory.Instance);
            using var http = new HttpClient { BaseAddress = host.Address };
            (await http.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
            await Wait.Until(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "ready");

            // The server stops listening at once; it finishes stopping when our watches close (host disposal, below).
            gone = cluster.Cluster.DisposeAsync().AsTask();
            HttpResponseMessage ready = null!;
            await Wait.Until(async () => (ready = await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable, "not ready");
            (await ready.Content.ReadAsStringAsync()).ShouldStartWith("API server last reached");
            (await http.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
            Exposition.Parse(await http.GetStringAsync("/metrics")).Value("vigil_api_server_reachable").ShouldBe(0);
        }
        finally
        {
            if (host is not null) await host.DisposeAsync();
            await gone;
            cluster.Client.Dispose();
        }
    }

    [Fact]
    public async Task Stopping_delivers_every_accepted_diagnosis_to_a_slow_sink_before_returning()
    {
        await using var cluster = await TestCluster.StartAsync();
        for (var i = 0; i < 4; i++) cluster.Pod("shop", $"api-{i}");
        var sink = new SlowSink(TimeSpan.FromSeconds(1));
        var host = await OperatorHost.StartAsync(cluster.Client, Fast(), [sink], Local(), TimeProvider.System, NullLoggerFactory.Instance);
        var published = 0;
        host.Pipeline.Diagnosed += _ => Interlocked.Increment(ref published);
        for (var i = 0; i < 4; i++) cluster.CrashLoop("shop", $"api-{i}");
        await Wait.Until(() => Volatile.Read(ref published) == 4, "four diagnoses");
        sink.Received.Count.ShouldBeLessThan(4, "the sink should still be busy when the stop begins");

        await host.StopAsync();

        sink.Received.Count.ShouldBe(4);
        host.Pipeline.Dispatcher.Counters.Get("slow", DeliveryCounters.Delivered).ShouldBe(4);
        host.Pipeline.Dispatcher.Counters.Get("slow", DeliveryCounters.Failed).ShouldBe(0);
        await host.DisposeAsync();
    }

    [Fact]
    public async Task A_shutdown_timeout_bounds_the_drain_and_what_is_cut_off_is_counted_as_failed()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Pod("shop", "api-1");
        var sink = new SlowSink(TimeSpan.FromMinutes(10));
        var options = Fast();
        options.ShutdownTimeout = TimeSpan.FromMilliseconds(500);
        var host = await OperatorHost.StartAsync(cluster.Client, options, [sink], Local(), TimeProvider.System, NullLoggerFactory.Instance);
        cluster.CrashLoop("shop", "api-1");
        await Wait.Until(() => sink.Started == 1, "the delivery to start");

        var stop = host.StopAsync();
        await stop.WaitAsync(TimeSpan.FromSeconds(15));
        host.Pipeline.Dispatcher.Counters.Get("slow", DeliveryCounters.Failed).ShouldBe(1);
        await host.DisposeAsync();
    }

    [Fact]
    public void The_text_writer_escapes_label_values_and_help_and_writes_cumulative_histograms()
    {
        var w = new PrometheusTextWriter();
        w.Family("vigil_test_total", "counter", "A help text with a \\ backslash\nand a new line.");
        w.Sample("vigil_test_total", 2, ("resource", "Pod/shop/\"quoted\"\\path\nnext"));
        var h = new Histogram([0.1, 1]);
        h.Observe(0.05);
        h.Observe(0.5);
        h.Observe(5);
        w.Family("vigil_test_seconds", "histogram", "Latency.");
        w.Histogram("vigil_test_seconds", h.Snapshot(), ("sink", "log"));

        var parsed = Exposition.Parse(w.ToString());
        parsed.Families["vigil_test_total"].Samples.Single().Labels["resource"].ShouldBe("Pod/shop/\"quoted\"\\path\nnext");
        parsed.Value("vigil_test_seconds_bucket", ("sink", "log"), ("le", "0.1")).ShouldBe(1);
        parsed.Value("vigil_test_seconds_bucket", ("sink", "log"), ("le", "1")).ShouldBe(2);
        parsed.Value("vigil_test_seconds_bucket", ("sink", "log"), ("le", "+Inf")).ShouldBe(3);
        parsed.Value("vigil_test_seconds_count", ("sink", "log")).ShouldBe(3);
        parsed.Value("vigil_test_seconds_sum", ("sink", "log")).ShouldBe(5.55, 1e-9);
    }

    [Theory]
    [InlineData("vigil_x_total 1\n", "sample without a TYPE")]
    [InlineData("# TYPE vigil_x counter\nvigil_x{a=\"1\"} 1\nvigil_x{a=\"1\"} 2\n", "duplicate series")]
    [InlineData("# TYPE vigil_x counter\nvigil_x{a=\"b\\q\"} 1\n", "malformed sample")]
    [InlineData("# TYPE vigil_h histogram\nvigil_h_bucket{le=\"1\"} 2\nvigil_h_bucket{le=\"+Inf\"} 1\nvigil_h_sum 1\nvigil_h_count 1\n", "not cumulative")]
    [InlineData("# TYPE vigil_h histogram\nvigil_h_bucket{le=\"1\"} 1\nvigil_h_sum 1\nvigil_h_count 1\n", "not +Inf")]
    [InlineData("# TYPE vigil_a gauge\n# TYPE vigil_b gauge\nvigil_a 1\n", "outside its family's block")]
    public void The_test_parser_itself_rejects_invalid_expositions(string text, string problem) =>
        Should.Throw<FormatException>(() => Exposition.Parse(text)).Message.ShouldContain(problem);
}
