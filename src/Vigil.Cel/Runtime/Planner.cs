using Vigil.Cel.Library;
using Vigil.Cel.Syntax;

namespace Vigil.Cel.Runtime;

/// <summary>Turns a resolved (and possibly checked) expression into a tree of nodes, folding constants.</summary>
internal sealed class Planner(FunctionTable functions)
{
    private readonly Dictionary<string, int> _varSlots = new(StringComparer.Ordinal);
    private readonly List<(string Name, int Slot)> _scope = [];
    private int _locals;

    public IReadOnlyList<string> Variables => [.. _varSlots.OrderBy(kv => kv.Value).Select(kv => kv.Key)];
    public int LocalCount => _locals;

    private int VarSlot(string name)
    {
        if (!_varSlots.TryGetValue(name, out var slot)) _varSlots[name] = slot = _varSlots.Count;
        return slot;
    }

    private int? LocalSlot(string name)
    {
        for (var i = _scope.Count - 1; i >= 0; i--)
            if (_scope[i].Name == name) return _scope[i].Slot;
        return null;
    }

    private int PushLocal(string name)
    {
        var slot = _locals++;
        _scope.Add((name, slot));
        return slot;
    }

    private void PopLocals(int mark) => _scope.RemoveRange(mark, _scope.Count - mark);

    public Node Plan(Expr e)
    {
        switch (e)
        {
            case ConstExpr c: return new ConstNode(c.Offset, c.Value);
            case IdentExpr id:
            {
                if (LocalSlot(id.Name) is { } local) return new LocalNode(id.Offset, local);
                if (id.Resolved is { } name) return new VarNode(id.Offset, VarSlot(name));
                if (id.TypeValue is { } type) return new ConstNode(id.Offset, CelValue.Type(type));
                return new VarNode(id.Offset, VarSlot(id.Name.TrimStart('.')));
            }
            case SelectExpr s:
            {
                if (s.ResolvedIdent is { } name) return new VarNode(s.Offset, VarSlot(name));
                if (s.TypeValue is { } type) return new ConstNode(s.Offset, CelValue.Type(type));
                var operand = Plan(s.Operand);
                if (s.TestOnly)
                {
                    var has = new HasNode(s.Offset, operand, s.Field);
                    return operand is ConstNode ? Fold(has) : has;
                }
                var select = new SelectNode(s.Offset, operand, s.Field);
                return operand is ConstNode ? Fold(select) : select;
            }
            case CallExpr call: return PlanCall(call);
            case ListExpr l:
            {
                var elements = l.Elements.Select(Plan).ToArray();
                var node = new ListNode(l.Offset, elements, l.Optional);
                return elements.All(x => x is ConstNode) ? Fold(node) : node;
            }
            case MapExpr m:
            {
                var keys = m.Entries.Select(x => Plan(x.Key)).ToArray();
                var values = m.Entries.Select(x => Plan(x.Value)).ToArray();
                var node = new MapNode(m.Offset, keys, values, m.Optional);
                return keys.All(x => x is ConstNode) && values.All(x => x is ConstNode) ? Fold(node) : node;
            }
            case StructExpr st:
                return new ErrorNode(st.Offset, $"message construction is not supported: '{st.TypeName}'");
            case ComprehensionExpr c: return PlanComprehension(c);
            default: throw new InvalidOperationException("unknown expression node");
        }
    }

    private static Node Fold(Node node)
    {
        var frame = new Frame();
        try
        {
            return new ConstNode(node.Offset, node.Eval(frame));
        }
        catch (CostLimitExceeded)
        {
            return node;
        }
    }

    private Node PlanCall(CallExpr call)
    {
        var args = new List<Node>(call.Args.Length + 1);
        if (call.Target is not null) args.Add(Plan(call.Target));
        foreach (var a in call.Args) args.Add(Plan(a));
        var o = call.Offset;
        if (call.Target is null)
        {
            switch (call.Function)
            {
                case Operators.LogicalAnd when args.Count == 2: return FoldIfConst(new AndNode(o, args[0], args[1]), args);
                case Operators.LogicalOr when args.Count == 2: return FoldIfConst(new OrNode(o, args[0], args[1]), args);
                case Operators.LogicalNot when args.Count == 1: return FoldIfConst(new NotNode(o, args[0]), args);
                case Operators.NotStrictlyFalse when args.Count == 1: return new NotStrictlyFalseNode(o, args[0]);
                case Operators.Conditional when args.Count == 3: return FoldIfConst(new TernaryNode(o, args[0], args[1], args[2]), args);
                case Operators.Index when args.Count == 2: return FoldIfConst(new IndexNode(o, args[0], args[1]), args);
                case Operators.Equals when args.Count == 2:
                case Operators.NotEquals when args.Count == 2:
                {
                    var negate = call.Function == Operators.NotEquals;
                    if (args[1] is ConstNode { Value.Kind: CelValueKind.String } rc && args[0] is not ConstNode)
                        return new EqStringNode(o, args[0], rc.Value.AsString(), negate);
                    if (args[0] is ConstNode { Value.Kind: CelValueKind.String } lc && args[1] is not ConstNode)
                        return new EqStringNode(o, args[1], lc.Value.AsString(), negate);
                    return FoldIfConst(new EqNode(o, args[0], args[1], negate), args);
                }
            }
        }
        if (call.Target is not null && call.Function is "or" or "orValue" && args.Count == 2)
            return FoldIfConst(new OptionalOrNode(o, args[0], args[1], call.Function == "orValue"), args);
        var function = functions.Find(call.Function);
        if (function is null) return new ErrorNode(o, $"unbound function: '{call.Function}'");
        if (!function.HasArity(args.Count)) return new ErrorNode(o, $"no such overload: '{call.Function}' does not take {args.Count} argument(s)");
        Node node = args.Count switch
        {
            1 => new Call1Node(o, function, args[0]),
            2 => new Call2Node(o, function, args[0], args[1],
                args[1] is ConstNode c2 && function.SpecializeConst2 is { } spec ? spec(c2.Value) : null),
            3 => new Call3Node(o, function, args[0], args[1], args[2]),
            _ => new CallNNode(o, function, [.. args]),
        };
        return FoldIfConst(node, args);
    }

    private static Node FoldIfConst(Node node, List<Node> args) => args.All(a => a is ConstNode) ? Fold(node) : node;

    private Node PlanComprehension(ComprehensionExpr c)
    {
        var range = Plan(c.IterRange);
        var mark = _scope.Count;
        try
        {
            if (c.Macro == MacroKind.Bind)
            {
                var init = Plan(c.AccuInit);
                var slot = PushLocal(c.AccuVar);
                return new BindNode(c.Offset, slot, init, Plan(c.Result));
            }
            if (c.Macro is MacroKind.OptMap or MacroKind.OptFlatMap)
            {
                var slot = PushLocal(c.IterVar);
                return new OptMapNode(c.Offset, range, slot, Plan(c.Body!), c.Macro == MacroKind.OptFlatMap);
            }
            var slot1 = PushLocal(c.IterVar);
            var slot2 = c.IterVar2 is null ? -1 : PushLocal(c.IterVar2);
            var filter = c.Filter is null ? null : Plan(c.Filter);
            var body = c.Body is null ? null : Plan(c.Body);
            return c.Macro switch
            {
                MacroKind.All or MacroKind.All2 => new ExistsNode(c.Offset, range, slot1, slot2, body!, all: true),
                MacroKind.Exists or MacroKind.Exists2 => new ExistsNode(c.Offset, range, slot1, slot2, body!, all: false),
                MacroKind.ExistsOne or MacroKind.ExistsOne2 => new ExistsOneNode(c.Offset, range, slot1, slot2, body!),
                MacroKind.Filter => new CollectNode(c.Offset, range, slot1, slot2, filter, null, toMap: false),
                MacroKind.Map or MacroKind.MapFilter or MacroKind.TransformList or MacroKind.TransformListFilter
                    => new CollectNode(c.Offset, range, slot1, slot2, filter, body, toMap: false),
                MacroKind.TransformMap or MacroKind.TransformMapFilter => new CollectNode(c.Offset, range, slot1, slot2, filter, body, toMap: true),
                _ => throw new InvalidOperationException("unexpected comprehension"),
            };
        }
        finally
        {
            PopLocals(mark);
        }
    }
}
