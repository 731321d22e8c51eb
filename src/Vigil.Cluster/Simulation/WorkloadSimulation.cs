using Vigil.Cluster.Simulation.Workloads;

namespace Vigil.Cluster.Simulation;

/// <summary>The workload controllers: Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs, Endpoints, storage, HPA, quotas, disruption budgets.</summary>
public static class WorkloadSimulation
{
    /// <summary>Starts the components; the returned ones are disposed when the cluster stops.</summary>
    public static IReadOnlyList<IAsyncDisposable> Start(SimulationContext context)
    {
        var hub = new ControllerHub(context);
        var components = new List<IAsyncDisposable>
        {
            new ReplicaSetController(hub),
            new ReplicaSetController(hub, replicationController: true),
            new DeploymentController(hub),
            new StatefulSetController(hub),
        };
        hub.Start();
        foreach (var c in components.OfType<Controller>()) c.Resync();
        // Disposed in reverse order: the hub stops dispatching changes before the controllers stop.
        components.Add(hub);
        return components;
    }
}
