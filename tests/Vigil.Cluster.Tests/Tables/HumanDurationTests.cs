using Vigil.Cluster.Tables;

namespace Vigil.Cluster.Tests.Tables;

public class HumanDurationTests
{
    [Theory]
    [InlineData(-3, "<invalid>")]
    [InlineData(-2, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(0, "0s")]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(200, "3m20s")]
    [InlineData(599, "9m59s")]
    [InlineData(600, "10m")]
    [InlineData(10799, "179m")]
    [InlineData(10800, "3h")]
    [InlineData(11100, "3h5m")]
    [InlineData(28800, "8h")]
    [InlineData(47 * 3600 + 59 * 60, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(51 * 3600, "2d3h")]
    [InlineData(8 * 86400, "8d")]
    [InlineData(45 * 86400, "45d")]
    [InlineData(729 * 86400, "729d")]
    [InlineData(730 * 86400, "2y")]
    [InlineData(800 * 86400, "2y70d")]
    [InlineData(8 * 365 * 86400, "8y")]
    [InlineData(20 * 365 * 86400, "20y")]
    public void Formats_like_apimachinery(long seconds, string expected) =>
        HumanDuration.Format(TimeSpan.FromSeconds(seconds)).ShouldBe(expected);

    [Fact]
    public void Fractions_of_a_second_truncate()
    {
        HumanDuration.Format(TimeSpan.FromMilliseconds(1999)).ShouldBe("1s");
        HumanDuration.Format(TimeSpan.FromMilliseconds(-1999)).ShouldBe("0s");
    }

    [Fact]
    public void Since_reports_unknown_for_missing_timestamps()
    {
        var now = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        HumanDuration.Since(null, now).ShouldBe("<unknown>");
        HumanDuration.Since(now.AddMinutes(-5), now).ShouldBe("5m");
    }
}
