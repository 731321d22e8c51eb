using System.Text.Json;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Tests.Models;

public class QuantityTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("1", "1")]
    [InlineData("1000", "1k")]
    [InlineData("1500", "1500")]
    [InlineData("0.5", "500m")]
    [InlineData("1.5", "1500m")]
    [InlineData("100m", "100m")]
    [InlineData("1000m", "1")]
    [InlineData("0.1", "100m")]
    [InlineData("1.1m", "1100u")]
    [InlineData("1Ki", "1Ki")]
    [InlineData("1024", "1024")]
    [InlineData("1.5Gi", "1536Mi")]
    [InlineData("2048Mi", "2Gi")]
    [InlineData("0.5Gi", "512Mi")]
    [InlineData("512", "512")]
    [InlineData("1e3", "1e3")]
    [InlineData("1E6", "1e6")]
    [InlineData("12e6", "12e6")]
    [InlineData("5G", "5G")]
    [InlineData("5000M", "5G")]
    [InlineData("0.0000000001", "1n")]
    [InlineData("-1", "-1")]
    [InlineData("-500m", "-500m")]
    [InlineData("+2k", "2k")]
    [InlineData("10E", "10E")]
    public void Formats_in_canonical_form(string input, string canonical)
    {
        Quantity.Parse(input).ToString().ShouldBe(canonical);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1Xi")]
    [InlineData("1 Gi")]
    [InlineData(".")]
    [InlineData("1e")]
    public void Rejects_invalid_text(string input)
    {
        Quantity.TryParse(input, out _).ShouldBeFalse();
        Should.Throw<FormatException>(() => Quantity.Parse(input));
    }

    [Fact]
    public void Compares_by_value_across_formats()
    {
        (Quantity.Parse("1Gi") > Quantity.Parse("1G")).ShouldBeTrue();
        Quantity.Parse("1000m").ShouldBe(Quantity.Parse("1"));
        Quantity.Parse("1k").ShouldBe(Quantity.Parse("1e3"));
        (Quantity.Parse("250m") < Quantity.Parse("0.3")).ShouldBeTrue();
        Quantity.Parse("1.5").MilliValue.ShouldBe(1500);
        Quantity.Parse("1Ki").IntegerValue.ShouldBe(1024);
        (Quantity.Parse("1Gi") + Quantity.Parse("512Mi")).ToString().ShouldBe("1536Mi");
    }

    [Fact]
    public void Reads_strings_and_numbers_and_writes_strings()
    {
        var resources = JsonSerializer.Deserialize("""{"cpu":"250m","memory":"64Mi","pods":110}""", KubernetesJsonContext.Default.IDictionaryStringQuantity)!;
        resources["cpu"].MilliValue.ShouldBe(250);
        resources["pods"].ToString().ShouldBe("110");
        JsonSerializer.Serialize(resources, KubernetesJsonContext.Default.IDictionaryStringQuantity).ShouldBe("""{"cpu":"250m","memory":"64Mi","pods":"110"}""");
    }
}
