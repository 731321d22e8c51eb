namespace Vigil.Cel.Tests;

public sealed class EnvironmentTests
{
    [Fact]
    public void An_environment_can_be_created() => new CelEnvironment().ShouldNotBeNull();
}
