using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Registry;

/// <summary>The built-in kinds the simulated cluster serves, with the discovery facts a real cluster announces for them.</summary>
public static class BuiltInResources
{
    private static readonly ScaleSubresource ReplicasScale = new(".spec.replicas", ".status.replicas", ".spec.selector");

    private static ResourceType Core(string kind, string plural, bool namespaced, string[]? shortNames = null, string[]? categories = null,
        bool status = false, string[]? extra = null, string[]? verbs = null) => new()
    {
        Group = "",
        Version = "v1",
        Kind = kind,
        Plural = plural,
        Singular = kind.ToLowerInvariant(),
        Namespaced = namespaced,
        ShortNames = shortNames ?? [],
        Categories = categories ?? [],
        HasStatusSubresource = status,
        ExtraSubresources = extra ?? [],
        Verbs = verbs ?? ResourceType.AllVerbs,
    };

    private static ResourceType Grouped(string group, string version, string kind, string plural, bool namespaced, string[]? shortNames = null,
        string[]? categories = null, bool status = false, ScaleSubresource? scale = null) => new()
    {
        Group = group,
        Version = version,
        Kind = kind,
        Plural = plural,
        Singular = kind.ToLowerInvariant(),
        Namespaced = namespaced,
        ShortNames = shortNames ?? [],
        Categories = categories ?? [],
        HasStatusSubresource = status,
        Scale = scale,
    };

    /// <summary>Every built-in resource, with the structural schema of its kind.</summary>
    public static IReadOnlyList<ResourceType> All { get; } = Declared().Select(r => r with { Schema = SchemaCatalog.BuiltIn(r.Group, r.Version, r.Kind) }).ToList();

    private static List<ResourceType> Declared() =>
    [
        Core("Namespace", "namespaces", false, ["ns"], status: true, extra: ["finalize"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"]),
        Core("Node", "nodes", false, ["no"], status: true),
        Core("Pod", "pods", true, ["po"], ["all"], status: true, extra: ["log", "eviction", "binding", "ephemeralcontainers"]),
        Core("Event", "events", true, ["ev"]),
        Core("ConfigMap", "configmaps", true, ["cm"]),
        Core("Secret", "secrets", true),
        Core("Service", "services", true, ["svc"], ["all"], status: true),
        Core("Endpoints", "endpoints", true, ["ep"]) with { Singular = "endpoints" },
        Core("ServiceAccount", "serviceaccounts", true, ["sa"]),
        Core("PersistentVolume", "persistentvolumes", false, ["pv"], status: true),
        Core("PersistentVolumeClaim", "persistentvolumeclaims", true, ["pvc"], status: true),
        Core("ResourceQuota", "resourcequotas", true, ["quota"], status: true),
        Core("LimitRange", "limitranges", true, ["limits"]),
        Core("ReplicationController", "replicationcontrollers", true, ["rc"], ["all"], status: true) with { Scale = ReplicasScale },
        Grouped("apps", "v1", "Deployment", "deployments", true, ["deploy"], ["all"], true, ReplicasScale),
        Grouped("apps", "v1", "ReplicaSet", "replicasets", true, ["rs"], ["all"], true, ReplicasScale),
        Grouped("apps", "v1", "StatefulSet", "statefulsets", true, ["sts"], ["all"], true, ReplicasScale),
        Grouped("apps", "v1", "DaemonSet", "daemonsets", true, ["ds"], ["all"], true),
        Grouped("apps", "v1", "ControllerRevision", "controllerrevisions", true),
        Grouped("batch", "v1", "Job", "jobs", true, null, ["all"], true),
        Grouped("batch", "v1", "CronJob", "cronjobs", true, ["cj"], ["all"], true),
        Grouped("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, ["hpa"], ["all"], true),
        Grouped("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, ["pdb"], null, true),
        Grouped("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, ["netpol"]),
        Grouped("networking.k8s.io", "v1", "Ingress", "ingresses", true, ["ing"], null, true),
        Grouped("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false),
        Grouped("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, ["sc"]),
        Grouped("coordination.k8s.io", "v1", "Lease", "leases", true),
        Grouped("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
        Grouped("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
        Grouped("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
        Grouped("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
        Grouped("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, ["crd", "crds"], ["api-extensions"], true),
        Grouped("events.k8s.io", "v1", "Event", "events", true, ["ev"]) with { View = new EventsV1View() },
    ];
}
