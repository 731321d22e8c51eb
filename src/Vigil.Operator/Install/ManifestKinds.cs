using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Install;

/// <summary>
/// The kinds deploy/ ships, with where the API serves them and whether they live in a namespace. The renderer needs
/// the scope (kustomize's <c>namespace:</c> leaves cluster-scoped objects alone) and the installer the path; a kind
/// not listed here is refused by name rather than guessed.
/// </summary>
public static class ManifestKinds
{
    private static readonly ResourceType[] Known =
    [
        new(string.Empty, "v1", "namespaces", "Namespace", Namespaced: false),
        new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", Namespaced: false),
        new(string.Empty, "v1", "serviceaccounts", "ServiceAccount", Namespaced: true),
        new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", Namespaced: false),
        new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", Namespaced: false),
        new("rbac.authorization.k8s.io", "v1", "roles", "Role", Namespaced: true),
        new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", Namespaced: true),
        new(string.Empty, "v1", "configmaps", "ConfigMap", Namespaced: true),
        new(string.Empty, "v1", "services", "Service", Namespaced: true),
        new("apps", "v1", "deployments", "Deployment", Namespaced: true),
        new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", Namespaced: true),
    ];

    /// <summary>The resource type of <paramref name="apiVersion"/>/<paramref name="kind"/>, or null when deploy/ does not use it.</summary>
    public static ResourceType? Find(string apiVersion, string kind) =>
        Array.Find(Known, t => t.ApiVersion == apiVersion && t.Kind == kind);

    /// <summary>
    /// kustomize's "legacy" output order (Namespace, then CRDs, ServiceAccounts, RBAC, ConfigMaps, Services, workloads,
    /// PodDisruptionBudgets): what an object refers to is applied before it.
    /// </summary>
    public static int Rank(string kind)
    {
        var index = Array.IndexOf(LegacyOrder, kind);
        return index < 0 ? LegacyOrder.Length : index;
    }

    private static readonly string[] LegacyOrder =
    [
        "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount", "PodSecurityPolicy",
        "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service",
        "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob",
        "PodDisruptionBudget",
    ];
}
