using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Controllers;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Tests.Simulation.Workloads.Support;

/// <summary>
/// The tests' stand-in for the scheduler and kubelets while those are built elsewhere: it binds pending pods to a node
/// (nodeSelector, DaemonSet node affinity, NoSchedule taints), then writes pod status as a kubelet would: Running and
/// Ready; Pending with ImagePullBackOff for images on a <c>.invalid</c> host; not ready with
/// <c>sim.vigil.io/ready: "false"</c>; Succeeded or Failed after <c>sim.vigil.io/run-seconds</c> with
/// <c>sim.vigil.io/exit-code</c>. Everything goes through <see cref="ResourceOperations"/> as status writes.
/// </summary>
public sealed class TestKubelet : IAsyncDisposable
{
    private readonly ResourceOperations _ops;
    private readonly ResourceType _pods;
    private readonly ResourceType _nodes;
    private readonly WorkQueue<(string Ns, string Name)> _queue;
    private readonly ConcurrentDictionary<string, int> _ips = new(StringComparer.Ordinal);
    private int _nextIp;

    public TestKubelet(ResourceOperations ops)
    {
        _ops = ops;
        _pods = ops.Registry.Find("", "v1", "pods")!;
        _nodes = ops.Registry.Find("", "v1", "nodes")!;
        _queue = new WorkQueue<(string, string)>(Process, ops.Time, workers: 2);
        ops.Committed += OnCommitted;
    }

    /// <summary>Creates <paramref name="count"/> ready nodes <c>node-1..N</c> when the cluster has none.</summary>
    public void EnsureNodes(int count)
    {
        if (_ops.Store.List(_nodes.StorageKey, null, null).Items.Count > 0) return;
        for (var i = 1; i <= count; i++)
        {
            var capacity = new JsonObject { ["cpu"] = "4", ["memory"] = "16Gi", ["pods"] = "110" };
            var node = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Node",
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"node-{i}",
                    ["labels"] = new JsonObject
                    {
                        ["kubernetes.io/hostname"] = $"node-{i}",
                        ["kubernetes.io/os"] = "linux",
                        ["topology.kubernetes.io/zone"] = $"zone-{(i - 1) % 3}",
                    },
                },
                ["spec"] = new JsonObject(),
                ["status"] = new JsonObject { ["allocatable"] = capacity.DeepClone(), ["capacity"] = capacity },
            };
            _ops.Create(_nodes, null, node, WriteOptions.Default);
            _ops.Mutate(_nodes, null, $"node-{i}", n =>
            {
                n["status"] = node["status"]!.DeepClone();
                Conditions.Set(n, "Ready", "True", "KubeletReady", "kubelet is posting ready status", _ops.Time.GetUtcNow());
                return true;
            }, "status");
        }
    }

    private void OnCommitted(ResourceType type, WatchEvent change)
    {
        if (type.StorageKey == _pods.StorageKey && change.Type != WatchEventType.Deleted)
            _queue.Enqueue((change.Object.Namespace!, change.Object.Name));
        else if (type.StorageKey == _nodes.StorageKey)
            foreach (var pod in _ops.Store.List(_pods.StorageKey, null, null).Items)
                if (!pod.Fields.TryGetValue("spec.nodeName", out var n) || n.Length == 0) _queue.Enqueue((pod.Namespace!, pod.Name));
    }

    private TimeSpan? Process((string Ns, string Name) key)
    {
        var stored = _ops.TryGetStored(_pods, key.Ns, key.Name);
        if (stored is null) return null;
        var pod = stored.ToNode();
        if (Meta.IsDeleting(pod)) return null;
        var phase = Meta.Str(pod["status"], "phase");
        if (phase is "Succeeded" or "Failed") return null;
        var nodeName = Meta.Str(pod["spec"], "nodeName");
        if (string.IsNullOrEmpty(nodeName))
        {
            nodeName = PickNode(pod);
            if (nodeName is null) return null;
            _ops.Mutate(_pods, key.Ns, key.Name, p =>
            {
                if (!string.IsNullOrEmpty(Meta.Str(p["spec"], "nodeName"))) return false;
                Defaulting.Obj(p, "spec")["nodeName"] = nodeName;
                return true;
            }, fieldManager: "test-scheduler");
            return null;
        }
        var annotations = Meta.StringMap(pod["metadata"]?["annotations"]);
        var now = _ops.Time.GetUtcNow();
        var containers = (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var badImage = containers.Select(c => Meta.Str(c, "image") ?? "").FirstOrDefault(i => i.Split('/')[0].EndsWith(".invalid", StringComparison.Ordinal));
        var ready = annotations.GetValueOrDefault("sim.vigil.io/ready") != "false";
        var startTime = Meta.ParseTime(Meta.Str(pod["status"], "startTime")) ?? now;
        if (phase == "Running" && annotations.TryGetValue("sim.vigil.io/run-seconds", out var runText)
            && double.TryParse(runText, NumberStyles.Float, CultureInfo.InvariantCulture, out var runSeconds))
        {
            var finishAt = startTime.AddSeconds(runSeconds);
            if (finishAt > now) return finishAt - now;
            var exit = int.TryParse(annotations.GetValueOrDefault("sim.vigil.io/exit-code", "0"), out var e) ? e : 0;
            Write(key, p =>
            {
                var st = Defaulting.Obj(p, "status");
                st["phase"] = exit == 0 ? "Succeeded" : "Failed";
                foreach (var type in new[] { "Ready", "ContainersReady" })
                    Conditions.Set(p, type, "False", "PodCompleted", null, now, probeTimes: true);
                st["containerStatuses"] = new JsonArray([.. containers.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = Meta.Str(c, "name"), ["image"] = Meta.Str(c, "image"), ["imageID"] = "", ["ready"] = false, ["restartCount"] = 0, ["started"] = false,
                    ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = exit, ["reason"] = exit == 0 ? "Completed" : "Error", ["startedAt"] = Meta.Time(startTime), ["finishedAt"] = Meta.Time(now) } },
                })]);
            });
            return null;
        }
        if (phase == "Running")
        {
            // The readiness probe follows the pod's sim.vigil.io/ready annotation, which may change on a live pod.
            var isReady = Meta.Str((pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => Meta.Str(c, "type") == "Ready"), "status") == "True";
            if (isReady != ready)
                Write(key, p =>
                {
                    var status = ready ? "True" : "False";
                    Conditions.Set(p, "ContainersReady", status, ready ? null : "ContainersNotReady", null, now, probeTimes: true);
                    Conditions.Set(p, "Ready", status, ready ? null : "ContainersNotReady", null, now, probeTimes: true);
                    foreach (var cs in (p["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>()) cs["ready"] = ready;
                });
            return null;
        }
        if (phase == "Pending" && Meta.Str(pod["status"]?["containerStatuses"]?[0]?["state"]?["waiting"], "reason") == "ImagePullBackOff") return null;
        Write(key, p =>
        {
            var st = Defaulting.Obj(p, "status");
            st["hostIP"] = "172.18.0." + (nodeName.Length + 1).ToString(CultureInfo.InvariantCulture);
            st["startTime"] = Meta.Time(now);
            Conditions.Set(p, "PodScheduled", "True", null, null, now, probeTimes: true);
            Conditions.Set(p, "Initialized", "True", null, null, now, probeTimes: true);
            if (badImage is not null)
            {
                st["phase"] = "Pending";
                Conditions.Set(p, "ContainersReady", "False", "ContainersNotReady", $"containers with unready status: [{Meta.Str(containers[0], "name")}]", now, probeTimes: true);
                Conditions.Set(p, "Ready", "False", "ContainersNotReady", $"containers with unready status: [{Meta.Str(containers[0], "name")}]", now, probeTimes: true);
                st["containerStatuses"] = new JsonArray([.. containers.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = Meta.Str(c, "name"), ["image"] = Meta.Str(c, "image"), ["imageID"] = "", ["ready"] = false, ["restartCount"] = 0, ["started"] = false,
                    ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ImagePullBackOff", ["message"] = $"Back-off pulling image \"{Meta.Str(c, "image")}\"" } },
                })]);
                return;
            }
            st["phase"] = "Running";
            st["podIP"] = IpFor(key);
            st["podIPs"] = new JsonArray(new JsonObject { ["ip"] = IpFor(key) });
            var status = ready ? "True" : "False";
            Conditions.Set(p, "ContainersReady", status, ready ? null : "ContainersNotReady", null, now, probeTimes: true);
            Conditions.Set(p, "Ready", status, ready ? null : "ContainersNotReady", null, now, probeTimes: true);
            st["containerStatuses"] = new JsonArray([.. containers.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = Meta.Str(c, "name"), ["image"] = Meta.Str(c, "image"), ["imageID"] = "", ["ready"] = ready, ["restartCount"] = 0, ["started"] = true,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Meta.Time(now) } },
            })]);
        });
        return annotations.ContainsKey("sim.vigil.io/run-seconds") ? TimeSpan.Zero : null;
    }

    private void Write((string Ns, string Name) key, Action<JsonObject> change) =>
        _ops.Mutate(_pods, key.Ns, key.Name, p =>
        {
            if (Meta.IsDeleting(p)) return false;
            change(p);
            return true;
        }, "status", "test-kubelet");

    private string IpFor((string Ns, string Name) key)
    {
        var n = _ips.GetOrAdd(key.Ns + "/" + key.Name, _ => Interlocked.Increment(ref _nextIp));
        return $"10.244.{n / 250}.{n % 250 + 2}";
    }

    private string? PickNode(JsonObject pod)
    {
        var selector = Meta.StringMap(pod["spec"]?["nodeSelector"]);
        var names = (pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"] as JsonArray)?
            .OfType<JsonObject>().SelectMany(t => (t["matchFields"] as JsonArray ?? []).OfType<JsonObject>())
            .Where(f => Meta.Str(f, "key") == "metadata.name").SelectMany(f => (f["values"] as JsonArray ?? []).Select(v => v?.GetValue<string>())).ToHashSet();
        var tolerations = (pod["spec"]?["tolerations"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var candidates = new List<string>();
        foreach (var item in _ops.Store.List(_nodes.StorageKey, null, null).Items)
        {
            var node = item.ToNode();
            var labels = Meta.Labels(node);
            if (selector.Any(kv => !labels.TryGetValue(kv.Key, out var v) || v != kv.Value)) continue;
            if (names is { Count: > 0 } && !names.Contains(item.Name)) continue;
            var taints = (node["spec"]?["taints"] as JsonArray ?? []).OfType<JsonObject>().Where(t => Meta.Str(t, "effect") is "NoSchedule" or "NoExecute");
            if (taints.Any(t => !tolerations.Any(tol => Tolerates(tol, t)))) continue;
            candidates.Add(item.Name);
        }
        if (candidates.Count == 0) return null;
        // Spread pods: the node with the fewest pods.
        return candidates.OrderBy(n => _ops.Store.List(_pods.StorageKey, null, p => p.Fields.TryGetValue("spec.nodeName", out var v) && v == n).Items.Count).ThenBy(n => n, StringComparer.Ordinal).First();
    }

    private static bool Tolerates(JsonObject toleration, JsonObject taint)
    {
        var effect = Meta.Str(toleration, "effect");
        if (!string.IsNullOrEmpty(effect) && effect != Meta.Str(taint, "effect")) return false;
        var key = Meta.Str(toleration, "key");
        if (string.IsNullOrEmpty(key)) return Meta.Str(toleration, "operator") == "Exists";
        if (key != Meta.Str(taint, "key")) return false;
        return Meta.Str(toleration, "operator") == "Exists" || Meta.Str(toleration, "value") == Meta.Str(taint, "value");
    }

    public async ValueTask DisposeAsync()
    {
        _ops.Committed -= OnCommitted;
        await _queue.DisposeAsync();
    }
}
