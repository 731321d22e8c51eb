namespace Vigil.Cel.Library;

/// <summary>An optional value (CEL's optional_type): present with a value, or absent.</summary>
internal sealed class CelOptional : ICelOpaque
{
    public static readonly CelOptional None = new(false, CelValue.Null);
    public static readonly CelType TypeValue = CelType.Opaque("optional_type", CelType.Dyn);

    private CelOptional(bool hasValue, CelValue value)
    {
        HasValue = hasValue;
        Value = value;
    }

    public bool HasValue { get; }
    public CelValue Value { get; }
    public CelType Type => TypeValue;

    public static CelValue Of(CelValue v) => v.IsErrorOrUnknown ? v : CelValue.Opaque(new CelOptional(true, v));
    public static CelValue NoneValue => CelValue.Opaque(None);

    public bool CelEquals(ICelOpaque other) =>
        other is CelOptional o && o.HasValue == HasValue && (!HasValue || CelOps.Equal(Value, o.Value));

    public int CelHash() => HasValue ? CelOps.Hash(Value) : 0;

    public object? ToJsonValue() => HasValue ? Value : null;

    public override string ToString() => HasValue ? $"optional.of({Value})" : "optional.none()";
}

/// <summary>The optional library: optional.of / ofNonZeroValue / none, hasValue, value, or, orValue (the last two
/// evaluated lazily by the planner), optional.unwrap and unwrapOpt.</summary>
internal static class Optionals
{
    public static bool TryGet(CelValue v, out CelOptional optional)
    {
        optional = null!;
        if (v.Kind != CelValueKind.Opaque || v.Ref is not CelOptional o) return false;
        optional = o;
        return true;
    }

    public static void Register(FunctionTable t)
    {
        t.Global("optional.of", "A -> optional_type(A)").F1 = CelOptional.Of;
        t.Global("optional.ofNonZeroValue", "A -> optional_type(A)").F1 = v => IsZero(v) ? CelOptional.NoneValue : CelOptional.Of(v);
        t.Global("optional.none", " -> optional_type(A)").FN = args => args.Length == 0 ? CelOptional.NoneValue : Err.NoOverload("optional.none", args);
        t.Member("hasValue", "optional_type(A) -> bool").F1 = v => TryGet(v, out var o) ? CelValue.Bool(o.HasValue) : Err.NoOverload("hasValue", v);
        t.Member("value", "optional_type(A) -> A").F1 = v =>
        {
            if (!TryGet(v, out var o)) return Err.NoOverload("value", v);
            return o.HasValue ? o.Value : CelValue.Error("optional.none() dereference");
        };
        t.Member("or", "optional_type(A), optional_type(A) -> optional_type(A)").F2 = (a, b) =>
            TryGet(a, out var o) && TryGet(b, out _) ? (o.HasValue ? a : b) : Err.NoOverload("or", a, b);
        t.Member("orValue", "optional_type(A), A -> A").F2 = (a, b) =>
            TryGet(a, out var o) ? (o.HasValue ? o.Value : b) : Err.NoOverload("orValue", a, b);
        var unwrap = t.Global("optional.unwrap", "list(optional_type(A)) -> list(A)");
        unwrap.F1 = Unwrap;
        unwrap.Cost = CostModel.ListTraverse;
        var unwrapOpt = t.Member("unwrapOpt", "list(optional_type(A)) -> list(A)");
        unwrapOpt.F1 = Unwrap;
        unwrapOpt.Cost = CostModel.ListTraverse;
        t.Global(Syntax.Operators.OptSelect, "map(K, V), string -> optional_type(V)", "optional_type(map(K, V)), string -> optional_type(V)").F2 = (m, f) => f.Kind == CelValueKind.String ? Select(m, (string)f.Ref!, optionalSelect: true) : Err.NoOverload("_?._", m, f);
        t.Global(Syntax.Operators.OptIndex, "list(A), int -> optional_type(A)", "map(K, V), K -> optional_type(V)",
            "optional_type(list(A)), int -> optional_type(A)", "optional_type(map(K, V)), K -> optional_type(V)").F2 = Index;
    }

    private static CelValue Unwrap(CelValue l)
    {
        if (l.Kind != CelValueKind.List) return Err.NoOverload("optional.unwrap", l);
        var items = new List<CelValue>();
        foreach (var x in ((CelList)l.Ref!).Span)
        {
            if (!TryGet(x, out var o)) return CelValue.Error($"optional.unwrap: list element is {x.Type().RuntimeType}, not optional_type");
            if (o.HasValue) items.Add(o.Value);
        }
        return CelValue.List(new CelList([.. items]));
    }

    public static bool IsZero(CelValue v) => v.Kind switch
    {
        CelValueKind.Null => true,
        CelValueKind.Bool or CelValueKind.Int or CelValueKind.Uint or CelValueKind.Duration => v.Bits == 0,
        CelValueKind.Double => v.DoubleValue == 0,
        CelValueKind.String => ((string)v.Ref!).Length == 0,
        CelValueKind.Bytes => ((byte[])v.Ref!).Length == 0,
        CelValueKind.List => ((CelList)v.Ref!).Count == 0,
        CelValueKind.Map => ((CelMap)v.Ref!).Count == 0,
        CelValueKind.Timestamp => v.Bits == 0 && v.Nanos == 0,
        CelValueKind.Opaque when v.Ref is CelOptional o => !o.HasValue,
        _ => false,
    };

    /// <summary>Field selection where the operand or the result is optional: absent operand or key gives none.</summary>
    public static CelValue Select(CelValue operand, string field, bool optionalSelect)
    {
        if (TryGet(operand, out var o))
        {
            if (!o.HasValue) return operand;
            operand = o.Value;
            optionalSelect = true;
        }
        if (operand.Kind == CelValueKind.Map)
        {
            if (((CelMap)operand.Ref!).TryGetValue(field, out var v)) return optionalSelect ? CelOptional.Of(v) : v;
            return optionalSelect ? CelOptional.NoneValue : CelValue.Error("no such key: " + field);
        }
        return CelValue.Error($"type '{operand.Type().RuntimeType}' does not support field selection (selecting '{field}')");
    }

    /// <summary>[?i], and [i] on an optional: out of range or absent gives none.</summary>
    public static CelValue Index(CelValue target, CelValue index)
    {
        if (TryGet(target, out var o))
        {
            if (!o.HasValue) return target;
            target = o.Value;
        }
        switch (target.Kind)
        {
            case CelValueKind.List:
            {
                var r = Access.Index(target, index);
                if (!r.IsError) return CelOptional.Of(r);
                return r.ErrorMessage.StartsWith("index out of bounds", StringComparison.Ordinal) ? CelOptional.NoneValue : r;
            }
            case CelValueKind.Map:
                return ((CelMap)target.Ref!).TryGetValue(index, out var v) ? CelOptional.Of(v) : CelOptional.NoneValue;
            default:
                return Err.NoOverload(Syntax.Operators.OptIndex, target, index);
        }
    }
}
