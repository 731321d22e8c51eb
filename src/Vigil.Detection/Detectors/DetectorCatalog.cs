namespace Vigil.Detection.Detectors;

/// <summary>The built-in detectors with their default settings (the configuration reference documents each).</summary>
public static class DetectorCatalog
{
    public static IReadOnlyDictionary<string, DetectorOptions> Defaults { get; } = new Dictionary<string, DetectorOptions>
    {
        [nameof(PodStuckPending)] = new() { Threshold = TimeSpan.FromMinutes(5) },
        [nameof(PodCrashLoop)] = new() { Count = 3 },
        [nameof(PodFailed)] = new(),
        [nameof(ImagePullFailure)] = new() { Threshold = TimeSpan.FromMinutes(1) },
        [nameof(OOMKilled)] = new(),
        [nameof(ProbeFailure)] = new() { Threshold = TimeSpan.FromMinutes(3) },
        [nameof(ContainerConfigError)] = new(),
        [nameof(PodEvicted)] = new() { Severity = Severity.Info },
        [nameof(PodEventFaults)] = new() { Window = TimeSpan.FromMinutes(10) },
        [nameof(NodeNotReady)] = new() { Severity = Severity.Critical, Threshold = TimeSpan.FromMinutes(1) },
        [nameof(NodePressure)] = new() { Threshold = TimeSpan.FromMinutes(1) },
        [nameof(PVCStuckBinding)] = new() { Threshold = TimeSpan.FromMinutes(2) },
        [nameof(HighPodCount)] = new() { Enabled = false, Severity = Severity.Info, Count = 200, Cooldown = TimeSpan.FromHours(1) },
        [nameof(JobDeadlineExceeded)] = new(),
        [nameof(JobFailed)] = new(),
        [nameof(CronJobFailing)] = new(),
        [nameof(DeploymentRolloutStalled)] = new(),
        [nameof(ReplicasUnavailable)] = new() { Threshold = TimeSpan.FromMinutes(5) },
        [nameof(HPAMaxedOut)] = new() { Threshold = TimeSpan.FromMinutes(5) },
        [nameof(QuotaExhausted)] = new(),
        [nameof(PDBBlockingEviction)] = new() { Threshold = TimeSpan.FromMinutes(2) },
        // A storm must last two minutes: faults that specific detectors explain (1 minute thresholds) open their incident
        // first, and the storm joins it instead of racing ahead of it with a vaguer diagnosis.
        [nameof(WarningEventStorm)] = new() { Severity = Severity.Info, Window = TimeSpan.FromMinutes(5), Count = 50, Threshold = TimeSpan.FromMinutes(2), Cooldown = TimeSpan.FromHours(1) },
    };

    /// <summary>Every built-in detector, with <paramref name="overrides"/> taking the place of the defaults by name.</summary>
    public static IReadOnlyList<IDetector> Create(IReadOnlyDictionary<string, DetectorOptions>? overrides = null)
    {
        DetectorOptions O(string name) => overrides?.GetValueOrDefault(name) ?? Defaults[name];
        return
        [
            new PodStuckPending(O(nameof(PodStuckPending))),
            new PodCrashLoop(O(nameof(PodCrashLoop))),
            new PodFailed(O(nameof(PodFailed))),
            new ImagePullFailure(O(nameof(ImagePullFailure))),
            new OOMKilled(O(nameof(OOMKilled))),
            new ProbeFailure(O(nameof(ProbeFailure))),
            new ContainerConfigError(O(nameof(ContainerConfigError))),
            new PodEvicted(O(nameof(PodEvicted))),
            new PodEventFaults(O(nameof(PodEventFaults))),
            new NodeNotReady(O(nameof(NodeNotReady))),
            new NodePressure(O(nameof(NodePressure))),
            new PVCStuckBinding(O(nameof(PVCStuckBinding))),
            new HighPodCount(O(nameof(HighPodCount))),
            new JobDeadlineExceeded(O(nameof(JobDeadlineExceeded))),
            new JobFailed(O(nameof(JobFailed))),
            new CronJobFailing(O(nameof(CronJobFailing))),
            new DeploymentRolloutStalled(O(nameof(DeploymentRolloutStalled))),
            new ReplicasUnavailable(O(nameof(ReplicasUnavailable))),
            new HPAMaxedOut(O(nameof(HPAMaxedOut))),
            new QuotaExhausted(O(nameof(QuotaExhausted))),
            new PDBBlockingEviction(O(nameof(PDBBlockingEviction))),
            new WarningEventStorm(O(nameof(WarningEventStorm))),
        ];
    }
}
