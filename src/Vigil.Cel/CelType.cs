using System.Text;

namespace Vigil.Cel;

/// <summary>The kind of a <see cref="CelType"/>.</summary>
public enum CelTypeKind
{
    /// <summary>dyn: any value, checked at run time.</summary>
    Dyn,
    /// <summary>null_type.</summary>
    Null,
    /// <summary>bool.</summary>
    Bool,
    /// <summary>int.</summary>
    Int,
    /// <summary>uint.</summary>
    Uint,
    /// <summary>double.</summary>
    Double,
    /// <summary>string.</summary>
    String,
    /// <summary>bytes.</summary>
    Bytes,
    /// <summary>list(T).</summary>
    List,
    /// <summary>map(K, V).</summary>
    Map,
    /// <summary>google.protobuf.Timestamp.</summary>
    Timestamp,
    /// <summary>google.protobuf.Duration.</summary>
    Duration,
    /// <summary>type(T).</summary>
    Type,
    /// <summary>An extension type by name (quantity, URL, optional_type(T)).</summary>
    Opaque,
    /// <summary>A type parameter in a function signature.</summary>
    TypeParam,
    /// <summary>The type of an expression that failed to check.</summary>
    Error,
}

/// <summary>A CEL type, as declared for variables and as inferred by the checker.</summary>
public sealed class CelType : IEquatable<CelType>
{
    private CelType(CelTypeKind kind, string name, IReadOnlyList<CelType>? parameters = null)
    {
        Kind = kind;
        Name = name;
        Parameters = parameters ?? [];
    }

    /// <summary>The kind.</summary>
    public CelTypeKind Kind { get; }

    /// <summary>The runtime type name: "int", "list", "google.protobuf.Timestamp", ...</summary>
    public string Name { get; }

    /// <summary>Type parameters: the element type of a list, key and value types of a map, the type of a type.</summary>
    public IReadOnlyList<CelType> Parameters { get; }

    /// <summary>dyn.</summary>
    public static readonly CelType Dyn = new(CelTypeKind.Dyn, "dyn");
    /// <summary>null_type.</summary>
    public static readonly CelType Null = new(CelTypeKind.Null, "null_type");
    /// <summary>bool.</summary>
    public static readonly CelType Bool = new(CelTypeKind.Bool, "bool");
    /// <summary>int.</summary>
    public static readonly CelType Int = new(CelTypeKind.Int, "int");
    /// <summary>uint.</summary>
    public static readonly CelType Uint = new(CelTypeKind.Uint, "uint");
    /// <summary>double.</summary>
    public static readonly CelType Double = new(CelTypeKind.Double, "double");
    /// <summary>string.</summary>
    public static readonly CelType String = new(CelTypeKind.String, "string");
    /// <summary>bytes.</summary>
    public static readonly CelType Bytes = new(CelTypeKind.Bytes, "bytes");
    /// <summary>google.protobuf.Timestamp.</summary>
    public static readonly CelType Timestamp = new(CelTypeKind.Timestamp, "google.protobuf.Timestamp");
    /// <summary>google.protobuf.Duration.</summary>
    public static readonly CelType Duration = new(CelTypeKind.Duration, "google.protobuf.Duration");
    /// <summary>The error type (expressions that failed to check).</summary>
    public static readonly CelType Error = new(CelTypeKind.Error, "*error*");

    internal static readonly CelType ListKind = new(CelTypeKind.List, "list", [Dyn]);
    internal static readonly CelType MapKind = new(CelTypeKind.Map, "map", [Dyn, Dyn]);
    internal static readonly CelType TypeKind = new(CelTypeKind.Type, "type", [Dyn]);

    /// <summary>list(T).</summary>
    public static CelType List(CelType element) => element == Dyn ? ListKind : new(CelTypeKind.List, "list", [element]);
    /// <summary>map(K, V).</summary>
    public static CelType Map(CelType key, CelType value) => key == Dyn && value == Dyn ? MapKind : new(CelTypeKind.Map, "map", [key, value]);
    /// <summary>type(T): the type of a type value.</summary>
    public static CelType TypeOf(CelType type) => new(CelTypeKind.Type, "type", [type]);
    /// <summary>An extension type by name, with optional parameters.</summary>
    public static CelType Opaque(string name, params CelType[] parameters) => new(CelTypeKind.Opaque, name, parameters);
    internal static CelType Param(string name) => new(CelTypeKind.TypeParam, name);

    internal CelType Element => Parameters.Count > 0 ? Parameters[0] : Dyn;
    internal CelType Key => Parameters.Count > 0 ? Parameters[0] : Dyn;
    internal CelType Value => Parameters.Count > 1 ? Parameters[1] : Dyn;

    /// <summary>Parses a type in CEL's notation: "int", "list(string)", "map(string, dyn)", "timestamp", ...</summary>
    public static CelType Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pos = 0;
        var type = ParseAt(text, ref pos);
        SkipSpace(text, ref pos);
        if (pos != text.Length) throw new FormatException($"unexpected '{text[pos..]}' in type '{text}'");
        return type;
    }

    private static CelType ParseAt(string text, ref int pos)
    {
        SkipSpace(text, ref pos);
        var start = pos;
        while (pos < text.Length && (char.IsAsciiLetterOrDigit(text[pos]) || text[pos] is '_' or '.')) pos++;
        var name = text[start..pos];
        var args = new List<CelType>();
        SkipSpace(text, ref pos);
        if (pos < text.Length && text[pos] == '(')
        {
            pos++;
            while (true)
            {
                args.Add(ParseAt(text, ref pos));
                SkipSpace(text, ref pos);
                if (pos < text.Length && text[pos] == ',') { pos++; continue; }
                if (pos < text.Length && text[pos] == ')') { pos++; break; }
                throw new FormatException($"expected ',' or ')' in type '{text}'");
            }
        }
        CelType Arg(int i) => i < args.Count ? args[i] : Dyn;
        return name switch
        {
            "dyn" or "any" => Dyn,
            "null" or "null_type" => Null,
            "bool" => Bool,
            "int" => Int,
            "uint" => Uint,
            "double" => Double,
            "string" => String,
            "bytes" => Bytes,
            "timestamp" or "google.protobuf.Timestamp" => Timestamp,
            "duration" or "google.protobuf.Duration" => Duration,
            "list" => List(Arg(0)),
            "map" => Map(Arg(0), Arg(1)),
            "type" => args.Count == 0 ? TypeKind : TypeOf(Arg(0)),
            "" => throw new FormatException($"expected a type name in '{text}'"),
            _ => Opaque(name, [.. args]),
        };
    }

    private static void SkipSpace(string text, ref int pos)
    {
        while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
    }

    /// <summary>The type in CEL's notation ("list(int)", "map(string, dyn)", "timestamp").</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Write(sb);
        return sb.ToString();
    }

    private void Write(StringBuilder sb)
    {
        switch (Kind)
        {
            case CelTypeKind.Timestamp: sb.Append("google.protobuf.Timestamp"); return;
            case CelTypeKind.Duration: sb.Append("google.protobuf.Duration"); return;
            case CelTypeKind.Null: sb.Append("null_type"); return;
            case CelTypeKind.Error: sb.Append("*error*"); return;
        }
        sb.Append(Name);
        if (Parameters.Count == 0) return;
        sb.Append('(');
        for (var i = 0; i < Parameters.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            Parameters[i].Write(sb);
        }
        sb.Append(')');
    }

    /// <summary>Structural equality.</summary>
    public bool Equals(CelType? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other.Kind != Kind || other.Name != Name || other.Parameters.Count != Parameters.Count) return false;
        for (var i = 0; i < Parameters.Count; i++)
            if (!Parameters[i].Equals(other.Parameters[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as CelType);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Name, Parameters.Count);

    /// <summary>Structural equality.</summary>
    public static bool operator ==(CelType? left, CelType? right) => left is null ? right is null : left.Equals(right);
    /// <summary>Structural inequality.</summary>
    public static bool operator !=(CelType? left, CelType? right) => !(left == right);

    /// <summary>True when the type mentions a type parameter.</summary>
    internal bool HasParams()
    {
        if (Kind == CelTypeKind.TypeParam) return true;
        foreach (var p in Parameters) if (p.HasParams()) return true;
        return false;
    }

    /// <summary>The runtime type value for this type (type values compare by runtime name: list(int) is list).</summary>
    internal CelType RuntimeType => Kind switch
    {
        CelTypeKind.List => ListKind,
        CelTypeKind.Map => MapKind,
        CelTypeKind.Type => TypeKind,
        _ => this,
    };

    internal CelType WithParameters(IReadOnlyList<CelType> parameters) => new(Kind, Name, parameters);
}
