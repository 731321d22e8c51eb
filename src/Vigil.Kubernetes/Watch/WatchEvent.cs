namespace Vigil.Kubernetes.Watch;

/// <summary>The type of a watch event.</summary>
public enum WatchEventType
{
    Added,
    Modified,
    Deleted,

    /// <summary>Only <c>metadata.resourceVersion</c> is meaningful: the watch has seen everything up to it.</summary>
    Bookmark,
}

/// <summary>One event of a watch. ERROR events never appear here: they end the stream with a typed exception.</summary>
public sealed record WatchEvent<T>(WatchEventType Type, T Object)
    where T : class;

/// <summary>A watch connection delivered no bytes for longer than its idle timeout and was dropped.</summary>
public sealed class WatchIdleTimeoutException : Exception
{
    public WatchIdleTimeoutException()
    {
    }

    public WatchIdleTimeoutException(string message)
        : base(message)
    {
    }

    public WatchIdleTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
