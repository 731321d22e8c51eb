using System.Globalization;

namespace Vigil.Cel.Syntax;

/// <summary>A recursive-descent parser for CEL with macro expansion and limits on nesting.</summary>
internal sealed class Parser
{
    public const int MaxRecursionDepth = 250;
    public const int MaxAstDepth = 500;
    public const int MaxExpressionLength = 100_000;
    internal const string AccumulatorName = "@result";

    /// <summary>all / exists (one or two iteration variables): the accumulator starts true for all, false for exists.</summary>
    private static ComprehensionExpr AllOrExists(int offset, Expr target, IdentExpr acc, bool isAll, MacroKind macro, string iterVar, string? iterVar2, Expr body) => new(offset)
    {
        Macro = macro,
        IterVar = iterVar,
        IterVar2 = iterVar2,
        IterRange = target,
        AccuVar = AccumulatorName,
        AccuInit = new ConstExpr(offset, CelValue.Bool(isAll)),
        LoopCondition = new CallExpr(offset, null, Operators.NotStrictlyFalse,
            [isAll ? acc : new CallExpr(offset, null, Operators.LogicalNot, [acc])]),
        LoopStep = new CallExpr(offset, null, isAll ? Operators.LogicalAnd : Operators.LogicalOr, [acc, body]),
        Result = acc,
        Body = body,
    };

    /// <summary>exists_one (one or two iteration variables): counts matches, true when exactly one.</summary>
    private static ComprehensionExpr ExistsOne(int offset, Expr target, IdentExpr acc, MacroKind macro, string iterVar, string? iterVar2, Expr body) => new(offset)
    {
        Macro = macro,
        IterVar = iterVar,
        IterVar2 = iterVar2,
        IterRange = target,
        AccuVar = AccumulatorName,
        AccuInit = new ConstExpr(offset, CelValue.Int(0)),
        LoopCondition = new ConstExpr(offset, CelValue.True),
        LoopStep = new CallExpr(offset, null, Operators.Conditional,
            [body, new CallExpr(offset, null, Operators.Add, [acc, new ConstExpr(offset, CelValue.Int(1))]), acc]),
        Result = new CallExpr(offset, null, Operators.Equals, [acc, new ConstExpr(offset, CelValue.Int(1))]),
        Body = body,
    };

    private readonly string _source;
    private readonly Lexer _lexer;
    private Token _tok;
    private int _depth;

    private Parser(string source)
    {
        _source = source;
        _lexer = new Lexer(source);
        _tok = _lexer.Next();
    }

    /// <summary>Parses an expression; throws <see cref="CelCompileException"/> with a positioned message.</summary>
    public static Expr Parse(string source)
    {
        if (source.Length > MaxExpressionLength)
            throw CelCompileException.At(source, 0, $"expression is {source.Length} characters long, over the limit of {MaxExpressionLength}");
        var parser = new Parser(source);
        Expr expr;
        try
        {
            expr = parser.ParseExpr();
            if (parser._tok.Kind != Tok.Eof) parser.Fail(parser._tok, $"Syntax error: unexpected {Describe(parser._tok)}, expected the end of the expression");
        }
        catch (SyntaxFailure f)
        {
            throw CelCompileException.At(source, f.Offset, f.Message);
        }
        var depth = AstDepth(expr, out var deepest);
        if (depth > MaxAstDepth)
            throw CelCompileException.At(source, deepest, $"expression nests {depth} levels deep, over the limit of {MaxAstDepth}");
        return expr;
    }

    private sealed class SyntaxFailure(int offset, string message) : Exception(message)
    {
        public int Offset { get; } = offset;
    }

    private static string Describe(Token t) => t.Kind switch
    {
        Tok.Eof => "end of input",
        Tok.Error => t.Text,
        _ => $"'{t.Text}'",
    };

    private SyntaxFailure Fail(Token t, string message)
    {
        if (t.Kind == Tok.Error) throw new SyntaxFailure(t.Offset, "Syntax error: " + t.Text);
        throw new SyntaxFailure(t.Offset, message);
    }

    private Token Advance()
    {
        var t = _tok;
        if (t.Kind == Tok.Error) Fail(t, "");
        _tok = _lexer.Next();
        return t;
    }

    private Token Expect(Tok kind, string what)
    {
        if (_tok.Kind != kind) Fail(_tok, $"Syntax error: expected {what}, found {Describe(_tok)}");
        return Advance();
    }

    private void Enter()
    {
        if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new SyntaxFailure(_tok.Offset, "expression recursion limit exceeded: not enough stack on this thread");
        if (++_depth > MaxRecursionDepth)
            throw new SyntaxFailure(_tok.Offset, $"expression recursion limit exceeded: nesting deeper than {MaxRecursionDepth}");
    }

    private void Leave() => _depth--;

    private Expr ParseExpr()
    {
        Enter();
        try
        {
            var cond = ParseOr();
            if (_tok.Kind != Tok.Question) return cond;
            var q = Advance();
            var then = ParseOr();
            Expect(Tok.Colon, "':'");
            var otherwise = ParseExpr();
            return new CallExpr(q.Offset, null, Operators.Conditional, [cond, then, otherwise]);
        }
        finally
        {
            Leave();
        }
    }

    private Expr ParseOr()
    {
        var first = ParseAnd();
        if (_tok.Kind != Tok.Or) return first;
        var terms = new List<Expr> { first };
        var ops = new List<int>();
        while (_tok.Kind == Tok.Or)
        {
            ops.Add(Advance().Offset);
            terms.Add(ParseAnd());
        }
        return Balance(Operators.LogicalOr, terms, ops, 0, terms.Count - 1);
    }

    private Expr ParseAnd()
    {
        var first = ParseRelation();
        if (_tok.Kind != Tok.And) return first;
        var terms = new List<Expr> { first };
        var ops = new List<int>();
        while (_tok.Kind == Tok.And)
        {
            ops.Add(Advance().Offset);
            terms.Add(ParseRelation());
        }
        return Balance(Operators.LogicalAnd, terms, ops, 0, terms.Count - 1);
    }

    /// <summary>Long chains of &amp;&amp; or || become a balanced tree, so their depth grows with the log of their length.</summary>
    private static Expr Balance(string op, List<Expr> terms, List<int> ops, int lo, int hi)
    {
        if (lo == hi) return terms[lo];
        var mid = (lo + hi + 1) / 2;
        var left = Balance(op, terms, ops, lo, mid - 1);
        var right = Balance(op, terms, ops, mid, hi);
        return new CallExpr(ops[mid - 1], null, op, [left, right]);
    }

    private Expr ParseRelation()
    {
        var left = ParseAddition();
        while (true)
        {
            var op = _tok.Kind switch
            {
                Tok.Lt => Operators.Less,
                Tok.Le => Operators.LessEquals,
                Tok.Gt => Operators.Greater,
                Tok.Ge => Operators.GreaterEquals,
                Tok.Eq => Operators.Equals,
                Tok.Ne => Operators.NotEquals,
                Tok.In => Operators.In,
                _ => null,
            };
            if (op is null) return left;
            var t = Advance();
            var right = ParseAddition();
            left = new CallExpr(t.Offset, null, op, [left, right]);
        }
    }

    private Expr ParseAddition()
    {
        var left = ParseMultiplication();
        while (_tok.Kind is Tok.Plus or Tok.Minus)
        {
            var t = Advance();
            var right = ParseMultiplication();
            left = new CallExpr(t.Offset, null, t.Kind == Tok.Plus ? Operators.Add : Operators.Subtract, [left, right]);
        }
        return left;
    }

    private Expr ParseMultiplication()
    {
        var left = ParseUnary();
        while (_tok.Kind is Tok.Star or Tok.Slash or Tok.Percent)
        {
            var t = Advance();
            var right = ParseUnary();
            var op = t.Kind switch { Tok.Star => Operators.Multiply, Tok.Slash => Operators.Divide, _ => Operators.Modulo };
            left = new CallExpr(t.Offset, null, op, [left, right]);
        }
        return left;
    }

    private Expr ParseUnary()
    {
        if (_tok.Kind == Tok.Not)
        {
            var first = _tok;
            var count = 0;
            while (_tok.Kind == Tok.Not) { Advance(); count++; }
            var operand = ParseMember();
            return count % 2 == 0 ? operand : new CallExpr(first.Offset, null, Operators.LogicalNot, [operand]);
        }
        if (_tok.Kind == Tok.Minus)
        {
            var first = _tok;
            var count = 0;
            Token last = first;
            while (_tok.Kind == Tok.Minus) { last = Advance(); count++; }
            if (count % 2 == 1 && _tok.Kind is Tok.Int or Tok.Double && _tok.Offset == last.Offset + 1)
            {
                // A minus sign directly before a number is part of the literal (so -9223372036854775808 is valid).
                var literal = Advance();
                var value = NumberLiteral(literal, negative: true);
                return ParseMemberSuffix(new ConstExpr(last.Offset, value));
            }
            var operand = ParseMember();
            return count % 2 == 0 ? operand : new CallExpr(first.Offset, null, Operators.Negate, [operand]);
        }
        return ParseMember();
    }

    private CelValue NumberLiteral(Token t, bool negative)
    {
        if (t.Kind == Tok.Double)
        {
            var d = (double)t.Value!;
            return CelValue.Double(negative ? -d : d);
        }
        var text = t.Text;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (!ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex)
                || hex > (negative ? 9223372036854775808UL : long.MaxValue))
                Fail(t, $"Syntax error: invalid int literal '{(negative ? "-" : "")}{text}'");
            return CelValue.Int(negative ? unchecked(-(long)hex) : (long)hex);
        }
        if (!long.TryParse(negative ? "-" + text : text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            Fail(t, $"Syntax error: invalid int literal '{(negative ? "-" : "")}{text}'");
        return CelValue.Int(v);
    }

    private Expr ParseMember() => ParseMemberSuffix(ParsePrimary());

    private Expr ParseMemberSuffix(Expr expr)
    {
        while (true)
        {
            if (_tok.Kind == Tok.Dot)
            {
                var dot = Advance();
                if (_tok.Kind == Tok.Question)
                {
                    Advance();
                    var field = _tok.Kind == Tok.QuotedIdent ? Advance() : Expect(Tok.Ident, "a field name after '.?'");
                    expr = new CallExpr(dot.Offset, null, Operators.OptSelect, [expr, new ConstExpr(field.Offset, CelValue.String(field.Text))]);
                    continue;
                }
                Token name;
                if (_tok.Kind == Tok.QuotedIdent) name = Advance();
                else name = Expect(Tok.Ident, "a field name after '.'");
                if (_tok.Kind == Tok.LParen && name.Kind == Tok.Ident)
                {
                    var open = Advance();
                    var args = ParseArgs(Tok.RParen, "')'");
                    expr = MemberCallOrMacro(open.Offset, expr, name.Text, args);
                }
                else
                {
                    expr = new SelectExpr(dot.Offset, expr, name.Text, false);
                }
            }
            else if (_tok.Kind == Tok.LBracket)
            {
                var open = Advance();
                var optional = false;
                if (_tok.Kind == Tok.Question)
                {
                    Advance();
                    optional = true;
                }
                var index = ParseExpr();
                Expect(Tok.RBracket, "']'");
                expr = new CallExpr(open.Offset, null, optional ? Operators.OptIndex : Operators.Index, [expr, index]);
            }
            else if (_tok.Kind == Tok.LBrace && QualifiedName(expr) is { } typeName)
            {
                var open = Advance();
                expr = ParseStruct(open.Offset, typeName);
            }
            else
            {
                return expr;
            }
        }
    }

    private static string? QualifiedName(Expr e) => e switch
    {
        IdentExpr id => id.Name,
        SelectExpr { TestOnly: false } s when QualifiedName(s.Operand) is { } prefix => prefix + "." + s.Field,
        _ => null,
    };

    private Expr ParseStruct(int offset, string typeName)
    {
        var fields = new List<(string, Expr)>();
        while (_tok.Kind != Tok.RBrace)
        {
            if (_tok.Kind == Tok.Question) Fail(_tok, "Syntax error: optional field '?' is not supported");
            var name = _tok.Kind == Tok.QuotedIdent ? Advance() : Expect(Tok.Ident, "a field name");
            Expect(Tok.Colon, "':'");
            fields.Add((name.Text, ParseExpr()));
            if (_tok.Kind != Tok.Comma) break;
            Advance();
        }
        Expect(Tok.RBrace, "'}'");
        return new StructExpr(offset, typeName, [.. fields]);
    }

    private Expr[] ParseArgs(Tok close, string closeText)
    {
        var args = new List<Expr>();
        if (_tok.Kind == close)
        {
            Advance();
            return [];
        }
        while (true)
        {
            args.Add(ParseExpr());
            if (_tok.Kind == Tok.Comma)
            {
                Advance();
                if (_tok.Kind == close && close != Tok.RParen) break; // trailing comma in list literals
                continue;
            }
            break;
        }
        Expect(close, closeText);
        return [.. args];
    }

    private Expr ParsePrimary()
    {
        var t = _tok;
        switch (t.Kind)
        {
            case Tok.Int:
                Advance();
                return new ConstExpr(t.Offset, NumberLiteral(t, negative: false));
            case Tok.Uint:
                Advance();
                return new ConstExpr(t.Offset, CelValue.Uint((ulong)t.Value!));
            case Tok.Double:
                Advance();
                return new ConstExpr(t.Offset, CelValue.Double((double)t.Value!));
            case Tok.String:
                Advance();
                return new ConstExpr(t.Offset, CelValue.String((string)t.Value!));
            case Tok.Bytes:
                Advance();
                return new ConstExpr(t.Offset, CelValue.Bytes((byte[])t.Value!));
            case Tok.True:
                Advance();
                return new ConstExpr(t.Offset, CelValue.True);
            case Tok.False:
                Advance();
                return new ConstExpr(t.Offset, CelValue.False);
            case Tok.Null:
                Advance();
                return new ConstExpr(t.Offset, CelValue.Null);
            case Tok.Dot:
            {
                Advance();
                var name = Expect(Tok.Ident, "an identifier after a leading '.'");
                if (name.Value is not null) Fail(name, $"Syntax error: reserved identifier '{name.Text}'");
                if (_tok.Kind == Tok.LParen)
                {
                    var open = Advance();
                    return GlobalCallOrMacro(open.Offset, "." + name.Text, ParseArgs(Tok.RParen, "')'"));
                }
                return new IdentExpr(name.Offset, "." + name.Text);
            }
            case Tok.Ident:
            {
                if (t.Value is not null) throw Fail(t, $"Syntax error: reserved identifier '{t.Text}'");
                Advance();
                if (_tok.Kind == Tok.LParen)
                {
                    var open = Advance();
                    return GlobalCallOrMacro(open.Offset, t.Text, ParseArgs(Tok.RParen, "')'"));
                }
                return new IdentExpr(t.Offset, t.Text);
            }
            case Tok.LParen:
            {
                Advance();
                var inner = ParseExpr();
                Expect(Tok.RParen, "')'");
                return inner;
            }
            case Tok.LBracket:
            {
                Advance();
                Enter();
                try
                {
                    var elements = new List<Expr>();
                    var optional = new List<bool>();
                    while (_tok.Kind != Tok.RBracket)
                    {
                        var isOptional = _tok.Kind == Tok.Question;
                        if (isOptional) Advance();
                        elements.Add(ParseExpr());
                        optional.Add(isOptional);
                        if (_tok.Kind != Tok.Comma) break;
                        Advance();
                    }
                    Expect(Tok.RBracket, "']'");
                    return new ListExpr(t.Offset, [.. elements], optional.Contains(true) ? [.. optional] : null);
                }
                finally
                {
                    Leave();
                }
            }
            case Tok.LBrace:
            {
                Advance();
                Enter();
                try
                {
                    var entries = new List<(Expr, Expr)>();
                    var optional = new List<bool>();
                    while (_tok.Kind != Tok.RBrace)
                    {
                        var isOptional = _tok.Kind == Tok.Question;
                        if (isOptional) Advance();
                        var key = ParseExpr();
                        Expect(Tok.Colon, "':'");
                        entries.Add((key, ParseExpr()));
                        optional.Add(isOptional);
                        if (_tok.Kind != Tok.Comma) break;
                        Advance();
                    }
                    Expect(Tok.RBrace, "'}'");
                    return new MapExpr(t.Offset, [.. entries], optional.Contains(true) ? [.. optional] : null);
                }
                finally
                {
                    Leave();
                }
            }
            default:
                throw Fail(t, $"Syntax error: unexpected {Describe(t)}");
        }
    }

    private Expr GlobalCallOrMacro(int offset, string name, Expr[] args)
    {
        if (name == "has" && args.Length == 1)
        {
            if (args[0] is SelectExpr { TestOnly: false } s) return new SelectExpr(s.Offset, s.Operand, s.Field, true);
            throw new SyntaxFailure(args[0].Offset, "invalid argument to has() macro: it takes a field selection such as has(a.b)");
        }
        return new CallExpr(offset, null, name, args);
    }

    private Expr MemberCallOrMacro(int offset, Expr target, string name, Expr[] args)
    {
        if (target is IdentExpr { Name: "cel" } && name == "bind" && args.Length == 3)
        {
            var v = MacroVar(args[0], "cel.bind");
            return new ComprehensionExpr(offset)
            {
                Macro = MacroKind.Bind,
                IterVar = "#unused",
                IterRange = new ListExpr(offset, []),
                AccuVar = v,
                AccuInit = args[1],
                LoopCondition = new ConstExpr(offset, CelValue.False),
                LoopStep = new IdentExpr(offset, v),
                Result = args[2],
            };
        }
        var acc = new IdentExpr(offset, AccumulatorName);
        switch (name)
        {
            case "optMap" when args.Length == 2:
            case "optFlatMap" when args.Length == 2:
            {
                var v = MacroVar(args[0], name);
                return new ComprehensionExpr(offset)
                {
                    Macro = name == "optMap" ? MacroKind.OptMap : MacroKind.OptFlatMap,
                    IterVar = v,
                    IterRange = target,
                    AccuVar = AccumulatorName,
                    AccuInit = new ConstExpr(offset, CelValue.Null),
                    LoopCondition = new ConstExpr(offset, CelValue.False),
                    LoopStep = acc,
                    Result = args[1],
                    Body = args[1],
                };
            }
            case "all" when args.Length == 2:
            case "exists" when args.Length == 2:
            {
                var isAll = name == "all";
                return AllOrExists(offset, target, acc, isAll, isAll ? MacroKind.All : MacroKind.Exists, MacroVar(args[0], name), null, args[1]);
            }
            case "exists_one" when args.Length == 2:
            case "existsOne" when args.Length == 2:
            {
                return ExistsOne(offset, target, acc, MacroKind.ExistsOne, MacroVar(args[0], name), null, args[1]);
            }
            case "map" when args.Length is 2 or 3:
            case "filter" when args.Length == 2:
            {
                var v = MacroVar(args[0], name);
                var isFilter = name == "filter";
                var filter = isFilter ? args[1] : args.Length == 3 ? args[1] : null;
                var element = isFilter ? new IdentExpr(offset, v) : args[^1];
                Expr step = new CallExpr(offset, null, Operators.Add, [acc, new ListExpr(offset, [element])]);
                if (filter is not null) step = new CallExpr(offset, null, Operators.Conditional, [filter, step, acc]);
                return new ComprehensionExpr(offset)
                {
                    Macro = isFilter ? MacroKind.Filter : filter is null ? MacroKind.Map : MacroKind.MapFilter,
                    IterVar = v,
                    IterRange = target,
                    AccuVar = AccumulatorName,
                    AccuInit = new ListExpr(offset, []),
                    LoopCondition = new ConstExpr(offset, CelValue.True),
                    LoopStep = step,
                    Result = acc,
                    Body = element,
                    Filter = filter,
                };
            }
            case "all" when args.Length == 3:
            case "exists" when args.Length == 3:
            {
                var (k, v) = (MacroVar(args[0], name), MacroVar(args[1], name));
                CheckDistinct(k, v, args[1]);
                var isAll = name == "all";
                return AllOrExists(offset, target, acc, isAll, isAll ? MacroKind.All2 : MacroKind.Exists2, k, v, args[2]);
            }
            case "existsOne" when args.Length == 3:
            case "exists_one" when args.Length == 3:
            {
                var (k, v) = (MacroVar(args[0], name), MacroVar(args[1], name));
                CheckDistinct(k, v, args[1]);
                return ExistsOne(offset, target, acc, MacroKind.ExistsOne2, k, v, args[2]);
            }
            case "transformList" when args.Length is 3 or 4:
            case "transformMap" when args.Length is 3 or 4:
            {
                var (k, v) = (MacroVar(args[0], name), MacroVar(args[1], name));
                CheckDistinct(k, v, args[1]);
                var filter = args.Length == 4 ? args[2] : null;
                var isList = name == "transformList";
                Expr insert = isList
                    ? new CallExpr(offset, null, Operators.Add, [acc, new ListExpr(offset, [args[^1]])])
                    : new CallExpr(offset, null, "cel.@mapInsert", [acc, new IdentExpr(offset, k), args[^1]]);
                return new ComprehensionExpr(offset)
                {
                    Macro = isList
                        ? filter is null ? MacroKind.TransformList : MacroKind.TransformListFilter
                        : filter is null ? MacroKind.TransformMap : MacroKind.TransformMapFilter,
                    IterVar = k,
                    IterVar2 = v,
                    IterRange = target,
                    AccuVar = AccumulatorName,
                    AccuInit = isList ? new ListExpr(offset, []) : new MapExpr(offset, []),
                    LoopCondition = new ConstExpr(offset, CelValue.True),
                    LoopStep = filter is null ? insert : new CallExpr(offset, null, Operators.Conditional, [filter, insert, acc]),
                    Result = acc,
                    Body = args[^1],
                    Filter = filter,
                };
            }
        }
        return new CallExpr(offset, target, name, args);
    }

    private static string MacroVar(Expr e, string macro)
    {
        if (e is IdentExpr { Name: var n } && !n.StartsWith('.')) return n;
        throw new SyntaxFailure(e.Offset, $"{macro}() variable name must be a simple identifier");
    }

    private static void CheckDistinct(string a, string b, Expr at)
    {
        if (a == b) throw new SyntaxFailure(at.Offset, $"duplicate variable name: {a}");
        if (a == AccumulatorName || b == AccumulatorName) throw new SyntaxFailure(at.Offset, $"variable name {AccumulatorName} is reserved");
    }

    /// <summary>The depth of the tree, computed without recursion so a deep tree cannot overflow the stack here.</summary>
    private static int AstDepth(Expr root, out int deepestOffset)
    {
        var max = 0;
        deepestOffset = root.Offset;
        var stack = new Stack<(Expr, int)>();
        stack.Push((root, 1));
        while (stack.Count > 0)
        {
            var (e, d) = stack.Pop();
            if (d > max)
            {
                max = d;
                deepestOffset = e.Offset;
            }
            if (d > MaxAstDepth) break;
            foreach (var child in Children(e)) stack.Push((child, d + 1));
        }
        return max;
    }

    internal static IEnumerable<Expr> Children(Expr e)
    {
        switch (e)
        {
            case SelectExpr s:
                yield return s.Operand;
                break;
            case CallExpr c:
                if (c.Target is not null) yield return c.Target;
                foreach (var a in c.Args) yield return a;
                break;
            case ListExpr l:
                foreach (var a in l.Elements) yield return a;
                break;
            case MapExpr m:
                foreach (var (k, v) in m.Entries)
                {
                    yield return k;
                    yield return v;
                }
                break;
            case StructExpr st:
                foreach (var (_, v) in st.Fields) yield return v;
                break;
            case ComprehensionExpr c:
                yield return c.IterRange;
                yield return c.AccuInit;
                yield return c.LoopCondition;
                yield return c.LoopStep;
                yield return c.Result;
                break;
        }
    }
}

internal static class Operators
{
    public const string Conditional = "_?_:_";
    public const string LogicalAnd = "_&&_";
    public const string LogicalOr = "_||_";
    public const string LogicalNot = "!_";
    public const string Negate = "-_";
    public new const string Equals = "_==_";
    public const string NotEquals = "_!=_";
    public const string Less = "_<_";
    public const string LessEquals = "_<=_";
    public const string Greater = "_>_";
    public const string GreaterEquals = "_>=_";
    public const string Add = "_+_";
    public const string Subtract = "_-_";
    public const string Multiply = "_*_";
    public const string Divide = "_/_";
    public const string Modulo = "_%_";
    public const string Index = "_[_]";
    public const string OptIndex = "_[?_]";
    public const string OptSelect = "_?._";
    public const string In = "@in";
    public const string NotStrictlyFalse = "@not_strictly_false";

    public static string Display(string name) => name switch
    {
        LogicalAnd => "&&",
        LogicalOr => "||",
        LogicalNot => "!",
        Negate => "-",
        Equals => "==",
        NotEquals => "!=",
        Less => "<",
        LessEquals => "<=",
        Greater => ">",
        GreaterEquals => ">=",
        Add => "+",
        Subtract => "-",
        Multiply => "*",
        Divide => "/",
        Modulo => "%",
        Index => "[]",
        OptIndex => "[?]",
        OptSelect => ".?",
        In => "in",
        Conditional => "?:",
        _ => name,
    };
}
