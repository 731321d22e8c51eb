using System.Globalization;
using System.Text.Json.Nodes;
using static Vigil.Cluster.Selectors.JsonAccess;
using static Vigil.Cluster.Tables.PrintFormat;

namespace Vigil.Cluster.Tables;

/// <summary>
/// The pod row of <c>kubectl get pods</c>, computed as the apiserver's <c>printPod</c> does: READY counts ready running
/// containers (and started restartable init containers), STATUS walks init containers then containers (last first) for
/// waiting/terminated reasons, RESTARTS adds the age of the last restart.
/// </summary>
internal static class PodPrinter
{
    public static readonly IReadOnlyList<TableColumn> Columns =
    [
        BuiltInPrinters.NameColumn,
        new("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
        new("Status", "string", "The aggregate status of the containers in this pod."),
        new("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        BuiltInPrinters.AgeColumn,
        new("IP", "string", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
        new("Node", "string", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.", 1),
        new("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.", 1),
        new("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates", 1),
    ];

    /// <summary>The reason a pod on an unreachable node is given (<c>node.NodeUnreachablePodReason</c>).</summary>
    private const string NodeUnreachablePodReason = "NodeLost";

    public static JsonArray Cells(JsonObject pod, DateTimeOffset now)
    {
        var spec = Obj(pod, "spec");
        var status = Obj(pod, "status");
        var conditions = Arr(status, "conditions");

        long restarts = 0;
        long restartableInitContainerRestarts = 0;
        var totalContainers = Arr(spec, "containers")?.Count ?? 0;
        var readyContainers = 0;
        DateTimeOffset? lastRestartDate = null;
        DateTimeOffset? lastRestartableInitContainerRestartDate = null;

        var podPhase = Text(status, "phase");
        var reason = podPhase;
        if (Text(status, "reason") is { Length: > 0 } statusReason) reason = statusReason;

        // A pod held back by scheduling gates says so.
        foreach (var condition in conditions ?? [])
            if (Text(condition, "type") == "PodScheduled" && Text(condition, "reason") == "SchedulingGated")
                reason = "SchedulingGated";

        // Init containers with restartPolicy Always are sidecars: they count as containers.
        var initContainers = Arr(spec, "initContainers");
        var restartableInit = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in initContainers ?? [])
        {
            if (Text(c, "restartPolicy") == "Always")
            {
                restartableInit.Add(Text(c, "name"));
                totalContainers++;
            }
        }

        var initializing = false;
        var initStatuses = Arr(status, "initContainerStatuses") ?? [];
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var container = initStatuses[i];
            restarts += Int(container, "restartCount");
            Later(ref lastRestartDate, Time(container, "lastState", "terminated", "finishedAt"));
            var restartable = restartableInit.Contains(Text(container, "name"));
            if (restartable)
            {
                restartableInitContainerRestarts += Int(container, "restartCount");
                Later(ref lastRestartableInitContainerRestartDate, Time(container, "lastState", "terminated", "finishedAt"));
            }

            var terminated = Obj(container, "state", "terminated");
            var waiting = Obj(container, "state", "waiting");
            if (terminated is not null && Int(terminated, "exitCode") == 0) continue;
            if (restartable && Flag(container, "started"))
            {
                if (Flag(container, "ready")) readyContainers++;
                continue;
            }
            if (terminated is not null)
            {
                // Initialization failed.
                if (Text(terminated, "reason") is { Length: > 0 } terminatedReason)
                    reason = "Init:" + terminatedReason;
                else if (Int(terminated, "signal") != 0)
                    reason = Invariant($"Init:Signal:{Int(terminated, "signal")}");
                else
                    reason = Invariant($"Init:ExitCode:{Int(terminated, "exitCode")}");
            }
            else if (waiting is not null && Text(waiting, "reason") is { Length: > 0 } waitingReason && waitingReason != "PodInitializing")
            {
                reason = "Init:" + waitingReason;
            }
            else
            {
                reason = Invariant($"Init:{i}/{initContainers?.Count ?? 0}");
            }
            initializing = true;
            break;
        }

        if (!initializing || ConditionTrue(conditions, "Initialized"))
        {
            restarts = restartableInitContainerRestarts;
            lastRestartDate = lastRestartableInitContainerRestartDate;
            var hasRunning = false;
            var statuses = Arr(status, "containerStatuses") ?? [];
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var container = statuses[i];
                restarts += Int(container, "restartCount");
                Later(ref lastRestartDate, Time(container, "lastState", "terminated", "finishedAt"));
                var waiting = Obj(container, "state", "waiting");
                var terminated = Obj(container, "state", "terminated");
                if (waiting is not null && Text(waiting, "reason").Length > 0)
                {
                    reason = Text(waiting, "reason");
                }
                else if (terminated is not null && Text(terminated, "reason").Length > 0)
                {
                    reason = Text(terminated, "reason");
                }
                else if (terminated is not null)
                {
                    reason = Int(terminated, "signal") != 0
                        ? Invariant($"Signal:{Int(terminated, "signal")}")
                        : Invariant($"ExitCode:{Int(terminated, "exitCode")}");
                }
                else if (Flag(container, "ready") && Obj(container, "state", "running") is not null)
                {
                    hasRunning = true;
                    readyContainers++;
                }
            }

            // A pod whose last container completed while another still runs is Running (or NotReady), not Completed.
            if (reason == "Completed" && hasRunning)
                reason = ConditionTrue(conditions, "Ready") ? "Running" : "NotReady";
        }

        var deleting = At(pod, "metadata", "deletionTimestamp") is not null;
        if (deleting && Text(status, "reason") == NodeUnreachablePodReason)
            reason = "Unknown";
        else if (deleting && podPhase is not ("Succeeded" or "Failed"))
            reason = "Terminating";

        var restartsText = Itoa(restarts);
        if (restarts != 0 && lastRestartDate is { } last)
            restartsText = $"{restarts.ToString(CultureInfo.InvariantCulture)} ({HumanDuration.Since(last, now)} ago)";

        var podIPs = Arr(status, "podIPs");
        var podIP = podIPs is { Count: > 0 } ? Text(podIPs[0], "ip") : Text(status, "podIP");
        var nodeName = Text(spec, "nodeName");
        var nominatedNodeName = Text(status, "nominatedNodeName");

        var readinessGates = "<none>";
        if (Arr(spec, "readinessGates") is { Count: > 0 } gates)
        {
            var trueConditions = 0;
            foreach (var gate in gates)
                if (Condition(conditions, Text(gate, "conditionType")) is { } c && Text(c, "status") == "True")
                    trueConditions++;
            readinessGates = Invariant($"{trueConditions}/{gates.Count}");
        }

        return new JsonArray(
            Text(pod, "metadata", "name"),
            Invariant($"{readyContainers}/{totalContainers}"),
            reason,
            restartsText,
            Age(pod, now),
            podIP.Length > 0 ? podIP : "<none>",
            nodeName.Length > 0 ? nodeName : "<none>",
            nominatedNodeName.Length > 0 ? nominatedNodeName : "<none>",
            readinessGates);
    }

    /// <summary>The row conditions the apiserver attaches to finished pods (<c>Completed</c>, reason Succeeded or Failed).</summary>
    public static JsonArray? Conditions(JsonObject pod) => Text(pod, "status", "phase") switch
    {
        "Succeeded" => [new JsonObject { ["type"] = "Completed", ["status"] = "True", ["reason"] = "Succeeded", ["message"] = "The pod has completed successfully." }],
        "Failed" => [new JsonObject { ["type"] = "Completed", ["status"] = "True", ["reason"] = "Failed", ["message"] = "The pod failed." }],
        _ => null,
    };

    private static void Later(ref DateTimeOffset? latest, DateTimeOffset? candidate)
    {
        if (candidate is { } c && (latest is null || latest < c)) latest = c;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
