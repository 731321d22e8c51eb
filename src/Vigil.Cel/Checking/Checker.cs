using Vigil.Cel.Library;
using Vigil.Cel.Syntax;

namespace Vigil.Cel.Checking;

/// <summary>
/// Resolves names (variables, qualified names, types, namespaced functions) and infers types. With checking off it
/// still resolves names (for the planner) but reports nothing.
/// </summary>
internal sealed class Checker
{
    private readonly IReadOnlyDictionary<string, CelType> _variables;
    private readonly FunctionTable _functions;
    private readonly string _container;
    private readonly bool _check;
    private readonly List<(string Name, CelType Type)> _locals = [];

    public Checker(IReadOnlyDictionary<string, CelType> variables, FunctionTable functions, string container, bool check)
    {
        _variables = variables;
        _functions = functions;
        _container = container;
        _check = check;
    }

    public List<(int Offset, string Message)> Errors { get; } = [];

    public CelType Run(Expr e) => Visit(e);

    private void Error(Expr at, string message)
    {
        if (_check) Errors.Add((at.Offset, message));
    }

    private static readonly Dictionary<string, CelType> TypeNames = new(StringComparer.Ordinal)
    {
        ["int"] = CelType.Int,
        ["uint"] = CelType.Uint,
        ["double"] = CelType.Double,
        ["bool"] = CelType.Bool,
        ["string"] = CelType.String,
        ["bytes"] = CelType.Bytes,
        ["null_type"] = CelType.Null,
        ["list"] = CelType.ListKind,
        ["map"] = CelType.MapKind,
        ["type"] = CelType.TypeKind,
        ["google.protobuf.Timestamp"] = CelType.Timestamp,
        ["google.protobuf.Duration"] = CelType.Duration,
        ["kubernetes.resource.Quantity"] = Quantity.CelTypeValue,
        ["kubernetes.URL"] = CelUrl.CelTypeValue,
        ["optional_type"] = CelOptional.TypeValue,
    };

    private static bool IsOptional(CelType t) => t.Kind == CelTypeKind.Opaque && t.Name == "optional_type";

    /// <summary>The candidate names for an identifier in the container, most qualified first.</summary>
    private IEnumerable<string> Candidates(string name)
    {
        if (name.StartsWith('.'))
        {
            yield return name[1..];
            yield break;
        }
        var prefix = _container;
        while (prefix.Length > 0)
        {
            yield return prefix + "." + name;
            var dot = prefix.LastIndexOf('.');
            prefix = dot < 0 ? "" : prefix[..dot];
        }
        yield return name;
    }

    private string? ResolveVariable(string name)
    {
        foreach (var c in Candidates(name))
            if (_variables.ContainsKey(c)) return c;
        return null;
    }

    private static CelType? ResolveType(string name)
    {
        var n = name.StartsWith('.') ? name[1..] : name;
        return TypeNames.GetValueOrDefault(n);
    }

    private CelType? Local(string name)
    {
        for (var i = _locals.Count - 1; i >= 0; i--)
            if (_locals[i].Name == name) return _locals[i].Type;
        return null;
    }

    private static string? QualifiedName(Expr e) => e switch
    {
        IdentExpr id => id.Name,
        SelectExpr { TestOnly: false } s when QualifiedName(s.Operand) is { } prefix => prefix + "." + s.Field,
        _ => null,
    };

    private bool StartsWithLocal(string qualified)
    {
        var dot = qualified.IndexOf('.');
        return Local(dot < 0 ? qualified : qualified[..dot]) is not null;
    }

    private CelType Visit(Expr e)
    {
        var t = VisitInner(e);
        e.Type = t;
        return t;
    }

    private CelType VisitInner(Expr e)
    {
        switch (e)
        {
            case ConstExpr c: return c.Value.Type();
            case IdentExpr id: return VisitIdent(id);
            case SelectExpr s: return VisitSelect(s);
            case CallExpr call: return VisitCall(call);
            case ListExpr l:
            {
                CelType? elem = null;
                for (var i = 0; i < l.Elements.Length; i++)
                {
                    var t = Visit(l.Elements[i]);
                    if (l.Optional is { } opt && opt[i]) t = Unwrap(l.Elements[i], t);
                    elem = elem is null ? t : Join(elem, t);
                }
                return CelType.List(elem ?? CelType.Dyn);
            }
            case MapExpr m:
            {
                CelType? key = null, value = null;
                for (var i = 0; i < m.Entries.Length; i++)
                {
                    var (k, v) = m.Entries[i];
                    var kt = Visit(k);
                    if (kt.Kind is not (CelTypeKind.Int or CelTypeKind.Uint or CelTypeKind.Bool or CelTypeKind.String or CelTypeKind.Dyn or CelTypeKind.Error))
                        Error(k, $"unsupported map key type: {kt}");
                    key = key is null ? kt : Join(key, kt);
                    var vt = Visit(v);
                    if (m.Optional is { } opt && opt[i]) vt = Unwrap(v, vt);
                    value = value is null ? vt : Join(value, vt);
                }
                return CelType.Map(key ?? CelType.Dyn, value ?? CelType.Dyn);
            }
            case StructExpr st:
                foreach (var (_, v) in st.Fields) Visit(v);
                Error(st, $"message construction is not supported: '{st.TypeName}' (Vigil's CEL works on JSON-like values, not protocol buffer messages)");
                return CelType.Error;
            case ComprehensionExpr c: return VisitComprehension(c);
            default: throw new InvalidOperationException("unknown expression node");
        }
    }

    /// <summary>The value type of an optional_type (for [?x] and {?k: v}).</summary>
    private CelType Unwrap(Expr at, CelType t)
    {
        if (IsOptional(t)) return t.Element;
        if (t.Kind is CelTypeKind.Dyn or CelTypeKind.Error) return CelType.Dyn;
        Error(at, $"expected an optional_type value after '?', found {t}");
        return CelType.Error;
    }

    private CelType VisitIdent(IdentExpr id)
    {
        if (!id.Name.StartsWith('.') && Local(id.Name) is { } local)
        {
            id.IsLocal = true;
            return local;
        }
        if (ResolveVariable(id.Name) is { } resolved)
        {
            id.Resolved = resolved;
            return _variables[resolved];
        }
        if (ResolveType(id.Name) is { } type)
        {
            id.TypeValue = type;
            return CelType.TypeOf(type);
        }
        Error(id, $"undeclared reference to '{id.Name.TrimStart('.')}' (in container '{_container}')");
        return CelType.Error;
    }

    private CelType VisitSelect(SelectExpr s)
    {
        if (!s.TestOnly && QualifiedName(s) is { } q && !StartsWithLocal(q))
        {
            if (ResolveVariable(q) is { } resolved)
            {
                s.ResolvedIdent = resolved;
                return _variables[resolved];
            }
            if (ResolveType(q) is { } type)
            {
                s.TypeValue = type;
                return CelType.TypeOf(type);
            }
        }
        var operand = Visit(s.Operand);
        var optional = IsOptional(operand);
        if (optional) operand = operand.Element;
        var result = operand.Kind switch
        {
            CelTypeKind.Map when operand.Key.Kind is CelTypeKind.String or CelTypeKind.Dyn or CelTypeKind.TypeParam => operand.Value,
            CelTypeKind.Dyn or CelTypeKind.Error or CelTypeKind.TypeParam => CelType.Dyn,
            _ => null,
        };
        if (result is null)
        {
            Error(s, $"type '{operand}' does not support field selection");
            return CelType.Error;
        }
        return s.TestOnly ? CelType.Bool : optional ? CelType.Opaque("optional_type", result) : result;
    }

    private CelType VisitCall(CallExpr call)
    {
        if (call.Target is not null && QualifiedName(call.Target) is { } q && !StartsWithLocal(q) && ResolveVariable(q) is null
            && _functions.Find(q + "." + call.Function) is not null)
        {
            call.Function = q + "." + call.Function;
            call.Target = null;
        }
        if (call.Function == Operators.Conditional && call.Target is null && call.Args.Length == 3)
        {
            var cond = Visit(call.Args[0]);
            if (!Assignable(CelType.Bool, cond, [])) Error(call.Args[0], $"found no matching overload for '_?_:_' applied to '({cond}, ...)': the condition must be bool");
            return Join(Visit(call.Args[1]), Visit(call.Args[2]));
        }
        var argTypes = new List<CelType>(call.Args.Length + 1);
        if (call.Target is not null) argTypes.Add(Visit(call.Target));
        foreach (var a in call.Args) argTypes.Add(Visit(a));

        var function = _functions.Find(call.Function);
        if (function is null)
        {
            Error(call, $"undeclared reference to '{call.Function}' (in container '{_container}')");
            return CelType.Error;
        }
        if (argTypes.Any(t => t.Kind == CelTypeKind.Error)) return CelType.Error;
        var member = call.Target is not null;
        CelType? result = null;
        var ambiguous = false;
        foreach (var overload in function.Overloads)
        {
            if (overload.IsMember != member || overload.Params.Length != argTypes.Count) continue;
            var subst = new Dictionary<string, CelType>(StringComparer.Ordinal);
            var ok = true;
            for (var i = 0; i < argTypes.Count && ok; i++) ok = Assignable(overload.Params[i], argTypes[i], subst);
            if (!ok) continue;
            var r = Substitute(overload.Result, subst);
            if (result is null) result = r;
            else if (result != r) ambiguous = true;
        }
        if (result is null)
        {
            var args = member
                ? $"{argTypes[0]}.({string.Join(", ", argTypes.Skip(1))})"
                : $"({string.Join(", ", argTypes)})";
            Error(call, $"found no matching overload for '{call.Function}' applied to '{args}'");
            return CelType.Error;
        }
        return ambiguous ? CelType.Dyn : result;
    }

    private CelType VisitComprehension(ComprehensionExpr c)
    {
        var range = Visit(c.IterRange);
        var mark = _locals.Count;
        if (c.Macro is MacroKind.OptMap or MacroKind.OptFlatMap)
        {
            if (!IsOptional(range) && range.Kind is not (CelTypeKind.Dyn or CelTypeKind.Error))
                Error(c.IterRange, $"{(c.Macro == MacroKind.OptMap ? "optMap" : "optFlatMap")} applies to optional_type values, not {range}");
            _locals.Add((c.IterVar, IsOptional(range) ? range.Element : CelType.Dyn));
            var mapped = Visit(c.Body!);
            _locals.RemoveRange(mark, _locals.Count - mark);
            if (c.Macro == MacroKind.OptMap) return CelType.Opaque("optional_type", mapped);
            if (!IsOptional(mapped) && mapped.Kind is not (CelTypeKind.Dyn or CelTypeKind.Error))
                Error(c.Body!, $"optFlatMap's expression must return optional_type, not {mapped}");
            return mapped;
        }
        CelType iter1, iter2 = CelType.Dyn;
        var twoVars = c.IterVar2 is not null;
        switch (range.Kind)
        {
            case CelTypeKind.List:
                iter1 = twoVars ? CelType.Int : range.Element;
                iter2 = range.Element;
                break;
            case CelTypeKind.Map:
                iter1 = range.Key;
                iter2 = range.Value;
                break;
            case CelTypeKind.Dyn:
            case CelTypeKind.Error:
            case CelTypeKind.TypeParam:
                iter1 = CelType.Dyn;
                break;
            default:
                Error(c.IterRange, $"expression of type '{range}' cannot be the range of a comprehension (must be list, map, or dynamic)");
                iter1 = CelType.Dyn;
                break;
        }
        var accuType = Visit(c.AccuInit);

        if (c.Macro == MacroKind.Bind)
        {
            _locals.Add((c.AccuVar, accuType));
            var bound = Visit(c.Result);
            _locals.RemoveRange(mark, _locals.Count - mark);
            return bound;
        }
        _locals.Add((c.IterVar, iter1));
        if (twoVars) _locals.Add((c.IterVar2!, iter2));
        try
        {
            if (c.Filter is not null) RequireBool(c.Filter, Visit(c.Filter), "filter");
            var body = c.Body is null ? CelType.Dyn : Visit(c.Body);
            switch (c.Macro)
            {
                case MacroKind.All:
                case MacroKind.Exists:
                case MacroKind.ExistsOne:
                case MacroKind.All2:
                case MacroKind.Exists2:
                case MacroKind.ExistsOne2:
                    RequireBool(c.Body!, body, "predicate");
                    return CelType.Bool;
                case MacroKind.Filter:
                    return CelType.List(iter1);
                case MacroKind.Map:
                case MacroKind.MapFilter:
                case MacroKind.TransformList:
                case MacroKind.TransformListFilter:
                    return CelType.List(body);
                case MacroKind.TransformMap:
                case MacroKind.TransformMapFilter:
                    return CelType.Map(iter1, body);
                default:
                    throw new InvalidOperationException("unexpected comprehension");
            }
        }
        finally
        {
            _locals.RemoveRange(mark, _locals.Count - mark);
        }
    }

    private void RequireBool(Expr at, CelType t, string what)
    {
        if (!Assignable(CelType.Bool, t, [])) Error(at, $"the {what} must be bool, not {t}");
    }

    /// <summary>The type of a value that is either a or b.</summary>
    private static CelType Join(CelType a, CelType b)
    {
        if (a == b) return a;
        if (a.Kind == CelTypeKind.Error) return b;
        if (b.Kind == CelTypeKind.Error) return a;
        if (a.Kind == CelTypeKind.List && b.Kind == CelTypeKind.List) return CelType.List(Join(a.Element, b.Element));
        if (a.Kind == CelTypeKind.Map && b.Kind == CelTypeKind.Map) return CelType.Map(Join(a.Key, b.Key), Join(a.Value, b.Value));
        if (a.Kind == CelTypeKind.Type && b.Kind == CelTypeKind.Type) return CelType.TypeKind;
        if (a.Kind == CelTypeKind.Opaque && b.Kind == CelTypeKind.Opaque && a.Name == b.Name && a.Parameters.Count == b.Parameters.Count)
            return a.WithParameters([.. a.Parameters.Zip(b.Parameters, Join)]);
        return CelType.Dyn;
    }

    /// <summary>Whether a value of type a can be passed where p is expected, binding type parameters in s.</summary>
    internal static bool Assignable(CelType p, CelType a, Dictionary<string, CelType> s)
    {
        if (a.Kind == CelTypeKind.Error || p.Kind == CelTypeKind.Error) return true;
        if (p.Kind == CelTypeKind.TypeParam)
        {
            if (s.TryGetValue(p.Name, out var bound))
            {
                if (Assignable(bound, a, s)) return true;
                if (Assignable(a, bound, s))
                {
                    s[p.Name] = a;
                    return true;
                }
                return false;
            }
            s[p.Name] = a;
            return true;
        }
        if (a.Kind == CelTypeKind.TypeParam || p.Kind == CelTypeKind.Dyn || a.Kind == CelTypeKind.Dyn) return true;
        if (p.Kind != a.Kind) return false;
        switch (p.Kind)
        {
            case CelTypeKind.List: return Assignable(p.Element, a.Element, s);
            case CelTypeKind.Map: return Assignable(p.Key, a.Key, s) && Assignable(p.Value, a.Value, s);
            case CelTypeKind.Type:
                if (p.Parameters.Count > 0 && p.Parameters[0].Kind == CelTypeKind.TypeParam) Assignable(p.Parameters[0], a.Element, s);
                return true;
            case CelTypeKind.Opaque:
                if (p.Name != a.Name || p.Parameters.Count != a.Parameters.Count) return false;
                for (var i = 0; i < p.Parameters.Count; i++)
                    if (!Assignable(p.Parameters[i], a.Parameters[i], s)) return false;
                return true;
            default: return true;
        }
    }

    private static CelType Substitute(CelType t, Dictionary<string, CelType> s)
    {
        if (t.Kind == CelTypeKind.TypeParam) return s.TryGetValue(t.Name, out var b) ? Substitute(b, s) : CelType.Dyn;
        if (!t.HasParams()) return t;
        return t.Kind switch
        {
            CelTypeKind.List => CelType.List(Substitute(t.Element, s)),
            CelTypeKind.Map => CelType.Map(Substitute(t.Key, s), Substitute(t.Value, s)),
            CelTypeKind.Type => CelType.TypeOf(Substitute(t.Element, s)),
            _ => t.WithParameters([.. t.Parameters.Select(x => Substitute(x, s))]),
        };
    }
}
