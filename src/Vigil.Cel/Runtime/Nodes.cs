using Vigil.Cel.Library;

namespace Vigil.Cel.Runtime;

/// <summary>The state of one evaluation: variable slots, comprehension slots and the cost spent.</summary>
internal sealed class Frame
{
    public CelValue[] Vars = [];
    public CelValue[] Locals = [];
    public long Cost;
    public long Limit = long.MaxValue;

    public void Charge(long cost)
    {
        Cost += cost;
        if (Cost > Limit) throw new CostLimitExceeded(Limit);
    }
}

internal sealed class CostLimitExceeded(long limit) : Exception($"operation cancelled: actual cost limit exceeded (limit {limit})")
{
    public long Limit { get; } = limit;
}

/// <summary>A node of the compiled program: built once, evaluated many times without allocating itself.</summary>
internal abstract class Node(int offset)
{
    public int Offset { get; } = offset;

    public abstract CelValue Eval(Frame f);

    /// <summary>Gives a new error value the position of this node.</summary>
    protected CelValue Located(CelValue v)
    {
        if (v.Kind == CelValueKind.Error)
        {
            var e = v.AsError();
            if (e.Offset < 0) e.Offset = Offset;
        }
        return v;
    }

    protected CelValue Fail(string message) => CelValue.Error(message, Offset);

    /// <summary>Of two non-bool operands, unknowns win (merged), then the first error.</summary>
    protected static CelValue Worse(CelValue a, CelValue b)
    {
        if (a.Kind == CelValueKind.Unknown)
            return b.Kind == CelValueKind.Unknown ? CelValue.Unknown(CelUnknown.Merge(a.AsUnknown(), b.AsUnknown())) : a;
        if (b.Kind == CelValueKind.Unknown) return b;
        return a.Kind == CelValueKind.Error ? a : b;
    }
}

internal sealed class ConstNode(int offset, CelValue value) : Node(offset)
{
    public CelValue Value { get; } = value;

    public override CelValue Eval(Frame f) => Value;
}

internal sealed class VarNode(int offset, int slot) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        f.Cost++;
        var v = f.Vars[slot];
        // A missing variable's error is shared by all evaluations: give this use its own copy with a position.
        return v.Kind == CelValueKind.Error && v.AsError().Offset < 0 ? Fail(v.ErrorMessage) : v;
    }
}

internal sealed class LocalNode(int offset, int slot) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        f.Cost++;
        return f.Locals[slot];
    }
}

internal sealed class ErrorNode(int offset, string message) : Node(offset)
{
    public override CelValue Eval(Frame f) => Fail(message);
}

internal sealed class SelectNode(int offset, Node operand, string field) : Node(offset)
{
    private readonly CelValue _key = CelValue.String(field);

    public override CelValue Eval(Frame f)
    {
        var v = operand.Eval(f);
        f.Cost++;
        if (v.Kind == CelValueKind.Map)
        {
            if (((CelMap)v.Ref!).TryGetValue(_key, out var r)) return r;
            return Fail("no such key: " + field);
        }
        if (v.IsErrorOrUnknown) return v;
        if (v.Ref is CelOptional) return Located(Optionals.Select(v, field, optionalSelect: false));
        return Fail($"type '{v.Type().RuntimeType}' does not support field selection (selecting '{field}')");
    }
}

internal sealed class HasNode(int offset, Node operand, string field) : Node(offset)
{
    private readonly CelValue _key = CelValue.String(field);

    public override CelValue Eval(Frame f)
    {
        var v = operand.Eval(f);
        f.Cost++;
        if (v.Kind == CelValueKind.Map) return CelValue.Bool(((CelMap)v.Ref!).TryGetValue(_key, out _));
        if (v.IsErrorOrUnknown) return v;
        if (v.Ref is CelOptional o)
        {
            if (!o.HasValue) return CelValue.False;
            if (o.Value.Kind == CelValueKind.Map) return CelValue.Bool(((CelMap)o.Value.Ref!).TryGetValue(_key, out _));
            v = o.Value;
        }
        return Fail($"invalid type for has(): '{v.Type().RuntimeType}' does not support field selection");
    }
}

internal sealed class IndexNode(int offset, Node operand, Node index) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        var v = operand.Eval(f);
        var i = index.Eval(f);
        f.Cost++;
        if (v.IsErrorOrUnknown || i.IsErrorOrUnknown) return v.IsErrorOrUnknown && i.IsErrorOrUnknown ? Worse(v, i) : v.IsErrorOrUnknown ? v : i;
        return Located(Access.Index(v, i));
    }
}

internal sealed class AndNode(int offset, Node left, Node right) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        var l = left.Eval(f);
        if (l.Kind == CelValueKind.Bool && l.Bits == 0) return l;
        var r = right.Eval(f);
        if (r.Kind == CelValueKind.Bool)
        {
            if (r.Bits == 0) return r;
            if (l.Kind == CelValueKind.Bool) return r;
        }
        if (l.Kind == CelValueKind.Bool && !r.IsErrorOrUnknown) return Fail($"no such overload: {l.Type()} && {r.Type().RuntimeType}");
        if (l.Kind == CelValueKind.Bool) return r;
        if (r.Kind == CelValueKind.Bool && !l.IsErrorOrUnknown) return Fail($"no such overload: {l.Type().RuntimeType} && {r.Type()}");
        if (r.Kind == CelValueKind.Bool) return l;
        if (!l.IsErrorOrUnknown) l = Fail($"no such overload: {l.Type().RuntimeType} && {r.Type().RuntimeType}");
        if (!r.IsErrorOrUnknown) return l;
        return Worse(l, r);
    }
}

internal sealed class OrNode(int offset, Node left, Node right) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        var l = left.Eval(f);
        if (l.Kind == CelValueKind.Bool && l.Bits != 0) return l;
        var r = right.Eval(f);
        if (r.Kind == CelValueKind.Bool)
        {
            if (r.Bits != 0) return r;
            if (l.Kind == CelValueKind.Bool) return r;
        }
        if (l.Kind == CelValueKind.Bool && !r.IsErrorOrUnknown) return Fail($"no such overload: {l.Type()} || {r.Type().RuntimeType}");
        if (l.Kind == CelValueKind.Bool) return r;
        if (r.Kind == CelValueKind.Bool && !l.IsErrorOrUnknown) return Fail($"no such overload: {l.Type().RuntimeType} || {r.Type()}");
        if (r.Kind == CelValueKind.Bool) return l;
        if (!l.IsErrorOrUnknown) l = Fail($"no such overload: {l.Type().RuntimeType} || {r.Type().RuntimeType}");
        if (!r.IsErrorOrUnknown) return l;
        return Worse(l, r);
    }
}

internal sealed class NotNode(int offset, Node operand) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        var v = operand.Eval(f);
        if (v.Kind == CelValueKind.Bool) return v.Bits == 0 ? CelValue.True : CelValue.False;
        if (v.IsErrorOrUnknown) return v;
        return Fail($"no such overload: !{v.Type().RuntimeType}");
    }
}

internal sealed class NotStrictlyFalseNode(int offset, Node operand) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        var v = operand.Eval(f);
        return v.Kind == CelValueKind.Bool ? v : CelValue.True;
    }
}

internal sealed class TernaryNode(int offset, Node cond, Node then, Node otherwise) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        var c = cond.Eval(f);
        if (c.Kind == CelValueKind.Bool) return c.Bits != 0 ? then.Eval(f) : otherwise.Eval(f);
        if (c.IsErrorOrUnknown) return c;
        return Fail($"no such overload: {c.Type().RuntimeType} ? _ : _ (the condition must be bool)");
    }
}

internal sealed class EqNode(int offset, Node left, Node right, bool negate) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        var a = left.Eval(f);
        var b = right.Eval(f);
        f.Cost++;
        if (a.IsErrorOrUnknown || b.IsErrorOrUnknown) return a.IsErrorOrUnknown && b.IsErrorOrUnknown ? Worse(a, b) : a.IsErrorOrUnknown ? a : b;
        return CelOps.Equal(a, b) != negate ? CelValue.True : CelValue.False;
    }
}

/// <summary>x == 'literal': the common case of a detector condition.</summary>
internal sealed class EqStringNode(int offset, Node left, string right, bool negate) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        var a = left.Eval(f);
        f.Cost++;
        if (a.Kind == CelValueKind.String) return string.Equals((string)a.Ref!, right, StringComparison.Ordinal) != negate ? CelValue.True : CelValue.False;
        if (a.IsErrorOrUnknown) return a;
        return negate ? CelValue.True : CelValue.False;
    }
}

/// <summary>A strict call: error and unknown arguments are returned without calling the function.</summary>
internal abstract class CallNode(int offset, Function function) : Node(offset)
{
    protected Function Function { get; } = function;

    protected void ChargeFor(Frame f, CelValue a)
    {
        switch (Function.Cost)
        {
            case CostModel.Fixed:
                f.Cost++;
                break;
            case CostModel.Traverse:
                f.Charge(1 + Size(a) / 10);
                break;
            case CostModel.ListTraverse:
                f.Charge(1 + Size(a));
                break;
            default:
                f.Charge(1 + Size(a) / 4);
                break;
        }
    }

    protected void ChargeFor(Frame f, CelValue a, CelValue b)
    {
        switch (Function.Cost)
        {
            case CostModel.Fixed:
                f.Cost++;
                break;
            case CostModel.Traverse:
                f.Charge(1 + (Size(a) + Size(b)) / 10);
                break;
            case CostModel.ListTraverse:
                f.Charge(1 + Size(a) + Size(b));
                break;
            default:
                f.Charge(1 + Size(a) * Math.Max(1, Size(b) / 10) / 4);
                break;
        }
    }

    internal static long Size(CelValue v) => v.Kind switch
    {
        CelValueKind.String => ((string)v.Ref!).Length,
        CelValueKind.Bytes => ((byte[])v.Ref!).Length,
        CelValueKind.List => ((CelList)v.Ref!).Count,
        CelValueKind.Map => ((CelMap)v.Ref!).Count,
        _ => 1,
    };
}

internal sealed class Call1Node(int offset, Function function, Node a) : CallNode(offset, function)
{
    private readonly Func<CelValue, CelValue> _impl = function.F1 ?? (x => function.Invoke([x]));

    public override CelValue Eval(Frame f)
    {
        var x = a.Eval(f);
        if (x.IsErrorOrUnknown) return x;
        ChargeFor(f, x);
        return Located(_impl(x));
    }
}

internal sealed class Call2Node(int offset, Function function, Node a, Node b, Func<CelValue, CelValue, CelValue>? specialized = null)
    : CallNode(offset, function)
{
    private readonly Func<CelValue, CelValue, CelValue> _impl = specialized ?? function.F2 ?? ((x, y) => function.Invoke([x, y]));

    public override CelValue Eval(Frame f)
    {
        var x = a.Eval(f);
        var y = b.Eval(f);
        if (x.IsErrorOrUnknown || y.IsErrorOrUnknown) return x.IsErrorOrUnknown && y.IsErrorOrUnknown ? Worse(x, y) : x.IsErrorOrUnknown ? x : y;
        ChargeFor(f, x, y);
        return Located(_impl(x, y));
    }
}

internal sealed class Call3Node(int offset, Function function, Node a, Node b, Node c) : CallNode(offset, function)
{
    private readonly Func<CelValue, CelValue, CelValue, CelValue> _impl = function.F3 ?? ((x, y, z) => function.Invoke([x, y, z]));

    public override CelValue Eval(Frame f)
    {
        var x = a.Eval(f);
        var y = b.Eval(f);
        var z = c.Eval(f);
        if (x.IsErrorOrUnknown || y.IsErrorOrUnknown || z.IsErrorOrUnknown) return Worst([x, y, z]);
        ChargeFor(f, x, y);
        return Located(_impl(x, y, z));
    }

    internal static CelValue Worst(ReadOnlySpan<CelValue> values)
    {
        CelValue? worst = null;
        foreach (var v in values)
        {
            if (!v.IsErrorOrUnknown) continue;
            worst = worst is { } w ? Worse(w, v) : v;
        }
        return worst!.Value;
    }
}

internal sealed class CallNNode(int offset, Function function, Node[] args) : CallNode(offset, function)
{
    public override CelValue Eval(Frame f)
    {
        var values = new CelValue[args.Length];
        var bad = false;
        for (var i = 0; i < args.Length; i++)
        {
            values[i] = args[i].Eval(f);
            bad |= values[i].IsErrorOrUnknown;
        }
        if (bad) return Call3Node.Worst(values);
        ChargeFor(f, values.Length > 0 ? values[0] : CelValue.Null);
        return Located(Function.Invoke(values));
    }
}

internal sealed class ListNode(int offset, Node[] elements, bool[]? optional = null) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        var items = new CelValue[elements.Length];
        var count = 0;
        CelValue? bad = null;
        for (var i = 0; i < items.Length; i++)
        {
            var v = elements[i].Eval(f);
            if (v.IsErrorOrUnknown) bad = bad is { } b ? Worse(b, v) : v;
            else if (optional is not null && optional[i])
            {
                if (!Optionals.TryGet(v, out var o)) return Fail($"a list element marked '?' must be optional_type, not {v.Type().RuntimeType}");
                if (!o.HasValue) continue;
                v = o.Value;
            }
            items[count++] = v;
        }
        f.Charge(10 + items.Length);
        if (bad is not null) return bad.Value;
        if (count < items.Length) Array.Resize(ref items, count);
        return CelValue.List(new CelList(items));
    }
}

internal sealed class MapNode(int offset, Node[] keys, Node[] values, bool[]? optional = null) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        var builder = new CelMap.Builder(keys.Length);
        CelValue? bad = null;
        for (var i = 0; i < keys.Length; i++)
        {
            var k = keys[i].Eval(f);
            var v = values[i].Eval(f);
            if (k.IsErrorOrUnknown) bad = bad is { } b ? Worse(b, k) : k;
            if (v.IsErrorOrUnknown) bad = bad is { } b2 ? Worse(b2, v) : v;
            if (bad is not null) continue;
            if (!CelMap.IsValidKey(k)) return Fail($"unsupported key type: {k.Type().RuntimeType}");
            if (optional is not null && optional[i])
            {
                if (!Optionals.TryGet(v, out var o)) return Fail($"a map entry marked '?' must have an optional_type value, not {v.Type().RuntimeType}");
                if (!o.HasValue) continue;
                v = o.Value;
            }
            if (!builder.TryAdd(k, v)) return Fail($"Failed with repeated key: {k}");
        }
        f.Charge(30 + keys.Length);
        return bad ?? CelValue.Map(builder.Build());
    }
}

internal sealed class BindNode(int offset, int slot, Node init, Node result) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        f.Locals[slot] = init.Eval(f);
        return result.Eval(f);
    }
}

/// <summary>The comprehension macros, each as a direct loop.</summary>
internal abstract class LoopNode(int offset, Node range, int slot1, int slot2) : Node(offset)
{
    protected Node Range { get; } = range;
    protected int Slot1 { get; } = slot1;
    protected int Slot2 { get; } = slot2;

    /// <summary>Visits each element; the visitor returns a value to stop with, or null to go on.</summary>
    protected CelValue? Iterate(Frame f, CelValue range, Func<Frame, CelValue?> visit)
    {
        switch (range.Kind)
        {
            case CelValueKind.List:
            {
                var list = (CelList)range.Ref!;
                for (var i = 0; i < list.Count; i++)
                {
                    f.Charge(1);
                    if (Slot2 >= 0)
                    {
                        f.Locals[Slot1] = CelValue.Int(i);
                        f.Locals[Slot2] = list[i];
                    }
                    else f.Locals[Slot1] = list[i];
                    if (visit(f) is { } stop) return stop;
                }
                return null;
            }
            case CelValueKind.Map:
                foreach (var (k, v) in (CelMap)range.Ref!)
                {
                    f.Charge(1);
                    f.Locals[Slot1] = k;
                    if (Slot2 >= 0) f.Locals[Slot2] = v;
                    if (visit(f) is { } stop) return stop;
                }
                return null;
            default:
                return Fail($"cannot iterate over a value of type '{range.Type().RuntimeType}' (expected a list or a map)");
        }
    }
}

internal sealed class ExistsNode(int offset, Node range, int slot1, int slot2, Node predicate, bool all) : LoopNode(offset, range, slot1, slot2)
{
    public override CelValue Eval(Frame f)
    {
        var r = Range.Eval(f);
        if (r.IsErrorOrUnknown) return r;
        // Fast path for lists (the common case): no closure.
        if (r.Kind == CelValueKind.List)
        {
            var list = (CelList)r.Ref!;
            CelValue? pending = null;
            for (var i = 0; i < list.Count; i++)
            {
                if (++f.Cost > f.Limit) throw new CostLimitExceeded(f.Limit);
                if (Slot2 >= 0)
                {
                    f.Locals[Slot1] = CelValue.Int(i);
                    f.Locals[Slot2] = list[i];
                }
                else f.Locals[Slot1] = list[i];
                var p = predicate.Eval(f);
                if (p.Kind == CelValueKind.Bool)
                {
                    if ((p.Bits != 0) != all) return p;
                    continue;
                }
                if (!p.IsErrorOrUnknown) p = Fail($"no such overload: the predicate returned {p.Type().RuntimeType}, not bool");
                pending = pending is { } x ? Worse(x, p) : p;
            }
            return pending ?? CelValue.Bool(all);
        }
        return EvalMap(f, r);
    }

    // Kept apart so the closure is only allocated for maps, not on every evaluation.
    private CelValue EvalMap(Frame f, CelValue r)
    {
        CelValue? pendingMap = null;
        var stop = Iterate(f, r, frame =>
        {
            var p = predicate.Eval(frame);
            if (p.Kind == CelValueKind.Bool) return (p.Bits != 0) != all ? p : null;
            if (!p.IsErrorOrUnknown) p = Fail($"no such overload: the predicate returned {p.Type().RuntimeType}, not bool");
            pendingMap = pendingMap is { } x ? Worse(x, p) : p;
            return null;
        });
        return stop ?? pendingMap ?? CelValue.Bool(all);
    }
}

internal sealed class ExistsOneNode(int offset, Node range, int slot1, int slot2, Node predicate) : LoopNode(offset, range, slot1, slot2)
{
    public override CelValue Eval(Frame f)
    {
        var r = Range.Eval(f);
        if (r.IsErrorOrUnknown) return r;
        var count = 0;
        var stop = Iterate(f, r, frame =>
        {
            var p = predicate.Eval(frame);
            if (p.Kind == CelValueKind.Bool)
            {
                if (p.Bits != 0) count++;
                return null;
            }
            return p.IsErrorOrUnknown ? p : Fail($"no such overload: the predicate returned {p.Type().RuntimeType}, not bool");
        });
        return stop ?? CelValue.Bool(count == 1);
    }
}

/// <summary>map, filter, transformList and transformMap.</summary>
internal sealed class CollectNode(int offset, Node range, int slot1, int slot2, Node? filter, Node? transform, bool toMap)
    : LoopNode(offset, range, slot1, slot2)
{
    public override CelValue Eval(Frame f)
    {
        var r = Range.Eval(f);
        if (r.IsErrorOrUnknown) return r;
        var items = new List<CelValue>();
        var map = toMap ? new CelMap.Builder() : null;
        var stop = Iterate(f, r, frame =>
        {
            if (filter is not null)
            {
                var p = filter.Eval(frame);
                if (p.Kind != CelValueKind.Bool) return p.IsErrorOrUnknown ? p : Fail($"no such overload: the filter returned {p.Type().RuntimeType}, not bool");
                if (p.Bits == 0) return null;
            }
            var v = transform is null ? frame.Locals[Slot2 >= 0 ? Slot2 : Slot1] : transform.Eval(frame);
            if (v.IsErrorOrUnknown) return v;
            if (map is not null)
            {
                var k = frame.Locals[Slot1];
                if (!map.TryAdd(k, v)) return Fail($"Failed with repeated key: {k}");
            }
            else
            {
                items.Add(v);
                if (items.Count > Limits.MaxListLength) return Fail("list result is too large");
            }
            return null;
        });
        if (stop is { } s) return s;
        return map is not null ? CelValue.Map(map.Build()) : CelValue.List(new CelList([.. items]));
    }
}

/// <summary>opt.or(other) and opt.orValue(value): the alternative is evaluated only when the optional is absent.</summary>
internal sealed class OptionalOrNode(int offset, Node optional, Node alternative, bool orValue) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        var v = optional.Eval(f);
        f.Cost++;
        if (v.IsErrorOrUnknown) return v;
        if (!Optionals.TryGet(v, out var o)) return Fail($"no such overload: {(orValue ? "orValue" : "or")} on {v.Type().RuntimeType}");
        if (o.HasValue) return orValue ? o.Value : v;
        var alt = alternative.Eval(f);
        if (!orValue && !alt.IsErrorOrUnknown && !Optionals.TryGet(alt, out _)) return Fail($"no such overload: or({alt.Type().RuntimeType})");
        return alt;
    }
}

/// <summary>opt.optMap(x, expr) and opt.optFlatMap(x, expr).</summary>
internal sealed class OptMapNode(int offset, Node optional, int slot, Node body, bool flat) : Node(offset)
{
    public override CelValue Eval(Frame f)
    {
        var v = optional.Eval(f);
        if (v.IsErrorOrUnknown) return v;
        if (!Optionals.TryGet(v, out var o)) return Fail($"no such overload: {(flat ? "optFlatMap" : "optMap")} on {v.Type().RuntimeType}");
        if (!o.HasValue) return v;
        f.Locals[slot] = o.Value;
        var r = body.Eval(f);
        if (r.IsErrorOrUnknown) return r;
        if (!flat) return CelOptional.Of(r);
        return Optionals.TryGet(r, out _) ? r : Fail($"optFlatMap: the expression returned {r.Type().RuntimeType}, not optional_type");
    }
}
