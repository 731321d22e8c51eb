using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Api;

/// <summary>The checks the apiserver makes before storing an object, reported as 422 Invalid causes.</summary>
public static class Validation
{
    public static List<StatusCause> Validate(ResourceType type, JsonObject obj, JsonObject? old)
    {
        var causes = new List<StatusCause>();
        var meta = obj["metadata"] as JsonObject;
        ValidateStringMap(meta?["labels"], "metadata.labels", causes, labels: true);
        ValidateStringMap(meta?["annotations"], "metadata.annotations", causes, labels: false);
        if (type.IsCustom) return causes;
        switch ((type.Group, type.Kind))
        {
            case ("", "Pod"):
                PodSpec(obj["spec"] as JsonObject, "spec", causes);
                if (old is not null) PodImmutable(obj, old, causes);
                break;
            case ("apps", "Deployment"):
            case ("apps", "ReplicaSet"):
            case ("apps", "StatefulSet"):
            case ("apps", "DaemonSet"):
                Workload(obj, old, causes);
                break;
            case ("batch", "Job"):
                if (obj["spec"]?["template"]?["spec"] is not JsonObject jobPod)
                    causes.Add(new("FieldValueRequired", "Required value", "spec.template.spec.containers"));
                else
                {
                    PodSpec(jobPod, "spec.template.spec", causes);
                    var rp = jobPod["restartPolicy"]?.GetValue<string>();
                    if (rp is not ("OnFailure" or "Never"))
                        causes.Add(new("FieldValueNotSupported", $"Unsupported value: \"{rp}\": supported values: \"OnFailure\", \"Never\"", "spec.template.spec.restartPolicy"));
                }
                break;
            case ("", "Service"):
                if (obj["spec"]?["ports"] is JsonArray ports)
                    for (var i = 0; i < ports.Count; i++)
                        if (ports[i]?["port"] is null) causes.Add(new("FieldValueRequired", "Required value", $"spec.ports[{i}].port"));
                break;
            case ("", "ConfigMap"):
            case ("", "Secret"):
                if (old is not null && old["immutable"]?.GetValue<bool>() == true &&
                    (!JsonNode.DeepEquals(old["data"], obj["data"]) || !JsonNode.DeepEquals(old["binaryData"], obj["binaryData"])))
                    causes.Add(new("FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set", "data"));
                break;
        }
        return causes;
    }

    private static void Workload(JsonObject obj, JsonObject? old, List<StatusCause> causes)
    {
        var spec = obj["spec"] as JsonObject;
        if (spec?["selector"] is not JsonObject selector)
        {
            causes.Add(new("FieldValueRequired", "Required value", "spec.selector"));
            return;
        }
        if (spec["template"]?["spec"] is JsonObject podSpec) PodSpec(podSpec, "spec.template.spec", causes);
        else causes.Add(new("FieldValueRequired", "Required value", "spec.template.spec.containers"));
        if (spec["replicas"] is JsonValue r && r.TryGetValue<long>(out var replicas) && replicas < 0)
            causes.Add(new("FieldValueInvalid", $"Invalid value: {replicas}: must be greater than or equal to 0", "spec.replicas"));
        var matchLabels = Meta.StringMap(selector["matchLabels"]);
        var templateLabels = Meta.StringMap(spec["template"]?["metadata"]?["labels"]);
        if (selector["matchExpressions"] is null && matchLabels.Any(kv => !templateLabels.TryGetValue(kv.Key, out var v) || v != kv.Value))
            causes.Add(new("FieldValueInvalid", "Invalid value: map[string]string{...}: `selector` does not match template `labels`", "spec.template.metadata.labels"));
        if (old?["spec"]?["selector"] is { } oldSelector && !JsonNode.DeepEquals(oldSelector, selector))
            causes.Add(new("FieldValueInvalid", "Invalid value: field is immutable", "spec.selector"));
    }

    private static void PodSpec(JsonObject? spec, string path, List<StatusCause> causes)
    {
        if (spec?["containers"] is not JsonArray containers || containers.Count == 0)
        {
            causes.Add(new("FieldValueRequired", "Required value", $"{path}.containers"));
            return;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var listName in new[] { "initContainers", "containers" })
        {
            if (spec[listName] is not JsonArray list) continue;
            for (var i = 0; i < list.Count; i++)
            {
                var c = list[i] as JsonObject;
                var name = Meta.Str(c, "name");
                if (string.IsNullOrEmpty(name)) causes.Add(new("FieldValueRequired", "Required value", $"{path}.{listName}[{i}].name"));
                else if (!names.Add(name)) causes.Add(new("FieldValueDuplicate", $"Duplicate value: \"{name}\"", $"{path}.{listName}[{i}].name"));
                else if (Names.LabelError(name) is { } error) causes.Add(new("FieldValueInvalid", $"Invalid value: \"{name}\": {error}", $"{path}.{listName}[{i}].name"));
                if (string.IsNullOrEmpty(Meta.Str(c, "image"))) causes.Add(new("FieldValueRequired", "Required value", $"{path}.{listName}[{i}].image"));
            }
        }
    }

    private static void PodImmutable(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        // Only images, activeDeadlineSeconds, tolerations (additions) and scheduling gates may change on a pod's spec.
        if (obj["spec"] is not JsonObject spec || old["spec"] is not JsonObject oldSpec) return;
        var a = (JsonObject)spec.DeepClone();
        var b = (JsonObject)oldSpec.DeepClone();
        foreach (var s in new[] { a, b })
        {
            s.Remove("activeDeadlineSeconds");
            s.Remove("tolerations");
            s.Remove("schedulingGates");
            s.Remove("ephemeralContainers");
            foreach (var listName in new[] { "containers", "initContainers" })
                if (s[listName] is JsonArray list)
                    foreach (var c in list.OfType<JsonObject>()) c.Remove("image");
        }
        // A pod may be bound once.
        if (b["nodeName"] is null) a.Remove("nodeName");
        if (!JsonNode.DeepEquals(a, b))
            causes.Add(new("FieldValueForbidden", "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)", "spec"));
    }

    private static void ValidateStringMap(JsonNode? node, string path, List<StatusCause> causes, bool labels)
    {
        if (node is not JsonObject map) return;
        foreach (var (key, value) in map)
        {
            if (value is not JsonValue v || !v.TryGetValue<string>(out var s))
            {
                causes.Add(new("FieldValueInvalid", "Invalid value: must be a string", $"{path}.{key}"));
                continue;
            }
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            var nameSegment = slash >= 0 ? key[(slash + 1)..] : key;
            if (nameSegment.Length is 0 or > 63 || !IsQualifiedNameSegment(nameSegment) || (slash >= 0 && Names.SubdomainError(key[..slash]) is not null))
                causes.Add(new("FieldValueInvalid", $"Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')", path));
            if (labels && (s.Length > 63 || (s.Length > 0 && !IsQualifiedNameSegment(s))))
                causes.Add(new("FieldValueInvalid", $"Invalid value: \"{s}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')", $"{path}"));
        }
    }

    private static bool IsQualifiedNameSegment(string s)
    {
        if (!char.IsAsciiLetterOrDigit(s[0]) || !char.IsAsciiLetterOrDigit(s[^1])) return false;
        foreach (var ch in s)
            if (!char.IsAsciiLetterOrDigit(ch) && ch is not ('-' or '_' or '.')) return false;
        return true;
    }
}
