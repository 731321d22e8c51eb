using System.Collections;

namespace Vigil.Cel;

/// <summary>An immutable CEL list.</summary>
public sealed class CelList : IReadOnlyList<CelValue>
{
    internal static readonly CelList Empty = new([]);
    private readonly CelValue[] _items;

    /// <summary>A list over the given items (the array is not copied: do not change it afterwards).</summary>
    public CelList(CelValue[] items) => _items = items ?? throw new ArgumentNullException(nameof(items));

    /// <summary>The number of items.</summary>
    public int Count => _items.Length;

    /// <summary>The item at the index.</summary>
    public CelValue this[int index] => _items[index];

    internal ReadOnlySpan<CelValue> Span => _items;

    /// <inheritdoc/>
    public IEnumerator<CelValue> GetEnumerator() => ((IEnumerable<CelValue>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    internal static CelList Concat(CelList a, CelList b)
    {
        if (a.Count == 0) return b;
        if (b.Count == 0) return a;
        var items = new CelValue[a.Count + b.Count];
        a._items.CopyTo(items, 0);
        b._items.CopyTo(items, a.Count);
        return new CelList(items);
    }
}

/// <summary>
/// An immutable CEL map with insertion order kept. Keys are int, uint, bool or string; numeric keys compare across
/// types (a lookup with 1u or 1.0 finds the key 1).
/// </summary>
public sealed class CelMap : IReadOnlyCollection<KeyValuePair<CelValue, CelValue>>
{
    internal static readonly CelMap Empty = new(new Dictionary<CelValue, CelValue>(KeyComparer.Instance));
    private const int SmallSize = 8;
    private readonly Dictionary<CelValue, CelValue> _entries;

    // Small maps with only string keys (most maps of a Kubernetes object) are also kept as arrays: a linear scan
    // beats hashing the key.
    private readonly string[]? _smallKeys;
    private readonly CelValue[]? _smallValues;

    private CelMap(Dictionary<CelValue, CelValue> entries)
    {
        _entries = entries;
        if (entries.Count is > 0 and <= SmallSize && entries.Keys.All(k => k.Kind == CelValueKind.String))
        {
            _smallKeys = new string[entries.Count];
            _smallValues = new CelValue[entries.Count];
            var i = 0;
            foreach (var (k, v) in entries)
            {
                _smallKeys[i] = (string)k.Ref!;
                _smallValues[i++] = v;
            }
        }
    }

    private bool TryGetSmall(string key, out CelValue value)
    {
        var keys = _smallKeys!;
        for (var i = 0; i < keys.Length; i++)
        {
            var k = keys[i];
            if (ReferenceEquals(k, key) || (k.Length == key.Length && k.AsSpan().SequenceEqual(key)))
            {
                value = _smallValues![i];
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>The number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>The keys, in insertion order.</summary>
    public IEnumerable<CelValue> Keys => _entries.Keys;

    /// <summary>Looks up a key with CEL's key equality.</summary>
    public bool TryGetValue(CelValue key, out CelValue value)
    {
        if (key.Kind == CelValueKind.String)
        {
            if (_smallKeys is not null) return TryGetSmall((string)key.Ref!, out value);
        }
        else if (key.Kind == CelValueKind.Double)
        {
            // A double key finds an int or uint key of the same value.
            var d = key.DoubleValue;
            if (d != Math.Floor(d) || double.IsInfinity(d)) { value = default; return false; }
            if (d >= -9.2233720368547758E18 && d < 9.2233720368547758E18) key = CelValue.Int((long)d);
            else if (d >= 0 && d < 1.8446744073709552E19) key = CelValue.Uint((ulong)d);
            else { value = default; return false; }
        }
        return _entries.TryGetValue(key, out value);
    }

    /// <summary>Looks up a string key.</summary>
    public bool TryGetValue(string key, out CelValue value) => TryGetValue(CelValue.String(key), out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<CelValue, CelValue>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal static bool IsValidKey(CelValue key) =>
        key.Kind is CelValueKind.String or CelValueKind.Int or CelValueKind.Uint or CelValueKind.Bool;

    /// <summary>Builds a map; later entries do not replace earlier ones: a repeated key is an error.</summary>
    public sealed class Builder
    {
        private Dictionary<CelValue, CelValue>? _entries;

        /// <summary>A builder with room for the given number of entries.</summary>
        public Builder(int capacity = 0) => _entries = new Dictionary<CelValue, CelValue>(capacity, KeyComparer.Instance);

        /// <summary>Adds an entry; false when the key is already there.</summary>
        public bool TryAdd(CelValue key, CelValue value)
        {
            return (_entries ?? throw new InvalidOperationException("the map was already built")).TryAdd(key, value);
        }

        /// <summary>Adds or replaces an entry.</summary>
        public void Set(CelValue key, CelValue value)
        {
            (_entries ?? throw new InvalidOperationException("the map was already built"))[key] = value;
        }

        /// <summary>The map (the builder cannot be used afterwards).</summary>
        public CelMap Build()
        {
            var entries = _entries ?? throw new InvalidOperationException("the map was already built");
            _entries = null;
            return new CelMap(entries);
        }
    }

    /// <summary>Key equality: an int and a uint key of the same value are the same key (CEL's numeric equality).</summary>
    private sealed class KeyComparer : IEqualityComparer<CelValue>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(CelValue x, CelValue y)
        {
            if (x.Kind != y.Kind)
            {
                // int and uint: equal when the int is not negative and the bits match
                return (x.Kind, y.Kind) is (CelValueKind.Int, CelValueKind.Uint) or (CelValueKind.Uint, CelValueKind.Int) && x.Bits == y.Bits && x.Bits >= 0;
            }
            return x.Kind == CelValueKind.String ? string.Equals((string)x.Ref!, (string)y.Ref!, StringComparison.Ordinal) : x.Bits == y.Bits;
        }

        public int GetHashCode(CelValue obj) => obj.Kind switch
        {
            CelValueKind.String => StringComparer.Ordinal.GetHashCode((string)obj.Ref!),
            CelValueKind.Int or CelValueKind.Uint => obj.Bits.GetHashCode(),
            _ => HashCode.Combine(obj.Kind, obj.Bits),
        };
    }
}
