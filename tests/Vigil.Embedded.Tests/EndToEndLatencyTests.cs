using Vigil.Bench.Pipeline;

namespace Vigil.Embedded.Tests;

/// <summary>
/// The e2e benchmark's harness, briefly and slowly: every fault written to the simulated cluster comes back as a Vigil
/// Event over HTTPS. Timing is the benchmark's business (<c>dotnet run -c Release --project bench/Vigil.Bench -- e2e</c>);
/// this asserts only that nothing is lost on the way.
/// </summary>
public sealed class EndToEndLatencyTests
{
    [Fact]
    public async Task Every_fault_written_for_two_seconds_is_reported_as_a_Vigil_event()
    {
        var result = await EndToEndHarness.RunAsync(new EndToEndOptions
        {
            Rate = 50,
            Seconds = 2,
            WarmupSeconds = 0,
            Namespaces = 5,
            Nodes = 2,
            DrainTimeout = TimeSpan.FromSeconds(60),
        });

        result.Faults.ShouldBe(100);
        result.Lost.ShouldBe(0);
        result.Reported.ShouldBe(100);
        result.LatenciesMs.Count.ShouldBe(100);
        result.Delivery.GetValueOrDefault("dropped").ShouldBe(0);
    }
}
