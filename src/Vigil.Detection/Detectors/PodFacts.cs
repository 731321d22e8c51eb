using Vigil.Kubernetes.Models;

namespace Vigil.Detection.Detectors;

/// <summary>What correlation and diagnosis need to know about a pod: its node, its top-level owner, the claims it mounts.</summary>
public static class PodFacts
{
    /// <summary>
    /// The workload that owns a pod, followed up the chain (ReplicaSet → Deployment, Job → CronJob). Where the intermediate
    /// object is not in the cache, the Deployment is recognised by the ReplicaSet name ending in the pod-template-hash.
    /// </summary>
    public static (string Kind, string Name)? TopOwner(Pod pod, IClusterView cluster)
    {
        var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true) ?? pod.Metadata.OwnerReferences?.FirstOrDefault();
        if (owner?.Kind is null || owner.Name is null) return null;
        var ns = pod.Metadata.Namespace;
        switch (owner.Kind)
        {
            case "ReplicaSet":
                var rs = cluster.Get<ReplicaSet>(ns, owner.Name);
                var rsOwner = rs?.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
                if (rsOwner is { Kind: "Deployment", Name: { } deployment }) return ("Deployment", deployment);
                if (rs is null && pod.Metadata.Labels?.TryGetValue("pod-template-hash", out var hash) == true && owner.Name.EndsWith("-" + hash, StringComparison.Ordinal))
                    return ("Deployment", owner.Name[..^(hash.Length + 1)]);
                return ("ReplicaSet", owner.Name);
            case "Job":
                var job = cluster.Get<Job>(ns, owner.Name);
                var jobOwner = job?.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
                return jobOwner is { Kind: "CronJob", Name: { } cron } ? ("CronJob", cron) : ("Job", owner.Name);
            default:
                return (owner.Kind, owner.Name);
        }
    }

    public static Dictionary<string, string> Attributes(Pod pod, IClusterView cluster, string? container = null)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (pod.Spec?.NodeName is { Length: > 0 } node) attributes[Signal.Attribute.Node] = node;
        if (TopOwner(pod, cluster) is { } owner)
        {
            attributes[Signal.Attribute.OwnerKind] = owner.Kind;
            attributes[Signal.Attribute.OwnerName] = owner.Name;
        }
        var claims = ClaimNames(pod);
        if (claims.Count > 0) attributes[Signal.Attribute.PersistentVolumeClaims] = string.Join(',', claims);
        if (container is not null) attributes[Signal.Attribute.Container] = container;
        return attributes;
    }

    public static List<string> ClaimNames(Pod pod)
    {
        var names = new List<string>();
        foreach (var volume in pod.Spec?.Volumes ?? [])
            if (volume.PersistentVolumeClaim is { } claim && claim.TryGetProperty("claimName", out var name) && name.GetString() is { } n)
                names.Add(n);
        return names;
    }

    /// <summary>Statuses of init and app containers, with the container's name.</summary>
    public static IEnumerable<ContainerStatus> Containers(Pod pod) =>
        (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []);

    public static Condition? Condition(IEnumerable<Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);
}
