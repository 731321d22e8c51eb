using System.Text.Json.Nodes;
using Vigil.Cluster.Server;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Nodes;

/// <summary>A simulated cluster with three nodes, running 20 times faster than real time.</summary>
public class NodeClusterFixture : ClusterFixture
{
    public const double Speed = 20;

    protected override ClusterOptions Options => new() { Simulate = true, Speed = Speed, Nodes = 3 };

    public Kubectl Kubectl => new(KubeconfigPath);

    /// <summary>Applies a manifest with kubectl (in <paramref name="ns"/>, created when missing).</summary>
    public async Task Apply(string yaml, string ns = "default")
    {
        if (ns != "default")
            (await Kubectl.RunWithInput($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "apply", "-f", "-")).Succeeded();
        (await Kubectl.RunWithInput(yaml, "apply", "-n", ns, "-f", "-")).Succeeded();
    }

    public async Task<JsonObject?> Get(string path)
    {
        var (status, body) = await Http.Get(path);
        return status == 200 ? body as JsonObject : null;
    }

    public Task<JsonObject?> Pod(string ns, string name) => Get($"/api/v1/namespaces/{ns}/pods/{name}");

    public Task<JsonObject?> Node(string name) => Get($"/api/v1/nodes/{name}");

    /// <summary>Waits (real time) until the pod satisfies <paramref name="done"/>; returns it.</summary>
    public async Task<JsonObject> WaitPod(string ns, string name, Func<JsonObject, bool> done, string what, double seconds = 30) =>
        (await Eventually.Until(() => Pod(ns, name), p => p is not null && done(p), TimeSpan.FromSeconds(seconds), $"pod {ns}/{name}: {what}"))!;

    public async Task<JsonObject> WaitNode(string name, Func<JsonObject, bool> done, string what, double seconds = 30) =>
        (await Eventually.Until(() => Node(name), n => n is not null && done(n), TimeSpan.FromSeconds(seconds), $"node {name}: {what}"))!;

    /// <summary>The core/v1 Events about an object, oldest first.</summary>
    public async Task<List<JsonObject>> Events(string ns, string name, string? kind = null)
    {
        var selector = $"involvedObject.name={name}" + (kind is null ? "" : $",involvedObject.kind={kind}");
        var (_, body) = await Http.Get($"/api/v1/namespaces/{ns}/events?fieldSelector={Uri.EscapeDataString(selector)}");
        return [.. (body?["items"] as JsonArray ?? []).OfType<JsonObject>().OrderBy(e => e["firstTimestamp"]?.GetValue<string>(), StringComparer.Ordinal)];
    }

    /// <summary>Waits until an event with the reason (and a message containing <paramref name="contains"/>) exists about the object.</summary>
    public async Task<JsonObject> WaitEvent(string ns, string name, string reason, string? contains = null, double seconds = 30, string? kind = null)
    {
        var events = await Eventually.Until(() => Events(ns, name, kind),
            list => list.Any(e => Matches(e, reason, contains)), TimeSpan.FromSeconds(seconds), $"event {reason} ({contains}) about {ns}/{name}");
        return events.First(e => Matches(e, reason, contains));
    }

    private static bool Matches(JsonObject e, string reason, string? contains) =>
        e["reason"]?.GetValue<string>() == reason && (contains is null || (e["message"]?.GetValue<string>() ?? "").Contains(contains, StringComparison.Ordinal));
}

/// <summary>JSON accessors for the fields the tests read.</summary>
public static class PodJson
{
    public static string? Phase(this JsonObject pod) => pod["status"]?["phase"]?.GetValue<string>();

    public static string? NodeName(this JsonObject pod) => pod["spec"]?["nodeName"]?.GetValue<string>();

    public static JsonObject? Condition(this JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);

    public static string? ConditionStatus(this JsonObject obj, string type) => obj.Condition(type)?["status"]?.GetValue<string>();

    public static JsonObject? Container(this JsonObject pod, string name, bool init = false) =>
        (pod["status"]?[init ? "initContainerStatuses" : "containerStatuses"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["name"]?.GetValue<string>() == name);

    public static string? WaitingReason(this JsonObject pod, string container, bool init = false) =>
        pod.Container(container, init)?["state"]?["waiting"]?["reason"]?.GetValue<string>();

    public static bool IsRunning(this JsonObject pod, string container) => pod.Container(container)?["state"]?["running"] is not null;

    public static long RestartCount(this JsonObject pod, string container, bool init = false) =>
        pod.Container(container, init)?["restartCount"]?.GetValue<long>() ?? 0;

    public static bool IsReady(this JsonObject pod) => pod.ConditionStatus("Ready") == "True";
}
