namespace Vigil.Detection;

/// <summary>How urgent a signal, incident or diagnosis is. Ordered: a higher value is more severe.</summary>
public enum Severity
{
    Info = 0,
    Warning = 1,
    Critical = 2,
}
