using Vigil.Detection;

namespace Vigil.Delivery;

/// <summary>Somewhere diagnoses go: a log, Kubernetes Events, a webhook, a chat or paging service.</summary>
public interface ISink
{
    string Name { get; }

    /// <summary>Diagnoses below this severity are not sent to this sink.</summary>
    Severity MinimumSeverity { get; }

    /// <summary>Sends one diagnosis; throws <see cref="SinkException"/> (retryable or not) when it could not.</summary>
    Task SendAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken);
}

/// <summary>A delivery that failed; <see cref="Retryable"/> says whether trying again may help.</summary>
public sealed class SinkException(string message, bool retryable, Exception? inner = null) : Exception(message, inner)
{
    public bool Retryable { get; } = retryable;
}
