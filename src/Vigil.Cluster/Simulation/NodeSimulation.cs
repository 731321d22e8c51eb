using Vigil.Cluster.Simulation.Kubelet;
using Vigil.Cluster.Simulation.Metrics;
using Vigil.Cluster.Simulation.Nodes;
using Vigil.Cluster.Simulation.Scheduling;

namespace Vigil.Cluster.Simulation;

/// <summary>Nodes, the scheduler, the kubelets, node lifecycle and the metrics API.</summary>
public static class NodeSimulation
{
    /// <summary>Starts the components; the returned ones are disposed when the cluster stops.</summary>
    public static IReadOnlyList<IAsyncDisposable> Start(SimulationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ops = context.Operations;
        var state = new ClusterState(ops);
        var events = new EventQueue();
        var scheduler = new Scheduler(context, state, events);
        var kubelet = new Kubelet.Kubelet(context, state, events);
        var agent = new NodeAgent(context, state, events);
        var lifecycle = new NodeLifecycleController(context, state, events);
        state.AddListener(scheduler);
        state.AddListener(kubelet);
        state.AddListener(agent);
        state.AddListener(lifecycle);
        new MetricsApi(context, state, kubelet).Register(ops.Registry);
        var previousLogs = context.Logs.Current;
        context.Logs.Current = new KubeletLogSource(kubelet, previousLogs);
        ops.KubeletsFinishPodTermination = true;
        state.Prime();
        agent.CreateNodes(context.Options.Nodes);
        return [new Components(context, previousLogs, state, [agent, lifecycle, kubelet, scheduler, events])];
    }

    /// <summary>Stops the node side: no more changes are followed, then each component's workers stop.</summary>
    private sealed class Components(SimulationContext context, Server.IPodLogSource previousLogs, ClusterState state, IAsyncDisposable[] parts) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            state.Dispose();
            foreach (var part in parts) await part.DisposeAsync();
            context.Operations.KubeletsFinishPodTermination = false;
            context.Logs.Current = previousLogs;
        }
    }
}
