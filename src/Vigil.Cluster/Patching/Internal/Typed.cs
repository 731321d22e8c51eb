using System.Text.Json.Nodes;
using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Patching.Internal;

/// <summary>A problem with an applied configuration, reported by the caller as a 400.</summary>
internal sealed class TypedValueException(string message) : Exception(message);

/// <summary>What a compare of two objects found, as sets of paths.</summary>
internal sealed record Comparison(FieldSet Added, FieldSet Removed, FieldSet Modified)
{
    public FieldSet Changed() => FieldSet.Union(Added, Modified);
}

/// <summary>
/// The structured-merge-diff operations server-side apply needs, over JSON values described by an optional schema:
/// ToFieldSet (what a configuration sets), Compare (what a write added, removed, modified), Merge (apply a configuration
/// onto a live object) and Prune (drop what an applier stopped applying).
/// </summary>
/// <remarks>
/// Shapes: an object whose schema is <see cref="SchemaNodeKind.Object"/> is a struct, its declared fields are not set members
/// by themselves (only their leaves are); an object with a <see cref="SchemaNodeKind.Map"/> schema or no schema is a map whose
/// entries are members. Lists are atomic, sets or maps per <see cref="SchemaView.ListShapeOf"/>; no schema means atomic.
/// In a comparison (Update) a container that appears or disappears is itself a member, except struct fields reached from
/// the root through struct fields only (metadata, spec, spec.template...): the real server compares against Go zero values
/// in which those always exist. It cannot be told from the schema which structs are pointers (which the real server would
/// record when they appear), so those are not recorded either.
/// </remarks>
internal static class Typed
{
    /// <summary>The root schema: the given one, with ObjectMeta's shape filled in under "metadata" when it is not described.</summary>
    public static ISchemaNode Root(ISchemaNode? schema) => new RootSchema(schema);

    private static bool IsFreeKey(ISchemaNode? parent, string key) => !SchemaView.IsStructField(parent, key);

    private static bool IsMapLike(ISchemaNode? schema) => schema is null || schema.Kind != SchemaNodeKind.Object;

    // ---------- path elements of list items ----------

    /// <summary>The path element of a list item, or null when it cannot be identified (a map item without its keys).</summary>
    public static string? ItemElement(ListShape shape, JsonNode? item, int index)
    {
        switch (shape.Kind)
        {
            case ListShapeKind.Set:
                return PathElement.Value(item);
            case ListShapeKind.Map:
                if (item is not JsonObject obj) return null;
                var fields = new List<KeyValuePair<string, JsonNode?>>();
                foreach (var key in shape.Keys)
                {
                    if (obj.TryGetPropertyValue(key, out var v)) fields.Add(new(key, v?.DeepClone()));
                }
                return fields.Count == 0 ? null : PathElement.Key(fields);
            default:
                return PathElement.Index(index);
        }
    }

    /// <summary>
    /// Identifies the items of a list. Items that cannot be identified (no key fields) or repeat an identity are skipped
    /// when <paramref name="keepAll"/> is false (comparing, as structured-merge-diff ignores repeated occurrences) and get a
    /// private identity that matches nothing otherwise (merging, so that no live data is lost).
    /// </summary>
    private static List<(string Element, JsonNode? Item)> IndexItems(ListShape shape, JsonArray list, bool keepAll, string side = "")
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<(string, JsonNode?)>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var pe = ItemElement(shape, list[i], i);
            if (pe is null || !seen.Add(pe))
            {
                if (!keepAll) continue;
                pe = "#" + side + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            result.Add((pe, list[i]));
        }
        return result;
    }

    // ---------- ToFieldSet ----------

    /// <summary>The fields a configuration sets. Strict: list items that cannot be identified or repeat are errors.</summary>
    public static FieldSet ToFieldSet(JsonNode value, ISchemaNode? schema)
    {
        var set = new FieldSet();
        Visit(value, schema, set, []);
        set.Compact();
        return set;
    }

    private static void Visit(JsonNode? value, ISchemaNode? schema, FieldSet node, List<string> path)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    var pe = PathElement.Field(key);
                    var childNode = node.GetOrAddChild(pe);
                    path.Add(pe);
                    Visit(child, SchemaView.Child(schema, key), childNode, path);
                    path.RemoveAt(path.Count - 1);
                    if (IsFreeKey(schema, key)) childNode.Member = true;
                }
                break;
            case JsonArray list:
                var shape = SchemaView.ListShapeOf(schema);
                if (shape.Kind == ListShapeKind.Atomic)
                {
                    node.Member = true;
                    break;
                }
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < list.Count; i++)
                {
                    var pe = ItemElement(shape, list[i], i);
                    if (pe is null)
                    {
                        var missing = list[i] is JsonObject o ? shape.Keys.First(k => !o.ContainsKey(k)) : shape.Keys[0];
                        throw new TypedValueException(
                            $"{PathElement.Render(path)}: element {i}: associative list with keys has an element that omits key field \"{missing}\" (and doesn't have default value)");
                    }
                    if (!seen.Add(pe))
                    {
                        throw new TypedValueException($"{PathElement.Render(path)}: duplicate entries for key {PathElement.Render([pe])}");
                    }
                    var childNode = node.GetOrAddChild(pe);
                    path.Add(pe);
                    Visit(list[i], schema?.Items, childNode, path);
                    path.RemoveAt(path.Count - 1);
                    childNode.Member = true;
                }
                break;
            default:
                node.Member = true;
                break;
        }
    }

    // ---------- Compare ----------

    public static Comparison Compare(JsonNode? lhs, JsonNode? rhs, ISchemaNode? schema)
    {
        var cmp = new Comparison(new FieldSet(), new FieldSet(), new FieldSet());
        CompareNode(lhs, lhs is not null, rhs, rhs is not null, schema, [], false, true, cmp);
        cmp.Added.Compact();
        cmp.Removed.Compact();
        cmp.Modified.Compact();
        return cmp;
    }

    private static bool IsEmptyContainer(JsonNode? node) => node is JsonObject { Count: 0 } or JsonArray { Count: 0 };

    /// <param name="itemLike">The node is a list item or a map entry: its own path is a member when it appears or disappears.</param>
    /// <param name="structPath">Only struct fields lead here from the root. Such fields exist (as Go zero values) in every
    /// object the real server compares, so their appearing is never recorded for the field itself; maps are the exception
    /// (nil maps are omitted), and anything below a list item or a map entry is recorded as structured-merge-diff does.</param>
    private static void CompareNode(JsonNode? l, bool hasL, JsonNode? r, bool hasR, ISchemaNode? schema, List<string> path,
        bool itemLike, bool structPath, Comparison cmp)
    {
        var bothObjects = (!hasL || l is JsonObject) && (!hasR || r is JsonObject);
        var bothLists = (!hasL || l is JsonArray) && (!hasR || r is JsonArray);
        var emptyish = (!hasL || IsEmptyContainer(l)) && (!hasR || IsEmptyContainer(r));
        var shape = bothLists ? SchemaView.ListShapeOf(schema) : ListShape.Atomic;
        var descend = !emptyish && (bothObjects || (bothLists && shape.Kind != ListShapeKind.Atomic));

        if (!descend)
        {
            if (!hasL) cmp.Added.Insert(path);
            else if (!hasR) cmp.Removed.Insert(path);
            else if (!JsonNode.DeepEquals(l, r)) cmp.Modified.Insert(path);
            return;
        }

        if (bothObjects)
        {
            var lo = l as JsonObject;
            var ro = r as JsonObject;
            var keys = new List<string>();
            if (lo is not null) keys.AddRange(lo.Select(p => p.Key));
            if (ro is not null) keys.AddRange(ro.Select(p => p.Key).Where(k => lo is null || !lo.ContainsKey(k)));
            foreach (var key in keys)
            {
                JsonNode? lv = null, rv = null;
                var hasLv = lo is not null && lo.TryGetPropertyValue(key, out lv);
                var hasRv = ro is not null && ro.TryGetPropertyValue(key, out rv);
                path.Add(PathElement.Field(key));
                var free = IsFreeKey(schema, key);
                CompareNode(lv, hasLv, rv, hasRv, SchemaView.Child(schema, key), path, free, structPath && !free, cmp);
                path.RemoveAt(path.Count - 1);
            }
        }
        else
        {
            var li = l is JsonArray la ? IndexItems(shape, la, false) : [];
            var ri = r is JsonArray ra ? IndexItems(shape, ra, false) : [];
            var rMap = ri.ToDictionary(x => x.Element, x => x.Item, StringComparer.Ordinal);
            var lMap = li.ToDictionary(x => x.Element, x => x.Item, StringComparer.Ordinal);
            foreach (var (pe, item) in li)
            {
                var hasRv = rMap.TryGetValue(pe, out var rv);
                path.Add(pe);
                CompareNode(item, true, rv, hasRv, schema?.Items, path, true, false, cmp);
                path.RemoveAt(path.Count - 1);
            }
            foreach (var (pe, item) in ri)
            {
                if (lMap.ContainsKey(pe)) continue;
                path.Add(pe);
                CompareNode(null, false, item, true, schema?.Items, path, true, false, cmp);
                path.RemoveAt(path.Count - 1);
            }
        }

        var recordSelf = itemLike || !structPath || schema?.Kind == SchemaNodeKind.Map;
        if (recordSelf && path.Count > 0)
        {
            if (!hasL) cmp.Added.Insert(path);
            else if (!hasR) cmp.Removed.Insert(path);
        }
    }

    // ---------- Merge ----------

    /// <summary>Applies a configuration onto a live value: maps and associative lists merge, everything else is replaced.</summary>
    public static JsonNode? Merge(JsonNode? live, JsonNode? config, ISchemaNode? schema)
    {
        switch (live, config)
        {
            case (JsonObject lo, JsonObject co):
                var result = (JsonObject)lo.DeepClone();
                foreach (var (key, value) in co)
                {
                    result[key] = result.TryGetPropertyValue(key, out var existing)
                        ? Merge(existing, value, SchemaView.Child(schema, key))
                        : value?.DeepClone();
                }
                return result;
            case (JsonArray la, JsonArray ca):
                var shape = SchemaView.ListShapeOf(schema);
                return shape.Kind == ListShapeKind.Atomic ? ca.DeepClone() : MergeList(la, ca, shape, schema?.Items);
            default:
                return config?.DeepClone();
        }
    }

    /// <summary>
    /// structured-merge-diff's list merge order: items of the configuration in its order; live-only items stay where they were
    /// relative to the items both lists share.
    /// </summary>
    private static JsonArray MergeList(JsonArray live, JsonArray config, ListShape shape, ISchemaNode? itemSchema)
    {
        var lhs = IndexItems(shape, live, true, "live");
        var rhs = IndexItems(shape, config, true, "config");
        var lMap = lhs.ToDictionary(x => x.Element, x => x.Item, StringComparer.Ordinal);
        var rMap = rhs.ToDictionary(x => x.Element, x => x.Item, StringComparer.Ordinal);
        var shared = new Queue<string>(rhs.Select(x => x.Element).Where(lMap.ContainsKey));
        var output = new JsonArray();

        int l = 0, r = 0;
        while (l < lhs.Count || r < rhs.Count)
        {
            if (l < lhs.Count && r < rhs.Count)
            {
                var pe = lhs[l].Element;
                if (pe == rhs[r].Element)
                {
                    output.Add(Merge(lhs[l].Item, rhs[r].Item, itemSchema));
                    l++;
                    r++;
                    if (shared.Count > 0 && shared.Peek() == pe) shared.Dequeue();
                    continue;
                }
                if (rMap.ContainsKey(pe) && shared.Count > 0 && shared.Peek() != pe)
                {
                    l++; // a shared item the configuration places later: emitted when reached there
                    continue;
                }
            }
            if (l < lhs.Count && !rMap.ContainsKey(lhs[l].Element))
            {
                output.Add(lhs[l].Item?.DeepClone());
                l++;
                continue;
            }
            if (r < rhs.Count)
            {
                var pe = rhs[r].Element;
                output.Add(lMap.TryGetValue(pe, out var liveItem) ? Merge(liveItem, rhs[r].Item, itemSchema) : rhs[r].Item?.DeepClone());
                r++;
                if (shared.Count > 0 && shared.Peek() == pe) shared.Dequeue();
                continue;
            }
            l++; // a shared live item already emitted from the configuration's side
        }
        return output;
    }

    // ---------- Prune ----------

    /// <summary>
    /// Removes from <paramref name="merged"/> what the applier set last time (<paramref name="last"/>) and nobody owns now
    /// (<paramref name="owned"/>, every manager's set including the applier's new one). A struct field counts as owned when
    /// anything below it is; the root's apiVersion, kind, metadata and status are never removed wholesale.
    /// </summary>
    public static void Prune(JsonObject merged, ISchemaNode? schema, FieldSet last, FieldSet owned) =>
        PruneNode(merged, schema, last, owned, true);

    private static void PruneNode(JsonNode container, ISchemaNode? schema, FieldSet last, FieldSet? owned, bool root)
    {
        foreach (var (pe, lastChild) in last.Children.ToList())
        {
            JsonNode? child;
            ISchemaNode? childSchema;
            Action remove;
            var structField = false;
            var protectedField = false;

            if (container is JsonObject obj && PathElement.IsField(pe))
            {
                var name = PathElement.FieldName(pe);
                if (!obj.TryGetPropertyValue(name, out child)) continue;
                childSchema = SchemaView.Child(schema, name);
                structField = SchemaView.IsStructField(schema, name);
                protectedField = root && name is "apiVersion" or "kind" or "metadata" or "status";
                remove = () => obj.Remove(name);
            }
            else if (container is JsonArray list && !PathElement.IsField(pe))
            {
                var shape = SchemaView.ListShapeOf(schema);
                var index = -1;
                for (var i = 0; i < list.Count; i++)
                {
                    if (ItemElement(shape, list[i], i) == pe)
                    {
                        index = i;
                        break;
                    }
                }
                if (index < 0) continue;
                child = list[index];
                childSchema = schema?.Items;
                remove = () => list.RemoveAt(index);
            }
            else
            {
                continue;
            }

            var ownedChild = owned?.Child(pe);
            var inLast = lastChild.Member || (structField && lastChild.HasChildren);
            var ownedByAnyone = ownedChild is not null && (ownedChild.Member || (structField && ownedChild.HasChildren));
            if (inLast && !ownedByAnyone && !protectedField)
            {
                remove();
            }
            else if (lastChild.HasChildren && child is JsonObject or JsonArray)
            {
                PruneNode(child, childSchema, lastChild, ownedChild, false);
            }
        }
    }

    /// <summary>Wraps the kind's schema so that "metadata" always has ObjectMeta's shape.</summary>
    private sealed class RootSchema(ISchemaNode? inner) : ISchemaNode
    {
        public SchemaNodeKind Kind => inner?.Kind ?? SchemaNodeKind.Any;
        public ISchemaNode? Items => inner?.Items;
        public string? PatchMergeKey => inner?.PatchMergeKey;
        public PatchStrategy PatchStrategy => inner?.PatchStrategy ?? PatchStrategy.None;
        public ListType ListType => inner?.ListType ?? ListType.Atomic;
        public IReadOnlyList<string> ListMapKeys => inner?.ListMapKeys ?? [];
        public bool PreserveUnknownFields => inner?.PreserveUnknownFields ?? true;

        public ISchemaNode? Property(string name)
        {
            var property = inner?.Property(name);
            return property is null && name == "metadata" ? SimpleSchemaNode.ObjectMeta : property;
        }
    }
}
