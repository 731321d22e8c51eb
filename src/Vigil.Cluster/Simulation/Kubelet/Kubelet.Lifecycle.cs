using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Simulation.Nodes;

namespace Vigil.Cluster.Simulation.Kubelet;

internal sealed partial class Kubelet
{
    /// <summary>Runs a pod's state machine up to <paramref name="now"/>; returns when it next needs a look.</summary>
    private DateTimeOffset? Advance(PodRuntime rt, JsonObject pod, NodeRecord node, DateTimeOffset now)
    {
        if (Meta.IsDeleting(pod)) return Terminate(rt, pod, now);
        if (rt.TerminalPhase is not null) return null;
        rt.StartTime ??= now;

        if (pod["spec"]?["activeDeadlineSeconds"] is JsonValue ads && ads.TryGetValue<long>(out var deadline) && rt.StartTime.Value.AddSeconds(deadline) <= now)
        {
            const string message = "Pod was active on the node longer than the specified deadline";
            Event(rt, null, "Normal", "DeadlineExceeded", message);
            foreach (var c in rt.All.Where(c => c.Phase == ContainerPhase.Running))
            {
                Event(rt, c, "Normal", "Killing", $"Stopping container {c.Name}");
                Exit(c, now, 137, "Error");
            }
            Finish(rt, "Failed", "DeadlineExceeded", message);
            return null;
        }
        DateTimeOffset? next = pod["spec"]?["activeDeadlineSeconds"] is JsonValue a && a.TryGetValue<long>(out var d) ? rt.StartTime.Value.AddSeconds(d) : null;

        if (!rt.SandboxReady)
        {
            var wait = MountVolumes(rt, pod, now);
            if (wait is not null) return Min(next, wait);
            rt.SandboxReady = true;
            rt.PodIp = AllocateIp(node);
        }

        // Sidecars already started keep being run while the init sequence goes on.
        for (var i = 0; i < rt.InitDone && i < rt.InitContainers.Count; i++)
            if (rt.InitContainers[i].Sidecar) next = Min(next, AdvanceContainer(rt, rt.InitContainers[i], pod, node, now));
        while (rt.InitDone < rt.InitContainers.Count)
        {
            var c = rt.InitContainers[rt.InitDone];
            var n = AdvanceContainer(rt, c, pod, node, now);
            if (c.Sidecar)
            {
                if (!c.IsStarted(now)) return Min(next, n);
                rt.InitDone++;
                next = Min(next, n);
                continue;
            }
            if (c.Phase == ContainerPhase.Terminated && c.Current?.ExitCode == 0)
            {
                rt.InitDone++;
                continue;
            }
            if (c.Phase == ContainerPhase.Terminated && rt.RestartPolicy == "Never")
            {
                Finish(rt, "Failed", null, null);
                return null;
            }
            return Min(next, n);
        }

        foreach (var c in rt.Containers) next = Min(next, AdvanceContainer(rt, c, pod, node, now));
        var phase = ComputePhase(rt);
        if (phase is "Succeeded" or "Failed")
        {
            foreach (var sidecar in rt.InitContainers.Where(c => c.Sidecar && c.Phase == ContainerPhase.Running))
                Exit(sidecar, now, 0, "Completed");
            Finish(rt, phase, null, null);
            return null;
        }
        return next;
    }

    private void Finish(PodRuntime rt, string phase, string? reason, string? message)
    {
        rt.TerminalPhase = phase;
        rt.Reason = reason;
        rt.Message = message;
        rt.SandboxReady = false;
        ReleaseIp(rt);
        WaitOnConfig(rt, false);
    }

    // ---- volumes ----

    /// <summary>Waits for the ConfigMaps and Secrets the pod's volumes need, with FailedMount events; null once all are there.</summary>
    private DateTimeOffset? MountVolumes(PodRuntime rt, JsonObject pod, DateTimeOffset now)
    {
        var failures = new List<(string Volume, string Message)>();
        var unbound = new List<string>();
        if (pod["spec"]?["volumes"] is JsonArray volumes)
            foreach (var v in volumes.OfType<JsonObject>())
            {
                var volume = Meta.Str(v, "name") ?? "";
                if (v["persistentVolumeClaim"] is JsonObject claimRef && Meta.Str(claimRef, "claimName") is { } claim)
                {
                    // The volume manager waits for the claim to be bound (a WaitForFirstConsumer claim binds after scheduling).
                    var pvc = _ops.TryGetStored(_claims, rt.Namespace, claim);
                    if (pvc is null || pvc.ToNode()["status"]?["phase"]?.GetValue<string>() != "Bound") unbound.Add(volume);
                    continue;
                }
                if (v["configMap"] is JsonObject cm && !Optional(cm) && Meta.Str(cm, "name") is { } cmName && !Exists(_configMaps, rt.Namespace, cmName))
                    failures.Add((volume, $"configmap \"{cmName}\" not found"));
                else if (v["secret"] is JsonObject s && !Optional(s) && Meta.Str(s, "secretName") is { } secretName && !Exists(_secrets, rt.Namespace, secretName))
                    failures.Add((volume, $"secret \"{secretName}\" not found"));
                else if (v["projected"]?["sources"] is JsonArray sources)
                    foreach (var source in sources.OfType<JsonObject>())
                    {
                        if (source["configMap"] is JsonObject pcm && !Optional(pcm) && Meta.Str(pcm, "name") is { } pcmName && !Exists(_configMaps, rt.Namespace, pcmName))
                        {
                            failures.Add((volume, $"configmap \"{pcmName}\" not found"));
                            break;
                        }
                        if (source["secret"] is JsonObject ps && !Optional(ps) && Meta.Str(ps, "name") is { } psName && !Exists(_secrets, rt.Namespace, psName))
                        {
                            failures.Add((volume, $"secret \"{psName}\" not found"));
                            break;
                        }
                    }
            }
        if (failures.Count == 0 && unbound.Count == 0)
        {
            rt.MountWaitingSince = null;
            rt.NextMountAttempt = null;
            WaitOnConfig(rt, false);
            return null;
        }
        WaitOnConfig(rt, true);
        rt.MountWaitingSince ??= now;
        if (failures.Count > 0 && (rt.NextMountAttempt is null || rt.NextMountAttempt <= now))
        {
            foreach (var (volume, message) in failures)
                Event(rt, null, "Warning", "FailedMount", $"MountVolume.SetUp failed for volume \"{volume}\" : {message}");
            rt.MountBackOff = rt.MountBackOff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(500) : rt.MountBackOff * 2 > MaxMountBackOff ? MaxMountBackOff : rt.MountBackOff * 2;
            rt.NextMountAttempt = now + rt.MountBackOff;
        }
        rt.NextMountTimeoutReport ??= rt.MountWaitingSince + MountTimeout;
        if (rt.NextMountTimeoutReport <= now)
        {
            var names = string.Join(' ', failures.Select(f => f.Volume).Concat(unbound).Distinct());
            var unprocessed = string.Join(' ', unbound);
            Event(rt, null, "Warning", "FailedMount",
                $"Unable to attach or mount volumes: unmounted volumes=[{names}], unattached volumes=[], failed to process volumes=[{unprocessed}]: timed out waiting for the condition");
            rt.NextMountTimeoutReport = now + MountTimeout;
        }
        return failures.Count > 0 ? Min(rt.NextMountAttempt, rt.NextMountTimeoutReport) : rt.NextMountTimeoutReport;
    }

    private static bool Optional(JsonObject source) => source["optional"] is JsonValue o && o.TryGetValue<bool>(out var b) && b;

    private bool Exists(Registry.ResourceType type, string ns, string name) => _ops.TryGetStored(type, ns, name) is not null;

    // ---- containers ----

    /// <summary>Runs one container's state machine up to <paramref name="now"/>.</summary>
    private DateTimeOffset? AdvanceContainer(PodRuntime rt, ContainerRuntime c, JsonObject pod, NodeRecord node, DateTimeOffset now)
    {
        for (var step = 0; step < 16; step++)
        {
            switch (c.Phase)
            {
                case ContainerPhase.Waiting:
                    {
                        if (c.RestartAt is { } restartAt)
                        {
                            if (now < restartAt) return restartAt;
                            // The back-off is over: the restart counts as the next step of the back-off.
                            c.RestartAt = null;
                            if (c.Last is { } last) c.RestartBackOff.Next(last.FinishedAt);
                            c.ImageReady = false;
                        }
                        var (ready, wait) = EnsureImage(rt, c, node, now);
                        if (!ready) return wait;
                        if (c.ConfigRetryAt is { } retry && now < retry && c.ConfigError is not null) return retry;
                        if (ConfigError(rt, c) is { } error)
                        {
                            WaitOnConfig(rt, true);
                            Event(rt, c, "Warning", "Failed", "Error: " + error);
                            c.ConfigError = error;
                            c.ConfigRetryAt = now + ConfigRetry;
                            c.ImageReady = false;
                            c.Wait("CreateContainerConfigError", error);
                            return c.ConfigRetryAt;
                        }
                        c.ConfigError = null;
                        c.ConfigRetryAt = null;
                        Start(rt, c, now);
                        continue;
                    }
                case ContainerPhase.Running:
                    {
                        var exitAt = c.ExitAt;
                        if (c.LivenessKillAt is { } killAt && killAt <= now && (exitAt is null || killAt <= exitAt))
                        {
                            ReportLiveness(rt, c, killAt);
                            Event(rt, c, "Normal", "Killing", $"Container {c.Name} failed liveness probe, will be restarted");
                            Exit(c, killAt, 137, "Error");
                            continue;
                        }
                        if (exitAt is { } at && at <= now)
                        {
                            if (c.LivenessKillAt is not null) ReportLiveness(rt, c, at);
                            if (c.PlannedOom)
                            {
                                OomEvent(rt, c, node);
                                Exit(c, at, 137, "OOMKilled");
                            }
                            else Exit(c, at, c.PlannedExitCode, c.PlannedExitCode == 0 ? "Completed" : "Error");
                            continue;
                        }
                        DateTimeOffset? next = Min(exitAt, c.LivenessKillAt);
                        if (c.LivenessKillAt is not null) next = Min(next, ReportLiveness(rt, c, now));
                        if (c.Behaviour.ReadinessFails)
                        {
                            var first = c.StartedAt.AddSeconds(c.Readiness.InitialDelaySeconds);
                            c.NextReadinessReport ??= first;
                            if (c.NextReadinessReport <= now)
                            {
                                Event(rt, c, "Warning", "Unhealthy", "Readiness probe failed: " + c.Readiness.Failure(rt.PodIp));
                                var following = c.NextReadinessReport.Value.AddSeconds(c.Readiness.PeriodSeconds);
                                c.NextReadinessReport = following > now ? following : now.AddSeconds(c.Readiness.PeriodSeconds);
                            }
                            next = Min(next, c.NextReadinessReport);
                        }
                        if (c.ReadyAt > now) next = Min(next, c.ReadyAt);
                        return next;
                    }
                default:
                    {
                        if (!ShouldRestart(rt, c)) return null;
                        var finished = c.Current!.FinishedAt;
                        // The exit shows (Error, OOMKilled, Completed) until the kubelet's next sync decides about the restart.
                        if (now < finished + RestartDecision) return finished + RestartDecision;
                        if (c.RestartBackOff.InBackOffSince(finished, now))
                        {
                            if (c.RestartAt is null)
                            {
                                c.RestartAt = finished + c.RestartBackOff.Current;
                                Event(rt, c, "Warning", "BackOff", $"Back-off restarting failed container {c.Name} in pod {rt.Formatted}");
                            }
                            c.Last = c.Current;
                            c.PreviousLog = c.CurrentLog;
                            c.Wait("CrashLoopBackOff", $"back-off {PodRuntime.Seconds(c.RestartBackOff.Current)} restarting failed container={c.Name} pod={rt.Formatted}");
                            return c.RestartAt;
                        }
                        c.RestartBackOff.Next(finished);
                        c.Last = c.Current;
                        c.PreviousLog = c.CurrentLog;
                        c.ImageReady = false;
                        c.Wait(c.WaitingReason is "CrashLoopBackOff" ? "ContainerCreating" : c.WaitingReason);
                        continue;
                    }
            }
        }
        return now + TimeSpan.FromSeconds(1);
    }

    private bool ShouldRestart(PodRuntime rt, ContainerRuntime c)
    {
        if (c.Sidecar) return true;
        var code = c.Current?.ExitCode ?? 0;
        if (c.Init) return rt.RestartPolicy != "Never" && code != 0;
        return rt.RestartPolicy switch
        {
            "Always" => true,
            "OnFailure" => code != 0,
            _ => false,
        };
    }

    /// <summary>Reports the liveness probe failures due by <paramref name="until"/>; returns when the next one is due.</summary>
    private DateTimeOffset? ReportLiveness(PodRuntime rt, ContainerRuntime c, DateTimeOffset until)
    {
        var probe = c.Liveness;
        while (c.LivenessProbesReported < probe.FailureThreshold)
        {
            var at = c.StartedAt.AddSeconds(probe.InitialDelaySeconds + c.LivenessProbesReported * probe.PeriodSeconds);
            if (at > until) return at;
            Event(rt, c, "Warning", "Unhealthy", "Liveness probe failed: " + probe.Failure(rt.PodIp));
            c.LivenessProbesReported++;
        }
        return null;
    }

    private void Start(PodRuntime rt, ContainerRuntime c, DateTimeOffset now)
    {
        c.Attempts++;
        c.ContainerId = Images.ContainerId(rt.Uid, c.Name, c.Attempts);
        c.StartedAt = now;
        c.ReadyAt = now.AddSeconds(c.Behaviour.StartSeconds);
        c.Current = null;
        c.Phase = ContainerPhase.Running;
        c.WaitingMessage = null;
        c.NextReadinessReport = null;
        c.LivenessProbesReported = 0;
        Event(rt, c, "Normal", "Created", "Created container: " + c.Name);
        Event(rt, c, "Normal", "Started", "Started container " + c.Name);

        var b = c.Behaviour;
        c.PlannedOom = b.MemoryUsage is { } usage && c.MemoryLimit is { } limit && limit.Value > 0 && usage > limit;
        if (c.PlannedOom)
        {
            c.ExitAt = now + (b.RunSeconds is { } r ? TimeSpan.FromSeconds(r) : DefaultOomAfter);
            c.PlannedExitCode = 137;
        }
        else if (b.Exits || (c.Init && !c.Sidecar))
        {
            c.ExitAt = now + (b.RunSeconds is { } r ? TimeSpan.FromSeconds(r) : DefaultExitAfter);
            c.PlannedExitCode = b.ExitCode ?? 0;
        }
        else c.ExitAt = null;
        c.LivenessKillAt = b.LivenessFails
            ? c.StartedAt.AddSeconds(c.Liveness.InitialDelaySeconds + (c.Liveness.FailureThreshold - 1) * c.Liveness.PeriodSeconds)
            : null;

        var lines = b.Logs;
        var interval = DefaultLogInterval;
        if (b.RunSeconds is { } run && lines.Count > 0) interval = TimeSpan.FromSeconds(run) / lines.Count;
        c.CurrentLog = new LogInstance(lines, now, interval);
    }

    private static void Exit(ContainerRuntime c, DateTimeOffset at, int code, string reason)
    {
        c.Phase = ContainerPhase.Terminated;
        c.Current = new TerminatedInstance(code, reason, null, c.StartedAt, at, c.ContainerId);
        c.ExitAt = null;
        c.LivenessKillAt = null;
        c.NextReadinessReport = null;
        if (c.CurrentLog is { } log) log.End = at;
    }

    /// <summary>The kernel's OOM killer, as node-problem-detector reports it on the node.</summary>
    private void OomEvent(PodRuntime rt, ContainerRuntime c, NodeRecord node)
    {
        var limitKb = (c.MemoryLimit?.Units ?? 0) / 1024;
        var pid = 1000 + (int)((uint)StableHash(rt.Uid + c.Name + c.Attempts) % 60000);
        var request = c.MemoryRequest?.Units ?? 0;
        var capacity = Math.Max(1, node.Allocatable.MemoryBytes);
        var adj = request >= (c.MemoryLimit?.Units ?? long.MaxValue) ? -997 : Math.Clamp(1000 - (int)(1000 * request / capacity), 2, 999);
        var message = string.Create(CultureInfo.InvariantCulture,
            $"Memory cgroup out of memory: Killed process {pid} ({c.Name}) total-vm:{limitKb + 24_000}kB, anon-rss:{limitKb}kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:{Math.Max(4, limitKb / 500)}kB oom_score_adj:{adj}");
        var nodeRef = new JsonObject { ["kind"] = "Node", ["apiVersion"] = "v1", ["metadata"] = new JsonObject { ["name"] = node.Name, ["uid"] = node.Uid } };
        _events.Record(_kernel, nodeRef, "Warning", "OOMKilling", message, host: node.Name);
    }

    private static int StableHash(string s)
    {
        unchecked
        {
            var h = (int)2166136261;
            foreach (var ch in s) h = (h ^ ch) * 16777619;
            return h;
        }
    }

    // ---- images ----

    private (bool Ready, DateTimeOffset? Wait) EnsureImage(PodRuntime rt, ContainerRuntime c, NodeRecord node, DateTimeOffset now)
    {
        if (c.ImageReady) return (true, null);
        var image = c.Image;
        var normalized = Images.Normalize(image);
        bool present;
        lock (node.Images) present = node.Images.Contains(normalized);
        if (c.PullPolicy == "Never")
        {
            if (present)
            {
                Event(rt, c, "Normal", "Pulled", $"Container image \"{image}\" already present on machine");
                c.ImageReady = true;
                c.ImageId = Images.Id(image);
                return (true, null);
            }
            var message = $"Container image \"{image}\" is not present with pull policy of Never";
            if (c.WaitingReason != "ErrImageNeverPull") Event(rt, c, "Warning", "ErrImageNeverPull", message);
            c.Wait("ErrImageNeverPull", message);
            return (false, null);
        }
        if (!present || c.PullPolicy == "Always")
        {
            if (Images.Unresolvable(image))
            {
                if (c.PullRetryAt is { } retry && now < retry)
                {
                    if (c.WaitingReason == "ErrImagePull" && c.PullBackOffShownAt is { } show && show <= now)
                    {
                        Event(rt, c, "Normal", "BackOff", $"Back-off pulling image \"{image}\"");
                        Event(rt, c, "Warning", "Failed", "Error: ImagePullBackOff");
                        c.Wait("ImagePullBackOff", $"Back-off pulling image \"{image}\": ErrImagePull: {c.PullError}");
                    }
                    return (false, c.WaitingReason == "ErrImagePull" ? Min(c.PullBackOffShownAt, retry) : retry);
                }
                var error = Images.PullError(image);
                Event(rt, c, "Normal", "Pulling", $"Pulling image \"{image}\"");
                Event(rt, c, "Warning", "Failed", $"Failed to pull image \"{image}\": {error}");
                Event(rt, c, "Warning", "Failed", "Error: ErrImagePull");
                c.PullError = error;
                c.PullBackOff.Next(now);
                c.PullRetryAt = now + c.PullBackOff.Current;
                c.PullBackOffShownAt = now + ImagePullBackOffShownAfter;
                c.Wait("ErrImagePull", error);
                return (false, c.PullBackOffShownAt);
            }
            if (c.PullDoneAt is null)
            {
                Event(rt, c, "Normal", "Pulling", $"Pulling image \"{image}\"");
                c.PullStartedAt = now;
                c.PullDoneAt = now + (c.Behaviour.PullSeconds is { } p ? TimeSpan.FromSeconds(p) : DefaultPull);
                if (c.WaitingReason is "ErrImagePull" or "ImagePullBackOff") c.Wait(rt.InitContainers.Count > 0 ? "PodInitializing" : "ContainerCreating");
            }
            if (now < c.PullDoneAt) return (false, c.PullDoneAt);
            var took = c.PullDoneAt.Value - c.PullStartedAt!.Value;
            Event(rt, c, "Normal", "Pulled",
                $"Successfully pulled image \"{image}\" in {Images.GoDuration(took)} ({Images.GoDuration(took)} including waiting). Image size: {Format(Images.Size(image))} bytes.");
            lock (node.Images) node.Images.Add(normalized);
            c.PullDoneAt = null;
            c.PullRetryAt = null;
        }
        else Event(rt, c, "Normal", "Pulled", $"Container image \"{image}\" already present on machine");
        c.ImageReady = true;
        c.ImageId = Images.Id(image);
        return (true, null);
    }

    // ---- configuration ----

    /// <summary>The kubelet's error making the container's environment: a missing ConfigMap or Secret, or a missing key.</summary>
    private string? ConfigError(PodRuntime rt, ContainerRuntime c)
    {
        if (c.Spec["envFrom"] is JsonArray envFrom)
            foreach (var source in envFrom.OfType<JsonObject>())
            {
                if (source["configMapRef"] is JsonObject cm && !Optional(cm) && Meta.Str(cm, "name") is { } cmName && !Exists(_configMaps, rt.Namespace, cmName))
                    return $"configmap \"{cmName}\" not found";
                if (source["secretRef"] is JsonObject s && !Optional(s) && Meta.Str(s, "name") is { } sName && !Exists(_secrets, rt.Namespace, sName))
                    return $"secret \"{sName}\" not found";
            }
        if (c.Spec["env"] is JsonArray env)
            foreach (var variable in env.OfType<JsonObject>())
            {
                if (variable["valueFrom"] is not JsonObject from) continue;
                if (from["configMapKeyRef"] is JsonObject cmRef && !Optional(cmRef) && KeyError(_configMaps, "configmap", "ConfigMap", rt.Namespace, cmRef) is { } e1) return e1;
                if (from["secretKeyRef"] is JsonObject sRef && !Optional(sRef) && KeyError(_secrets, "secret", "Secret", rt.Namespace, sRef) is { } e2) return e2;
            }
        return null;
    }

    private string? KeyError(Registry.ResourceType type, string resource, string kind, string ns, JsonObject reference)
    {
        var name = Meta.Str(reference, "name") ?? "";
        var key = Meta.Str(reference, "key") ?? "";
        var stored = _ops.TryGetStored(type, ns, name);
        if (stored is null) return $"{resource} \"{name}\" not found";
        var obj = stored.ToNode();
        var has = (obj["data"] as JsonObject)?.ContainsKey(key) == true || (obj["binaryData"] as JsonObject)?.ContainsKey(key) == true
            || (obj["stringData"] as JsonObject)?.ContainsKey(key) == true;
        return has ? null : $"couldn't find key {key} in {kind} {ns}/{name}";
    }

    // ---- deletion ----

    /// <summary>Graceful termination: SIGTERM now, each container stops after its termination time or is killed at the grace period.</summary>
    private DateTimeOffset? Terminate(PodRuntime rt, JsonObject pod, DateTimeOffset now)
    {
        if (rt.TerminalPhase is not null && rt.KillStartedAt is null) return null;
        if (rt.KillStartedAt is null)
        {
            rt.KillStartedAt = now;
            var grace = pod["metadata"]?["deletionGracePeriodSeconds"] is JsonValue g && g.TryGetValue<long>(out var gs) ? gs : 30;
            foreach (var c in rt.All)
            {
                if (c.Phase != ContainerPhase.Running) continue;
                Event(rt, c, "Normal", "Killing", $"Stopping container {c.Name}");
                var takes = c.Behaviour.TerminationSeconds ?? 0;
                c.StopKills = takes >= grace && grace >= 0;
                c.StopAt = now + TimeSpan.FromSeconds(Math.Min(takes, Math.Max(0, grace)));
                c.ExitAt = null;
                c.LivenessKillAt = null;
            }
        }
        DateTimeOffset? next = null;
        foreach (var c in rt.All)
        {
            if (c.Phase != ContainerPhase.Running || c.StopAt is not { } stop) continue;
            if (stop <= now) Exit(c, stop, c.StopKills ? 137 : 0, c.StopKills ? "Error" : "Completed");
            else next = Min(next, stop);
        }
        if (next is not null) return next;
        // Containers that never ran (or were waiting to restart) are reported as unknown, as the kubelet does.
        foreach (var c in rt.All)
        {
            if (c.Phase != ContainerPhase.Waiting) continue;
            c.Phase = ContainerPhase.Terminated;
            c.Current = new TerminatedInstance(137, "ContainerStatusUnknown", "The container could not be located when the pod was terminated",
                c.StartedAt == default ? now : c.StartedAt, now, null);
        }
        var succeeded = rt.Containers.All(c => c.Current?.ExitCode == 0);
        Finish(rt, succeeded ? "Succeeded" : "Failed", rt.Reason, rt.Message);
        return null;
    }

    /// <summary>The kubelet's <c>getPhase</c> over the regular containers.</summary>
    private static string ComputePhase(PodRuntime rt)
    {
        if (rt.TerminalPhase is { } terminal) return terminal;
        if (rt.InitDone < rt.InitContainers.Count) return "Pending";
        int waiting = 0, running = 0, stopped = 0, succeeded = 0;
        foreach (var c in rt.Containers)
        {
            switch (c.Phase)
            {
                case ContainerPhase.Running: running++; break;
                case ContainerPhase.Terminated:
                    stopped++;
                    if (c.Current?.ExitCode == 0) succeeded++;
                    break;
                default:
                    if (c.Last is not null) stopped++;
                    else waiting++;
                    break;
            }
        }
        if (waiting > 0) return "Pending";
        if (running > 0) return "Running";
        if (stopped == 0) return "Pending";
        return rt.RestartPolicy switch
        {
            "Always" => "Running",
            "OnFailure" => stopped == succeeded ? "Succeeded" : "Running",
            _ => stopped == succeeded ? "Succeeded" : "Failed",
        };
    }
}
