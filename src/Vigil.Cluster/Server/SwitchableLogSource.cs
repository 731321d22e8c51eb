using System.Text.Json.Nodes;

namespace Vigil.Cluster.Server;

/// <summary>A log source that can be replaced at run time: the annotation source until the simulated kubelets take over.</summary>
public sealed class SwitchableLogSource(IPodLogSource initial) : IPodLogSource
{
    private volatile IPodLogSource _current = initial;

    public IPodLogSource Current
    {
        get => _current;
        set => _current = value;
    }

    public IReadOnlyList<LogLine> Read(JsonObject pod, string container, bool previous) => _current.Read(pod, container, previous);

    public IAsyncEnumerable<LogLine> FollowAsync(JsonObject pod, string container, CancellationToken cancellationToken) =>
        _current.FollowAsync(pod, container, cancellationToken);
}
