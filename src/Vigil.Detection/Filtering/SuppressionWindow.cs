namespace Vigil.Detection.Filtering;

/// <summary>
/// A period when signals from some detectors and/or namespaces are dropped: once (<see cref="From"/> to <see cref="Until"/>),
/// or every day between two UTC times of day (<see cref="DailyStart"/> to <see cref="DailyEnd"/>, crossing midnight when the
/// end is earlier), optionally only on some <see cref="Days"/>. Both forms together mean: daily, but only within the dates.
/// Empty <see cref="Detectors"/> or <see cref="Namespaces"/> means all of them.
/// </summary>
public sealed class SuppressionWindow
{
    public required string Name { get; init; }

    /// <summary>Detector names (signal sources) silenced; empty means every detector.</summary>
    public IReadOnlyList<string> Detectors { get; init; } = [];

    /// <summary>Namespaces silenced (names or globs); empty means every namespace and cluster-scoped resources.</summary>
    public IReadOnlyList<NamespacePattern> Namespaces { get; init; } = [];

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? Until { get; init; }

    public TimeOnly? DailyStart { get; init; }

    public TimeOnly? DailyEnd { get; init; }

    /// <summary>Days (UTC) the daily window applies on; empty means every day. For a window crossing midnight, the day it starts.</summary>
    public IReadOnlyList<DayOfWeek> Days { get; init; } = [];

    public bool IsRecurring => DailyStart is not null && DailyEnd is not null;

    /// <summary>True when the window is open at <paramref name="now"/>.</summary>
    public bool IsActive(DateTimeOffset now)
    {
        if (From is { } from && now < from) return false;
        if (Until is { } until && now >= until) return false;
        if (!IsRecurring) return From is not null || Until is not null;
        var utc = now.UtcDateTime;
        var time = TimeOnly.FromDateTime(utc);
        var (start, end) = (DailyStart!.Value, DailyEnd!.Value);
        if (start <= end) return time >= start && time < end && OnDay(utc.DayOfWeek);
        // Crosses midnight: the evening part belongs to today, the morning part to the window that started yesterday.
        if (time >= start) return OnDay(utc.DayOfWeek);
        return time < end && OnDay(utc.AddDays(-1).DayOfWeek);
    }

    /// <summary>True when the window covers signals of <paramref name="detector"/> about something in <paramref name="ns"/>.</summary>
    public bool Covers(string detector, string? ns) =>
        (Detectors.Count == 0 || Detectors.Contains(detector, StringComparer.OrdinalIgnoreCase))
        && (Namespaces.Count == 0 || (ns is not null && Namespaces.Any(p => p.Matches(ns))));

    private bool OnDay(DayOfWeek day) => Days.Count == 0 || Days.Contains(day);
}
