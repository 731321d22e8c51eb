namespace Vigil.Cel.Tests;

/// <summary>Helpers for compiling and evaluating in tests.</summary>
internal static class Eval
{
    public static CelValue Run(string expr, params (string Name, object? Value)[] vars) => Run(new CelEnvironment(), expr, vars);

    public static CelValue Run(CelEnvironment env, string expr, params (string Name, object? Value)[] vars)
    {
        foreach (var (name, _) in vars)
            if (!env.Variables.ContainsKey(name)) env = env.Declare(name, CelType.Dyn);
        return env.Compile(expr).Evaluate(vars.ToDictionary(v => v.Name, v => v.Value));
    }

    public static CelEvaluationException Error(string expr, params (string Name, object? Value)[] vars)
    {
        var env = new CelEnvironment();
        foreach (var (name, _) in vars) env = env.Declare(name, CelType.Dyn);
        return Should.Throw<CelEvaluationException>(() => env.Compile(expr).Evaluate(vars.ToDictionary(v => v.Name, v => v.Value)));
    }

    public static CelCompileException CompileError(string expr, CelEnvironment? env = null) =>
        Should.Throw<CelCompileException>(() => (env ?? new CelEnvironment()).Compile(expr));
}
