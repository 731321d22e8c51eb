namespace Vigil.Cel.Tests;

public sealed class CheckerTests
{
    private static readonly CelEnvironment Env = new CelEnvironment()
        .Declare("object", CelType.Dyn)
        .Declare("name", CelType.String)
        .Declare("count", CelType.Int)
        .Declare("labels", CelType.Map(CelType.String, CelType.String))
        .Declare("items", CelType.List(CelType.Int))
        .Declare("created", CelType.Timestamp);

    [Theory]
    [InlineData("object.status.phase == 'Pending'", "bool")]
    [InlineData("name + '-x'", "string")]
    [InlineData("count * 2", "int")]
    [InlineData("labels['app']", "string")]
    [InlineData("labels.app", "string")]
    [InlineData("items.map(x, x * 2)", "list(int)")]
    [InlineData("items.filter(x, x > 1)", "list(int)")]
    [InlineData("items.exists(x, x > 1)", "bool")]
    [InlineData("[1, 2, 3]", "list(int)")]
    [InlineData("[1, 'a']", "list(dyn)")]
    [InlineData("{'a': 1}", "map(string, int)")]
    [InlineData("created + duration('1h')", "google.protobuf.Timestamp")]
    [InlineData("created.getHours('Europe/Paris')", "int")]
    [InlineData("count > 1 ? 'big' : 'small'", "string")]
    [InlineData("object.spec.replicas", "dyn")]
    [InlineData("type(1)", "type(int)")]
    [InlineData("quantity('1Gi').isLessThan(quantity('2Gi'))", "bool")]
    [InlineData("url('https://example.com/a').getHost()", "string")]
    [InlineData("items.sum()", "int")]
    [InlineData("'a,b'.split(',')", "list(string)")]
    [InlineData("1 < 2.5", "bool")]
    [InlineData("cel.bind(x, 2, x * x)", "int")]
    public void Infers_result_types(string expr, string type) => Env.Compile(expr).ResultType.ToString().ShouldBe(type);

    [Fact]
    public void Undeclared_variable_is_reported_with_position()
    {
        var e = Eval.CompileError("name == nmae", Env);
        e.Message.ShouldBe("ERROR: <input>:1:9: undeclared reference to 'nmae' (in container '')\n | name == nmae\n | ........^");
    }

    [Theory]
    [InlineData("count + 'x'", "found no matching overload for '_+_' applied to '(int, string)'")]
    [InlineData("name.startsWith(1)", "found no matching overload for 'startsWith' applied to 'string.(int)'")]
    [InlineData("count.size()", "found no matching overload for 'size' applied to 'int.()'")]
    [InlineData("count.field", "type 'int' does not support field selection")]
    [InlineData("items.all(x, x + 1)", "the predicate must be bool")]
    [InlineData("count ? 1 : 2", "the condition must be bool")]
    [InlineData("nosuch(1)", "undeclared reference to 'nosuch'")]
    [InlineData("count.all(x, true)", "cannot be the range of a comprehension")]
    [InlineData("Pod{name: 'x'}", "message construction is not supported")]
    [InlineData("name == 1", "found no matching overload for '_==_' applied to '(string, int)'")]
    public void Type_errors_are_reported(string expr, string message) => Eval.CompileError(expr, Env).Message.ShouldContain(message);

    [Fact]
    public void Several_errors_are_all_reported_in_order()
    {
        var e = Eval.CompileError("a + b", Env);
        e.Issues.Select(i => i.Column).ShouldBe([1, 5]);
    }

    [Fact]
    public void Dyn_values_defer_type_errors_to_evaluation()
    {
        var program = Env.Compile("object.spec.replicas + 1");
        var ex = Should.Throw<CelEvaluationException>(() => program.Evaluate(new Dictionary<string, object?> { ["object"] = CelValue.FromJson("""{"spec":{"replicas":"x"}}""") }));
        ex.Reason.ShouldContain("no such overload");
    }

    [Fact]
    public void Without_checking_type_errors_surface_at_run_time()
    {
        var env = new CelEnvironment().WithTypeChecking(false);
        env.Compile("1 + 'a' == 2 || true").Evaluate().ShouldBe(CelValue.True);
        Should.Throw<CelEvaluationException>(() => env.Compile("1 + 'a'").Evaluate()).Reason.ShouldContain("no such overload");
    }

    [Fact]
    public void Qualified_names_and_containers_resolve()
    {
        var env = new CelEnvironment().Declare("a.b.c", CelType.String).Declare("x.y", CelType.Int).WithContainer("x");
        env.Compile("a.b.c").ResultType.ShouldBe(CelType.String);
        env.Compile("y + 1").Evaluate(new Dictionary<string, object?> { ["x.y"] = 41 }).ShouldBe(CelValue.Int(42));
    }

    [Fact]
    public void Type_names_parse()
    {
        CelType.Parse("map(string, list(int))").ShouldBe(CelType.Map(CelType.String, CelType.List(CelType.Int)));
        CelType.Parse("timestamp").ShouldBe(CelType.Timestamp);
        Should.Throw<FormatException>(() => CelType.Parse("list(int"));
    }
}
