using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

using Vigil.Cluster.Serialization;

namespace Vigil.Cluster.Patching.Internal;

/// <summary>
/// Path elements in their FieldsV1 spelling: <c>f:name</c> (a field), <c>k:{"name":"nginx"}</c> (an associative list element
/// by its keys), <c>v:"x"</c> (a set element by value), <c>i:3</c> (an element by index).
/// </summary>
internal static class PathElement
{
    public static string Field(string name) => "f:" + name;

    public static string Index(int index) => "i:" + index.ToString(CultureInfo.InvariantCulture);

    public static string Value(JsonNode? value) => "v:" + GoFormat.Json(value);

    /// <summary>A key element; key fields are written in name order, values as compact JSON.</summary>
    public static string Key(IEnumerable<KeyValuePair<string, JsonNode?>> fields)
    {
        var sb = new StringBuilder("k:{");
        var first = true;
        foreach (var (name, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append(GoFormat.Quote(name)).Append(':').Append(GoFormat.Json(value));
        }
        return sb.Append('}').ToString();
    }

    public static bool IsField(string pe) => pe.StartsWith("f:", StringComparison.Ordinal);

    public static string FieldName(string pe) => pe[2..];

    /// <summary>True for the spellings FieldsV1 allows.</summary>
    public static bool IsValid(string pe) =>
        pe.Length >= 2 && pe[1] == ':' && pe[0] is 'f' or 'k' or 'v' or 'i';

    /// <summary>The human form used in conflict messages: <c>.spec.containers[name="nginx"].image</c>.</summary>
    public static string Render(IEnumerable<string> path)
    {
        var sb = new StringBuilder();
        foreach (var pe in path)
        {
            var body = pe[2..];
            switch (pe[0])
            {
                case 'f':
                    sb.Append('.').Append(body);
                    break;
                case 'k':
                    sb.Append('[');
                    if (JsonNode.Parse(body) is JsonObject keys)
                    {
                        sb.Append(string.Join(",", keys.Select(k => k.Key + "=" + RenderValue(k.Value))));
                    }
                    sb.Append(']');
                    break;
                case 'v':
                    sb.Append("[=").Append(RenderValue(JsonNode.Parse(body))).Append(']');
                    break;
                default:
                    sb.Append('[').Append(body).Append(']');
                    break;
            }
        }
        return sb.ToString();
    }

    private static string RenderValue(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => GoFormat.Quote(v.GetValue<string>()),
        _ => GoFormat.Json(value),
    };

    /// <summary>Serialisation order: fields, then keys, then values, then indices; ordinal within a kind (indices numerically).</summary>
    public static readonly IComparer<string> Order = Comparer<string>.Create((a, b) =>
    {
        var rank = Rank(a).CompareTo(Rank(b));
        if (rank != 0) return rank;
        if (a[0] == 'i' && b[0] == 'i' &&
            int.TryParse(a.AsSpan(2), NumberStyles.Integer, CultureInfo.InvariantCulture, out var x) &&
            int.TryParse(b.AsSpan(2), NumberStyles.Integer, CultureInfo.InvariantCulture, out var y))
        {
            return x.CompareTo(y);
        }
        return string.CompareOrdinal(a, b);
    });

    private static int Rank(string pe) => pe[0] switch { 'f' => 0, 'k' => 1, 'v' => 2, _ => 3 };
}

/// <summary>
/// A set of field paths as structured-merge-diff keeps it: a tree whose nodes may be members of the set themselves
/// (<c>"."</c> in FieldsV1 when the node also has children) and may have children.
/// </summary>
internal sealed class FieldSet
{
    private SortedDictionary<string, FieldSet>? children;

    public bool Member { get; set; }

    public bool HasChildren => children is { Count: > 0 };

    public bool IsEmpty => !Member && !HasChildren;

    public IEnumerable<KeyValuePair<string, FieldSet>> Children =>
        children ?? Enumerable.Empty<KeyValuePair<string, FieldSet>>();

    public FieldSet? Child(string pe) => children is not null && children.TryGetValue(pe, out var c) ? c : null;

    public FieldSet GetOrAddChild(string pe)
    {
        children ??= new SortedDictionary<string, FieldSet>(PathElement.Order);
        if (!children.TryGetValue(pe, out var child))
        {
            child = new FieldSet();
            children[pe] = child;
        }
        return child;
    }

    public void RemoveChild(string pe) => children?.Remove(pe);

    public void Insert(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var pe in path) node = node.GetOrAddChild(pe);
        node.Member = true;
    }

    public bool Has(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var pe in path)
        {
            node = node.Child(pe);
            if (node is null) return false;
        }
        return node.Member;
    }

    /// <summary>The node at <paramref name="path"/>, or null.</summary>
    public FieldSet? Descend(params string[] path)
    {
        var node = this;
        foreach (var pe in path)
        {
            node = node.Child(pe);
            if (node is null) return null;
        }
        return node;
    }

    public FieldSet Clone()
    {
        var copy = new FieldSet { Member = Member };
        if (children is null) return copy;
        copy.children = new SortedDictionary<string, FieldSet>(PathElement.Order);
        // Keys arrive in order and are distinct: no lookup before each insert.
        foreach (var (pe, child) in children) copy.children.Add(pe, child.Clone());
        return copy;
    }

    private void CopyFrom(FieldSet other)
    {
        Member = other.Member;
        foreach (var (pe, child) in other.Children) GetOrAddChild(pe).CopyFrom(child);
    }

    /// <summary>Drops child nodes that are neither members nor have members below them.</summary>
    public void Compact()
    {
        if (children is null) return;
        foreach (var (pe, child) in children.ToList())
        {
            child.Compact();
            if (child.IsEmpty) children.Remove(pe);
        }
    }

    public static FieldSet Union(FieldSet a, FieldSet b)
    {
        var result = a.Clone();
        result.UnionWith(b);
        return result;
    }

    public void UnionWith(FieldSet other)
    {
        Member |= other.Member;
        foreach (var (pe, child) in other.Children) GetOrAddChild(pe).UnionWith(child);
    }

    /// <summary>Members of <paramref name="a"/> that are not members of <paramref name="b"/> (path by path, not by prefix).</summary>
    public static FieldSet Difference(FieldSet a, FieldSet b)
    {
        var result = new FieldSet { Member = a.Member && !b.Member };
        foreach (var (pe, child) in a.Children)
        {
            var other = b.Child(pe);
            // Both branches give a fresh set: it is adopted as is rather than copied again.
            var diff = other is null ? child.Clone() : Difference(child, other);
            if (!diff.IsEmpty) result.Adopt(pe, diff);
        }
        return result;
    }

    /// <summary>Makes <paramref name="child"/> (a fresh set no one else holds) the child at <paramref name="pe"/>.</summary>
    private void Adopt(string pe, FieldSet child)
    {
        children ??= new SortedDictionary<string, FieldSet>(PathElement.Order);
        if (children.TryGetValue(pe, out var existing)) existing.UnionWith(child);
        else children[pe] = child;
    }

    public static FieldSet Intersection(FieldSet a, FieldSet b)
    {
        var result = new FieldSet { Member = a.Member && b.Member };
        foreach (var (pe, child) in a.Children)
        {
            var other = b.Child(pe);
            if (other is null) continue;
            var both = Intersection(child, other);
            if (!both.IsEmpty) result.Adopt(pe, both);
        }
        return result;
    }

    /// <summary>Every member path: at each level the members first, then the children's paths (structured-merge-diff's order).</summary>
    public IEnumerable<IReadOnlyList<string>> Paths()
    {
        var prefix = new List<string>();
        var result = new List<IReadOnlyList<string>>();
        Collect(prefix, result);
        return result;
    }

    private void Collect(List<string> prefix, List<IReadOnlyList<string>> result)
    {
        foreach (var (pe, child) in Children)
        {
            if (child.Member) result.Add([.. prefix, pe]);
        }
        foreach (var (pe, child) in Children)
        {
            if (!child.HasChildren) continue;
            prefix.Add(pe);
            child.Collect(prefix, result);
            prefix.RemoveAt(prefix.Count - 1);
        }
    }

    /// <summary>The FieldsV1 JSON form: <c>{"f:spec":{"f:replicas":{}}}</c>, with <c>".":{}</c> marking members that have children.</summary>
    public JsonObject ToFieldsV1()
    {
        var obj = new JsonObject();
        if (Member && HasChildren) obj["."] = new JsonObject();
        foreach (var (pe, child) in Children)
        {
            if (child.IsEmpty) continue;
            obj[pe] = child.ToFieldsV1();
        }
        return obj;
    }

    /// <summary>Parses FieldsV1; returns null when the document is not a FieldsV1 tree.</summary>
    public static FieldSet? FromFieldsV1(JsonNode? node)
    {
        if (node is not JsonObject obj) return null;
        var set = new FieldSet();
        return set.Read(obj) ? set : null;
    }

    private bool Read(JsonObject obj)
    {
        foreach (var (key, value) in obj)
        {
            if (value is not JsonObject childObject) return false;
            if (key == ".")
            {
                Member = true;
                continue;
            }
            if (!PathElement.IsValid(key)) return false;
            var child = GetOrAddChild(key);
            if (childObject.Count == 0) child.Member = true;
            else if (!child.Read(childObject)) return false;
        }
        return true;
    }
}
