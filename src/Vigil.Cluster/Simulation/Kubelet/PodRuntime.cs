using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Simulation.Kubelet;

internal enum ContainerPhase
{
    Waiting,
    Running,
    Terminated,
}

/// <summary>A finished container instance, as <c>state.terminated</c> / <c>lastState.terminated</c> show it.</summary>
internal sealed record TerminatedInstance(int ExitCode, string Reason, string? Message, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string? ContainerId);

/// <summary>
/// The lines one container instance writes: the behaviour's lines, one every <see cref="Interval"/> from its start, up to the
/// moment it stopped. Computed on read, never stored line by line.
/// </summary>
internal sealed class LogInstance(IReadOnlyList<string> lines, DateTimeOffset start, TimeSpan interval)
{
    public IReadOnlyList<string> Lines { get; } = lines;
    public DateTimeOffset Start { get; } = start;
    public TimeSpan Interval { get; } = interval;
    public DateTimeOffset? End { get; set; }

    public DateTimeOffset TimeOf(int index) => Start + Interval * index;

    /// <summary>How many lines were written by <paramref name="now"/>.</summary>
    public int WrittenBy(DateTimeOffset now)
    {
        var until = End is { } end && end < now ? end : now;
        if (until < Start) return 0;
        if (Interval <= TimeSpan.Zero) return Lines.Count;
        var count = (int)Math.Floor((until - Start) / Interval) + 1;
        if (End is { } e && e <= until && Start + Interval * (count - 1) >= e) count--;
        return Math.Clamp(count, 0, Lines.Count);
    }
}

/// <summary>How a probe of the container is declared (defaults when the container declares none).</summary>
internal sealed record ProbeSpec(string Kind, string Detail, int InitialDelaySeconds, int PeriodSeconds, int FailureThreshold)
{
    public static ProbeSpec Parse(JsonObject? probe, string defaultStatus)
    {
        static int Int(JsonNode? n, int fallback) => n is JsonValue v && v.TryGetValue<int>(out var i) && i >= 0 ? i : fallback;
        if (probe is null) return new ProbeSpec("httpGet", defaultStatus, 0, 10, 3);
        var (kind, detail) = probe switch
        {
            _ when probe["httpGet"] is JsonObject => ("httpGet", defaultStatus),
            _ when probe["tcpSocket"] is JsonObject t => ("tcpSocket", t["port"]?.ToString() ?? "80"),
            _ when probe["grpc"] is JsonObject g => ("grpc", g["port"]?.ToString() ?? ""),
            _ when probe["exec"]?["command"] is JsonArray cmd => ("exec", string.Join(' ', cmd.Select(c => c?.ToString()))),
            _ => ("httpGet", defaultStatus),
        };
        return new ProbeSpec(kind, detail, Int(probe["initialDelaySeconds"], 0), Math.Max(1, Int(probe["periodSeconds"], 10)), Math.Max(1, Int(probe["failureThreshold"], 3)));
    }

    /// <summary>The prober's failure output for this kind of probe.</summary>
    public string Failure(string? podIp) => Kind switch
    {
        "tcpSocket" => $"dial tcp {podIp ?? "127.0.0.1"}:{Detail}: connect: connection refused",
        "grpc" => $"timeout: failed to connect service \"{podIp ?? "127.0.0.1"}:{Detail}\" within 1s: context deadline exceeded",
        "exec" => $"command \"{Detail}\" exited with 1",
        _ => "HTTP probe failed with statuscode: " + Detail,
    };
}

/// <summary>One container of a pod on a simulated node: its current instance, the last finished one, image and back-off state.</summary>
internal sealed class ContainerRuntime(string name, bool init, bool sidecar)
{
    public string Name { get; } = name;
    public bool Init { get; } = init;

    /// <summary>An init container with <c>restartPolicy: Always</c>: it starts before the others and keeps running.</summary>
    public bool Sidecar { get; } = sidecar;

    public string FieldPath => (Init ? "spec.initContainers{" : "spec.containers{") + Name + "}";

    public string Image { get; set; } = "";
    public string PullPolicy { get; set; } = "IfNotPresent";
    public ContainerBehaviour Behaviour { get; set; } = new();
    public JsonObject Spec { get; set; } = [];
    public Quantity? MemoryLimit { get; set; }
    public Quantity? MemoryRequest { get; set; }
    public ProbeSpec Readiness { get; set; } = ProbeSpec.Parse(null, "503");
    public ProbeSpec Liveness { get; set; } = ProbeSpec.Parse(null, "500");

    public ContainerPhase Phase { get; set; }
    public string WaitingReason { get; set; } = "ContainerCreating";
    public string? WaitingMessage { get; set; }

    /// <summary>Instances started so far; the restart count is one less.</summary>
    public int Attempts { get; set; }
    public int RestartCount => Math.Max(0, Attempts - 1);
    public string? ContainerId { get; set; }
    public string ImageId { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset ReadyAt { get; set; }
    public TerminatedInstance? Current { get; set; }
    public TerminatedInstance? Last { get; set; }

    // The run: when it ends and how.
    public DateTimeOffset? ExitAt { get; set; }
    public int PlannedExitCode { get; set; }
    public bool PlannedOom { get; set; }
    public DateTimeOffset? LivenessKillAt { get; set; }
    public int LivenessProbesReported { get; set; }
    public DateTimeOffset? NextReadinessReport { get; set; }

    // Image pulls.
    public bool ImageReady { get; set; }
    public DateTimeOffset? PullStartedAt { get; set; }
    public DateTimeOffset? PullDoneAt { get; set; }
    public DateTimeOffset? PullRetryAt { get; set; }
    public DateTimeOffset? PullBackOffShownAt { get; set; }
    public string? PullError { get; set; }
    public BackOff PullBackOff { get; } = BackOff.ImagePulls();

    // Restarts.
    public BackOff RestartBackOff { get; } = BackOff.Containers();
    public DateTimeOffset? RestartAt { get; set; }

    public string? ConfigError { get; set; }
    public DateTimeOffset? ConfigRetryAt { get; set; }

    // Termination (pod deletion).
    public DateTimeOffset? StopAt { get; set; }
    public bool StopKills { get; set; }

    public LogInstance? CurrentLog { get; set; }
    public LogInstance? PreviousLog { get; set; }

    public bool IsReady(DateTimeOffset now) => Phase == ContainerPhase.Running && now >= ReadyAt && !Behaviour.ReadinessFails;

    public bool IsStarted(DateTimeOffset now) => Phase == ContainerPhase.Running && now >= ReadyAt;

    public void Wait(string reason, string? message = null)
    {
        Phase = ContainerPhase.Waiting;
        WaitingReason = reason;
        WaitingMessage = message;
    }
}

/// <summary>A pod a simulated kubelet runs. All fields are guarded by <see cref="Gate"/>.</summary>
internal sealed class PodRuntime(string key, string ns, string name, string uid, string node)
{
    public Lock Gate { get; } = new();
    public string Key { get; } = key;
    public string Namespace { get; } = ns;
    public string Name { get; } = name;
    public string Uid { get; } = uid;
    public string NodeName { get; } = node;

    /// <summary>The pod in event and message form: <c>name_namespace(uid)</c>.</summary>
    public string Formatted => $"{Name}_{Namespace}({Uid})";

    public JsonObject Reference { get; } = new()
    {
        ["kind"] = "Pod",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["uid"] = uid },
    };

    public bool Initialized { get; set; }
    public string RestartPolicy { get; set; } = "Always";
    public string BehaviourSignature { get; set; } = "";
    public List<ContainerRuntime> InitContainers { get; } = [];
    public List<ContainerRuntime> Containers { get; } = [];
    public IEnumerable<ContainerRuntime> All => InitContainers.Concat(Containers);

    public DateTimeOffset? StartTime { get; set; }
    public string? PodIp { get; set; }

    /// <summary>The pod's address went back to its node's pool (the status keeps showing it).</summary>
    public bool IpReleased { get; set; }
    public string? HostIp { get; set; }
    public bool SandboxReady { get; set; }

    /// <summary>Init containers done (completed, or started for sidecars), in order.</summary>
    public int InitDone { get; set; }

    // Volumes that cannot be mounted yet.
    public DateTimeOffset? MountWaitingSince { get; set; }
    public DateTimeOffset? NextMountAttempt { get; set; }
    public TimeSpan MountBackOff { get; set; }
    public DateTimeOffset? NextMountTimeoutReport { get; set; }

    public DateTimeOffset? KillStartedAt { get; set; }

    /// <summary>The pod finished (Succeeded or Failed); nothing runs any more.</summary>
    public string? TerminalPhase { get; set; }

    /// <summary>Found finished (someone else wrote its terminal status): its status is left as it is.</summary>
    public bool Adopted { get; set; }

    /// <summary>Refused by the kubelet's admission: it never ran, and its status says only why.</summary>
    public bool Rejected { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }

    public static string Seconds(TimeSpan d) => ((long)Math.Round(d.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";
}
