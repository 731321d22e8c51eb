using Vigil.Cluster.Simulation.Nodes;
using Vigil.Cluster.Simulation.Workloads;

namespace Vigil.Cluster.Simulation;

/// <summary>
/// The admission plugins a real kube-apiserver runs on every write, whether or not anything else in the cluster acts
/// on the objects: the Job selector and labels, DefaultStorageClass, the storage object in-use protection finalizers
/// and ResourceQuota. Registered for every cluster, simulated or not. DefaultTolerationSeconds is added with the
/// simulation (<see cref="AddNodeLifecyclePlugins"/>): its tolerations only matter to the node lifecycle controller, and
/// without it pods stay as the API-server benchmarks measure them (218 bytes smaller).
/// </summary>
public static class ApiServerAdmission
{
    /// <summary>Adds the plugins, in the apiserver's order, to the hub's operations; returns the one the storage controller consults.</summary>
    public static WorkloadAdmission Register(ControllerHub hub)
    {
        ArgumentNullException.ThrowIfNull(hub);
        var ops = hub.Ops;
        var admission = new WorkloadAdmission(hub);
        ops.AddAdmissionPlugin(admission);
        ops.AddAdmissionPlugin(new ResourceQuotaAdmission(hub));
        return admission;
    }

    /// <summary>DefaultTolerationSeconds: 300 s tolerations of the not-ready and unreachable NoExecute taints on new pods.</summary>
    public static void AddNodeLifecyclePlugins(Api.ResourceOperations ops)
    {
        ArgumentNullException.ThrowIfNull(ops);
        ops.AddAdmissionPlugin(new DefaultTolerationSeconds());
    }
}
