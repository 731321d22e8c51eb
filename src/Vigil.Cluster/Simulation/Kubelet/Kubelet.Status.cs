using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Simulation.Nodes;

namespace Vigil.Cluster.Simulation.Kubelet;

internal sealed partial class Kubelet
{
    private static readonly string[] ConditionOrder = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"];
    private static readonly HashSet<string> OwnStatusFields = new(StringComparer.Ordinal)
    {
        "phase", "conditions", "message", "reason", "hostIP", "hostIPs", "podIP", "podIPs", "startTime", "initContainerStatuses", "containerStatuses",
    };

    /// <summary>
    /// The pod status the kubelet reports for the runtime's state at <paramref name="now"/>, over the stored status: fields and
    /// conditions the kubelet does not own (PodScheduled, DisruptionTarget, qosClass, nominatedNodeName...) are kept, and a
    /// condition keeps its lastTransitionTime while its status holds.
    /// </summary>
    private static JsonObject BuildStatus(PodRuntime rt, JsonObject pod, NodeRecord node, DateTimeOffset now)
    {
        var old = pod["status"] as JsonObject;
        if (rt.Rejected)
        {
            var rejected = new JsonObject { ["phase"] = "Failed" };
            if (old?["conditions"] is { } kept) rejected["conditions"] = kept.DeepClone();
            rejected["message"] = rt.Message;
            rejected["reason"] = rt.Reason;
            rejected["startTime"] = Meta.Time(rt.StartTime ?? now);
            if (old?["qosClass"] is { } qos) rejected["qosClass"] = qos.DeepClone();
            return rejected;
        }
        var phase = ComputePhase(rt);
        var terminal = rt.TerminalPhase is not null;

        // Conditions, computed on a scratch copy of the stored ones so unchanged ones keep their times.
        var scratch = new JsonObject { ["status"] = new JsonObject { ["conditions"] = old?["conditions"]?.DeepClone() ?? new JsonArray() } };
        var initIncomplete = rt.InitContainers.Skip(rt.InitDone).Select(c => c.Name).ToList();
        var regular = rt.InitContainers.Where(c => c.Sidecar).Concat(rt.Containers).ToList();
        var unready = regular.Where(c => !c.IsReady(now)).Select(c => c.Name).ToList();
        Conditions.Set(scratch, "PodReadyToStartContainers", rt.SandboxReady && !terminal ? "True" : "False", null, null, now, probeTimes: true);
        if (terminal && phase == "Succeeded")
        {
            Conditions.Set(scratch, "Initialized", "True", "PodCompleted", null, now, probeTimes: true);
            Conditions.Set(scratch, "Ready", "False", "PodCompleted", null, now, probeTimes: true);
            Conditions.Set(scratch, "ContainersReady", "False", "PodCompleted", null, now, probeTimes: true);
        }
        else
        {
            if (initIncomplete.Count == 0)
                Conditions.Set(scratch, "Initialized", "True", null, null, now, probeTimes: true);
            else
                Conditions.Set(scratch, "Initialized", "False", "ContainersNotInitialized", $"containers with incomplete status: [{string.Join(' ', initIncomplete)}]", now, probeTimes: true);
            if (terminal) unready = [.. regular.Select(c => c.Name)];
            var containersReady = unready.Count == 0;
            var message = $"containers with unready status: [{string.Join(' ', unready)}]";
            Conditions.Set(scratch, "ContainersReady", containersReady ? "True" : "False", containersReady ? null : "ContainersNotReady", containersReady ? null : message, now, probeTimes: true);
            if (!containersReady)
                Conditions.Set(scratch, "Ready", "False", "ContainersNotReady", message, now, probeTimes: true);
            else if (node.Ready == "True")
                Conditions.Set(scratch, "Ready", "True", null, null, now, probeTimes: true);
            else
            {
                // The node lifecycle controller marks pods on a node that is not ready as not ready (it keeps the reason as it was).
                var ready = Conditions.Get(scratch, "Ready");
                if (ready is null || Meta.Str(ready, "status") != "False")
                    Conditions.Set(scratch, "Ready", "False", null, null, now, probeTimes: true);
            }
        }
        var conditions = (JsonArray)scratch["status"]!["conditions"]!;
        var ordered = new JsonArray();
        foreach (var type in ConditionOrder)
            if (conditions.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == type) is { } c) ordered.Add(c.DeepClone());
        foreach (var c in conditions.OfType<JsonObject>())
            if (!ConditionOrder.Contains(Meta.Str(c, "type"))) ordered.Add(c.DeepClone());

        var status = new JsonObject { ["phase"] = phase, ["conditions"] = ordered };
        if (rt.Message is not null) status["message"] = rt.Message;
        if (rt.Reason is not null) status["reason"] = rt.Reason;
        if (old?["nominatedNodeName"] is { } nominated) status["nominatedNodeName"] = nominated.DeepClone();
        if (rt.HostIp is { } hostIp && rt.StartTime is not null)
        {
            status["hostIP"] = hostIp;
            status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp });
        }
        if (rt.PodIp is { } podIp)
        {
            status["podIP"] = podIp;
            status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp });
        }
        if (rt.StartTime is { } start) status["startTime"] = Meta.Time(start);
        if (rt.InitContainers.Count > 0) status["initContainerStatuses"] = new JsonArray([.. rt.InitContainers.Select(c => (JsonNode)ContainerStatus(c, now))]);
        status["containerStatuses"] = new JsonArray([.. rt.Containers.Select(c => (JsonNode)ContainerStatus(c, now))]);
        if (old is not null)
            foreach (var (key, value) in old)
                if (!OwnStatusFields.Contains(key) && key != "nominatedNodeName") status[key] = value?.DeepClone();
        return status;
    }

    private static JsonObject ContainerStatus(ContainerRuntime c, DateTimeOffset now)
    {
        JsonObject state;
        switch (c.Phase)
        {
            case ContainerPhase.Running:
                state = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Meta.Time(c.StartedAt) } };
                break;
            case ContainerPhase.Terminated when c.Current is { } t:
                state = new JsonObject { ["terminated"] = Terminated(t) };
                break;
            default:
                var waiting = new JsonObject { ["reason"] = c.WaitingReason };
                if (c.WaitingMessage is not null) waiting["message"] = c.WaitingMessage;
                state = new JsonObject { ["waiting"] = waiting };
                break;
        }
        var status = new JsonObject
        {
            ["name"] = c.Name,
            ["state"] = state,
            ["lastState"] = c.Last is { } last ? new JsonObject { ["terminated"] = Terminated(last) } : new JsonObject(),
            ["ready"] = c.IsReady(now),
            ["restartCount"] = c.RestartCount,
            ["image"] = Images.Normalize(c.Image),
            ["imageID"] = c.ImageId,
        };
        var containerId = c.Phase switch
        {
            ContainerPhase.Running => c.ContainerId,
            ContainerPhase.Terminated => c.Current?.ContainerId,
            _ => c.Last?.ContainerId,
        };
        if (containerId is not null) status["containerID"] = containerId;
        status["started"] = c.IsStarted(now);
        return status;
    }

    private static JsonObject Terminated(TerminatedInstance t)
    {
        var o = new JsonObject { ["exitCode"] = t.ExitCode, ["reason"] = t.Reason };
        if (t.Message is not null) o["message"] = t.Message;
        o["startedAt"] = Meta.Time(t.StartedAt);
        o["finishedAt"] = Meta.Time(t.FinishedAt);
        if (t.ContainerId is not null) o["containerID"] = t.ContainerId;
        return o;
    }
}
