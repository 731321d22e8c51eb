namespace Vigil.Cel.Syntax;

/// <summary>A node of the parsed expression. Offset is the character offset in the source, for messages.</summary>
internal abstract class Expr(int offset)
{
    public int Offset { get; } = offset;

    /// <summary>Set by the checker.</summary>
    public CelType? Type { get; set; }
}

internal sealed class ConstExpr(int offset, CelValue value) : Expr(offset)
{
    public CelValue Value { get; } = value;
}

internal sealed class IdentExpr(int offset, string name) : Expr(offset)
{
    public string Name { get; } = name;

    /// <summary>Set by resolution: the declared variable (fully qualified) this identifier names.</summary>
    public string? Resolved { get; set; }

    /// <summary>Set by resolution: the type this identifier names (int, string, ...).</summary>
    public CelType? TypeValue { get; set; }

    /// <summary>Set by resolution: the comprehension variable this identifier names.</summary>
    public bool IsLocal { get; set; }
}

internal sealed class SelectExpr(int offset, Expr operand, string field, bool testOnly) : Expr(offset)
{
    public Expr Operand { get; } = operand;
    public string Field { get; } = field;
    public bool TestOnly { get; } = testOnly;

    /// <summary>Set by resolution when the whole select chain names a qualified variable (a.b.c declared as such).</summary>
    public string? ResolvedIdent { get; set; }

    /// <summary>Set by resolution when the whole select chain names a type (google.protobuf.Timestamp).</summary>
    public CelType? TypeValue { get; set; }
}

internal sealed class CallExpr(int offset, Expr? target, string function, Expr[] args) : Expr(offset)
{
    public Expr? Target { get; set; } = target;
    public string Function { get; set; } = function;
    public Expr[] Args { get; } = args;
}

internal sealed class ListExpr(int offset, Expr[] elements, bool[]? optional = null) : Expr(offset)
{
    public Expr[] Elements { get; } = elements;

    /// <summary>For [?x, y]: which elements are optional values, included only when present.</summary>
    public bool[]? Optional { get; } = optional;
}

internal sealed class MapExpr(int offset, (Expr Key, Expr Value)[] entries, bool[]? optional = null) : Expr(offset)
{
    public (Expr Key, Expr Value)[] Entries { get; } = entries;

    /// <summary>For {?k: v}: which entries have optional values, included only when present.</summary>
    public bool[]? Optional { get; } = optional;
}

internal sealed class StructExpr(int offset, string typeName, (string Field, Expr Value)[] fields) : Expr(offset)
{
    public string TypeName { get; } = typeName;
    public (string Field, Expr Value)[] Fields { get; } = fields;
}

internal enum MacroKind
{
    None,
    All,
    Exists,
    ExistsOne,
    Map,
    MapFilter,
    Filter,
    Bind,
    All2,
    Exists2,
    ExistsOne2,
    TransformList,
    TransformListFilter,
    TransformMap,
    TransformMapFilter,
    OptMap,
    OptFlatMap,
}

/// <summary>
/// A fold: for each element of the range, while the condition holds, the step updates the accumulator; the result
/// is evaluated last. Macros expand to it; <see cref="Macro"/> lets the planner use a specialised loop.
/// </summary>
internal sealed class ComprehensionExpr(int offset) : Expr(offset)
{
    public required MacroKind Macro { get; init; }
    public required string IterVar { get; init; }
    public string? IterVar2 { get; init; }
    public required Expr IterRange { get; init; }
    public required string AccuVar { get; init; }
    public required Expr AccuInit { get; init; }
    public required Expr LoopCondition { get; init; }
    public required Expr LoopStep { get; init; }
    public required Expr Result { get; init; }

    /// <summary>For the specialised macros: the predicate or transform (and the filter for map(x, p, f)).</summary>
    public Expr? Body { get; init; }
    public Expr? Filter { get; init; }
}
