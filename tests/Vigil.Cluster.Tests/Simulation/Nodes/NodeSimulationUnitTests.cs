using System.Collections.Concurrent;
using System.Text.Json;
using Vigil.Cluster.Simulation;
using Vigil.Cluster.Simulation.Kubelet;
using Vigil.Cluster.Simulation.Nodes;
using Vigil.Cluster.Simulation.Scheduling;

namespace Vigil.Cluster.Tests.Simulation.Nodes;

/// <summary>The node side's small parts on their own: the delay heap, back-off, image references, tolerations.</summary>
public sealed class NodeSimulationUnitTests
{
    [Fact]
    public async Task The_delay_queue_wakes_keys_in_time_order_once_each()
    {
        var clock = new ClusterClock(100);
        var woken = new ConcurrentQueue<string>();
        var all = new TaskCompletionSource();
        using var queue = new DelayQueue<string>(clock, key =>
        {
            woken.Enqueue(key);
            if (woken.Count == 3) all.TrySetResult();
        });
        var now = clock.GetUtcNow();
        queue.Schedule("late", now.AddSeconds(30));
        queue.Schedule("early", now.AddSeconds(5));
        queue.Schedule("middle", now.AddSeconds(20));
        queue.Schedule("middle", now.AddSeconds(60));   // later than pending: the earlier wake-up stays
        queue.Schedule("gone", now.AddSeconds(10));
        queue.Cancel("gone");
        await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        woken.ShouldBe(["early", "middle", "late"]);
        (clock.GetUtcNow() - now).TotalSeconds.ShouldBeGreaterThanOrEqualTo(30);
    }

    [Fact]
    public void Container_back_off_doubles_from_ten_seconds_to_five_minutes_and_resets_after_ten_minutes()
    {
        var backOff = BackOff.Containers();
        var t = DateTimeOffset.UnixEpoch;
        var seen = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            backOff.Next(t);
            seen.Add(backOff.Current.TotalSeconds);
            t = t.AddSeconds(1);
        }
        seen.ShouldBe([10, 20, 40, 80, 160, 300, 300]);
        backOff.InBackOffSince(t, t.AddSeconds(299)).ShouldBeTrue();
        backOff.InBackOffSince(t, t.AddSeconds(300)).ShouldBeFalse();
        backOff.Next(t.AddMinutes(11));
        backOff.Current.TotalSeconds.ShouldBe(10);
    }

    [Theory]
    [InlineData("nginx", "docker.io", "docker.io/library/nginx:latest", false)]
    [InlineData("nginx:1.25", "docker.io", "docker.io/library/nginx:1.25", false)]
    [InlineData("bitnami/redis:7", "docker.io", "docker.io/bitnami/redis:7", false)]
    [InlineData("ghcr.io/org/app:v1", "ghcr.io", "ghcr.io/org/app:v1", false)]
    [InlineData("localhost:5000/app", "localhost:5000", "localhost:5000/app:latest", false)]
    [InlineData("registry.invalid/app:1", "registry.invalid", "registry.invalid/app:1", true)]
    [InlineData("team.registry.invalid:5000/app", "team.registry.invalid:5000", "team.registry.invalid:5000/app:latest", true)]
    public void Image_references_resolve_like_the_runtime(string image, string host, string normalized, bool unresolvable)
    {
        Images.Host(image).ShouldBe(host);
        Images.Normalize(image).ShouldBe(normalized);
        Images.Unresolvable(image).ShouldBe(unresolvable);
        Images.Id(image).ShouldStartWith(Images.Repository(image) + "@sha256:");
    }

    [Fact]
    public void Tolerations_match_taints_as_the_api_defines()
    {
        var taint = new Taint("dedicated", "gpu", Taint.NoSchedule);
        new Toleration("dedicated", "Equal", "gpu", "NoSchedule", null).Tolerates(taint).ShouldBeTrue();
        new Toleration("dedicated", "Equal", "cpu", "NoSchedule", null).Tolerates(taint).ShouldBeFalse();
        new Toleration("dedicated", "Exists", "", "", null).Tolerates(taint).ShouldBeTrue();
        new Toleration("", "Exists", "", "", null).Tolerates(taint).ShouldBeTrue();
        new Toleration("dedicated", "Exists", "", "NoExecute", null).Tolerates(taint).ShouldBeFalse();
        Toleration.FirstUntolerated([new Taint("a", "", Taint.PreferNoSchedule), taint], []).ShouldBe(taint);
    }

    [Fact]
    public void Pod_requests_follow_the_scheduler_rules()
    {
        using var doc = JsonDocument.Parse("""
            {"containers":[{"resources":{"requests":{"cpu":"250m"},"limits":{"cpu":"1","memory":"256Mi"}}},{"resources":{"requests":{"cpu":"250m","memory":"64Mi"}}}],
             "initContainers":[{"resources":{"requests":{"cpu":"2"}}}],
             "overhead":{"cpu":"100m"}}
            """);
        var r = Resources.OfPod(doc.RootElement);
        r.CpuMillis.ShouldBe(2100);
        r.MemoryBytes.ShouldBe(320L << 20);
    }
}
