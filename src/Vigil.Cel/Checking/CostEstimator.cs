using Vigil.Cel.Library;
using Vigil.Cel.Syntax;

namespace Vigil.Cel;

/// <summary>An estimated cost range; <see cref="Max"/> is <see cref="ulong.MaxValue"/> when it overflows.</summary>
public readonly record struct CelCostEstimate(ulong Min, ulong Max)
{
    /// <summary>True when the worst case is too large to count (nested loops over huge collections).</summary>
    public bool IsUnbounded => Max == ulong.MaxValue;

    /// <inheritdoc/>
    public override string ToString() => IsUnbounded ? $"[{Min}, unbounded]" : $"[{Min}, {Max}]";
}

internal sealed class CostEstimator(CelEnvironment env)
{
    private readonly record struct Range(ulong Min, ulong Max)
    {
        public static Range Exact(ulong v) => new(v, v);
        public static Range operator +(Range a, Range b) => new(Add(a.Min, b.Min), Add(a.Max, b.Max));
    }

    private readonly record struct Est(Range Cost, Range Size);

    private readonly List<(string Name, Range Size)> _locals = [];

    private Range Unknown => new(0, (ulong)(env.MaxCollectionSize ?? CelEnvironment.DefaultAssumedSize));

    private static ulong Add(ulong a, ulong b) => a > ulong.MaxValue - b ? ulong.MaxValue : a + b;

    private static ulong Mul(ulong a, ulong b) => a == 0 || b == 0 ? 0 : a > ulong.MaxValue / b ? ulong.MaxValue : a * b;

    private static ulong Tenth(ulong v) => v == ulong.MaxValue ? v : (v + 9) / 10;

    public CelCostEstimate Estimate(Expr e)
    {
        var r = Visit(e).Cost;
        return new CelCostEstimate(r.Min, r.Max);
    }

    private Est Visit(Expr e)
    {
        switch (e)
        {
            case ConstExpr c:
                return new(Range.Exact(0), Range.Exact((ulong)Runtime.CallNode.Size(c.Value)));
            case IdentExpr id:
            {
                for (var i = _locals.Count - 1; i >= 0; i--)
                    if (_locals[i].Name == id.Name) return new(Range.Exact(1), _locals[i].Size);
                if (id.TypeValue is not null) return new(Range.Exact(0), Range.Exact(1));
                return new(Range.Exact(1), VariableSize(id.Resolved ?? id.Name, id.Type));
            }
            case SelectExpr s:
            {
                if (s.ResolvedIdent is { } name) return new(Range.Exact(1), VariableSize(name, s.Type));
                if (s.TypeValue is not null) return new(Range.Exact(0), Range.Exact(1));
                var operand = Visit(s.Operand);
                return new(operand.Cost + Range.Exact(1), s.TestOnly ? Range.Exact(1) : SizeOf(s.Type));
            }
            case ListExpr l:
            {
                var cost = Range.Exact(10);
                foreach (var x in l.Elements) cost += Visit(x).Cost;
                return new(cost, Range.Exact((ulong)l.Elements.Length));
            }
            case MapExpr m:
            {
                var cost = Range.Exact(30);
                foreach (var (k, v) in m.Entries) cost = cost + Visit(k).Cost + Visit(v).Cost;
                return new(cost, Range.Exact((ulong)m.Entries.Length));
            }
            case StructExpr st:
            {
                var cost = Range.Exact(40);
                foreach (var (_, v) in st.Fields) cost += Visit(v).Cost;
                return new(cost, Range.Exact(1));
            }
            case CallExpr call: return VisitCall(call);
            case ComprehensionExpr c: return VisitComprehension(c);
            default: return new(Range.Exact(1), Unknown);
        }
    }

    private Range VariableSize(string name, CelType? type)
    {
        if (env.DeclaredSize(name) is { } s) return new(0, (ulong)s);
        return SizeOf(type);
    }

    private Range SizeOf(CelType? type) => type?.Kind switch
    {
        CelTypeKind.String or CelTypeKind.Bytes or CelTypeKind.List or CelTypeKind.Map or CelTypeKind.Dyn or null => Unknown,
        _ => Range.Exact(1),
    };

    private Est VisitCall(CallExpr call)
    {
        var args = new List<Est>(call.Args.Length + 1);
        if (call.Target is not null) args.Add(Visit(call.Target));
        foreach (var a in call.Args) args.Add(Visit(a));
        switch (call.Function)
        {
            case Operators.LogicalAnd:
            case Operators.LogicalOr:
                return new(new Range(args[0].Cost.Min, Add(args[0].Cost.Max, args[1].Cost.Max)), Range.Exact(1));
            case Operators.Equals:
            case Operators.NotEquals:
            {
                // Equality stops at the shorter operand.
                var min = Math.Min(args[0].Size.Max, args[1].Size.Max);
                return new(args[0].Cost + args[1].Cost + new Range(1, Add(1, Tenth(min))), Range.Exact(1));
            }
            case Operators.Conditional:
            {
                var min = Math.Min(args[1].Cost.Min, args[2].Cost.Min);
                var max = Math.Max(args[1].Cost.Max, args[2].Cost.Max);
                var size = new Range(Math.Min(args[1].Size.Min, args[2].Size.Min), Math.Max(args[1].Size.Max, args[2].Size.Max));
                return new(args[0].Cost + new Range(min, max), size);
            }
        }
        var cost = Range.Exact(0);
        foreach (var a in args) cost += a.Cost;
        var function = env.Functions.Find(call.Function);
        var model = function?.Cost ?? CostModel.Fixed;
        var sizeSum = Range.Exact(0);
        var listSum = Range.Exact(0);
        foreach (var a in args)
        {
            sizeSum += a.Size;
            listSum += a.Size;
        }
        var own = model switch
        {
            CostModel.Fixed => Range.Exact(1),
            CostModel.Traverse => new Range(1 + Tenth(sizeSum.Min), Add(1, Tenth(sizeSum.Max))),
            CostModel.ListTraverse => new Range(1, Add(1, listSum.Max)),
            _ => new Range(1, Add(1, Mul(args.Count > 0 ? args[0].Size.Max : 1, Math.Max(1, args.Count > 1 ? Tenth(args[1].Size.Max) : 1)) / 4)),
        };
        var resultSize = call.Function == Operators.Add ? sizeSum : SizeOf(call.Type);
        return new(cost + own, resultSize);
    }

    private Est VisitComprehension(ComprehensionExpr c)
    {
        var range = Visit(c.IterRange);
        var init = Visit(c.AccuInit);
        var mark = _locals.Count;
        try
        {
            if (c.Macro == MacroKind.Bind)
            {
                _locals.Add((c.AccuVar, init.Size));
                var result = Visit(c.Result);
                return new(range.Cost + init.Cost + result.Cost, result.Size);
            }
            _locals.Add((c.IterVar, c.IterVar2 is null ? Unknown : Range.Exact(1)));
            if (c.IterVar2 is not null) _locals.Add((c.IterVar2, Unknown));
            var perIteration = Range.Exact(1);
            if (c.Filter is not null) perIteration += Visit(c.Filter).Cost;
            if (c.Body is not null) perIteration += Visit(c.Body).Cost;
            var n = c.Macro is MacroKind.OptMap or MacroKind.OptFlatMap ? Range.Exact(1) : range.Size;
            var loop = new Range(Mul(n.Min, perIteration.Min), Mul(n.Max, perIteration.Max));
            var resultSize = c.Macro is MacroKind.All or MacroKind.Exists or MacroKind.ExistsOne or MacroKind.All2 or MacroKind.Exists2 or MacroKind.ExistsOne2
                ? Range.Exact(1)
                : new Range(0, n.Max);
            // Short-circuiting all/exists may stop after one element.
            if (c.Macro is MacroKind.All or MacroKind.Exists or MacroKind.All2 or MacroKind.Exists2) loop = new Range(Math.Min(loop.Min, perIteration.Min), loop.Max);
            return new(range.Cost + init.Cost + loop, resultSize);
        }
        finally
        {
            _locals.RemoveRange(mark, _locals.Count - mark);
        }
    }
}
