namespace Vigil.Detection.Detectors;

/// <summary>One detector's settings. Every detector has all of them; <see cref="Threshold"/> and <see cref="Count"/> mean what the detector says.</summary>
public sealed record DetectorOptions
{
    public bool Enabled { get; init; } = true;

    public Severity Severity { get; init; } = Severity.Warning;

    /// <summary>How long a condition must hold before it is a signal (zero: at once).</summary>
    public TimeSpan Threshold { get; init; }

    /// <summary>A count the condition must reach (restarts, pods, events), where the detector counts.</summary>
    public int Count { get; init; }

    /// <summary>How far back a detector over Events looks.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>After a signal, the same detector stays quiet about the same resource this long.</summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromMinutes(30);
}
