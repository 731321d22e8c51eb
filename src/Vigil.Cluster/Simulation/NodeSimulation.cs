namespace Vigil.Cluster.Simulation;

/// <summary>Nodes, the scheduler, the kubelets, node lifecycle and the metrics API.</summary>
public static class NodeSimulation
{
    /// <summary>Starts the components; the returned ones are disposed when the cluster stops.</summary>
    public static IReadOnlyList<IAsyncDisposable> Start(SimulationContext context) => [];
}
