namespace Vigil.Cluster.Simulation;

/// <summary>The workload controllers: Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs, Endpoints, storage, HPA, quotas, disruption budgets.</summary>
public static class WorkloadSimulation
{
    /// <summary>Starts the components; the returned ones are disposed when the cluster stops.</summary>
    public static IReadOnlyList<IAsyncDisposable> Start(SimulationContext context) => [];
}
