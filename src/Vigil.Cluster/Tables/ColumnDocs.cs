namespace Vigil.Cluster.Tables;

/// <summary>Column descriptions: the API field documentation the printers take their descriptions from (kubectl does not show them).</summary>
internal static class ColumnDocs
{
    public const string Name =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request " +
        "the generation of a name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be " +
        "updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    public const string CreationTimestamp =
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in " +
        "happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\n" +
        "Populated by the system. Read-only. Null for lists. More info: " +
        "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    public const string Containers = "Names of each container in the template.";
    public const string Images = "Images referenced by each container in the template.";
    public const string Selector =
        "Label query over pods that should match the replica count. It must match the pod template's labels. More info: " +
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
    public const string Replicas = "Replicas is the number of desired replicas.";
    public const string StatusReplicas = "Replicas is the most recently observed number of replicas.";
    public const string ReadyReplicas = "The number of ready replicas for this replication controller.";
    public const string ReadyPods = "Number of the pod with ready state";
}
