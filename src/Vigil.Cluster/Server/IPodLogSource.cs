using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Server;

/// <summary>One line a container wrote.</summary>
public sealed record LogLine(DateTimeOffset Time, string Text);

/// <summary>Where pods/log reads from: the simulated kubelets when they run, a pod's annotations otherwise.</summary>
public interface IPodLogSource
{
    /// <summary>The lines of a container (its previous instance when asked); throws an ApiException the way the kubelet refuses.</summary>
    IReadOnlyList<LogLine> Read(JsonObject pod, string container, bool previous);

    /// <summary>Lines written after the ones already read, until the container stops or the request ends.</summary>
    IAsyncEnumerable<LogLine> FollowAsync(JsonObject pod, string container, CancellationToken cancellationToken);
}

/// <summary>
/// Logs from the <c>sim.vigil.io/logs</c> annotation (pod-wide, or <c>sim.vigil.io/&lt;container&gt;.logs</c>), stamped with the
/// pod's creation time: the behaviour convention's container output, without a kubelet.
/// </summary>
public sealed class AnnotationLogSource : IPodLogSource
{
    public IReadOnlyList<LogLine> Read(JsonObject pod, string container, bool previous)
    {
        var annotations = Meta.StringMap(pod["metadata"]?["annotations"]);
        if (!annotations.TryGetValue($"sim.vigil.io/{container}.logs", out var text) && !annotations.TryGetValue("sim.vigil.io/logs", out text))
            return [];
        var time = Meta.ParseTime(Meta.Str(pod["metadata"], "creationTimestamp")) ?? DateTimeOffset.UnixEpoch;
        return [.. text.Split('\n').Where(l => l.Length > 0).Select(l => new LogLine(time, l))];
    }

    public async IAsyncEnumerable<LogLine> FollowAsync(JsonObject pod, string container, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield break;
    }
}
