using Vigil.Cluster.Api;
using Vigil.Cluster.Server;

namespace Vigil.Cluster.Simulation;

/// <summary>What the simulated cluster's components share: the API's objects, the cluster clock, options and the log source.</summary>
public sealed class SimulationContext(ResourceOperations operations, TimeProvider clock, ClusterOptions options, SwitchableLogSource logs)
{
    public ResourceOperations Operations { get; } = operations;

    /// <summary>The cluster clock (a <see cref="ClusterClock"/> unless a test injects its own).</summary>
    public TimeProvider Clock { get; } = clock;

    public ClusterOptions Options { get; } = options;

    /// <summary>Where pods/log reads from; the kubelets install theirs.</summary>
    public SwitchableLogSource Logs { get; } = logs;

    public EventRecorder Recorder(string component, string? host = null) => new(Operations, component, host);
}
