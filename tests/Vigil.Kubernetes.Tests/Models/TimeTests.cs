using System.Text.Json;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Tests.Models;

public class TimeTests
{
    [Fact]
    public void Time_is_whole_seconds_in_utc()
    {
        var time = new Time(new DateTimeOffset(2021, 1, 2, 5, 4, 5, 678, TimeSpan.FromHours(2)));
        time.ToString().ShouldBe("2021-01-02T03:04:05Z");
        Time.Parse("2021-01-02T03:04:05.999+02:00").ToString().ShouldBe("2021-01-02T01:04:05Z");
    }

    [Fact]
    public void MicroTime_always_has_six_fraction_digits()
    {
        new MicroTime(new DateTimeOffset(2021, 1, 2, 3, 4, 5, TimeSpan.Zero)).ToString().ShouldBe("2021-01-02T03:04:05.000000Z");
        var precise = new DateTimeOffset(2021, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_234_567);
        new MicroTime(precise).ToString().ShouldBe("2021-01-02T03:04:05.123456Z");
        MicroTime.Parse("2021-01-02T03:04:05.5Z").ToString().ShouldBe("2021-01-02T03:04:05.500000Z");
    }

    [Fact]
    public void Lease_times_serialize_as_micro_time()
    {
        var lease = new Lease { Spec = new LeaseSpec { RenewTime = new MicroTime(new DateTimeOffset(2024, 5, 6, 7, 8, 9, 10, TimeSpan.Zero)) } };
        var json = JsonSerializer.Serialize(lease, KubernetesJsonContext.Default.Lease);
        json.ShouldContain("\"renewTime\":\"2024-05-06T07:08:09.010000Z\"");
        JsonSerializer.Deserialize(json, KubernetesJsonContext.Default.Lease)!.Spec!.RenewTime!.Value.Value.Millisecond.ShouldBe(10);
    }

    [Fact]
    public void Rejects_non_rfc3339_text()
    {
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize("""{"creationTimestamp":"yesterday"}""", KubernetesJsonContext.Default.ObjectMeta));
    }
}
