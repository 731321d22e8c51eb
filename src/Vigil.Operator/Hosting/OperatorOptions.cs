using Vigil.Operator.Sharding;

namespace Vigil.Operator.Hosting;

/// <summary>The operator process around the pipeline: where /metrics and the health endpoints listen, how readiness is judged.</summary>
public sealed class OperatorOptions
{
    /// <summary><c>host:port</c> of /metrics, /healthz and /readyz; port 0 picks a free one.</summary>
    public string MetricsAddress { get; set; } = "127.0.0.1:9090";

    /// <summary>How often the API server is asked for its version.</summary>
    public TimeSpan ApiProbeInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>/readyz fails when the API server has not answered for this long.</summary>
    public TimeSpan ApiStaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Requests per second the operator may send the API server (watches excluded). Higher than client libraries' 20: a
    /// replica taking over a third of 500 namespaces lists pods and events in each, and should be done in seconds.
    /// </summary>
    public double ApiQps { get; set; } = 100;

    /// <summary>Requests allowed in a burst above <see cref="ApiQps"/>.</summary>
    public int ApiBurst { get; set; } = 200;

    /// <summary>Splitting namespaces across replicas (<c>operator.sharding</c>).</summary>
    public ShardingOptions Sharding { get; } = new();

    /// <summary>This replica's name among its peers (default: <see cref="Replica.DefaultIdentity"/>).</summary>
    public string? Identity { get; set; }
}
