using System.Text;

namespace Vigil.Cluster.Storage;

public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>
/// One change in the store's history. <see cref="Previous"/> is the state before a modification, so a watcher
/// can turn selector transitions into ADDED/DELETED. The plain JSON line is built once and shared by all watchers.
/// </summary>
public sealed class WatchEvent(WatchEventType type, StoredObject obj, StoredObject? previous)
{
    private byte[]? _line;

    public WatchEventType Type { get; } = type;
    public StoredObject Object { get; } = obj;
    public StoredObject? Previous { get; } = previous;
    public long ResourceVersion => Object.ResourceVersion;

    /// <summary><c>{"type":"MODIFIED","object":{...}}\n</c> for the stored form, computed once (watchers racing for it share the first).</summary>
    public byte[] Line => _line ?? Interlocked.CompareExchange(ref _line, BuildLine(TypeName(Type), Object.Json), null) ?? _line;

    public static string TypeName(WatchEventType type) => type switch
    {
        WatchEventType.Added => "ADDED",
        WatchEventType.Modified => "MODIFIED",
        _ => "DELETED",
    };

    private static readonly byte[] AddedPrefix = Prefix("ADDED");
    private static readonly byte[] ModifiedPrefix = Prefix("MODIFIED");
    private static readonly byte[] DeletedPrefix = Prefix("DELETED");

    private static byte[] Prefix(string type) => Encoding.UTF8.GetBytes("{\"type\":\"" + type + "\",\"object\":");

    public static byte[] BuildLine(string type, ReadOnlySpan<byte> objectJson)
    {
        var prefix = type switch
        {
            "ADDED" => AddedPrefix,
            "MODIFIED" => ModifiedPrefix,
            "DELETED" => DeletedPrefix,
            _ => Prefix(type),
        };
        var line = new byte[prefix.Length + objectJson.Length + 2];
        prefix.CopyTo(line, 0);
        objectJson.CopyTo(line.AsSpan(prefix.Length));
        line[^2] = (byte)'}';
        line[^1] = (byte)'\n';
        return line;
    }
}
