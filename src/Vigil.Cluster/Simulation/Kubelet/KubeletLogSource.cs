using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Server;

namespace Vigil.Cluster.Simulation.Kubelet;

/// <summary>
/// pods/log served by the simulated kubelets: each container instance's lines as written so far (the current instance, or
/// with <c>previous</c> the last one that stopped), refused the way the kubelet refuses when there is nothing to read.
/// Pods no kubelet runs fall back to the annotations.
/// </summary>
internal sealed class KubeletLogSource(Kubelet kubelet, IPodLogSource fallback) : IPodLogSource
{
    public IReadOnlyList<LogLine> Read(JsonObject pod, string container, bool previous)
    {
        var rt = Find(pod);
        if (rt is null) return Unscheduled(pod) ? [] : fallback.Read(pod, container, previous);
        var now = kubelet.Clock.GetUtcNow();
        lock (rt.Gate)
        {
            var log = Choose(rt, container, previous, Meta.Name(pod) ?? "");
            return Lines(log, 0, log.WrittenBy(now));
        }
    }

    public async IAsyncEnumerable<LogLine> FollowAsync(JsonObject pod, string container, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rt = Find(pod);
        if (rt is null) yield break;
        LogInstance? log = null;
        var seen = 0;
        lock (rt.Gate)
        {
            try
            {
                log = Choose(rt, container, false, Meta.Name(pod) ?? "");
                seen = log.WrittenBy(kubelet.Clock.GetUtcNow());
            }
            catch (ApiException)
            {
            }
        }
        if (log is null) yield break;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = kubelet.Clock.GetUtcNow();
            IReadOnlyList<LogLine> fresh;
            bool ended;
            DateTimeOffset? nextLine;
            lock (rt.Gate)
            {
                var written = log.WrittenBy(now);
                fresh = Lines(log, seen, written);
                seen = written;
                ended = log.End is { } end && end <= now;
                nextLine = seen < log.Lines.Count ? log.TimeOf(seen) : null;
            }
            foreach (var line in fresh) yield return line;
            if (ended || (nextLine is null && log.End is not null)) yield break;
            // Wake at the next line, or once a second (cluster time) to notice the container stopping.
            var wait = nextLine is { } at && at - now < TimeSpan.FromSeconds(1) ? at - now : TimeSpan.FromSeconds(1);
            try
            {
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1), kubelet.Clock, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    private PodRuntime? Find(JsonObject pod)
    {
        var ns = Meta.Namespace(pod) ?? "";
        var name = Meta.Name(pod) ?? "";
        var uid = Meta.Str(pod["metadata"], "uid") ?? "";
        return kubelet.Runtime(ns + "/" + name, uid);
    }

    private static bool Unscheduled(JsonObject pod) => Meta.Str(pod["spec"], "nodeName") is null or "";

    /// <summary>The instance whose log is read, following the kubelet's <c>validateContainerLogStatus</c>.</summary>
    private static LogInstance Choose(PodRuntime rt, string container, bool previous, string podName)
    {
        var c = rt.All.FirstOrDefault(x => x.Name == container)
            ?? throw ApiException.BadRequest($"container {container} is not valid for pod {podName}");
        if (previous)
        {
            if (c.Last is null || c.PreviousLog is null)
                throw ApiException.BadRequest($"previous terminated container \"{container}\" in pod \"{podName}\" not found");
            return c.PreviousLog;
        }
        switch (c.Phase)
        {
            case ContainerPhase.Running:
            case ContainerPhase.Terminated when c.CurrentLog is not null:
                return c.CurrentLog!;
            default:
                if (c.Last is not null && c.PreviousLog is not null) return c.PreviousLog;
                var reason = c.WaitingReason switch
                {
                    "ErrImagePull" => "image can't be pulled",
                    "ImagePullBackOff" => "trying and failing to pull image",
                    _ => c.WaitingReason,
                };
                throw ApiException.BadRequest($"container \"{container}\" in pod \"{podName}\" is waiting to start: {reason}");
        }
    }

    private static List<LogLine> Lines(LogInstance log, int from, int to)
    {
        var list = new List<LogLine>(Math.Max(0, to - from));
        for (var i = from; i < to; i++) list.Add(new LogLine(log.TimeOf(i), log.Lines[i]));
        return list;
    }
}
