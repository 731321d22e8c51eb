using Vigil.Cel.Runtime;

namespace Vigil.Cel;

/// <summary>The outcome of one evaluation: the value (which may be an error or unknown value) and the cost spent.</summary>
public readonly record struct CelEvaluation(CelValue Value, long Cost, CelEvaluationException? Error)
{
    /// <summary>True when evaluation failed (see <see cref="Error"/>).</summary>
    public bool Failed => Error is not null;
}

/// <summary>A compiled expression: immutable and thread-safe; evaluate it as often as needed.</summary>
public sealed class CelProgram
{
    private readonly Node _root;
    private readonly string[] _variables;
    private readonly CelValue[] _missing;
    private readonly int _locals;
    private readonly long _defaultLimit;

    [ThreadStatic] private static Frame? t_frame;

    internal CelProgram(string expression, Node root, IReadOnlyList<string> variables, int locals, CelType type, CelCostEstimate estimate, CelEnvironment env)
    {
        Expression = expression;
        _root = root;
        _variables = [.. variables];
        _locals = locals;
        ResultType = type;
        EstimatedCost = estimate;
        _defaultLimit = env.CostLimit ?? CelEnvironment.DefaultRuntimeCostLimit;
        _missing = [.. _variables.Select(v => env.Variables.ContainsKey(v)
            ? CelValue.Error($"no such attribute: no value was given for variable '{v}'", -1)
            : CelValue.Error($"undeclared reference to '{v}' (in container '{env.Container}')", -1))];
    }

    /// <summary>The source text.</summary>
    public string Expression { get; }

    /// <summary>The type the checker inferred for the result (dyn when checking is off).</summary>
    public CelType ResultType { get; }

    /// <summary>The estimated cost range, from the declared sizes of variables.</summary>
    public CelCostEstimate EstimatedCost { get; }

    /// <summary>The variables the expression reads.</summary>
    public IReadOnlyList<string> ReferencedVariables => _variables;

    /// <summary>Evaluates; variables are CelValues or .NET / JSON values (JsonNode, JsonElement, primitives,
    /// dictionaries, lists) converted on each call: convert big objects once with <see cref="CelValue.From"/>.</summary>
    /// <exception cref="CelEvaluationException">An error reached the result, or the cost limit was exceeded.</exception>
    public CelValue Evaluate(IReadOnlyDictionary<string, object?>? variables = null, long? costLimit = null)
    {
        var r = Run(variables, costLimit);
        return r.Error is { } e ? throw e : r.Value;
    }

    /// <summary>Evaluates without throwing for evaluation errors.</summary>
    public bool TryEvaluate(IReadOnlyDictionary<string, object?>? variables, out CelValue result, out CelEvaluationException? error, long? costLimit = null)
    {
        var r = Run(variables, costLimit);
        result = r.Value;
        error = r.Error;
        return r.Error is null;
    }

    /// <summary>Evaluates and reports the value, the cost spent and the error, if any.</summary>
    public CelEvaluation Run(IReadOnlyDictionary<string, object?>? variables = null, long? costLimit = null)
    {
        var frame = t_frame ?? new Frame();
        t_frame = null; // taken: a nested evaluation on this thread gets its own frame
        try
        {
            if (frame.Vars.Length < _variables.Length) frame.Vars = new CelValue[Math.Max(_variables.Length, 4)];
            if (frame.Locals.Length < _locals) frame.Locals = new CelValue[Math.Max(_locals, 4)];
            for (var i = 0; i < _variables.Length; i++)
            {
                if (variables is not null && variables.TryGetValue(_variables[i], out var raw))
                {
                    try
                    {
                        frame.Vars[i] = raw is CelValue cv ? cv : CelValue.From(raw);
                    }
                    catch (ArgumentException e)
                    {
                        frame.Vars[i] = CelValue.Error($"variable '{_variables[i]}': {e.Message}", -1);
                    }
                }
                else frame.Vars[i] = _missing[i];
            }
            frame.Cost = 0;
            frame.Limit = costLimit ?? _defaultLimit;
            CelValue value;
            try
            {
                value = _root.Eval(frame);
            }
            catch (CostLimitExceeded e)
            {
                var ex = new CelEvaluationException(e.Message, CelDiagnostics.Render(Expression, 0, e.Message), 0, 0) { CostLimitExceeded = true };
                return new CelEvaluation(CelValue.Error(e.Message), frame.Cost, ex);
            }
            catch (InsufficientExecutionStackException)
            {
                const string message = "expression too deeply nested to evaluate";
                return new CelEvaluation(CelValue.Error(message), frame.Cost, new CelEvaluationException(message));
            }
            if (value.Kind == CelValueKind.Error)
            {
                var err = value.AsError();
                var offset = err.Offset < 0 ? 0 : err.Offset;
                var (line, column) = CelDiagnostics.Position(Expression, offset);
                var ex = new CelEvaluationException(err.Message, CelDiagnostics.Render(Expression, offset, err.Message), line, column);
                return new CelEvaluation(value, frame.Cost, ex);
            }
            return new CelEvaluation(value, frame.Cost, null);
        }
        finally
        {
            Array.Clear(frame.Vars);
            Array.Clear(frame.Locals);
            t_frame = frame;
        }
    }
}
