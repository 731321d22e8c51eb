using Vigil.Detection.Detectors;
using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Tests.Detectors;

public sealed class EventDetectorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 10, 0, TimeSpan.Zero);

    private static Event Warning(string reason, string message, int count, string first, string last, string fieldPath = "spec.containers{api}") =>
        Objects.Parse<Event>($$"""
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"e-{{reason}}","namespace":"shop"},"type":"Warning","reason":"{{reason}}","message":"{{message}}",
             "count":{{count}},"firstTimestamp":"{{first}}","lastTimestamp":"{{last}}",
             "involvedObject":{"kind":"Pod","namespace":"shop","name":"api-7d9f8c6b5-x2x4p","fieldPath":"{{fieldPath}}"} }
            """);

    [Fact]
    public void A_liveness_failure_names_the_container_the_kubelet_put_in_the_event()
    {
        var pod = Objects.Pod("api-7d9f8c6b5-x2x4p", """{"phase":"Running"}""");
        var finding = new PodEventFaults(DetectorCatalog.Defaults[nameof(PodEventFaults)])
            .Evaluate(Warning("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500", 3, "2026-11-22T12:08:00Z", "2026-11-22T12:09:30Z"), Now, new ListClusterView(pod))
            .Single();
        finding.Reason.ShouldBe("LivenessProbeFailed");
        finding.Attributes[Signal.Attribute.Container].ShouldBe("api");
    }

    [Fact]
    public void Only_the_occurrences_inside_the_window_count_towards_a_storm()
    {
        var since = Now - TimeSpan.FromMinutes(5);
        // Failing once a minute for an hour: about 5 of its 60 occurrences are in the last 5 minutes.
        WarningEventStorm.OccurrencesSince(Warning("Unhealthy", "probe", 60, "2026-11-22T11:10:00Z", "2026-11-22T12:10:00Z"), since).ShouldBe(5);
        // Begun inside the window: all of it.
        WarningEventStorm.OccurrencesSince(Warning("BackOff", "back-off", 12, "2026-11-22T12:06:00Z", "2026-11-22T12:09:00Z"), since).ShouldBe(12);
        // Last seen before the window: nothing.
        WarningEventStorm.OccurrencesSince(Warning("BackOff", "back-off", 40, "2026-11-22T11:00:00Z", "2026-11-22T12:00:00Z"), since).ShouldBe(0);
    }
}
