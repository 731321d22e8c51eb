using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Tests.Fixtures;

namespace Vigil.Kubernetes.Tests.Operations;

[Collection(ClusterCollection.Name)]
public sealed class PodOperationsTests(ClusterFixture fixture) : IDisposable
{
    private readonly KubernetesClient _client = fixture.Client();

    public void Dispose() => _client.Dispose();

    private static Pod NewPod(string name, string ns, string? logs = null)
    {
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = new Dictionary<string, string> { ["app"] = "guarded" } },
            Spec = new PodSpec { Containers = [new Container { Name = "main", Image = "busybox" }] },
        };
        if (logs is not null)
        {
            pod.Metadata.SetAnnotation("sim.vigil.io/logs", logs);
        }

        return pod;
    }

    [Fact]
    public async Task Reads_logs_whole_and_as_a_stream()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var pods = _client.Resource<Pod>();
        await pods.CreateAsync(NewPod("logger", ns, "line one\nline two\nline three\n"));
        var text = await pods.GetLogsAsync("logger", ns);
        text.ShouldContain("line two");
        (await pods.GetLogsAsync("logger", ns, new LogOptions { TailLines = 1 })).Trim().ShouldBe("line three");

        var lines = new List<string>();
        await foreach (var line in pods.StreamLogLinesAsync("logger", ns, new LogOptions { Container = "main" }))
        {
            lines.Add(line);
        }

        lines.ShouldBe(["line one", "line two", "line three"]);
    }

    [Fact]
    public async Task Eviction_respects_disruption_budgets()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var pods = _client.Resource<Pod>();
        var guarded = await pods.CreateAsync(NewPod("guarded", ns));

        // Pending pods may always be evicted; a running one is protected by the budget.
        guarded.Status = new PodStatus { Phase = "Running" };
        await pods.UpdateStatusAsync(guarded);
        await _client.Resource<PodDisruptionBudget>().CreateAsync(new PodDisruptionBudget
        {
            Metadata = new ObjectMeta { Name = "pdb", Namespace = ns },
            Spec = new PodDisruptionBudgetSpec { MinAvailable = 1, Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "guarded" } } },
        });
        var blocked = await Should.ThrowAsync<TooManyRequestsException>(() => pods.EvictAsync("guarded", ns));
        blocked.Status.Code.ShouldBe(429);

        var free = NewPod("free", ns);
        free.Metadata.Labels = new Dictionary<string, string> { ["app"] = "other" };
        await pods.CreateAsync(free);
        await pods.EvictAsync("free", ns, new DeleteOptions { GracePeriodSeconds = 0 });
        await Eventually.TrueAsync(async () => await pods.TryGetAsync("free", ns) is null || (await pods.GetAsync("free", ns)).Metadata.DeletionTimestamp is not null);
    }

    [Fact]
    public async Task Adds_an_ephemeral_container()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var pods = _client.Resource<Pod>();
        await pods.CreateAsync(NewPod("debug-me", ns));
        var pod = await pods.AddEphemeralContainerAsync("debug-me", new EphemeralContainer { Name = "debugger", Image = "busybox", TargetContainerName = "main" }, ns);
        pod.Spec!.EphemeralContainers!.Single().Name.ShouldBe("debugger");
        (await pods.GetAsync("debug-me", ns)).Spec!.Containers!.Single().Name.ShouldBe("main");
    }
}
