using Vigil.Detection.Detectors;
using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Tests.Detectors;

public sealed class EventStormTests
{
    private static Event Warning(int i, string reason) => Objects.Parse<Event>($$"""
        {"apiVersion":"v1","kind":"Event","metadata":{"name":"e{{i}}","namespace":"shop"},"type":"Warning","reason":"{{reason}}",
         "involvedObject":{"kind":"Pod","namespace":"shop","name":"api-{{i}}"},"message":"m","count":1,"lastTimestamp":"{{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}}"}
        """);

    [Fact]
    public void Vigils_own_diagnosis_events_do_not_make_a_storm_and_others_still_do()
    {
        var storm = new WarningEventStorm(DetectorCatalog.Defaults[nameof(WarningEventStorm)] with { Count = 3 });
        var vigils = new ListClusterView([.. Enumerable.Range(0, 10).Select(i => Warning(i, "VigilDiagnosis"))]);
        storm.Evaluate(Warning(10, "VigilDiagnosis"), DateTimeOffset.UtcNow, vigils).ShouldBeEmpty();
        storm.Evaluate(Warning(0, "VigilDiagnosis"), DateTimeOffset.UtcNow, vigils).ShouldBeEmpty();

        var backOffs = new ListClusterView([.. Enumerable.Range(0, 4).Select(i => Warning(i, "BackOff")), .. vigils.Objects]);
        storm.Evaluate(Warning(0, "BackOff"), DateTimeOffset.UtcNow, backOffs).ShouldHaveSingleItem().Message.ShouldStartWith("4 Warning events");
    }
}
