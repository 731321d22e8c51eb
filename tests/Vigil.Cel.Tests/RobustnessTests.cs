using System.Diagnostics;

namespace Vigil.Cel.Tests;

/// <summary>Random and mutated input: compile either succeeds or throws CelCompileException; evaluation either
/// returns or throws CelEvaluationException; nothing takes long.</summary>
public sealed class RobustnessTests
{
    private static readonly string[] Tokens =
    [
        "object", ".", "status", "phase", "containerStatuses", "(", ")", "[", "]", "{", "}", ",", ":", "?", "!", "-", "+", "*",
        "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "in", "'Pending'", "\"x\"", "b'y'", "1", "2u", "3.5", "-9223372036854775808",
        "true", "false", "null", "size", "exists", "all", "map", "filter", "exists_one", "has", "c", "x", "int", "string", "type", "dyn",
        "matches", "'^a+$'", "timestamp", "duration", "'1h'", "quantity", "'1Gi'", "cel", "bind", "`a-b`", "0x1F", "'''t'''", "r'\\d'",
        " ", "\n", "//c\n", "\\", "'", "\"", "@", "#", ".?", "[?", "1e999", "reverse", "format", "split", "join",
    ];

    private const string Alphabet = "()[]{}.,'\"!?:-+*/%<>=&|\\ab01_ `";

    private const string Pod = """{"status":{"phase":"Pending","containerStatuses":[{"name":"a","state":{"waiting":{"reason":"ImagePullBackOff"}}}]}}""";

    [Fact]
    public void Random_token_soup_never_crashes()
    {
        var random = new Random(20260102);
        var env = new CelEnvironment().Declare("object", CelType.Dyn).Declare("x", CelType.Dyn);
        var vars = new Dictionary<string, object?> { ["object"] = CelValue.FromJson(Pod), ["x"] = CelValue.List(CelValue.Int(1), CelValue.String("a")) };
        var watch = Stopwatch.StartNew();
        var compiled = 0;
        for (var i = 0; i < 5000; i++)
        {
            var n = random.Next(1, 25);
            var expr = string.Join(random.Next(2) == 0 ? " " : "", Enumerable.Range(0, n).Select(_ => Tokens[random.Next(Tokens.Length)]));
            compiled += Exercise(env, expr, vars) ? 1 : 0;
        }
        compiled.ShouldBeGreaterThan(0);
        watch.Elapsed.TotalSeconds.ShouldBeLessThan(60);
    }

    [Fact]
    public void Mutated_valid_expressions_never_crash()
    {
        string[] seeds =
        [
            "object.status.phase == 'Pending' && object.status.containerStatuses.exists(c, c.state.waiting.reason == 'ImagePullBackOff')",
            "[1, 2, 3].map(x, x * 2).filter(y, y > 2).size() == 2 ? 'a'.upperAscii() : string(duration('1h') + timestamp(0))",
            "{'a': [1u, 2.0], 'b': {'c': b'\\x00'}}.all(k, has(object.status.phase) || k in ['a'])",
            "cel.bind(q, quantity('1.5Gi'), q.isGreaterThan(quantity('1G')) && '%s-%d'.format(['x', 3]).matches('^x-[0-9]$'))",
        ];
        var random = new Random(7);
        var env = new CelEnvironment().Declare("object", CelType.Dyn);
        var vars = new Dictionary<string, object?> { ["object"] = CelValue.FromJson(Pod) };
        foreach (var seed in seeds)
        {
            Exercise(env, seed, vars).ShouldBeTrue(seed);
            for (var i = 0; i < 1500; i++)
            {
                var chars = seed.ToList();
                for (var m = random.Next(1, 4); m > 0; m--)
                {
                    var at = random.Next(chars.Count);
                    switch (random.Next(3))
                    {
                        case 0: chars.RemoveAt(at); break;
                        case 1: chars.Insert(at, seed[random.Next(seed.Length)]); break;
                        default: chars[at] = Alphabet[random.Next(Alphabet.Length)]; break;
                    }
                }
                Exercise(env, new string([.. chars]), vars);
            }
        }
    }

    [Fact]
    public void Deeply_nested_input_values_are_handled()
    {
        var json = string.Concat(Enumerable.Repeat("{\"a\":", 900)) + "1" + new string('}', 900);
        var value = CelValue.FromJson(json);
        Eval.Run("x == x && x.a.a.a.a == x.a.a.a.a", ("x", value)).ShouldBe(CelValue.True);
        Eval.Run("string(x).size() > 0", ("x", 1)).ShouldBe(CelValue.True);
        var tooDeep = string.Concat(Enumerable.Repeat("[", 5000)) + new string(']', 5000);
        Should.Throw<System.Text.Json.JsonException>(() => CelValue.FromJson(tooDeep));
        var program = new CelEnvironment().Declare("x", CelType.Dyn).Compile("x");
        var nested = System.Text.Json.Nodes.JsonNode.Parse(string.Concat(Enumerable.Repeat("[", 60)) + new string(']', 60));
        program.Evaluate(new Dictionary<string, object?> { ["x"] = nested }).Kind.ShouldBe(CelValueKind.List);
    }

    private static bool Exercise(CelEnvironment env, string expr, Dictionary<string, object?> vars)
    {
        CelProgram program;
        try
        {
            program = env.Compile(expr);
        }
        catch (CelCompileException e)
        {
            e.Issues.ShouldNotBeEmpty(expr);
            e.Message.ShouldStartWith("ERROR: <input>:", customMessage: expr);
            return false;
        }
        var watch = Stopwatch.StartNew();
        var run = program.Run(vars, costLimit: 100_000);
        watch.Elapsed.TotalSeconds.ShouldBeLessThan(5, expr);
        if (run.Failed) run.Error!.Message.ShouldStartWith("ERROR: <input>:", customMessage: expr);
        _ = run.Value.ToJson();
        _ = run.Value.ToString();
        return true;
    }
}
