using Vigil.Cluster.Simulation.Workloads;

namespace Vigil.Cluster.Simulation;

/// <summary>The workload controllers: Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs, Endpoints, storage, HPA, quotas, disruption budgets.</summary>
public static class WorkloadSimulation
{
    /// <summary>
    /// Starts the controllers on <paramref name="hub"/> (not started yet); <paramref name="admission"/> is the registered
    /// <see cref="ApiServerAdmission"/>. The returned components are disposed when the cluster stops.
    /// </summary>
    public static IReadOnlyList<IAsyncDisposable> Start(ControllerHub hub, WorkloadAdmission admission)
    {
        ArgumentNullException.ThrowIfNull(hub);
        var storage = new StorageController(hub, admission);
        var controllers = new List<Controller>
        {
            new ServiceAccountController(hub),
            new ReplicaSetController(hub),
            new ReplicaSetController(hub, replicationController: true),
            new DeploymentController(hub),
            new StatefulSetController(hub),
            new DaemonSetController(hub),
            new JobController(hub),
            new CronJobController(hub),
            storage,
            new EndpointsController(hub),
            new ResourceQuotaController(hub),
            new HorizontalPodAutoscalerController(hub),
            new DisruptionController(hub),
        };
        hub.Start();
        storage.EnsureDefaultClass();
        foreach (var c in controllers) c.Resync();
        // Disposed in reverse order: the hub stops dispatching changes before the controllers stop.
        return [.. controllers, hub];
    }
}
