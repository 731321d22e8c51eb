using System.Collections.Concurrent;
using Vigil.Cel.Checking;
using Vigil.Cel.Library;
using Vigil.Cel.Runtime;
using Vigil.Cel.Syntax;

namespace Vigil.Cel;

/// <summary>
/// Declared variables and options for compiling CEL expressions. Immutable: each With/Declare call returns a new
/// environment. Compiled programs are cached by expression text and environment (declarations and options).
/// </summary>
public sealed class CelEnvironment
{
    /// <summary>The runtime cost limit used when neither the environment nor the call sets one.</summary>
    public const long DefaultRuntimeCostLimit = 10_000_000;

    /// <summary>The size assumed, for cost estimation, of lists, maps and strings of unknown size when
    /// <see cref="MaxCollectionSize"/> is not set: 3 MiB, the Kubernetes API's request size limit (as Kubernetes does
    /// for schemas without maxItems or maxLength).</summary>
    public const long DefaultAssumedSize = 3 * 1024 * 1024;

    private const int CacheCapacity = 4096;
    private static readonly FunctionTable SharedFunctions = BuildFunctions();

    // Programs by (environment key, expression): equal environments built separately share compiled programs.
    private static readonly ConcurrentDictionary<(string Environment, string Expression), CelProgram> Cache = new();

    private readonly Dictionary<string, CelType> _variables;
    private readonly Dictionary<string, long> _sizes;
    private readonly ConcurrentDictionary<string, CelProgram> _local = new(StringComparer.Ordinal);
    private string? _key;

    /// <summary>An environment with the standard library and the Kubernetes extensions (strings, lists, sets, regex,
    /// quantity, URL, cel.bind, two-variable comprehensions) and base64, type checking on, no variables and no
    /// compile-time cost limit.</summary>
    public CelEnvironment()
    {
        _variables = new Dictionary<string, CelType>(StringComparer.Ordinal);
        _sizes = new Dictionary<string, long>(StringComparer.Ordinal);
    }

    private CelEnvironment(CelEnvironment other)
    {
        _variables = new Dictionary<string, CelType>(other._variables, StringComparer.Ordinal);
        _sizes = new Dictionary<string, long>(other._sizes, StringComparer.Ordinal);
        Container = other.Container;
        CostLimit = other.CostLimit;
        MaxCollectionSize = other.MaxCollectionSize;
        TypeChecking = other.TypeChecking;
    }

    private static FunctionTable BuildFunctions()
    {
        var t = new FunctionTable();
        Standard.Register(t);
        Strings.Register(t);
        Regexes.Register(t);
        Kubernetes.Register(t);
        SetsAndEncoders.Register(t);
        Optionals.Register(t);
        return t;
    }

    internal FunctionTable Functions => SharedFunctions;

    /// <summary>The declared variables.</summary>
    public IReadOnlyDictionary<string, CelType> Variables => _variables;

    /// <summary>The namespace unqualified names are resolved in first (CEL's container), or "".</summary>
    public string Container { get; private init; } = "";

    /// <summary>The cost limit: expressions whose estimated worst-case cost is higher are rejected by
    /// <see cref="Compile"/>, and evaluation stops when it has spent this much. Null: no compile-time limit, and
    /// <see cref="DefaultRuntimeCostLimit"/> at run time.</summary>
    public long? CostLimit { get; private init; }

    /// <summary>The size assumed, for cost estimation, of lists, maps and strings whose size is not declared
    /// (values inside dyn variables such as Kubernetes objects). Null: <see cref="DefaultAssumedSize"/>, so a loop over
    /// them is estimated as millions of iterations.</summary>
    public long? MaxCollectionSize { get; private init; }

    /// <summary>Whether expressions are type-checked at compile time (on by default).</summary>
    public bool TypeChecking { get; private init; } = true;

    /// <summary>Declares a variable. For a list, map or string variable, maxSize bounds its size for cost estimation.</summary>
    public CelEnvironment Declare(string name, CelType type, long? maxSize = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(type);
        if (maxSize < 0) throw new ArgumentOutOfRangeException(nameof(maxSize));
        var env = new CelEnvironment(this);
        env._variables[name] = type;
        if (maxSize is { } size) env._sizes[name] = size;
        else env._sizes.Remove(name);
        return env;
    }

    /// <summary>Declares a variable with its type in CEL notation ("dyn", "list(string)", "map(string, int)").</summary>
    public CelEnvironment Declare(string name, string type, long? maxSize = null) => Declare(name, CelType.Parse(type), maxSize);

    /// <summary>Sets the cost limit (see <see cref="CostLimit"/>).</summary>
    public CelEnvironment WithCostLimit(long? limit)
    {
        if (limit <= 0) throw new ArgumentOutOfRangeException(nameof(limit));
        return new CelEnvironment(this) { CostLimit = limit };
    }

    /// <summary>Sets the size assumed for collections of unknown size (see <see cref="MaxCollectionSize"/>).</summary>
    public CelEnvironment WithMaxCollectionSize(long? size)
    {
        if (size < 0) throw new ArgumentOutOfRangeException(nameof(size));
        return new CelEnvironment(this) { MaxCollectionSize = size };
    }

    /// <summary>Sets the container (namespace) for name resolution.</summary>
    public CelEnvironment WithContainer(string container) => new(this) { Container = container ?? "" };

    /// <summary>Turns type checking on or off (off: type errors surface at evaluation).</summary>
    public CelEnvironment WithTypeChecking(bool enabled) => new(this) { TypeChecking = enabled };

    internal long? DeclaredSize(string variable) => _sizes.TryGetValue(variable, out var s) ? s : null;

    /// <summary>Everything that affects compilation, as text.</summary>
    private string Key => _key ??= string.Join('\u0001',
        _variables.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}:{v.Value}:{DeclaredSize(v.Key)}")
            .Append($"container={Container}|limit={CostLimit}|size={MaxCollectionSize}|check={TypeChecking}"));

    /// <summary>Compiles an expression, or returns the program compiled earlier for the same text in an equal
    /// environment (same declarations and options).</summary>
    /// <exception cref="CelCompileException">The expression does not parse or check, or its estimated cost is over
    /// <see cref="CostLimit"/>. The message gives line, column and a caret under the problem.</exception>
    public CelProgram Compile(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (_local.TryGetValue(expression, out var program)) return program;
        var key = (Key, expression);
        if (!Cache.TryGetValue(key, out program))
        {
            program = CompileUncached(expression);
            if (Cache.Count >= CacheCapacity) Cache.Clear();
            Cache[key] = program;
        }
        if (_local.Count >= CacheCapacity) _local.Clear();
        _local[expression] = program;
        return program;
    }

    internal CelProgram CompileUncached(string expression)
    {
        var ast = Parser.Parse(expression);
        var checker = new Checker(_variables, Functions, Container, TypeChecking);
        var type = checker.Run(ast);
        if (checker.Errors.Count > 0)
        {
            var issues = checker.Errors
                .OrderBy(e => e.Offset)
                .Select(e =>
                {
                    var (line, column) = CelDiagnostics.Position(expression, e.Offset);
                    return new CelIssue(line, column, e.Message);
                })
                .ToList();
            throw new CelCompileException(expression, issues);
        }
        var estimate = new CostEstimator(this).Estimate(ast);
        if (CostLimit is { } limit && estimate.Max > (ulong)limit)
        {
            var max = estimate.IsUnbounded ? "too large to count" : estimate.Max.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var assumed = MaxCollectionSize ?? DefaultAssumedSize;
            throw CelCompileException.At(expression, 0,
                $"estimated cost {max} exceeds the cost limit {limit} (lists, maps and strings of undeclared size are assumed to hold up to " +
                $"{assumed} elements: declare variables with a maximum size, or set WithMaxCollectionSize)");
        }
        var planner = new Planner(Functions);
        var root = planner.Plan(ast);
        return new CelProgram(expression, root, planner.Variables, planner.LocalCount, TypeChecking ? type : CelType.Dyn, estimate, this);
    }
}
