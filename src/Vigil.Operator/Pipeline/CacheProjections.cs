using System.Runtime.CompilerServices;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Pipeline;

/// <summary>
/// What the pipeline's informers keep of each kind: the fields the detectors, the correlator, the filters, the cluster
/// view and the gatherers that read the cache use, and nothing else. Applied as the informer's transform, so a decoded
/// object is cut down before it is cached and the rest becomes garbage at once.
/// <para>
/// Gone everywhere: <c>metadata.managedFields</c>, the <c>kubectl.kubernetes.io/last-applied-configuration</c>
/// annotation and unmodelled fields. Gone from pods: the container configuration no detector reads (env, command, args,
/// working directory, ports, requests, mounts, probes, lifecycle, security contexts), the scheduling details
/// (tolerations, affinity, volumes other than claims) and the conditions other than Ready and PodScheduled. Kept:
/// container names, images and limits; the node, restart policy and claims; the containers' statuses. Workloads keep
/// their spec and status but not their pod template's spec; ReplicaSets, only looked up for their owner, keep metadata
/// and replica counts. Evidence needing more (a pod's environment) is fetched from the API for the incident's pods.
/// </para>
/// <para>
/// Namespaces and StorageClasses are not projected: they are few, and other readers share their informers.
/// Custom Detector conditions see these projections (docs/custom-resources.md lists what is kept).
/// </para>
/// <para>
/// The caches of the projected kinds other than nodes and Events also hold each projection compactly
/// (<see cref="CacheShape.Compact"/>, <see cref="InformerOptions{T}.Compact"/>): a third of the memory of the typed
/// objects, for a decode on each read of the cache. Detectors evaluate the objects of watch events as they come, decoded
/// already, so the cache is read only for lookups. Nodes stay objects: they are few and looked up for every pod. Events
/// stay objects: the event-storm detector sums a namespace's Warning Events on every Event it sees, which would decode
/// them all each time.
/// </para>
/// </summary>
internal static class CacheProjections
{
    /// <summary>The annotation <c>kubectl apply</c> writes: a whole copy of the object as last applied.</summary>
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    private static readonly Dictionary<Type, Delegate> Projections = new()
    {
        [typeof(Pod)] = (Func<Pod, Pod>)Project,
        [typeof(Node)] = (Func<Node, Node>)Project,
        [typeof(Event)] = (Func<Event, Event>)Project,
        [typeof(ReplicaSet)] = (Func<ReplicaSet, ReplicaSet>)Project,
        [typeof(Deployment)] = (Func<Deployment, Deployment>)Project,
        [typeof(StatefulSet)] = (Func<StatefulSet, StatefulSet>)Project,
        [typeof(DaemonSet)] = (Func<DaemonSet, DaemonSet>)Project,
        [typeof(Job)] = (Func<Job, Job>)Project,
        [typeof(CronJob)] = (Func<CronJob, CronJob>)Project,
        [typeof(PersistentVolumeClaim)] = (Func<PersistentVolumeClaim, PersistentVolumeClaim>)Project,
        [typeof(HorizontalPodAutoscaler)] = (Func<HorizontalPodAutoscaler, HorizontalPodAutoscaler>)Project,
        [typeof(ResourceQuota)] = (Func<ResourceQuota, ResourceQuota>)Project,
        [typeof(PodDisruptionBudget)] = (Func<PodDisruptionBudget, PodDisruptionBudget>)Project,
    };

    // How each factory's informers cache (PipelineOptions.Cache; benchmarks compare the shapes). Compact by default.
    private static readonly ConditionalWeakTable<SharedInformerFactory, StrongBox<CacheShape>> Shapes = [];

    /// <summary>Makes the informers <paramref name="informers"/> hands out from now on cache objects as <paramref name="shape"/> says.</summary>
    public static void Use(SharedInformerFactory informers, CacheShape shape) => Shapes.AddOrUpdate(informers, new StrongBox<CacheShape>(shape));

    private static CacheShape ShapeOf(SharedInformerFactory informers) => Shapes.TryGetValue(informers, out var shape) ? shape.Value : CacheShape.Compact;

    /// <summary>
    /// The projection of <typeparamref name="T"/> for the informers of <paramref name="informers"/>, or null to cache it
    /// whole. The same delegate on each call, so that it keys one shared informer.
    /// </summary>
    public static Func<T, T>? For<T>(SharedInformerFactory informers) where T : KubernetesObject, IKubernetesResource =>
        ShapeOf(informers) != CacheShape.Full && Projections.TryGetValue(typeof(T), out var projection) ? (Func<T, T>)projection : null;

    /// <summary>Whether the informers of <paramref name="informers"/> cache <typeparamref name="T"/> as compact documents.</summary>
    public static bool Compacts<T>(SharedInformerFactory informers) where T : KubernetesObject, IKubernetesResource =>
        ShapeOf(informers) == CacheShape.Compact && typeof(T) != typeof(Node) && typeof(T) != typeof(Event) && Projections.ContainsKey(typeof(T));

    public static Pod Project(Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        Slim((KubernetesObject)pod);
        if (pod.Spec is { } spec) Slim(spec);
        pod.Metadata.GenerateName = null;
        if (pod.Status is { } status)
        {
            status.ExtensionData = null;
            status.PodIPs = null;
            // Detectors read these two condition types; the others (Initialized, ContainersReady, ...) follow from the statuses.
            if (status.Conditions is { } conditions) status.Conditions = [.. conditions.Where(c => c.Type is "Ready" or "PodScheduled")];
            Slim(status.InitContainerStatuses);
            Slim(status.ContainerStatuses);
            Slim(status.EphemeralContainerStatuses);
        }
        return pod;
    }

    public static Node Project(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        Slim((KubernetesObject)node);
        if (node.Spec is { } spec) spec.ExtensionData = null;
        if (node.Status is { } status)
        {
            // Unmodelled status holds the node's image list, often the largest part of a node object.
            status.ExtensionData = null;
            if (status.NodeInfo is { } info)
            {
                info.ExtensionData = null;
                info.MachineID = null;
            }
        }
        return node;
    }

    public static Event Project(Event ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        Slim((KubernetesObject)ev);
        ev.Related = null;
        ev.Series = null;
        ev.ReportingInstance = null;
        if (ev.InvolvedObject is { } involved)
        {
            involved.ExtensionData = null;
            involved.ResourceVersion = null;
        }
        return ev;
    }

    /// <summary>ReplicaSets are only looked up for their owner (pod → ReplicaSet → Deployment) and annotations: no template.</summary>
    public static ReplicaSet Project(ReplicaSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        Slim((KubernetesObject)set);
        if (set.Spec is { } spec)
        {
            spec.Template = null;
            spec.ExtensionData = null;
        }
        return set;
    }

    public static Deployment Project(Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        Slim((KubernetesObject)deployment);
        if (deployment.Spec is { } spec) Slim(spec.Template);
        return deployment;
    }

    public static StatefulSet Project(StatefulSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        Slim((KubernetesObject)set);
        if (set.Spec is { } spec)
        {
            Slim(spec.Template);
            foreach (var claim in spec.VolumeClaimTemplates ?? []) Slim(claim);
        }
        return set;
    }

    public static DaemonSet Project(DaemonSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        Slim((KubernetesObject)set);
        if (set.Spec is { } spec) Slim(spec.Template);
        return set;
    }

    public static Job Project(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        Slim((KubernetesObject)job);
        if (job.Spec is { } spec) Slim(spec.Template);
        return job;
    }

    public static CronJob Project(CronJob cron)
    {
        ArgumentNullException.ThrowIfNull(cron);
        Slim((KubernetesObject)cron);
        if (cron.Spec?.JobTemplate is { } template)
        {
            if (template.Metadata is { } meta) Slim(meta);
            if (template.Spec is { } spec) Slim(spec.Template);
        }
        return cron;
    }

    public static PersistentVolumeClaim Project(PersistentVolumeClaim claim) => Slim(claim);

    public static HorizontalPodAutoscaler Project(HorizontalPodAutoscaler hpa) => Slim(hpa);

    public static ResourceQuota Project(ResourceQuota quota) => Slim(quota);

    public static PodDisruptionBudget Project(PodDisruptionBudget budget) => Slim(budget);

    private static T Slim<T>(T obj) where T : KubernetesObject
    {
        ArgumentNullException.ThrowIfNull(obj);
        obj.ExtensionData = null;
        Slim(obj.Metadata);
        return obj;
    }

    private static void Slim(ObjectMeta meta)
    {
        meta.ManagedFields = null;
        meta.ExtensionData = null;
        if (meta.Annotations is { } annotations && annotations.Remove(LastAppliedAnnotation) && annotations.Count == 0) meta.Annotations = null;
    }

    /// <summary>A workload's pod template: its metadata only. No detector reads a template's spec; the pods have their own.</summary>
    private static void Slim(PodTemplateSpec? template)
    {
        if (template is null) return;
        template.ExtensionData = null;
        template.Spec = null;
        if (template.Metadata is { } meta) Slim(meta);
    }

    private static void Slim(PodSpec spec)
    {
        // Unmodelled: securityContext, dnsConfig, topologySpreadConstraints, overhead, readinessGates, ...
        spec.ExtensionData = null;
        spec.Tolerations = null;
        spec.Affinity = null;
        spec.EphemeralContainers = null;
        // Claims are what correlation and the storage gatherer follow; other volumes are configuration.
        if (spec.Volumes is { } volumes)
        {
            var claims = volumes.Where(v => v.PersistentVolumeClaim is not null)
                .Select(v => new Volume { Name = v.Name, PersistentVolumeClaim = v.PersistentVolumeClaim }).ToList();
            spec.Volumes = claims.Count == 0 ? null : claims;
        }
        Slim(spec.InitContainers);
        Slim(spec.Containers);
    }

    private static void Slim(IList<Container>? containers)
    {
        foreach (var c in containers ?? [])
        {
            // Unmodelled: envFrom, lifecycle, securityContext, resizePolicy, ...
            c.ExtensionData = null;
            c.Env = null;
            c.Command = null;
            c.Args = null;
            c.WorkingDir = null;
            c.VolumeMounts = null;
            c.LivenessProbe = null;
            c.ReadinessProbe = null;
            c.StartupProbe = null;
            c.TerminationMessagePath = null;
            c.Ports = null;
            // The memory limit is in the OOMKilled message; requests are read by no detector.
            if (c.Resources is { } resources)
            {
                resources.ExtensionData = null;
                resources.Requests = null;
            }
        }
    }

    private static void Slim(IList<ContainerStatus>? statuses)
    {
        foreach (var s in statuses ?? [])
        {
            // Unmodelled: allocatedResources, volumeMounts, user, ...; container IDs are unique strings no reader uses.
            s.ExtensionData = null;
            s.ContainerID = null;
            if (s.State?.Terminated is { } terminated) terminated.ContainerID = null;
            if (s.LastState?.Terminated is { } last) last.ContainerID = null;
            if (s.LastState is { Waiting: null, Running: null, Terminated: null }) s.LastState = null;
        }
    }
}
