namespace Vigil.Delivery;

/// <summary>How diagnoses are delivered to sinks.</summary>
public sealed class DeliveryOptions
{
    /// <summary>Diagnoses waiting per sink; beyond it the oldest waiting one is dropped and counted.</summary>
    public int QueueCapacity { get; set; } = 1000;

    /// <summary>Attempts per delivery (the first included).</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The first retry's delay; each next one doubles, with jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Deliveries in flight per sink. One keeps each sink's deliveries in order; more let a sink whose every delivery is
    /// a round trip (Kubernetes Events, webhooks) keep up with more than one diagnosis per round trip.
    /// </summary>
    public int Concurrency { get; set; } = 1;

    public void Validate()
    {
        if (QueueCapacity < 1) throw new ArgumentException("delivery.queueCapacity must be at least 1");
        if (Concurrency < 1) throw new ArgumentException("delivery.concurrency must be at least 1");
        if (MaxAttempts < 1) throw new ArgumentException("delivery.maxAttempts must be at least 1");
        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff) throw new ArgumentException("delivery backoff must be positive and maxBackoff at least initialBackoff");
    }
}
