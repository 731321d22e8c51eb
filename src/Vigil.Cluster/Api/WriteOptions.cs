namespace Vigil.Cluster.Api;

/// <summary>How the server treats fields it does not know (<c>fieldValidation</c>).</summary>
public enum FieldValidation
{
    Ignore,
    Warn,
    Strict,
}

/// <summary>Options of a create, update or patch.</summary>
public sealed record WriteOptions
{
    public static WriteOptions Default { get; } = new();

    public bool DryRun { get; init; }

    /// <summary>The manager recorded in managedFields; required for server-side apply.</summary>
    public string? FieldManager { get; init; }

    public FieldValidation FieldValidation { get; init; } = FieldValidation.Warn;

    /// <summary>Server-side apply only: take ownership of conflicting fields.</summary>
    public bool Force { get; init; }

    /// <summary>Warnings collected while handling the request, returned as <c>Warning</c> headers.</summary>
    public List<string> Warnings { get; } = [];
}

/// <summary>DeleteOptions, from the query or the request body.</summary>
public sealed record DeleteOptions
{
    public static DeleteOptions Default { get; } = new();

    /// <summary>Orphan, Background or Foreground; null: the resource's default (Background).</summary>
    public string? PropagationPolicy { get; init; }
    public long? GracePeriodSeconds { get; init; }
    public string? PreconditionUid { get; init; }
    public string? PreconditionResourceVersion { get; init; }
    public bool DryRun { get; init; }
}

/// <summary>Patch formats, chosen by the request's Content-Type.</summary>
public enum PatchType
{
    Json,
    Merge,
    StrategicMerge,
    Apply,
}
