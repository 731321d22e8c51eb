namespace Vigil.Cel.Library;

/// <summary>How a function's cost grows with its arguments (after the Kubernetes cost model).</summary>
internal enum CostModel
{
    /// <summary>1 per call.</summary>
    Fixed,
    /// <summary>1 + 0.1 per character, byte or element of the arguments (string search, concatenation, comparison).</summary>
    Traverse,
    /// <summary>1 + 1 per element of list or map arguments (list membership, sum, sort checks).</summary>
    ListTraverse,
    /// <summary>1 + 0.25 per character of the string times the pattern's length factor.</summary>
    Regex,
}

/// <summary>One signature of a function, for the type checker. For member overloads Params[0] is the receiver.</summary>
internal sealed record Overload(bool IsMember, CelType[] Params, CelType Result);

/// <summary>A function: its signatures (for checking) and one runtime implementation per arity that dispatches on the
/// kinds of its arguments. Implementations never see error or unknown arguments (calls are strict).</summary>
internal sealed class Function(string name)
{
    public string Name { get; } = name;
    public List<Overload> Overloads { get; } = [];
    public Func<CelValue, CelValue>? F1 { get; set; }
    public Func<CelValue, CelValue, CelValue>? F2 { get; set; }
    public Func<CelValue, CelValue, CelValue, CelValue>? F3 { get; set; }
    public Func<CelValue[], CelValue>? FN { get; set; }
    public CostModel Cost { get; set; }

    /// <summary>Optional: a faster implementation for a constant second argument (a regex pattern compiled once).</summary>
    public Func<CelValue, Func<CelValue, CelValue, CelValue>?>? SpecializeConst2 { get; set; }

    public bool HasArity(int arity) => arity switch
    {
        1 => F1 is not null || FN is not null,
        2 => F2 is not null || FN is not null,
        3 => F3 is not null || FN is not null,
        _ => FN is not null,
    };

    public CelValue Invoke(ReadOnlySpan<CelValue> args) => args.Length switch
    {
        1 when F1 is not null => F1(args[0]),
        2 when F2 is not null => F2(args[0], args[1]),
        3 when F3 is not null => F3(args[0], args[1], args[2]),
        _ when FN is not null => FN(args.ToArray()),
        _ => Err.NoOverload(Name, args),
    };
}

/// <summary>The function table of an environment.</summary>
internal sealed class FunctionTable
{
    private readonly Dictionary<string, Function> _functions = new(StringComparer.Ordinal);

    public IEnumerable<Function> All => _functions.Values;

    public Function? Find(string name) => _functions.GetValueOrDefault(name);

    public Function Get(string name)
    {
        if (!_functions.TryGetValue(name, out var f)) _functions[name] = f = new Function(name);
        return f;
    }

    /// <summary>Declares global overloads, each "param, param -> result" (A, B, K, V are type parameters).</summary>
    public Function Global(string name, params string[] signatures)
    {
        var f = Get(name);
        foreach (var s in signatures) f.Overloads.Add(ParseSignature(s, member: false));
        return f;
    }

    /// <summary>Declares member overloads, each "receiver, param -> result".</summary>
    public Function Member(string name, params string[] signatures)
    {
        var f = Get(name);
        foreach (var s in signatures) f.Overloads.Add(ParseSignature(s, member: true));
        return f;
    }

    /// <summary>Declares the same overloads as global and member forms.</summary>
    public Function Both(string name, params string[] signatures)
    {
        Global(name, signatures);
        return Member(name, signatures);
    }

    private static Overload ParseSignature(string signature, bool member)
    {
        var arrow = signature.LastIndexOf("->", StringComparison.Ordinal);
        var left = signature[..arrow].Trim();
        var result = ParseType(signature[(arrow + 2)..].Trim());
        var parameters = new List<CelType>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= left.Length; i++)
        {
            if (i == left.Length || (left[i] == ',' && depth == 0))
            {
                var part = left[start..i].Trim();
                if (part.Length > 0) parameters.Add(ParseType(part));
                start = i + 1;
            }
            else if (left[i] == '(') depth++;
            else if (left[i] == ')') depth--;
        }
        return new Overload(member, [.. parameters], result);
    }

    private static CelType ParseType(string text) => ReplaceParams(CelType.Parse(text));

    private static CelType ReplaceParams(CelType t)
    {
        if (t.Kind == CelTypeKind.Opaque && t.Name.Length == 1 && char.IsAsciiLetterUpper(t.Name[0])) return CelType.Param(t.Name);
        if (t.Parameters.Count == 0) return t;
        return t.WithParameters([.. t.Parameters.Select(ReplaceParams)]);
    }
}

/// <summary>Error values.</summary>
internal static class Err
{
    public static CelValue NoOverload(string function, ReadOnlySpan<CelValue> args)
    {
        var kinds = new string[args.Length];
        for (var i = 0; i < args.Length; i++) kinds[i] = args[i].Type().RuntimeType.ToString();
        return CelValue.Error($"no such overload: {Syntax.Operators.Display(function)}({string.Join(", ", kinds)})");
    }

    public static CelValue NoOverload(string function, CelValue a) => NoOverload(function, [a]);
    public static CelValue NoOverload(string function, CelValue a, CelValue b) => NoOverload(function, [a, b]);
    public static CelValue NoOverload(string function, CelValue a, CelValue b, CelValue c) => NoOverload(function, [a, b, c]);
    public static CelValue Overflow(string op) => CelValue.Error($"integer overflow in {op}");
    public static CelValue DivideByZero() => CelValue.Error("division by zero");
    public static CelValue ModulusByZero() => CelValue.Error("modulus by zero");
}
