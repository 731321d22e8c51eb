using System.Text;

namespace Vigil.Kubernetes.Serialization;

/// <summary>
/// A reference-counted table of short strings, each under a small integer id: what <see cref="CompactJson"/> documents
/// refer to instead of repeating a string. An id lives while some document holds it (<see cref="Acquire"/> and
/// <see cref="Release"/> pair up), so the table holds only what the live documents use: it does not fill with the label
/// values and owner names of objects long gone, as a pool that never forgets would in a long-running operator.
/// <para>
/// Reading an id (<see cref="this"/>) takes no lock. That is safe because a reader only reads ids of a document it
/// holds a reference on (see <see cref="CompactJson"/>): an id is freed, and its slot reused, only when no document
/// refers to it.
/// </para>
/// </summary>
public sealed class SharedStrings
{
    /// <summary>Longer strings are not shared: they are rarely repeated, and their length dwarfs an id anyway.</summary>
    public const int MaxBytes = 64;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _ids = new(Utf8StringComparer.Instance);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly Stack<int> _free = new();
    private string?[] _strings = new string?[64];
    private int[] _counts = new int[64];
    private int _next;

    public SharedStrings() => _lookup = _ids.GetAlternateLookup<ReadOnlySpan<byte>>();

    /// <summary>Strings currently in the table.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _ids.Count;
            }
        }
    }

    /// <summary>Whether some document holds <paramref name="value"/> (diagnostics and tests).</summary>
    public bool Contains(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            return _ids.ContainsKey(value);
        }
    }

    /// <summary>The string under <paramref name="id"/>; the caller holds a reference on it.</summary>
    public string this[int id] => Volatile.Read(ref _strings)[id]!;

    /// <summary>The id of <paramref name="utf8"/> (at most <see cref="MaxBytes"/> bytes), with one more reference on it.</summary>
    public int Acquire(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxBytes) throw new ArgumentException($"only strings of up to {MaxBytes} bytes are shared", nameof(utf8));
        lock (_gate)
        {
            if (_lookup.TryGetValue(utf8, out var id))
            {
                _counts[id]++;
                return id;
            }

            return AddLocked(Encoding.UTF8.GetString(utf8));
        }
    }

    /// <summary>The id of <paramref name="value"/>, referenced for good: for names the encoder itself compares against.</summary>
    public int Pin(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            if (_ids.TryGetValue(value, out var id))
            {
                _counts[id]++;
                return id;
            }

            return AddLocked(value);
        }
    }

    /// <summary>Drops one reference; the last one frees the id.</summary>
    public void Release(int id)
    {
        lock (_gate)
        {
            if (--_counts[id] > 0) return;
            if (_counts[id] < 0) throw new InvalidOperationException($"shared string {id} released more often than acquired");
            _ids.Remove(_strings[id]!);
            _strings[id] = null;
            _free.Push(id);
        }
    }

    private int AddLocked(string value)
    {
        if (!_free.TryPop(out var id))
        {
            id = _next++;
            if (id == _strings.Length)
            {
                // Readers may still read the old array: every id they can hold is in it, and stays in the copy.
                var grown = new string?[_strings.Length * 2];
                Array.Copy(_strings, grown, _strings.Length);
                Volatile.Write(ref _strings, grown);
                Array.Resize(ref _counts, grown.Length);
            }
        }

        _strings[id] = value;
        _counts[id] = 1;
        _ids[value] = id;
        return id;
    }
}
