namespace Vigil.Detection;

/// <summary>
/// One observation that something is wrong: a detector firing, an alert, a Warning event. Signals about the same
/// thing share a <see cref="Fingerprint"/>, which is how re-occurrences are recognised.
/// </summary>
public sealed record Signal
{
    /// <summary>Unique per observation.</summary>
    public required string Id { get; init; }

    /// <summary>Where it came from: a detector name (<c>PodCrashLoop</c>), <c>alertmanager</c>, or <c>event</c>.</summary>
    public required string Source { get; init; }

    /// <summary>What was observed, e.g. <c>CrashLoopBackOff</c> or <c>NodeNotReady</c>.</summary>
    public required string Reason { get; init; }

    public required Severity Severity { get; init; }

    public required ResourceRef Resource { get; init; }

    /// <summary>A one-line human description.</summary>
    public required string Message { get; init; }

    /// <summary>When the observation was made (cluster time).</summary>
    public required DateTimeOffset ObservedAt { get; init; }

    /// <summary>The resource's labels, and labels from the source (alert labels).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = EmptyMap;

    /// <summary>Source-specific facts used by correlation and diagnosis (node name, owner, container, exit code, PVC name).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = EmptyMap;

    /// <summary>Identifies "the same problem": source, reason and resource by default.</summary>
    public string Fingerprint => _fingerprint ??= $"{Source}|{Reason}|{Resource.Key}";

    private string? _fingerprint;

    public static readonly IReadOnlyDictionary<string, string> EmptyMap = new Dictionary<string, string>();

    /// <summary>Well-known attribute names, shared by detectors and correlation rules.</summary>
    public static class Attribute
    {
        public const string Node = "node";
        public const string OwnerKind = "ownerKind";
        public const string OwnerName = "ownerName";
        public const string Container = "container";
        public const string ExitCode = "exitCode";
        public const string RestartCount = "restartCount";
        public const string PersistentVolumeClaims = "persistentVolumeClaims";
    }
}
