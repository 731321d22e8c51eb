using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using static Vigil.Cluster.Selectors.JsonAccess;

namespace Vigil.Cluster.Selectors;

/// <summary>The fields each resource can be selected by (every resource: metadata.name, metadata.namespace; more per kind).</summary>
/// <remarks>
/// Mirrors two things in the apiserver: the field label conversion funcs (which field names a list or watch may name,
/// and the error when it names another) and each registry's <c>GetAttrs</c>/<c>ToSelectableFields</c> (the values an
/// object offers). Kinds without a conversion func accept only <c>metadata.name</c> and <c>metadata.namespace</c>, even
/// where their registry computes more (ReplicaSets' <c>status.replicas</c> is rejected by real apps/v1 servers too).
/// </remarks>
public static class SelectableFields
{
    private const string Name = "metadata.name";
    private const string Namespace = "metadata.namespace";

    private static readonly HashSet<string> PodFields = new(StringComparer.Ordinal)
    {
        Name, Namespace, "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName",
        // Accepted for old v1 clients; the apiserver converts it to spec.nodeName.
        "spec.host",
    };

    private static readonly HashSet<string> NodeFields = new(StringComparer.Ordinal) { Name, "spec.unschedulable" };

    private static readonly HashSet<string> ReplicationControllerFields = new(StringComparer.Ordinal) { Name, Namespace, "status.replicas" };

    private static readonly HashSet<string> CoreEventFields = new(StringComparer.Ordinal)
    {
        "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
        "reason", "reportingComponent", "source", "type", Namespace, Name,
    };

    private static readonly HashSet<string> EventsV1Fields = new(StringComparer.Ordinal)
    {
        "reason", "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion",
        "regarding.resourceVersion", "regarding.fieldPath", "reportingController", "source", "type", Namespace, Name,
    };

    private static readonly HashSet<string> NamespaceFields = new(StringComparer.Ordinal) { "status.phase", Name };

    private static readonly HashSet<string> SecretFields = new(StringComparer.Ordinal) { "type", Namespace, Name };

    private static readonly HashSet<string> ServiceFields = new(StringComparer.Ordinal) { Namespace, Name, "spec.clusterIP", "spec.type" };

    private static readonly HashSet<string> JobFields = new(StringComparer.Ordinal) { Name, Namespace, "status.successful" };

    /// <summary>The field values an object offers to field selectors, keyed by the names selectors use for its resource.</summary>
    public static IReadOnlyDictionary<string, string> For(ResourceType type, JsonObject obj)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Name] = Text(obj, "metadata", "name"),
        };
        if (type.Namespaced) fields[Namespace] = Text(obj, "metadata", "namespace");
        if (type.IsCustom) return fields;

        switch (type.Group, type.Plural)
        {
            case ("", "pods"):
                AddPodFields(obj, fields);
                break;
            case ("", "nodes"):
                fields["spec.unschedulable"] = GoBool(Flag(obj, "spec", "unschedulable"));
                break;
            case ("", "replicationcontrollers"):
            case ("apps", "replicasets"):
                fields["status.replicas"] = Itoa(Int(obj, "status", "replicas"));
                break;
            case ("", "events"):
                AddEventFields(obj, fields, eventsV1: false);
                break;
            case ("events.k8s.io", "events"):
                AddEventFields(obj, fields, eventsV1: true);
                break;
            case ("", "namespaces"):
                fields["status.phase"] = Text(obj, "status", "phase");
                break;
            case ("", "secrets"):
                fields["type"] = Text(obj, "type");
                break;
            case ("", "services"):
                fields["spec.clusterIP"] = Text(obj, "spec", "clusterIP");
                fields["spec.type"] = Text(obj, "spec", "type");
                break;
            case ("batch", "jobs"):
                fields["status.successful"] = Itoa(Int(obj, "status", "succeeded"));
                break;
        }
        return fields;
    }

    /// <summary>True when a list or watch of the resource may select by <paramref name="field"/>.</summary>
    public static bool IsSupported(ResourceType type, string field) => SupportedFields(type) switch
    {
        { } set => set.Contains(field),
        null => field is Name || (field is Namespace && (!type.IsCustom || type.Namespaced)),
    };

    /// <summary>The apiserver's message for a field the resource cannot be selected by.</summary>
    public static string UnsupportedMessage(ResourceType type, string field)
    {
        if (type is { IsCustom: false, Group: "batch", Plural: "jobs" })
            return $"field label {LabelValidation.GoQuote(field)} not supported for batchv1.Job";
        if (type.IsCustom || SupportedFields(type) is not null)
            return $"field label not supported: {field}";
        return $"{LabelValidation.GoQuote(field)} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"";
    }

    /// <summary>Throws the apiserver's 400 for the first term (in selector order) naming a field the resource does not offer.</summary>
    public static void Validate(ResourceType type, FieldSelector selector)
    {
        foreach (var term in selector.Requirements)
            if (!IsSupported(type, term.Field))
                throw ApiException.BadRequest(UnsupportedMessage(type, term.Field));
    }

    /// <summary>The field names a built-in kind with a field label conversion func accepts; null for the default (name and namespace).</summary>
    private static HashSet<string>? SupportedFields(ResourceType type)
    {
        if (type.IsCustom) return null;
        return (type.Group, type.Plural) switch
        {
            ("", "pods") => PodFields,
            ("", "nodes") => NodeFields,
            ("", "replicationcontrollers") => ReplicationControllerFields,
            ("", "events") => CoreEventFields,
            ("events.k8s.io", "events") => EventsV1Fields,
            ("", "namespaces") => NamespaceFields,
            ("", "secrets") => SecretFields,
            ("", "services") => ServiceFields,
            ("batch", "jobs") => JobFields,
            _ => null,
        };
    }

    private static void AddPodFields(JsonObject pod, Dictionary<string, string> fields)
    {
        var nodeName = Text(pod, "spec", "nodeName");
        fields["spec.nodeName"] = nodeName;
        fields["spec.host"] = nodeName;
        fields["spec.restartPolicy"] = Text(pod, "spec", "restartPolicy");
        fields["spec.schedulerName"] = Text(pod, "spec", "schedulerName");
        fields["spec.serviceAccountName"] = Text(pod, "spec", "serviceAccountName");
        fields["spec.hostNetwork"] = GoBool(Flag(pod, "spec", "hostNetwork"));
        fields["status.phase"] = Text(pod, "status", "phase");
        // The apiserver selects on the first of status.podIPs (status.podIP converts into it); status.podIPs itself is
        // accepted by the field label conversion but has no value, so it only matches the empty string.
        var podIPs = Arr(pod, "status", "podIPs");
        fields["status.podIP"] = podIPs is { Count: > 0 } ? Text(podIPs[0], "ip") : Text(pod, "status", "podIP");
        fields["status.nominatedNodeName"] = Text(pod, "status", "nominatedNodeName");
    }

    /// <summary>Event fields from either form of an event (core/v1 <c>involvedObject</c> or events.k8s.io <c>regarding</c>).</summary>
    private static void AddEventFields(JsonObject ev, Dictionary<string, string> fields, bool eventsV1)
    {
        var reference = Obj(ev, "involvedObject") ?? Obj(ev, "regarding");
        var prefix = eventsV1 ? "regarding." : "involvedObject.";
        fields[prefix + "kind"] = Text(reference, "kind");
        fields[prefix + "namespace"] = Text(reference, "namespace");
        fields[prefix + "name"] = Text(reference, "name");
        fields[prefix + "uid"] = Text(reference, "uid");
        fields[prefix + "apiVersion"] = Text(reference, "apiVersion");
        fields[prefix + "resourceVersion"] = Text(reference, "resourceVersion");
        fields[prefix + "fieldPath"] = Text(reference, "fieldPath");
        fields["reason"] = Text(ev, "reason");
        var reportingController = Str(ev, "reportingComponent") ?? Text(ev, "reportingController");
        fields[eventsV1 ? "reportingController" : "reportingComponent"] = reportingController;
        var source = Str(ev, "source", "component") ?? Text(ev, "deprecatedSource", "component");
        fields["source"] = source.Length > 0 ? source : reportingController;
        fields["type"] = Text(ev, "type");
    }
}
