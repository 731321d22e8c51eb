using System.Text.Json.Nodes;
using Vigil.Cluster.Server;
using Vigil.Cluster.Tests.Support;

namespace Vigil.Cluster.Tests.Simulation.Workloads.Support;

/// <summary>
/// A simulating cluster at speed 20 with three nodes. Until the node simulation (scheduler and kubelets) runs in the
/// cluster, a <see cref="TestKubelet"/> plays their part; once the cluster brings its own nodes, the stand-in stays off.
/// </summary>
public class WorkloadFixture : ClusterFixture, IAsyncLifetime
{
    public const double ClusterSpeed = 20;

    protected override ClusterOptions Options => new() { Simulate = true, Speed = ClusterSpeed, Nodes = 3 };

    public TestKubelet? Kubelet { get; private set; }

    public Kubectl Kubectl { get; private set; } = null!;

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Kubectl = new Kubectl(KubeconfigPath);
        var nodes = Cluster.Operations.Registry.Find("", "v1", "nodes")!;
        if (Cluster.Operations.Store.List(nodes.StorageKey, null, null).Items.Count == 0)
        {
            Kubelet = new TestKubelet(Cluster.Operations);
            Kubelet.EnsureNodes(3);
        }
    }

    public new async Task DisposeAsync()
    {
        if (Kubelet is not null) await Kubelet.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>What every workload test does: apply manifests with kubectl, read objects and Events over HTTPS, wait.</summary>
public abstract class WorkloadTest(WorkloadFixture fx)
{
    protected WorkloadFixture Fx { get; } = fx;
    protected Kubectl Kubectl => Fx.Kubectl;
    // Generous: a 2-core CI machine shared with other builds can stall the cluster for seconds; passing tests do not wait it out.
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>A fresh namespace for one test.</summary>
    protected async Task<string> Namespace(string prefix)
    {
        var ns = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        (await Kubectl.RunWithInput($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "apply", "-f", "-")).Succeeded();
        return ns;
    }

    protected async Task<Kubectl.Result> Apply(string ns, string yaml) =>
        (await Kubectl.RunWithInput(yaml, "apply", "-n", ns, "-f", "-")).Succeeded();

    protected async Task<JsonObject?> Get(string path)
    {
        var (status, body) = await Fx.Http.Get(path);
        return status == 200 ? body as JsonObject : null;
    }

    protected async Task<List<JsonObject>> List(string path)
    {
        var (_, body) = await Fx.Http.Get(path);
        return (body?["items"] as JsonArray ?? []).OfType<JsonObject>().ToList();
    }

    /// <summary>Reads the object until <paramref name="done"/> holds; fails with the last state after the timeout.</summary>
    protected async Task<JsonObject> WaitFor(string path, Func<JsonObject, bool> done, string what, TimeSpan? timeout = null) =>
        (await Eventually.Until(() => Get(path), o => o is not null && done(o), timeout ?? Timeout, what))!;

    protected Task<List<JsonObject>> WaitForList(string path, Func<List<JsonObject>, bool> done, string what, TimeSpan? timeout = null) =>
        Eventually.Until(() => List(path), done, timeout ?? Timeout, what);

    /// <summary>The core/v1 Events about one object.</summary>
    protected Task<List<JsonObject>> Events(string ns, string name) =>
        List($"/api/v1/namespaces/{ns}/events?fieldSelector=involvedObject.name={name}");

    /// <summary>Waits for an Event with the reason (and message, when given) about the object.</summary>
    protected async Task<JsonObject> WaitForEvent(string ns, string name, string reason, string? message = null, TimeSpan? timeout = null)
    {
        bool Match(JsonObject e) => Str(e, "reason") == reason && (message is null || Str(e, "message") == message);
        try
        {
            var events = await Eventually.Until(() => Events(ns, name), list => list.Any(Match), timeout ?? Timeout, $"event {reason} {message} on {name}");
            return events.First(Match);
        }
        catch (TimeoutException e)
        {
            var seen = string.Join("\n", (await Events(ns, name)).Select(ev => $"  {Str(ev, "type")} {Str(ev, "reason")}: {Str(ev, "message")}"));
            throw new TimeoutException($"{e.Message}\nevents seen:\n{seen}", e);
        }
    }

    /// <summary>
    /// Makes a pod's readiness probe pass or fail by its <c>sim.vigil.io/ready</c> annotation, which the kubelet
    /// follows on a live pod; returns once the pod's Ready condition says so.
    /// </summary>
    protected async Task SetReady(string ns, string pod, bool ready)
    {
        (await Kubectl.Run("annotate", "pod", pod, "-n", ns, $"sim.vigil.io/ready={(ready ? "true" : "false")}", "--overwrite")).Succeeded();
        await WaitFor($"/api/v1/namespaces/{ns}/pods/{pod}", p => HasCondition(p, "Ready", ready ? "True" : "False"), $"{pod} ready={ready}");
    }

    /// <summary>Checks that a condition keeps holding for a while (cluster time passes at the fixture's speed).</summary>
    protected static async Task StaysTrue(Func<Task<bool>> probe, TimeSpan realDuration, string what)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (sw.Elapsed < realDuration)
        {
            if (!await probe()) throw new InvalidOperationException($"no longer true: {what}");
            await Task.Delay(50);
        }
    }

    protected Task<List<JsonObject>> Pods(string ns, string? selector = null) =>
        List($"/api/v1/namespaces/{ns}/pods" + (selector is null ? "" : $"?labelSelector={Uri.EscapeDataString(selector)}"));

    protected static string Name(JsonObject obj) => Str(obj["metadata"], "name")!;

    protected static string? Str(JsonNode? node, string key) => node is JsonObject o && o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    protected static long Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var l) ? l : 0;

    protected static JsonObject? Condition(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => Str(c, "type") == type);

    protected static bool HasCondition(JsonObject obj, string type, string status, string? reason = null) =>
        Condition(obj, type) is { } c && Str(c, "status") == status && (reason is null || Str(c, "reason") == reason);

    protected static string Labels(JsonObject obj) =>
        string.Join(",", (obj["metadata"]?["labels"] as JsonObject ?? []).Select(kv => $"{kv.Key}={kv.Value}"));
}
