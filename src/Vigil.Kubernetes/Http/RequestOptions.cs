using System.Globalization;
using System.Text;

namespace Vigil.Kubernetes.Http;

/// <summary>Options of a list request.</summary>
public sealed record ListOptions
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }

    /// <summary>Page size; 0 or null asks for everything at once.</summary>
    public int? Limit { get; init; }
    public string? Continue { get; init; }
    public string? ResourceVersion { get; init; }

    /// <summary><c>NotOlderThan</c> or <c>Exact</c>.</summary>
    public string? ResourceVersionMatch { get; init; }
    public int? TimeoutSeconds { get; init; }

    internal void AppendTo(QueryBuilder query)
    {
        query.Add("labelSelector", LabelSelector);
        query.Add("fieldSelector", FieldSelector);
        query.Add("limit", Limit is > 0 ? Limit.Value.ToString(CultureInfo.InvariantCulture) : null);
        query.Add("continue", Continue);
        query.Add("resourceVersion", ResourceVersion);
        query.Add("resourceVersionMatch", ResourceVersionMatch);
        query.Add("timeoutSeconds", TimeoutSeconds?.ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>Options of a watch request.</summary>
public sealed record WatchOptions
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }

    /// <summary>Start after this version; null or "0" starts with synthetic ADDED events for what exists.</summary>
    public string? ResourceVersion { get; init; }
    public bool AllowWatchBookmarks { get; init; }

    /// <summary>Asks the server to end the watch after this many seconds.</summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary>Streaming list (WatchList): initial ADDED events then a bookmark marked <c>k8s.io/initial-events-end</c>.</summary>
    public bool? SendInitialEvents { get; init; }
    public string? ResourceVersionMatch { get; init; }

    /// <summary>
    /// A connection that delivers no bytes for this long is treated as dead and the stream ends with a
    /// <see cref="WatchIdleTimeoutException"/>. Null picks <c>timeoutSeconds</c> plus 30 s, or 10 minutes without it.
    /// </summary>
    public TimeSpan? IdleTimeout { get; init; }

    internal TimeSpan EffectiveIdleTimeout =>
        IdleTimeout ?? (TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds + 30) : TimeSpan.FromMinutes(10));

    internal void AppendTo(QueryBuilder query)
    {
        query.Add("watch", "true");
        query.Add("labelSelector", LabelSelector);
        query.Add("fieldSelector", FieldSelector);
        query.Add("resourceVersion", ResourceVersion);
        query.Add("resourceVersionMatch", ResourceVersionMatch);
        query.Add("allowWatchBookmarks", AllowWatchBookmarks ? "true" : null);
        query.Add("timeoutSeconds", TimeoutSeconds?.ToString(CultureInfo.InvariantCulture));
        query.Add("sendInitialEvents", SendInitialEvents is { } send ? (send ? "true" : "false") : null);
    }
}

/// <summary>Options of create, update and patch.</summary>
public sealed record WriteOptions
{
    public string? FieldManager { get; init; }
    public bool DryRun { get; init; }

    /// <summary><c>Ignore</c>, <c>Warn</c> or <c>Strict</c>.</summary>
    public string? FieldValidation { get; init; }

    /// <summary>Server-side apply only: take ownership of conflicting fields.</summary>
    public bool? Force { get; init; }

    internal void AppendTo(QueryBuilder query)
    {
        query.Add("fieldManager", FieldManager);
        query.Add("dryRun", DryRun ? "All" : null);
        query.Add("fieldValidation", FieldValidation);
        query.Add("force", Force is { } force ? (force ? "true" : "false") : null);
    }
}

/// <summary>Options of a pod log request.</summary>
public sealed record LogOptions
{
    public string? Container { get; init; }
    public bool Follow { get; init; }
    public bool Previous { get; init; }
    public bool Timestamps { get; init; }
    public long? TailLines { get; init; }
    public long? SinceSeconds { get; init; }
    public long? LimitBytes { get; init; }

    internal void AppendTo(QueryBuilder query)
    {
        query.Add("container", Container);
        query.Add("follow", Follow ? "true" : null);
        query.Add("previous", Previous ? "true" : null);
        query.Add("timestamps", Timestamps ? "true" : null);
        query.Add("tailLines", TailLines?.ToString(CultureInfo.InvariantCulture));
        query.Add("sinceSeconds", SinceSeconds?.ToString(CultureInfo.InvariantCulture));
        query.Add("limitBytes", LimitBytes?.ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>The kinds of PATCH, by Content-Type.</summary>
public enum PatchType
{
    /// <summary>RFC 6902 JSON patch: <c>application/json-patch+json</c>.</summary>
    JsonPatch,

    /// <summary>RFC 7386 merge patch: <c>application/merge-patch+json</c>.</summary>
    MergePatch,

    /// <summary>Strategic merge patch (built-in kinds only): <c>application/strategic-merge-patch+json</c>.</summary>
    StrategicMergePatch,

    /// <summary>Server-side apply: <c>application/apply-patch+yaml</c>; needs a field manager.</summary>
    Apply,
}

/// <summary>A patch body with its type.</summary>
public sealed record Patch(PatchType Type, string Body)
{
    public string ContentType => Type switch
    {
        PatchType.JsonPatch => "application/json-patch+json",
        PatchType.MergePatch => "application/merge-patch+json",
        PatchType.StrategicMergePatch => "application/strategic-merge-patch+json",
        PatchType.Apply => "application/apply-patch+yaml",
        _ => throw new InvalidOperationException($"Unknown patch type {Type}."),
    };

    public static Patch Json(string body) => new(PatchType.JsonPatch, body);

    public static Patch Merge(string body) => new(PatchType.MergePatch, body);

    public static Patch Strategic(string body) => new(PatchType.StrategicMergePatch, body);

    public static Patch Apply(string body) => new(PatchType.Apply, body);
}

/// <summary>Builds a URL-encoded query string, skipping null values.</summary>
internal sealed class QueryBuilder
{
    private readonly StringBuilder _builder = new();

    public void Add(string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        _builder.Append(_builder.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
    }

    public override string ToString() => _builder.ToString();
}
