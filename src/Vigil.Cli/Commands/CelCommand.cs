using System.CommandLine;
using System.Text.Json;
using Vigil.Cel;
using Vigil.Cluster.Serialization;

namespace Vigil.Cli.Commands;

/// <summary><c>vigil cel eval</c>: evaluates a CEL expression over JSON or YAML files and prints the result as JSON.</summary>
internal static class CelCommand
{
    public static Command Create()
    {
        var expr = new Option<string>("--expr", "-e") { Description = "The CEL expression.", Required = true };
        var vars = new Option<string[]>("--var")
        {
            Description = "A variable as NAME=FILE (.json, .yaml or .yml; '-' reads standard input). Repeatable; each variable is declared as dyn.",
            AllowMultipleArgumentsPerToken = false,
        };
        var costLimit = new Option<long?>("--cost-limit")
        {
            Description = $"Cost limit: the expression is rejected when its estimated cost is over it, and evaluation stops when it is spent (default at run time: {CelEnvironment.DefaultRuntimeCostLimit}).",
        };
        var maxSize = new Option<long?>("--max-collection-size")
        {
            Description = $"For cost estimation: the size assumed for lists, maps and strings in the variables (default {CelEnvironment.DefaultAssumedSize}).",
        };
        var noCheck = new Option<bool>("--no-check") { Description = "Skip type checking (type errors then surface at evaluation)." };
        var showCost = new Option<bool>("--cost") { Description = "Also print the estimated and actual cost to standard error." };
        var eval = new Command("eval", "Evaluate a CEL expression and print the result as JSON (exit code 0), or the error with its position (exit code 1).")
        {
            expr, vars, costLimit, maxSize, noCheck, showCost,
        };
        eval.SetAction(async (result, cancellationToken) =>
        {
            await Task.Yield();
            return Evaluate(result.GetValue(expr)!, result.GetValue(vars) ?? [], result.GetValue(costLimit), result.GetValue(maxSize),
                !result.GetValue(noCheck), result.GetValue(showCost), Console.In, Console.Out, Console.Error);
        });
        return new Command("cel", "Common Expression Language tools (the language of Vigil's conditions).") { eval };
    }

    /// <summary>The command's work, separate from the console for tests.</summary>
    internal static int Evaluate(string expression, IReadOnlyList<string> variables, long? costLimit, long? maxCollectionSize, bool check,
        bool showCost, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var env = new CelEnvironment().WithTypeChecking(check);
        if (maxCollectionSize is { } size)
        {
            if (size < 0)
            {
                stderr.WriteLine("error: --max-collection-size must not be negative");
                return 1;
            }
            env = env.WithMaxCollectionSize(size);
        }
        if (costLimit is { } limit)
        {
            if (limit <= 0)
            {
                stderr.WriteLine("error: --cost-limit must be positive");
                return 1;
            }
            env = env.WithCostLimit(limit);
        }
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var spec in variables)
        {
            var eq = spec.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == spec.Length - 1)
            {
                stderr.WriteLine($"error: --var '{spec}': expected NAME=FILE");
                return 1;
            }
            var name = spec[..eq];
            var path = spec[(eq + 1)..];
            try
            {
                var text = path == "-" ? stdin.ReadToEnd() : File.ReadAllText(path);
                var docs = YamlJson.ParseDocuments(text);
                values[name] = docs.Count == 1 ? CelValue.From(docs[0]) : CelValue.From(docs);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or YamlDotNet.Core.YamlException or ArgumentException)
            {
                stderr.WriteLine($"error: --var {name}: cannot read {path}: {e.Message}");
                return 1;
            }
            env = env.Declare(name, CelType.Dyn);
        }
        CelProgram program;
        try
        {
            program = env.Compile(expression);
        }
        catch (CelCompileException e)
        {
            stderr.WriteLine(e.Message);
            return 1;
        }
        var run = program.Run(values, costLimit);
        if (showCost) stderr.WriteLine($"cost: estimated {program.EstimatedCost}, actual {run.Cost}");
        if (run.Error is { } error)
        {
            stderr.WriteLine(error.Message);
            return 1;
        }
        stdout.WriteLine(run.Value.ToJson(indented: true));
        return 0;
    }
}
