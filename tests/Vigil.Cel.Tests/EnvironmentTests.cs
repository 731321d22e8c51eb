namespace Vigil.Cel.Tests;

public sealed class EnvironmentTests
{
    [Fact]
    public void Compiled_programs_are_cached_by_text_and_environment()
    {
        var env = new CelEnvironment().Declare("x", CelType.Int);
        env.Compile("x + 1").ShouldBeSameAs(env.Compile("x + 1"));
        new CelEnvironment().Declare("x", "int").Compile("x + 1").ShouldBeSameAs(env.Compile("x + 1"));
        env.Declare("y", CelType.Int).Compile("x + 1").ShouldNotBeSameAs(env.Compile("x + 1"));
        env.WithCostLimit(100).Compile("x + 1").ShouldNotBeSameAs(env.Compile("x + 1"));
        new CelEnvironment().Declare("x", CelType.Uint).Compile("x + 1u").ResultType.ShouldBe(CelType.Uint);
    }

    [Fact]
    public void Environments_are_immutable()
    {
        var empty = new CelEnvironment();
        var withX = empty.Declare("x", "int");
        empty.Variables.ShouldBeEmpty();
        withX.Variables["x"].ShouldBe(CelType.Int);
        Eval.CompileError("x", empty);
    }

    [Fact]
    public void Program_reports_type_cost_and_variables()
    {
        var program = new CelEnvironment().Declare("object", CelType.Dyn).Declare("unused", CelType.Int).Compile("object.kind == 'Pod'");
        program.ResultType.ShouldBe(CelType.Bool);
        program.ReferencedVariables.ShouldBe(["object"]);
        program.EstimatedCost.Max.ShouldBeGreaterThan(0UL);
        program.Expression.ShouldBe("object.kind == 'Pod'");
    }

    [Fact]
    public void Constant_subexpressions_are_folded_and_errors_kept_for_run_time()
    {
        var program = new CelEnvironment().Compile("false && 1 / 0 == 1");
        program.Evaluate().ShouldBe(CelValue.False);
        Should.Throw<CelEvaluationException>(() => new CelEnvironment().Compile("[1, 2][5]").Evaluate()).Reason.ShouldContain("index out of bounds");
    }
}
