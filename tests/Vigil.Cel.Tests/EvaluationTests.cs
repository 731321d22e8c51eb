using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Cel.Tests;

public sealed class EvaluationTests
{
    private const string Pod = """
        {
          "apiVersion": "v1", "kind": "Pod",
          "metadata": {"name": "web-1", "namespace": "default", "labels": {"app": "web"},
                       "creationTimestamp": "2026-01-02T03:04:05Z"},
          "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                    "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}}]},
          "status": {"phase": "Pending", "restartCount": 3,
                     "containerStatuses": [{"name": "app", "ready": false, "restartCount": 3,
                                            "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}
        }
        """;

    [Fact]
    public void Detector_condition_over_a_pod_from_JsonNode()
    {
        var env = new CelEnvironment().Declare("object", CelType.Dyn);
        var program = env.Compile("object.status.phase == 'Pending' && object.status.containerStatuses.exists(c, c.state.waiting.reason == 'ImagePullBackOff')");
        program.Evaluate(new Dictionary<string, object?> { ["object"] = JsonNode.Parse(Pod) }).ShouldBe(CelValue.True);
    }

    [Fact]
    public void Accepts_JsonElement_and_converted_values()
    {
        using var doc = JsonDocument.Parse(Pod);
        Eval.Run("object.metadata.labels.app", ("object", doc.RootElement)).AsString().ShouldBe("web");
        Eval.Run("object.spec.containers[0].image.startsWith('nginx')", ("object", CelValue.FromJson(Pod))).ShouldBe(CelValue.True);
        Eval.Run("object.status.restartCount > 2", ("object", CelValue.FromJson(Pod))).ShouldBe(CelValue.True);
        Eval.Run("x.a + x.b", ("x", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2L })).ShouldBe(CelValue.Int(3));
    }

    [Fact]
    public void Missing_key_gives_a_clear_positioned_error()
    {
        var e = Eval.Error("object.status.podIP == '10.0.0.1'", ("object", CelValue.FromJson(Pod)));
        e.Reason.ShouldBe("no such key: podIP");
        e.Column.ShouldBe(14);
        e.Message.ShouldBe("ERROR: <input>:1:14: no such key: podIP\n | object.status.podIP == '10.0.0.1'\n | .............^");
    }

    [Fact]
    public void Has_tests_presence_without_error()
    {
        var pod = CelValue.FromJson(Pod);
        Eval.Run("has(object.status.podIP)", ("object", pod)).ShouldBe(CelValue.False);
        Eval.Run("has(object.status.phase)", ("object", pod)).ShouldBe(CelValue.True);
        Eval.Run("has(object.status.podIP) && object.status.podIP == 'x'", ("object", pod)).ShouldBe(CelValue.False);
    }

    [Theory]
    [InlineData("false && (1 / 0 == 1)", false)]
    [InlineData("(1 / 0 == 1) && false", false)]
    [InlineData("true || (1 / 0 == 1)", true)]
    [InlineData("(1 / 0 == 1) || true", true)]
    [InlineData("{}.a || true", true)]
    [InlineData("[1, 2].exists(x, x / 0 == 1 || x == 2)", true)]
    [InlineData("[0, 1].all(x, 1 / x > 5)", false)]
    [InlineData("true ? true : 1 / 0 == 1", true)]
    public void Logical_operators_absorb_errors_commutatively(string expr, bool expected) => Eval.Run(expr).ShouldBe(CelValue.Bool(expected));

    [Theory]
    [InlineData("(1 / 0 == 1) && true", "division by zero")]
    [InlineData("true && (1 / 0 == 1)", "division by zero")]
    [InlineData("[0, 1].exists(x, 1 / x > 5)", "division by zero")]
    [InlineData("9223372036854775807 + 1", "integer overflow")]
    [InlineData("-9223372036854775808 - 1", "integer overflow")]
    [InlineData("5000000000 * 5000000000", "integer overflow")]
    [InlineData("0u - 1u", "integer overflow")]
    [InlineData("1 % 0", "modulus by zero")]
    [InlineData("[1, 2][2]", "index out of bounds")]
    [InlineData("{'a': 1}['b']", "no such key: b")]
    [InlineData("int('x')", "cannot convert 'x' to int")]
    [InlineData("int(1e30)", "range")]
    [InlineData("timestamp('2026-13-01T00:00:00Z')", "timestamp parse error")]
    [InlineData("duration('1 hour')", "duration parse error")]
    [InlineData("'abc'.matches('(')", "invalid regular expression")]
    [InlineData("dyn(1) + 'a'", "no such overload")]
    [InlineData("{'a': 1, 'a': 2}", "repeated key")]
    [InlineData("[1].min() + [].max()", "empty list")]
    public void Errors_have_clear_messages(string expr, string message) => Eval.Error(expr).Reason.ShouldContain(message);

    [Theory]
    [InlineData("1 == 1u", true)]
    [InlineData("1 == 1.0", true)]
    [InlineData("dyn(1u) == 1.5", false)]
    [InlineData("[1, 2] == [1.0, 2u]", true)]
    [InlineData("{'a': 1} == {'a': 1.0}", true)]
    [InlineData("dyn('1') == 1", false)]
    [InlineData("null == null", true)]
    [InlineData("1 < 1.5 && 2u > 1 && -1 < 0u", true)]
    [InlineData("2 in [1.0, 2.0]", true)]
    [InlineData("'a' in {'a': 1}", true)]
    [InlineData("{1: 'x'}[1u] == 'x' && {1: 'x'}[1.0] == 'x'", true)]
    [InlineData("double('NaN') == double('NaN')", false)]
    public void Heterogeneous_equality_and_comparison(string expr, bool expected) => Eval.Run(new CelEnvironment().WithTypeChecking(false), expr).ShouldBe(CelValue.Bool(expected));

    [Theory]
    [InlineData("'Hello'.contains('ell') && 'Hello'.startsWith('He') && 'Hello'.endsWith('lo')", true)]
    [InlineData("'HeLLo'.lowerAscii() == 'hello' && 'a'.upperAscii() == 'A'", true)]
    [InlineData("'  x  '.trim() == 'x'", true)]
    [InlineData("'a,b,c'.split(',') == ['a', 'b', 'c']", true)]
    [InlineData("['a', 'b'].join('-') == 'a-b'", true)]
    [InlineData("'hello'.indexOf('l') == 2 && 'hello'.lastIndexOf('l') == 3", true)]
    [InlineData("'hello'.replace('l', 'L') == 'heLLo'", true)]
    [InlineData("'hello'.substring(1, 3) == 'el' && 'hello'.charAt(1) == 'e'", true)]
    [InlineData("'nginx:1.27'.matches('^nginx:[0-9.]+$')", true)]
    [InlineData("'%s has %d restarts'.format(['web', 3]) == 'web has 3 restarts'", true)]
    [InlineData("strings.quote('a\"b') == '\"a\\\\\"b\"'", true)]
    [InlineData("'abc'.reverse() == 'cba'", true)]
    public void String_functions(string expr, bool expected) => Eval.Run(expr).ShouldBe(CelValue.Bool(expected));

    [Theory]
    [InlineData("[1, 2, 3].all(x, x > 0)", true)]
    [InlineData("[1, 2, 3].exists_one(x, x > 2)", true)]
    [InlineData("[1, 2, 3].map(x, x * 2) == [2, 4, 6]", true)]
    [InlineData("[1, 2, 3].map(x, x > 1, x * 10) == [20, 30]", true)]
    [InlineData("[1, 2, 3].filter(x, x % 2 == 1) == [1, 3]", true)]
    [InlineData("{'a': 1, 'b': 2}.all(k, k.size() == 1)", true)]
    [InlineData("{'a': 1, 'b': 2}.exists(k, v, v == 2)", true)]
    [InlineData("[1, 2].transformList(i, v, i + v) == [1, 3]", true)]
    [InlineData("{'a': 1}.transformMap(k, v, v + 1) == {'a': 2}", true)]
    [InlineData("cel.bind(x, [1, 2], x.size() + x[1]) == 4", true)]
    [InlineData("[[1, 2], [3]].exists(l, l.exists(x, x == 3))", true)]
    public void Macros(string expr, bool expected) => Eval.Run(expr).ShouldBe(CelValue.Bool(expected));

    [Theory]
    [InlineData("timestamp('2026-01-02T03:04:05Z').getFullYear() == 2026", true)]
    [InlineData("timestamp('2026-01-02T03:04:05Z').getMonth() == 0", true)]
    [InlineData("timestamp('2026-01-02T03:04:05Z').getDayOfWeek() == 5", true)]
    [InlineData("timestamp('2026-01-02T03:04:05Z').getHours('America/New_York') == 22", true)]
    [InlineData("timestamp('2026-07-02T03:04:05Z').getHours('Europe/Paris') == 5", true)]
    [InlineData("timestamp('2026-01-02T03:04:05Z').getHours('+05:30') == 8", true)]
    [InlineData("timestamp('2026-01-02T03:04:05Z') + duration('1h30m') == timestamp('2026-01-02T04:34:05Z')", true)]
    [InlineData("timestamp('2026-01-02T03:04:05Z') - timestamp('2026-01-01T03:04:05Z') == duration('24h')", true)]
    [InlineData("duration('1h30m').getMinutes() == 90", true)]
    [InlineData("duration('-1.5s') < duration('0s')", true)]
    [InlineData("string(duration('1m30.5s')) == '90.5s'", true)]
    [InlineData("string(timestamp('2026-01-02T03:04:05.120+01:00')) == '2026-01-02T02:04:05.12Z'", true)]
    [InlineData("int(timestamp('1970-01-01T00:01:00Z')) == 60", true)]
    public void Timestamps_and_durations(string expr, bool expected) => Eval.Run(expr).ShouldBe(CelValue.Bool(expected));

    [Fact]
    public void Timestamp_variable_from_a_string_field()
    {
        var program = new CelEnvironment().Declare("object", CelType.Dyn).Declare("now", CelType.Timestamp)
            .Compile("now - timestamp(object.metadata.creationTimestamp) > duration('1h')");
        program.Evaluate(new Dictionary<string, object?> { ["object"] = CelValue.FromJson(Pod), ["now"] = DateTimeOffset.Parse("2026-01-02T05:00:00Z", System.Globalization.CultureInfo.InvariantCulture) })
            .ShouldBe(CelValue.True);
    }

    [Theory]
    [InlineData("int('42') + int(3.9) + int(7u)", "52")]
    [InlineData("uint(3) + uint('4')", "7u")]
    [InlineData("double(1) / 2.0", "0.5")]
    [InlineData("string(3.5) + string(true) + string(b'x')", "\"3.5truex\"")]
    [InlineData("bytes('é')", "b\"\\xc3\\xa9\"")]
    [InlineData("bool('true')", "true")]
    [InlineData("type(1) == int && type('a') == string && type([]) == list", "true")]
    [InlineData("dyn([1, 'a'])", "[1, \"a\"]")]
    public void Conversions(string expr, string expected) => Eval.Run(expr).ToString().ShouldBe(expected);

    [Fact]
    public void Unknown_variables_propagate_and_are_absorbed_like_errors()
    {
        var env = new CelEnvironment().Declare("object", CelType.Dyn);
        var unknown = new Dictionary<string, object?> { ["object"] = CelValue.Unknown("object") };
        var r = env.Compile("object.status.phase == 'Pending'").Evaluate(unknown);
        r.IsUnknown.ShouldBeTrue();
        r.UnknownAttributes.ShouldBe(["object"]);
        env.Compile("false && object.x == 1").Evaluate(unknown).ShouldBe(CelValue.False);
        env.Compile("object.x == 1 || true").Evaluate(unknown).ShouldBe(CelValue.True);
        env.Compile("object.x == 1 || 1 / 0 == 1").Evaluate(unknown).IsUnknown.ShouldBeTrue();
    }

    [Fact]
    public void Missing_variable_binding_is_an_evaluation_error()
    {
        var program = new CelEnvironment().Declare("object", CelType.Dyn).Compile("object.kind == 'Pod'");
        Should.Throw<CelEvaluationException>(() => program.Evaluate()).Reason.ShouldContain("no value was given for variable 'object'");
    }

    [Fact]
    public void TryEvaluate_reports_errors_without_throwing()
    {
        var program = new CelEnvironment().Compile("1 / 0");
        program.TryEvaluate(null, out var result, out var error).ShouldBeFalse();
        result.IsError.ShouldBeTrue();
        error!.Reason.ShouldBe("division by zero");
        error.Line.ShouldBe(1);
        error.Column.ShouldBe(3);
    }

    [Fact]
    public void Results_convert_to_JSON()
    {
        Eval.Run("{'a': [1, 2u, 2.5, true, null, 'x'], 't': timestamp('2026-01-01T00:00:00Z'), 'd': duration('90s'), 'b': b'hi'}")
            .ToJson().ShouldBe("""{"a":[1,2,2.5,true,null,"x"],"t":"2026-01-01T00:00:00Z","d":"90s","b":"aGk="}""");
        Eval.Run("quantity('1.5Gi')").ToJson().ShouldBe("\"1.5Gi\"");
    }

    [Fact]
    public void Programs_evaluate_concurrently()
    {
        var program = new CelEnvironment().Declare("x", CelType.Int).Compile("[1, 2, 3].map(i, i * x).exists(v, v == 3 * x)");
        Parallel.For(0, 2000, i => program.Evaluate(new Dictionary<string, object?> { ["x"] = (long)i }).ShouldBe(CelValue.True));
    }
}

public sealed class MapKeyTests
{
    [Fact]
    public void Uint_keys_keep_their_type_and_match_int_lookups()
    {
        Eval.Run("{1u: 'a'}.map(k, k)").ToString().ShouldBe("[1u]");
        Eval.Run("dyn({1u: 'a'})[1] == 'a' && dyn({1: 'a'})[1u] == 'a' && dyn(1u) in {1: 'x'}").ShouldBe(CelValue.True);
        Eval.Error("{-1: 'a'}[dyn(18446744073709551615u)]").Reason.ShouldContain("no such key");
        Eval.Error("{1: 'a', 1u: 'b'}").Reason.ShouldContain("repeated key");
    }

    [Fact]
    public void Missing_variable_error_points_at_its_use()
    {
        var program = new CelEnvironment().Declare("a", CelType.Int).Declare("b", CelType.Int).Compile("a + b");
        var e = Should.Throw<CelEvaluationException>(() => program.Evaluate(new Dictionary<string, object?> { ["a"] = 1 }));
        e.Column.ShouldBe(5);
    }
}

public sealed class OptionalTests
{
    private static readonly CelValue Pod = CelValue.FromJson("""{"metadata":{"name":"web","labels":{"app":"web"}},"status":{"phase":"Running"}}""");

    [Theory]
    [InlineData("object.?status.?podIP.orValue('none')", "\"none\"")]
    [InlineData("object.?status.?phase.orValue('none')", "\"Running\"")]
    [InlineData("object.?metadata.?annotations.?owner.hasValue()", "false")]
    [InlineData("object.metadata.labels[?'app'].value()", "\"web\"")]
    [InlineData("object.?metadata.labels.app.value()", "\"web\"")]
    [InlineData("[?object.?spec.?nodeName, ?object.?metadata.?name]", "[\"web\"]")]
    [InlineData("{?'node': object.?spec.?nodeName, 'name': object.metadata.name}", "{\"name\": \"web\"}")]
    [InlineData("object.?metadata.?name.optMap(n, n + '-0').value()", "\"web-0\"")]
    [InlineData("optional.ofNonZeroValue('').or(optional.of('x')).value()", "\"x\"")]
    [InlineData("optional.none().orValue(1 / 1)", "1")]
    [InlineData("optional.of(1).orValue(1 / 0)", "1")]
    [InlineData("optional.unwrap([optional.of(1), optional.none()])", "[1]")]
    public void Optional_values(string expr, string expected) => Eval.Run(expr, ("object", Pod)).ToString().ShouldBe(expected);

    [Fact]
    public void Value_of_none_is_an_error()
    {
        Eval.Error("object.?spec.?nodeName.value()", ("object", Pod)).Reason.ShouldBe("optional.none() dereference");
    }

    [Fact]
    public void Optional_types_are_checked()
    {
        var env = new CelEnvironment().Declare("labels", CelType.Map(CelType.String, CelType.String));
        env.Compile("labels[?'app']").ResultType.ToString().ShouldBe("optional_type(string)");
        env.Compile("labels[?'app'].orValue('')").ResultType.ShouldBe(CelType.String);
        Eval.CompileError("[?1]", env).Message.ShouldContain("expected an optional_type value");
    }
}

public sealed class DoubleFormattingTests
{
    [Theory]
    [InlineData("123.456", "123.456")]
    [InlineData("-4.5e-3", "-0.0045")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("123456.0", "123456")]
    [InlineData("1000000.0", "1e+06")]
    [InlineData("1234567.5", "1.2345675e+06")]
    [InlineData("1e100", "1e+100")]
    [InlineData("-2.5e-300", "-2.5e-300")]
    [InlineData("0.0", "0")]
    [InlineData("100.0", "100")]
    [InlineData("0.1", "0.1")]
    [InlineData("double('Infinity')", "+Inf")]
    [InlineData("double('NaN')", "NaN")]
    public void String_of_double_follows_cel_go(string expr, string expected) => Eval.Run($"string({expr})").AsString().ShouldBe(expected);
}

public sealed class StringOrderTests
{
    [Theory]
    [InlineData("'a' < 'b' && 'ab' > 'a' && '' < 'a'", true)]
    [InlineData("'\\uFFFF' < '\\U00010000'", true)]
    [InlineData("'\\U0001F600' > '\\uE000'", true)]
    [InlineData("['b', 'a', '\\U0001F600', '\\uFFFD'].max() == '\\U0001F600'", true)]
    public void Strings_compare_by_code_point(string expr, bool expected) => Eval.Run(expr).ShouldBe(CelValue.Bool(expected));
}
