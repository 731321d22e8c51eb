using System.Diagnostics;

namespace Vigil.Cel.Tests;

public sealed class CostTests
{
    [Fact]
    public void Estimate_is_reported_for_bounded_variables()
    {
        var env = new CelEnvironment().Declare("items", CelType.List(CelType.Int), maxSize: 100);
        var estimate = env.Compile("items.all(x, x > 0)").EstimatedCost;
        estimate.IsUnbounded.ShouldBeFalse();
        estimate.Max.ShouldBeGreaterThanOrEqualTo(100UL);
        estimate.Max.ShouldBeLessThan(1000UL);
    }

    [Fact]
    public void Nested_loops_multiply_the_estimate()
    {
        var env = new CelEnvironment().Declare("items", CelType.List(CelType.Int), maxSize: 100);
        var single = env.Compile("items.all(x, x > 0)").EstimatedCost.Max;
        var nested = env.Compile("items.all(x, items.all(y, x != y || x == y))").EstimatedCost.Max;
        nested.ShouldBeGreaterThan(single * 50);
    }

    [Fact]
    public void Loop_over_a_list_of_undeclared_size_is_rejected_at_compile_time_under_a_limit()
    {
        var env = new CelEnvironment().Declare("items", CelType.List(CelType.Int)).WithCostLimit(1_000_000);
        var e = Eval.CompileError("items.all(x, x > 0)", env);
        e.Message.ShouldContain("exceeds the cost limit 1000000");
        e.Message.ShouldContain("assumed to hold up to 3145728 elements");
        env.Compile("size(items) > 0").EstimatedCost.Max.ShouldBeLessThan(10UL);
    }

    [Fact]
    public void Simple_conditions_on_objects_pass_a_typical_limit_without_size_declarations()
    {
        var env = new CelEnvironment().Declare("object", CelType.Dyn).WithCostLimit(1_000_000);
        env.Compile("object.status.phase == 'Pending' && object.metadata.name.startsWith('web-')").EstimatedCost.Max.ShouldBeLessThan(1_000_000UL);
        Eval.CompileError("object.status.containerStatuses.exists(c, c.state.waiting.reason == 'ImagePullBackOff')", env);
        env.WithMaxCollectionSize(1_000).Compile("object.status.containerStatuses.exists(c, c.state.waiting.reason == 'ImagePullBackOff')")
            .EstimatedCost.Max.ShouldBeLessThan(100_000UL);
    }

    [Fact]
    public void Nested_loops_over_huge_collections_saturate()
    {
        var env = new CelEnvironment().Declare("x", CelType.Dyn);
        var estimate = env.Compile("x.all(a, x.all(b, x.all(c, x.all(d, a == d))))").EstimatedCost;
        estimate.IsUnbounded.ShouldBeTrue();
        estimate.ToString().ShouldContain("unbounded");
    }

    [Fact]
    public void Declared_sizes_and_assumed_collection_sizes_bound_the_estimate()
    {
        var limited = new CelEnvironment().Declare("items", CelType.List(CelType.Int), maxSize: 1000).WithCostLimit(10_000);
        limited.Compile("items.all(x, x > 0)").EstimatedCost.Max.ShouldBeLessThanOrEqualTo(10_000UL);
        Eval.CompileError("items.all(x, items.all(y, x > y))", limited).Message.ShouldContain("exceeds the cost limit");

        var objects = new CelEnvironment().Declare("object", CelType.Dyn).WithMaxCollectionSize(100).WithCostLimit(100_000);
        objects.Compile("object.status.containerStatuses.exists(c, c.state.waiting.reason == 'ImagePullBackOff')").EstimatedCost.Max.ShouldBeLessThan(100_000UL);
    }

    [Fact]
    public void Runtime_limit_stops_a_loop_over_a_huge_list_quickly()
    {
        var huge = CelValue.List(new CelList(Enumerable.Range(0, 5_000_000).Select(i => CelValue.Int(i)).ToArray()));
        var program = new CelEnvironment().Declare("items", CelType.List(CelType.Int)).Compile("items.all(x, items.all(y, y >= 0))");
        var watch = Stopwatch.StartNew();
        var run = program.Run(new Dictionary<string, object?> { ["items"] = huge }, costLimit: 1_000_000);
        watch.Stop();
        run.Failed.ShouldBeTrue();
        run.Error!.CostLimitExceeded.ShouldBeTrue();
        run.Error.Reason.ShouldContain("cost limit exceeded");
        watch.ElapsedMilliseconds.ShouldBeLessThan(5_000);
    }

    [Fact]
    public void Default_runtime_limit_applies_without_configuration()
    {
        var big = CelValue.List(new CelList(Enumerable.Range(0, 10_000).Select(i => CelValue.Int(i)).ToArray()));
        var program = new CelEnvironment().Declare("items", CelType.Dyn).Compile("items.all(x, items.all(y, y >= 0))");
        Should.Throw<CelEvaluationException>(() => program.Evaluate(new Dictionary<string, object?> { ["items"] = big })).CostLimitExceeded.ShouldBeTrue();
    }

    [Fact]
    public void Runtime_limit_is_not_absorbed_by_logical_operators()
    {
        var big = CelValue.List(new CelList(Enumerable.Range(0, 100_000).Select(i => CelValue.Int(i)).ToArray()));
        var program = new CelEnvironment().Declare("items", CelType.Dyn).Compile("items.all(x, x >= 0) || true");
        program.Run(new Dictionary<string, object?> { ["items"] = big }, costLimit: 1000).Error!.CostLimitExceeded.ShouldBeTrue();
    }

    [Fact]
    public void String_doubling_is_stopped_by_the_cost_limit()
    {
        var expr = "cel.bind(s, 'xxxxxxxxxxxxxxxx', " + string.Concat(Enumerable.Range(0, 40).Select(i => $"cel.bind(s{i}, {(i == 0 ? "s" : $"s{i - 1}")} + {(i == 0 ? "s" : $"s{i - 1}")}, ")) + "size(s39)" + new string(')', 41);
        var run = new CelEnvironment().Compile(expr).Run(costLimit: 1_000_000);
        run.Failed.ShouldBeTrue();
    }

    [Fact]
    public void Actual_cost_is_reported()
    {
        var program = new CelEnvironment().Declare("items", CelType.List(CelType.Int)).Compile("items.exists(x, x == 3)");
        var small = program.Run(new Dictionary<string, object?> { ["items"] = new[] { 1, 2, 3 } });
        var large = program.Run(new Dictionary<string, object?> { ["items"] = Enumerable.Range(10, 100).ToArray() });
        small.Value.ShouldBe(CelValue.True);
        large.Cost.ShouldBeGreaterThan(small.Cost * 10);
    }
}
