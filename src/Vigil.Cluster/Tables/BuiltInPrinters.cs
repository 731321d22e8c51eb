using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Selectors;
using static Vigil.Cluster.Selectors.JsonAccess;
using static Vigil.Cluster.Tables.PrintFormat;

namespace Vigil.Cluster.Tables;

/// <summary>A kind's table: its columns and how one object becomes a row of cells.</summary>
internal sealed record Printer(IReadOnlyList<TableColumn> Columns, Func<JsonObject, DateTimeOffset, JsonArray> Cells, Func<JsonObject, JsonArray?>? Conditions = null);

/// <summary>
/// The server-side printers of the built-in kinds (kube-apiserver <c>pkg/printers/internalversion</c>), always in
/// their wide form as the apiserver generates them; kubectl hides priority-1 columns unless asked for <c>-o wide</c>.
/// Kinds without a printer (Roles, ClusterRoles, LimitRanges, CRDs) get the default table: Name and Created At.
/// </summary>
internal static class BuiltInPrinters
{
    public static readonly TableColumn NameColumn = new("Name", "string", ColumnDocs.Name, 0, "name");
    public static readonly TableColumn AgeColumn = new("Age", "string", ColumnDocs.CreationTimestamp);

    private static TableColumn Col(string name, string type, string description, int priority = 0) => new(name, type, description, priority);

    private static readonly TableColumn ContainersColumn = Col("Containers", "string", ColumnDocs.Containers, 1);
    private static readonly TableColumn ImagesColumn = Col("Images", "string", ColumnDocs.Images, 1);
    private static readonly TableColumn SelectorColumn = Col("Selector", "string", ColumnDocs.Selector, 1);

    /// <summary>The table of kinds without a printer (apiserver <c>rest.NewDefaultTableConvertor</c>).</summary>
    public static readonly Printer Default = new(
        [NameColumn, Col("Created At", "date", ColumnDocs.CreationTimestamp)],
        (obj, _) => [Text(obj, "metadata", "name"), CreatedAt(obj)]);

    private static readonly Dictionary<(string Group, string Plural), Printer> ByResource = new()
    {
        [("", "pods")] = new Printer(PodPrinter.Columns, PodPrinter.Cells, PodPrinter.Conditions),
        [("", "namespaces")] = new Printer(
            [NameColumn, Col("Status", "string", "The status of the namespace"), AgeColumn],
            (o, now) => [Name(o), Text(o, "status", "phase"), Age(o, now)]),
        [("", "nodes")] = new Printer(
            [
                NameColumn, Col("Status", "string", "The status of the node"), Col("Roles", "string", "The roles of the node"), AgeColumn,
                Col("Version", "string", "Kubelet Version reported by the node."),
                Col("Internal-IP", "string", "List of addresses reachable to the node.", 1),
                Col("External-IP", "string", "List of addresses reachable to the node.", 1),
                Col("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
                Col("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
                Col("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
            ],
            NodeCells),
        [("", "events")] = EventPrinter(),
        [("events.k8s.io", "events")] = EventPrinter(),
        [("", "configmaps")] = new Printer(
            [NameColumn, Col("Data", "string", "Data contains the configuration data."), AgeColumn],
            (o, now) => [Name(o), (long)(Count(o, "data") + Count(o, "binaryData")), Age(o, now)]),
        [("", "secrets")] = new Printer(
            [NameColumn, Col("Type", "string", "Used to facilitate programmatic handling of secret data."), Col("Data", "string", "Data contains the secret data."), AgeColumn],
            (o, now) => [Name(o), Text(o, "type"), (long)SecretDataCount(o), Age(o, now)]),
        [("", "services")] = new Printer(
            [
                NameColumn, Col("Type", "string", "type determines how the Service is exposed."),
                Col("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
                Col("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
                Col("Port(s)", "string", "The list of ports that are exposed by this service."), AgeColumn,
                Col("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.", 1),
            ],
            ServiceCells),
        [("", "endpoints")] = new Printer(
            [NameColumn, Col("Endpoints", "string", "The set of all endpoints is the union of all subsets."), AgeColumn],
            (o, now) => [Name(o), FormatEndpoints(o), Age(o, now)]),
        [("", "serviceaccounts")] = new Printer(
            [NameColumn, Col("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), AgeColumn],
            (o, now) => [Name(o), (long)Count(o, "secrets"), Age(o, now)]),
        [("", "persistentvolumes")] = new Printer(
            [
                NameColumn, Col("Capacity", "string", "capacity is the description of the persistent volume's resources and capacity."),
                Col("Access Modes", "string", "accessModes contains all ways the volume can be mounted."),
                Col("Reclaim Policy", "string", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
                Col("Status", "string", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
                Col("Claim", "string", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
                Col("StorageClass", "string", "StorageClass of the pv"), Col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
                Col("Reason", "string", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
                AgeColumn, Col("VolumeMode", "string", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.", 1),
            ],
            PersistentVolumeCells),
        [("", "persistentvolumeclaims")] = new Printer(
            [
                NameColumn, Col("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
                Col("Volume", "string", "volumeName is the binding reference to the PersistentVolume backing this claim."),
                Col("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
                Col("Access Modes", "string", "accessModes contains the actual access modes the volume backing the PVC has."),
                Col("StorageClass", "string", "StorageClass of the pvc"), Col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
                AgeColumn, Col("VolumeMode", "string", "volumeMode defines what type of volume is required by the claim.", 1),
            ],
            PersistentVolumeClaimCells),
        [("", "resourcequotas")] = new Printer(
            [
                NameColumn, Col("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."),
                Col("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
                AgeColumn,
            ],
            ResourceQuotaCells),
        [("", "replicationcontrollers")] = new Printer(
            [
                NameColumn, Col("Desired", "integer", ColumnDocs.Replicas), Col("Current", "integer", ColumnDocs.StatusReplicas),
                Col("Ready", "integer", ColumnDocs.ReadyReplicas), AgeColumn, ContainersColumn, ImagesColumn, SelectorColumn,
            ],
            (o, now) =>
            {
                var (names, images) = ContainerCells(Arr(o, "spec", "template", "spec", "containers"));
                return [Name(o), DesiredReplicas(o), Int(o, "status", "replicas"), Int(o, "status", "readyReplicas"), Age(o, now),
                    names, images, FormatLabels(Obj(o, "spec", "selector"))];
            }),
        [("apps", "deployments")] = new Printer(
            [
                NameColumn, Col("Ready", "string", ColumnDocs.ReadyPods),
                Col("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
                Col("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
                AgeColumn, ContainersColumn, ImagesColumn, SelectorColumn,
            ],
            DeploymentCells),
        [("apps", "replicasets")] = new Printer(
            [
                NameColumn, Col("Desired", "integer", ColumnDocs.Replicas), Col("Current", "integer", ColumnDocs.StatusReplicas),
                Col("Ready", "integer", "The number of ready replicas for this replica set."), AgeColumn, ContainersColumn, ImagesColumn, SelectorColumn,
            ],
            (o, now) =>
            {
                var (names, images) = ContainerCells(Arr(o, "spec", "template", "spec", "containers"));
                return [Name(o), DesiredReplicas(o), Int(o, "status", "replicas"), Int(o, "status", "readyReplicas"), Age(o, now),
                    names, images, FormatLabelSelector(Obj(o, "spec", "selector"))];
            }),
        [("apps", "statefulsets")] = new Printer(
            [NameColumn, Col("Ready", "string", ColumnDocs.ReadyPods), AgeColumn, ContainersColumn, ImagesColumn],
            (o, now) =>
            {
                var (names, images) = ContainerCells(Arr(o, "spec", "template", "spec", "containers"));
                return [Name(o), Invariant($"{Int(o, "status", "readyReplicas")}/{DesiredReplicas(o)}"), Age(o, now), names, images];
            }),
        [("apps", "daemonsets")] = new Printer(
            [
                NameColumn, Col("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
                Col("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
                Col("Ready", "integer", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
                Col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
                Col("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
                Col("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node."),
                AgeColumn, ContainersColumn, ImagesColumn, SelectorColumn,
            ],
            (o, now) =>
            {
                var (names, images) = ContainerCells(Arr(o, "spec", "template", "spec", "containers"));
                return [Name(o), Int(o, "status", "desiredNumberScheduled"), Int(o, "status", "currentNumberScheduled"), Int(o, "status", "numberReady"),
                    Int(o, "status", "updatedNumberScheduled"), Int(o, "status", "numberAvailable"), FormatLabels(Obj(o, "spec", "template", "spec", "nodeSelector")),
                    Age(o, now), names, images, FormatLabelSelector(Obj(o, "spec", "selector"))];
            }),
        [("apps", "controllerrevisions")] = new Printer(
            [NameColumn, Col("Controller", "string", "Controller of the object"), Col("Revision", "string", "Revision indicates the revision of the state represented by Data."), AgeColumn],
            (o, now) => [Name(o), ControllerName(o), Int(o, "revision"), Age(o, now)]),
        [("batch", "jobs")] = new Printer(
            [
                NameColumn, Col("Status", "string", "Status of the job."),
                Col("Completions", "string", "The number of pods which reached phase Succeeded."),
                Col("Duration", "string", "Time required to complete the job."), AgeColumn, ContainersColumn, ImagesColumn, SelectorColumn,
            ],
            JobCells),
        [("batch", "cronjobs")] = new Printer(
            [
                NameColumn, Col("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
                Col("Timezone", "string", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
                Col("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions."),
                Col("Active", "integer", "A list of pointers to currently running jobs."),
                Col("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
                AgeColumn, ContainersColumn, ImagesColumn, SelectorColumn,
            ],
            CronJobCells),
        [("autoscaling", "horizontalpodautoscalers")] = new Printer(
            [
                NameColumn, Col("Reference", "string", "scaleTargetRef points to the target resource to scale."),
                Col("Targets", "string", "metrics contains the specifications for which to use to calculate the desired replica count."),
                Col("MinPods", "string", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."),
                Col("MaxPods", "string", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."),
                Col("Replicas", "string", "currentReplicas is current number of replicas of pods managed by this autoscaler."),
                AgeColumn,
            ],
            HorizontalPodAutoscalerCells),
        [("policy", "poddisruptionbudgets")] = new Printer(
            [
                NameColumn, Col("Min Available", "string", "The minimum number of pods that must be available."),
                Col("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
                Col("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."), AgeColumn,
            ],
            (o, now) => [Name(o), IntOrString(At(o, "spec", "minAvailable")) ?? "N/A", IntOrString(At(o, "spec", "maxUnavailable")) ?? "N/A",
                Int(o, "status", "disruptionsAllowed"), Age(o, now)]),
        [("networking.k8s.io", "networkpolicies")] = new Printer(
            [NameColumn, Col("Pod-Selector", "string", "Selects the pods to which this NetworkPolicy object applies."), AgeColumn],
            (o, now) => [Name(o), FormatLabelSelector(Obj(o, "spec", "podSelector") ?? new JsonObject()), Age(o, now)]),
        [("networking.k8s.io", "ingresses")] = new Printer(
            [
                NameColumn, Col("Class", "string", "The name of the IngressClass resource that should be used for additional configuration"),
                Col("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
                Col("Address", "string", "Address is a list containing ingress points for the load-balancer"),
                Col("Ports", "string", "Ports of TLS configurations that open"), AgeColumn,
            ],
            (o, now) => [Name(o), Str(o, "spec", "ingressClassName") ?? "<none>", FormatHosts(Arr(o, "spec", "rules")),
                LoadBalancerIngress(Arr(o, "status", "loadBalancer", "ingress")), Count(o, "spec", "tls") > 0 ? "80, 443" : "80", Age(o, now)]),
        [("networking.k8s.io", "ingressclasses")] = new Printer(
            [
                NameColumn, Col("Controller", "string", "Controller that is responsible for handling this class"),
                Col("Parameters", "string", "A reference to a resource with additional parameters"), AgeColumn,
            ],
            (o, now) => [Name(o), Text(o, "spec", "controller"), IngressClassParameters(Obj(o, "spec", "parameters")), Age(o, now)]),
        [("storage.k8s.io", "storageclasses")] = new Printer(
            [
                NameColumn, Col("Provisioner", "string", "provisioner indicates the type of the provisioner."),
                Col("ReclaimPolicy", "string", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class."),
                Col("VolumeBindingMode", "string", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound."),
                Col("AllowVolumeExpansion", "string", "allowVolumeExpansion shows whether the storage class allow volume expand."), AgeColumn,
            ],
            StorageClassCells),
        [("coordination.k8s.io", "leases")] = new Printer(
            [NameColumn, Col("Holder", "string", "holderIdentity contains the identity of the holder of a current lease."), AgeColumn],
            (o, now) => [Name(o), Text(o, "spec", "holderIdentity"), Age(o, now)]),
        [("rbac.authorization.k8s.io", "rolebindings")] = BindingPrinter("roleBinding"),
        [("rbac.authorization.k8s.io", "clusterrolebindings")] = BindingPrinter("clusterRoleBinding"),
    };

    /// <summary>The printer of a built-in resource; the default table for kinds without one.</summary>
    public static Printer For(string group, string plural) => ByResource.GetValueOrDefault((group, plural)) ?? Default;

    private static string Name(JsonObject o) => Text(o, "metadata", "name");

    /// <summary>The default table's Created At: the creation time in UTC RFC 3339 (Go's zero time when missing).</summary>
    private static string CreatedAt(JsonObject o) =>
        (Time(o, "metadata", "creationTimestamp") ?? new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero))
        .UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>spec.replicas</c>; the apiserver defaults a missing count to 1 before anything is stored.</summary>
    private static long DesiredReplicas(JsonObject o) => Long(o, "spec", "replicas") ?? 1;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    // ---- Nodes ----

    private static JsonArray NodeCells(JsonObject node, DateTimeOffset now)
    {
        var status = new List<string>();
        JsonObject? ready = null;
        foreach (var c in Arr(node, "status", "conditions") ?? [])
            if (Text(c, "type") == "Ready")
                ready = c as JsonObject;
        if (ready is not null) status.Add(Text(ready, "status") == "True" ? "Ready" : "NotReady");
        if (status.Count == 0) status.Add("Unknown");
        if (Flag(node, "spec", "unschedulable")) status.Add("SchedulingDisabled");

        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in Obj(node, "metadata", "labels") ?? [])
        {
            const string rolePrefix = "node-role.kubernetes.io/";
            if (key.StartsWith(rolePrefix, StringComparison.Ordinal))
            {
                if (key.Length > rolePrefix.Length) roles.Add(key[rolePrefix.Length..]);
            }
            else if (key == "kubernetes.io/role" && Text(value) is { Length: > 0 } role)
            {
                roles.Add(role);
            }
        }

        var info = Obj(node, "status", "nodeInfo");
        static string OrUnknown(string s) => s.Length > 0 ? s : "<unknown>";
        return
        [
            Name(node), string.Join(",", status), roles.Count > 0 ? string.Join(",", roles) : "<none>", Age(node, now), Text(info, "kubeletVersion"),
            NodeAddress(node, "InternalIP"), NodeAddress(node, "ExternalIP"),
            OrUnknown(Text(info, "osImage")), OrUnknown(Text(info, "kernelVersion")), OrUnknown(Text(info, "containerRuntimeVersion")),
        ];
    }

    private static string NodeAddress(JsonObject node, string type)
    {
        foreach (var a in Arr(node, "status", "addresses") ?? [])
            if (Text(a, "type") == type)
                return Text(a, "address");
        return "<none>";
    }

    // ---- Events ----

    private static Printer EventPrinter() => new(
        [
            Col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
            Col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
            Col("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
            Col("Object", "string", "The object that this event is about."),
            Col("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", 1),
            Col("Source", "string", "The component reporting this event. Should be a short machine understandable string.", 1),
            Col("Message", "string", "A human-readable description of the status of this operation."),
            Col("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
            Col("Count", "string", "The number of times this event has occurred.", 1),
            new TableColumn("Name", "string", ColumnDocs.Name, 1, "name"),
        ],
        EventCells);

    /// <summary>An event row from either form (core/v1 or the events.k8s.io/v1 view of the same event).</summary>
    private static JsonArray EventCells(JsonObject ev, DateTimeOffset now)
    {
        var involved = Obj(ev, "involvedObject") ?? Obj(ev, "regarding");
        var firstTimestamp = Time(ev, "firstTimestamp") ?? Time(ev, "deprecatedFirstTimestamp");
        var lastTimestamp = Time(ev, "lastTimestamp") ?? Time(ev, "deprecatedLastTimestamp");
        var first = firstTimestamp is null ? HumanDuration.Since(Time(ev, "eventTime"), now) : HumanDuration.Since(firstTimestamp, now);
        var last = lastTimestamp is null ? first : HumanDuration.Since(lastTimestamp, now);

        var count = Long(ev, "count") ?? Long(ev, "deprecatedCount") ?? 0;
        if (Obj(ev, "series") is { } series)
        {
            last = HumanDuration.Since(Time(series, "lastObservedTime"), now);
            count = Int(series, "count");
        }
        else if (count == 0)
        {
            // Singleton events don't have a count set in the new API.
            count = 1;
        }

        var kind = Text(involved, "kind").ToLowerInvariant();
        var target = Text(involved, "name") is { Length: > 0 } n ? kind + "/" + n : kind;
        var source = Obj(ev, "source") ?? Obj(ev, "deprecatedSource");
        var component = FirstNonEmpty(Text(source, "component"), Str(ev, "reportingComponent") ?? Text(ev, "reportingController"));
        var host = FirstNonEmpty(Text(source, "host"), Text(ev, "reportingInstance"));
        var message = (Str(ev, "message") ?? Text(ev, "note")).Trim();
        return
        [
            last, Text(ev, "type"), Text(ev, "reason"), target, Text(involved, "fieldPath"),
            host.Length == 0 ? component : component + ", " + host,
            message, first, count, Name(ev),
        ];
    }

    private static string FirstNonEmpty(string a, string b) => a.Length > 0 ? a : b;

    // ---- Services, endpoints, ingresses ----

    private static JsonArray ServiceCells(JsonObject svc, DateTimeOffset now)
    {
        var type = Str(svc, "spec", "type") ?? "ClusterIP";
        var clusterIPs = Arr(svc, "spec", "clusterIPs");
        var internalIP = clusterIPs is { Count: > 0 } ? Text(clusterIPs[0]) : Str(svc, "spec", "clusterIP") is { Length: > 0 } ip ? ip : "<none>";
        var ports = string.Join(",", (Arr(svc, "spec", "ports") ?? []).Select(p =>
        {
            var protocol = Str(p, "protocol") ?? "TCP";
            var nodePort = Int(p, "nodePort");
            return nodePort > 0 ? Invariant($"{Int(p, "port")}:{nodePort}/{protocol}") : Invariant($"{Int(p, "port")}/{protocol}");
        }));
        return [Name(svc), type, internalIP, ServiceExternalIP(svc, type), ports.Length > 0 ? ports : "<none>", Age(svc, now), FormatLabels(Obj(svc, "spec", "selector"))];
    }

    private static string ServiceExternalIP(JsonObject svc, string type)
    {
        var externalIPs = (Arr(svc, "spec", "externalIPs") ?? []).Select(ip => Text(ip)).ToList();
        switch (type)
        {
            case "ClusterIP" or "NodePort":
                return externalIPs.Count > 0 ? string.Join(",", externalIPs) : "<none>";
            case "LoadBalancer":
                var lbIPs = LoadBalancerIngress(Arr(svc, "status", "loadBalancer", "ingress"));
                if (externalIPs.Count > 0)
                {
                    var results = new List<string>();
                    if (lbIPs.Length > 0) results.AddRange(lbIPs.Split(','));
                    results.AddRange(externalIPs);
                    return string.Join(",", results);
                }
                return lbIPs.Length > 0 ? lbIPs : "<pending>";
            case "ExternalName":
                return Text(svc, "spec", "externalName");
            default:
                return "<unknown>";
        }
    }

    /// <summary>Load balancer ingress points (IP, else hostname), sorted and de-duplicated; not clipped, as the server prints wide.</summary>
    private static string LoadBalancerIngress(JsonArray? ingress)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var i in ingress ?? [])
        {
            if (Text(i, "ip") is { Length: > 0 } ip) set.Add(ip);
            else if (Text(i, "hostname") is { Length: > 0 } hostname) set.Add(hostname);
        }
        return string.Join(",", set);
    }

    private static string FormatEndpoints(JsonObject endpoints)
    {
        var subsets = Arr(endpoints, "subsets");
        if (subsets is null || subsets.Count == 0) return "<none>";
        const int max = 3;
        var list = new List<string>();
        var more = false;
        var count = 0;
        foreach (var ss in subsets)
        {
            var addresses = Arr(ss, "addresses") ?? [];
            var ports = Arr(ss, "ports");
            if (ports is null || ports.Count == 0)
            {
                // Headless services may have no ports.
                count += addresses.Count;
                foreach (var a in addresses)
                {
                    if (list.Count == max)
                    {
                        more = true;
                        break;
                    }
                    list.Add(Text(a, "ip"));
                }
                continue;
            }
            foreach (var port in ports)
            {
                count += addresses.Count;
                foreach (var a in addresses)
                {
                    if (list.Count == max)
                    {
                        more = true;
                        break;
                    }
                    list.Add(JoinHostPort(Text(a, "ip"), Int(port, "port")));
                }
            }
        }
        var ret = string.Join(",", list);
        return more ? Invariant($"{ret} + {count - max} more...") : ret;
    }

    private static string FormatHosts(JsonArray? rules)
    {
        const int max = 3;
        var list = new List<string>();
        var more = false;
        foreach (var rule in rules ?? [])
        {
            if (list.Count == max) more = true;
            if (!more && Text(rule, "host") is { Length: > 0 } host) list.Add(host);
        }
        if (list.Count == 0) return "*";
        var ret = string.Join(",", list);
        return more ? Invariant($"{ret} + {(rules?.Count ?? 0) - max} more...") : ret;
    }

    private static string IngressClassParameters(JsonObject? parameters)
    {
        if (parameters is null) return "<none>";
        var text = Text(parameters, "kind");
        if (Str(parameters, "apiGroup") is { } group) text += "." + group;
        return text + "/" + Text(parameters, "name");
    }

    // ---- Storage ----

    private const string BetaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

    private static JsonArray PersistentVolumeCells(JsonObject pv, DateTimeOffset now)
    {
        var claimRef = Obj(pv, "spec", "claimRef");
        var claim = claimRef is null ? "" : Text(claimRef, "namespace") + "/" + Text(claimRef, "name");
        var phase = At(pv, "metadata", "deletionTimestamp") is not null ? "Terminating" : Text(pv, "status", "phase");
        var storageClass = Str(pv, "metadata", "annotations", BetaStorageClassAnnotation) ?? Text(pv, "spec", "storageClassName");
        return
        [
            Name(pv), Quantity(At(pv, "spec", "capacity", "storage")), AccessModes(Arr(pv, "spec", "accessModes")),
            Text(pv, "spec", "persistentVolumeReclaimPolicy"), phase, claim, storageClass,
            Str(pv, "spec", "volumeAttributesClassName") ?? "<unset>", Text(pv, "status", "reason"), Age(pv, now),
            Str(pv, "spec", "volumeMode") ?? "<unset>",
        ];
    }

    private static JsonArray PersistentVolumeClaimCells(JsonObject pvc, DateTimeOffset now)
    {
        var phase = At(pvc, "metadata", "deletionTimestamp") is not null ? "Terminating" : Text(pvc, "status", "phase");
        var volumeName = Text(pvc, "spec", "volumeName");
        var capacity = "";
        var accessModes = "";
        if (volumeName.Length > 0)
        {
            accessModes = AccessModes(Arr(pvc, "status", "accessModes"));
            capacity = Quantity(At(pvc, "status", "capacity", "storage"));
        }
        var storageClass = Str(pvc, "metadata", "annotations", BetaStorageClassAnnotation) ?? Text(pvc, "spec", "storageClassName");
        return
        [
            Name(pvc), phase, volumeName, capacity, accessModes, storageClass,
            Str(pvc, "spec", "volumeAttributesClassName") ?? "<unset>", Age(pvc, now), Str(pvc, "spec", "volumeMode") ?? "<unset>",
        ];
    }

    private static JsonArray StorageClassCells(JsonObject sc, DateTimeOffset now)
    {
        var name = Name(sc);
        var annotations = Obj(sc, "metadata", "annotations");
        if (Text(annotations, "storageclass.kubernetes.io/is-default-class") == "true" ||
            Text(annotations, "storageclass.beta.kubernetes.io/is-default-class") == "true")
            name += " (default)";
        return
        [
            name, Text(sc, "provisioner"), Str(sc, "reclaimPolicy") ?? "Delete", Str(sc, "volumeBindingMode") ?? "Immediate",
            Flag(sc, "allowVolumeExpansion"), Age(sc, now),
        ];
    }

    private static JsonArray ResourceQuotaCells(JsonObject quota, DateTimeOffset now)
    {
        var hard = Obj(quota, "status", "hard");
        var used = Obj(quota, "status", "used");
        var requests = new StringBuilder();
        var limits = new StringBuilder();
        foreach (var resource in (hard ?? []).Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal))
        {
            var pieces = resource.Split('.');
            var w = pieces.Length > 1 && pieces[0] == "limits" ? limits : requests;
            w.Append(resource).Append(": ").Append(Quantity(At(used, resource))).Append('/').Append(Quantity(At(hard, resource))).Append(", ");
        }
        return [Name(quota), TrimComma(requests), TrimComma(limits), Age(quota, now)];
    }

    private static string TrimComma(StringBuilder sb) => sb.ToString().EndsWith(", ", StringComparison.Ordinal) ? sb.ToString()[..^2] : sb.ToString();

    private static int SecretDataCount(JsonObject secret)
    {
        // The apiserver merges stringData into data before storing.
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (k, _) in Obj(secret, "data") ?? []) keys.Add(k);
        foreach (var (k, _) in Obj(secret, "stringData") ?? []) keys.Add(k);
        return keys.Count;
    }

    // ---- Workloads ----

    private static JsonArray DeploymentCells(JsonObject d, DateTimeOffset now)
    {
        var (names, images) = ContainerCells(Arr(d, "spec", "template", "spec", "containers"));
        string selector;
        try
        {
            selector = LabelSelector.FromObjectOrNothing(Obj(d, "spec", "selector")).ToString();
        }
        catch (ApiException)
        {
            selector = "<invalid>";
        }
        return
        [
            Name(d), Invariant($"{Int(d, "status", "readyReplicas")}/{DesiredReplicas(d)}"), Int(d, "status", "updatedReplicas"),
            Int(d, "status", "availableReplicas"), Age(d, now), names, images, selector,
        ];
    }

    private static JsonArray JobCells(JsonObject job, DateTimeOffset now)
    {
        string completions;
        if (Long(job, "spec", "completions") is { } wanted)
        {
            completions = Invariant($"{Int(job, "status", "succeeded")}/{wanted}");
        }
        else
        {
            var parallelism = Int(job, "spec", "parallelism");
            completions = parallelism > 1
                ? Invariant($"{Int(job, "status", "succeeded")}/1 of {parallelism}")
                : Invariant($"{Int(job, "status", "succeeded")}/1");
        }

        var start = Time(job, "status", "startTime");
        var completion = Time(job, "status", "completionTime");
        var duration = start is null ? "" : HumanDuration.Format((completion ?? now) - start.Value);

        var conditions = Arr(job, "status", "conditions");
        string status;
        if (ConditionTrue(conditions, "Complete")) status = "Complete";
        else if (ConditionTrue(conditions, "Failed")) status = "Failed";
        else if (At(job, "metadata", "deletionTimestamp") is not null) status = "Terminating";
        else if (ConditionTrue(conditions, "Suspended")) status = "Suspended";
        else if (ConditionTrue(conditions, "FailureTarget")) status = "FailureTarget";
        else status = "Running";

        var (names, images) = ContainerCells(Arr(job, "spec", "template", "spec", "containers"));
        return [Name(job), status, completions, duration, Age(job, now), names, images, FormatLabelSelector(Obj(job, "spec", "selector"))];
    }

    private static JsonArray CronJobCells(JsonObject cj, DateTimeOffset now)
    {
        var last = Time(cj, "status", "lastScheduleTime") is { } t ? HumanDuration.Since(t, now) : "<none>";
        var (names, images) = ContainerCells(Arr(cj, "spec", "jobTemplate", "spec", "template", "spec", "containers"));
        return
        [
            Name(cj), Text(cj, "spec", "schedule"), Str(cj, "spec", "timeZone") ?? "<none>", BoolPointer(Bool(cj, "spec", "suspend")),
            (long)Count(cj, "status", "active"), last, Age(cj, now), names, images, FormatLabelSelector(Obj(cj, "spec", "jobTemplate", "spec", "selector")),
        ];
    }

    /// <summary>The controlling owner as <c>kind.group/name</c> in lower case, or <c>&lt;none&gt;</c>.</summary>
    private static string ControllerName(JsonObject o)
    {
        foreach (var owner in Arr(o, "metadata", "ownerReferences") ?? [])
        {
            if (!Flag(owner, "controller")) continue;
            var (group, _) = Registry.ResourceRegistry.SplitApiVersion(Text(owner, "apiVersion"));
            var kind = Text(owner, "kind");
            var groupKind = kind.Length == 0 && group.Length == 0 ? "" : group.Length == 0 ? kind : kind + "." + group;
            return groupKind.Length == 0 ? Text(owner, "name") : groupKind.ToLowerInvariant() + "/" + Text(owner, "name");
        }
        return "<none>";
    }

    // ---- Autoscaling ----

    private static JsonArray HorizontalPodAutoscalerCells(JsonObject hpa, DateTimeOffset now)
    {
        var reference = Text(hpa, "spec", "scaleTargetRef", "kind") + "/" + Text(hpa, "spec", "scaleTargetRef", "name");
        var minPods = Long(hpa, "spec", "minReplicas") is { } min ? Itoa(min) : "<unset>";
        return
        [
            Name(hpa), reference, FormatHpaMetrics(Arr(hpa, "spec", "metrics"), Arr(hpa, "status", "currentMetrics")),
            minPods, Int(hpa, "spec", "maxReplicas"), Int(hpa, "status", "currentReplicas"), Age(hpa, now),
        ];
    }

    private static string FormatHpaMetrics(JsonArray? specs, JsonArray? statuses)
    {
        if (specs is null || specs.Count == 0) return "<none>";
        const int max = 2;
        var list = new List<string>();
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            JsonNode? StatusOf(string member) => statuses is not null && statuses.Count > i ? At(statuses[i], member) : null;
            switch (Text(spec, "type"))
            {
                case "External":
                    list.Add(ValueMetric(At(spec, "external", "target"), StatusOf("external")));
                    break;
                case "Pods":
                {
                    var current = StatusOf("pods") is { } s ? QuantityPointer(At(s, "current", "averageValue")) : "<unknown>";
                    list.Add(current + "/" + QuantityPointer(At(spec, "pods", "target", "averageValue")));
                    break;
                }
                case "Object":
                    list.Add(ValueMetric(At(spec, "object", "target"), StatusOf("object")));
                    break;
                case "Resource":
                    list.Add(ResourceMetric(At(spec, "resource"), StatusOf("resource")));
                    break;
                case "ContainerResource":
                    list.Add(ResourceMetric(At(spec, "containerResource"), StatusOf("containerResource")));
                    break;
                default:
                    list.Add("<unknown type>");
                    break;
            }
        }
        if (list.Count > max)
            return string.Join(", ", list.Take(max)) + Invariant($" + {list.Count - max} more...");
        return string.Join(", ", list);
    }

    /// <summary>An Object or External metric: <c>current/target (avg)</c> for average values, <c>current/target</c> otherwise.</summary>
    private static string ValueMetric(JsonNode? target, JsonNode? status)
    {
        if (At(target, "averageValue") is { } averageTarget)
        {
            var current = At(status, "current", "averageValue") is { } c ? Quantity(c) : "<unknown>";
            return current + "/" + Quantity(averageTarget) + " (avg)";
        }
        var value = status is null ? "<unknown>" : QuantityPointer(At(status, "current", "value"));
        return value + "/" + QuantityPointer(At(target, "value"));
    }

    /// <summary>A Resource or ContainerResource metric: <c>cpu: 40%/80%</c> or <c>memory: 100Mi/200Mi</c>.</summary>
    private static string ResourceMetric(JsonNode? spec, JsonNode? status)
    {
        var name = Text(spec, "name");
        var target = At(spec, "target");
        if (At(target, "averageValue") is { } averageValue)
        {
            var current = status is null ? "<unknown>" : QuantityPointer(At(status, "current", "averageValue"));
            return name + ": " + current + "/" + Quantity(averageValue);
        }
        var utilization = status is null ? null : Long(status, "current", "averageUtilization");
        var currentText = utilization is { } u ? Invariant($"{u}%") : "<unknown>";
        var targetText = Long(target, "averageUtilization") is { } t ? Invariant($"{t}%") : "<auto>";
        return name + ": " + currentText + "/" + targetText;
    }

    // ---- RBAC ----

    private static Printer BindingPrinter(string what) => new(
        [
            NameColumn, Col("Role", "string", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace."), AgeColumn,
            Col("Users", "string", $"Users in the {what}", 1), Col("Groups", "string", $"Groups in the {what}", 1),
            Col("ServiceAccounts", "string", $"ServiceAccounts in the {what}", 1),
        ],
        (o, now) =>
        {
            var users = new List<string>();
            var groups = new List<string>();
            var serviceAccounts = new List<string>();
            foreach (var s in Arr(o, "subjects") ?? [])
            {
                switch (Text(s, "kind"))
                {
                    case "ServiceAccount": serviceAccounts.Add(Text(s, "namespace") + "/" + Text(s, "name")); break;
                    case "User": users.Add(Text(s, "name")); break;
                    case "Group": groups.Add(Text(s, "name")); break;
                }
            }
            return
            [
                Name(o), Text(o, "roleRef", "kind") + "/" + Text(o, "roleRef", "name"), Age(o, now),
                string.Join(", ", users), string.Join(", ", groups), string.Join(", ", serviceAccounts),
            ];
        });
}
