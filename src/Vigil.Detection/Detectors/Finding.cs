namespace Vigil.Detection.Detectors;

/// <summary>A condition a detector sees holding on a resource right now.</summary>
/// <param name="Reason">What holds (<c>CrashLoopBackOff</c>, <c>NodeNotReady</c>...).</param>
/// <param name="Resource">The resource it is about.</param>
/// <param name="Message">A one-line description.</param>
/// <param name="Since">When the condition started, when known: the detector's threshold is measured from it.</param>
public sealed record Finding(string Reason, ResourceRef Resource, string Message, DateTimeOffset? Since = null)
{
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = Signal.EmptyMap;
    public IReadOnlyDictionary<string, string> Labels { get; init; } = Signal.EmptyMap;
}
