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

    /// <summary><c>{"type":"MODIFIED","object":{...}}\n</c> for the stored form, computed once.</summary>
    public byte[] Line => _line ??= BuildLine(TypeName(Type), Object.Json);

    public static string TypeName(WatchEventType type) => type switch
    {
        WatchEventType.Added => "ADDED",
        WatchEventType.Modified => "MODIFIED",
        _ => "DELETED",
    };

    public static byte[] BuildLine(string type, ReadOnlySpan<byte> objectJson)
    {
        var prefix = Encoding.UTF8.GetBytes("{\"type\":\"" + type + "\",\"object\":");
        var line = new byte[prefix.Length + objectJson.Length + 2];
        prefix.CopyTo(line, 0);
        objectJson.CopyTo(line.AsSpan(prefix.Length));
        line[^2] = (byte)'}';
        line[^1] = (byte)'\n';
        return line;
    }
}
