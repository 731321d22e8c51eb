using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.OpenApi;

/// <summary>
/// The <c>paths</c> of the OpenAPI documents: collection and item paths of each resource (namespaced and
/// cluster forms), its subresources, and one operation per verb the resource serves. Writes declare the
/// <c>fieldValidation</c> query parameter and every operation carries <c>x-kubernetes-group-version-kind</c>:
/// kubectl decides from these whether the server validates fields itself.
/// </summary>
internal sealed class OpenApiPaths(bool v3)
{
    private static readonly string[] PatchTypes =
        ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"];

    private static readonly string[] CustomPatchTypes =
        ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"];

    private string RefPrefix => v3 ? OpenApiDefinitions.V3RefPrefix : OpenApiDefinitions.V2RefPrefix;

    /// <summary>Adds the paths of one resource; returns the definitions they reference besides the kind and its list.</summary>
    public IEnumerable<string> Add(JsonObject paths, ResourceType r)
    {
        var extraDefinitions = new List<string> { OpenApiDefinitions.Status, OpenApiDefinitions.DeleteOptions, OpenApiDefinitions.Patch, OpenApiDefinitions.WatchEvent };
        var prefix = r.Group.Length == 0 ? "/api/" + r.Version : $"/apis/{r.Group}/{r.Version}";
        var collection = r.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{r.Plural}" : $"{prefix}/{r.Plural}";
        var item = collection + "/{name}";
        var kindRef = OpenApiDefinitions.KindName(r);
        var listRef = OpenApiDefinitions.ListName(r);
        var gvk = OpenApiDefinitions.Gvk(r.Group, r.Version, r.Kind);
        var scope = r.Namespaced ? "Namespaced" : "";
        var id = OperationGroup(r.Group) + Capitalize(r.Version);
        var tag = TagGroup(r.Group) + "_" + r.Version;
        bool Can(string verb) => r.Verbs.Contains(verb);

        var collectionPath = NewPath(r.Namespaced, withName: false);
        if (Can("list"))
            collectionPath["get"] = Operation($"list or watch objects of kind {r.Kind}", $"list{id}{scope}{r.Kind}", tag, "list", gvk,
                ListParameters(), null, listRef, watchable: true);
        if (Can("create"))
            collectionPath["post"] = Operation($"create {Article(r.Kind)} {r.Kind}", $"create{id}{scope}{r.Kind}", tag, "post", gvk,
                WriteParameters(), kindRef, kindRef, created: true);
        if (Can("deletecollection"))
            collectionPath["delete"] = Operation($"delete collection of {r.Kind}", $"delete{id}Collection{scope}{r.Kind}", tag, "deletecollection", gvk,
                [.. DeleteParameters(), .. ListParameters(withWatch: false)], OpenApiDefinitions.DeleteOptions, OpenApiDefinitions.Status);
        if (collectionPath.Count > 1) paths[collection] = collectionPath;

        var itemPath = NewPath(r.Namespaced, withName: true, r.Kind);
        if (Can("get"))
            itemPath["get"] = Operation($"read the specified {r.Kind}", $"read{id}{scope}{r.Kind}", tag, "get", gvk, [], null, kindRef);
        if (Can("update"))
            itemPath["put"] = Operation($"replace the specified {r.Kind}", $"replace{id}{scope}{r.Kind}", tag, "put", gvk,
                WriteParameters(), kindRef, kindRef, created: true);
        if (Can("patch"))
            itemPath["patch"] = PatchOperation($"partially update the specified {r.Kind}", $"patch{id}{scope}{r.Kind}", tag, gvk, kindRef, r.IsCustom);
        if (Can("delete"))
            itemPath["delete"] = Operation($"delete {Article(r.Kind)} {r.Kind}", $"delete{id}{scope}{r.Kind}", tag, "delete", gvk,
                DeleteParameters(), OpenApiDefinitions.DeleteOptions, OpenApiDefinitions.Status, accepted: true);
        if (itemPath.Count > 1) paths[item] = itemPath;

        if (r.Namespaced && Can("list"))
        {
            var all = new JsonObject { ["parameters"] = new JsonArray(PrettyParameter()) };
            all["get"] = Operation($"list or watch objects of kind {r.Kind}", $"list{id}{r.Kind}ForAllNamespaces", tag, "list", gvk,
                ListParameters(), null, listRef, watchable: true);
            paths[$"{prefix}/{r.Plural}"] = all;
        }

        if (r.HasStatusSubresource)
            paths[item + "/status"] = Subresource(r, "status", id, scope, tag, gvk, kindRef, read: Can("get"), replace: Can("update"), patch: Can("patch"));

        if (r.Scale is not null)
        {
            extraDefinitions.Add(OpenApiDefinitions.Scale);
            paths[item + "/scale"] = Subresource(r, "scale", id, scope, tag, OpenApiDefinitions.Gvk("autoscaling", "v1", "Scale"), OpenApiDefinitions.Scale,
                read: true, replace: true, patch: true);
        }

        foreach (var sub in r.ExtraSubresources)
        {
            switch (sub)
            {
                case "ephemeralcontainers":
                    paths[item + "/ephemeralcontainers"] = Subresource(r, "ephemeralcontainers", id, scope, tag, gvk, kindRef, read: true, replace: true, patch: true);
                    break;
                case "eviction":
                    extraDefinitions.Add(OpenApiDefinitions.Eviction);
                    paths[item + "/eviction"] = CreateSubresource(r, "eviction", "Eviction", id, scope, tag, OpenApiDefinitions.Gvk("policy", "v1", "Eviction"), OpenApiDefinitions.Eviction);
                    break;
                case "binding":
                    extraDefinitions.Add(OpenApiDefinitions.Binding);
                    paths[item + "/binding"] = CreateSubresource(r, "binding", "Binding", id, scope, tag, OpenApiDefinitions.Gvk("", "v1", "Binding"), OpenApiDefinitions.Binding);
                    break;
                case "finalize":
                    var finalize = NewPath(r.Namespaced, withName: true, r.Kind);
                    finalize["put"] = Operation($"replace finalize of the specified {r.Kind}", $"replace{id}{scope}{r.Kind}Finalize", tag, "put", gvk,
                        WriteParameters(), kindRef, kindRef, created: true);
                    paths[item + "/finalize"] = finalize;
                    break;
                case "log":
                    var log = NewPath(r.Namespaced, withName: true, r.Kind);
                    log["get"] = LogOperation(id, scope, r.Kind, tag, gvk);
                    paths[item + "/log"] = log;
                    break;
            }
        }
        return extraDefinitions;
    }

    private JsonObject Subresource(ResourceType r, string name, string id, string scope, string tag, JsonObject gvk, string schemaRef,
        bool read, bool replace, bool patch)
    {
        var suffix = Capitalize(name);
        var path = NewPath(r.Namespaced, withName: true, r.Kind);
        if (read)
            path["get"] = Operation($"read {name} of the specified {r.Kind}", $"read{id}{scope}{r.Kind}{suffix}", tag, "get", gvk, [], null, schemaRef);
        if (replace)
            path["put"] = Operation($"replace {name} of the specified {r.Kind}", $"replace{id}{scope}{r.Kind}{suffix}", tag, "put", gvk,
                WriteParameters(), schemaRef, schemaRef, created: true);
        if (patch)
            path["patch"] = PatchOperation($"partially update {name} of the specified {r.Kind}", $"patch{id}{scope}{r.Kind}{suffix}", tag, gvk, schemaRef, r.IsCustom);
        return path;
    }

    private JsonObject CreateSubresource(ResourceType r, string name, string kind, string id, string scope, string tag, JsonObject gvk, string schemaRef)
    {
        var path = NewPath(r.Namespaced, withName: true, kind);
        path["post"] = Operation($"create {name} of {Article(r.Kind)} {r.Kind}", $"create{id}{scope}{r.Kind}{Capitalize(name)}", tag, "post", gvk,
            WriteParameters(), schemaRef, schemaRef, created: true);
        return path;
    }

    private JsonObject NewPath(bool namespaced, bool withName, string? kind = null)
    {
        var parameters = new JsonArray();
        if (withName)
            parameters.Add(Parameter("name", "path", $"name of the {kind}", "string", required: true));
        if (namespaced)
            parameters.Add(Parameter("namespace", "path", "object name and auth scope, such as for teams and projects", "string", required: true));
        parameters.Add(PrettyParameter());
        return new JsonObject { ["parameters"] = parameters };
    }

    private JsonObject PrettyParameter() => Parameter("pretty", "query", "If 'true', then the output is pretty printed.", "string");

    private JsonObject Parameter(string name, string @in, string description, string type, bool required = false)
    {
        var p = new JsonObject { ["description"] = description, ["in"] = @in, ["name"] = name };
        if (required) p["required"] = true;
        if (v3)
            p["schema"] = new JsonObject { ["type"] = type, ["uniqueItems"] = true };
        else
        {
            p["type"] = type;
            p["uniqueItems"] = true;
        }
        return p;
    }

    private List<JsonObject> WriteParameters() =>
    [
        Parameter("dryRun", "query", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed", "string"),
        Parameter("fieldManager", "query", "fieldManager is a name associated with the actor or entity that is making these changes.", "string"),
        FieldValidationParameter(),
    ];

    private JsonObject FieldValidationParameter() => Parameter("fieldValidation", "query",
        "fieldValidation tells the server what to do with objects in the request (POST/PUT/PATCH) that carry unknown or duplicate fields. "
        + "Valid values are: - Ignore: drop unknown fields silently and keep the last of duplicate fields. "
        + "- Warn: drop unknown fields but return a warning for each unknown or duplicate field. This is the default. "
        + "- Strict: reject the request with a BadRequest error listing every unknown and duplicate field.", "string");

    private List<JsonObject> DeleteParameters() =>
    [
        Parameter("dryRun", "query", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed", "string"),
        Parameter("gracePeriodSeconds", "query", "The duration in seconds before the object should be deleted. Zero means delete immediately.", "integer"),
        Parameter("orphanDependents", "query", "Deprecated: use propagationPolicy. Whether the dependent objects should be orphaned.", "boolean"),
        Parameter("propagationPolicy", "query", "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'.", "string"),
    ];

    private List<JsonObject> ListParameters(bool withWatch = true)
    {
        var list = new List<JsonObject>
        {
            Parameter("allowWatchBookmarks", "query", "allowWatchBookmarks requests watch events with type \"BOOKMARK\".", "boolean"),
            Parameter("continue", "query", "The continue option should be set when retrieving more results from the server, with the value of a previous list's metadata.continue.", "string"),
            Parameter("fieldSelector", "query", "A selector to restrict the list of returned objects by their fields. Defaults to everything.", "string"),
            Parameter("labelSelector", "query", "A selector to restrict the list of returned objects by their labels. Defaults to everything.", "string"),
            Parameter("limit", "query", "limit is a maximum number of responses to return for a list call.", "integer"),
            Parameter("resourceVersion", "query", "resourceVersion sets a constraint on what resource versions a request may be served from.", "string"),
            Parameter("resourceVersionMatch", "query", "resourceVersionMatch determines how resourceVersion is applied to list calls.", "string"),
            Parameter("sendInitialEvents", "query", "`sendInitialEvents=true` may be set together with `watch=true` to begin the watch stream with synthetic events for the current state.", "boolean"),
            Parameter("timeoutSeconds", "query", "Timeout for the list/watch call.", "integer"),
        };
        if (withWatch)
            list.Add(Parameter("watch", "query", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.", "boolean"));
        return list;
    }

    private JsonObject Operation(string description, string operationId, string tag, string action, JsonObject gvk, IEnumerable<JsonObject> parameters,
        string? bodyRef, string responseRef, bool created = false, bool accepted = false, bool watchable = false)
    {
        var op = new JsonObject { ["description"] = description };
        if (!v3)
        {
            op["consumes"] = new JsonArray("*/*");
            op["produces"] = watchable
                ? new JsonArray("application/json", "application/yaml", "application/json;stream=watch")
                : new JsonArray("application/json", "application/yaml");
            op["schemes"] = new JsonArray("https");
        }
        op["operationId"] = operationId;
        var parameterArray = new JsonArray();
        if (bodyRef is not null && !v3)
            parameterArray.Add(new JsonObject { ["in"] = "body", ["name"] = "body", ["required"] = action != "delete" && action != "deletecollection", ["schema"] = Ref(bodyRef) });
        foreach (var p in parameters) parameterArray.Add(p);
        if (parameterArray.Count > 0) op["parameters"] = parameterArray;
        if (bodyRef is not null && v3)
        {
            op["requestBody"] = new JsonObject
            {
                ["content"] = new JsonObject { ["*/*"] = new JsonObject { ["schema"] = Ref(bodyRef) } },
                ["required"] = action != "delete" && action != "deletecollection",
            };
        }
        var responses = new JsonObject { ["200"] = Response(responseRef, watchable) };
        if (created) responses["201"] = Response(responseRef, false, "Created");
        if (accepted) responses["202"] = Response(responseRef, false, "Accepted");
        responses["401"] = new JsonObject { ["description"] = "Unauthorized" };
        op["responses"] = responses;
        op["tags"] = new JsonArray(tag);
        op["x-kubernetes-action"] = action;
        op["x-kubernetes-group-version-kind"] = gvk.DeepClone();
        return op;
    }

    private JsonObject PatchOperation(string description, string operationId, string tag, JsonObject gvk, string schemaRef, bool custom)
    {
        var parameters = new List<JsonObject>(WriteParameters())
        {
            Parameter("force", "query", "Force is going to \"force\" Apply requests. It must be unset for non-apply patch requests.", "boolean"),
        };
        var op = Operation(description, operationId, tag, "patch", gvk, parameters, OpenApiDefinitions.Patch, schemaRef, created: true);
        var types = custom ? CustomPatchTypes : PatchTypes;
        if (v3)
        {
            var content = new JsonObject();
            foreach (var t in types) content[t] = new JsonObject { ["schema"] = Ref(OpenApiDefinitions.Patch) };
            op["requestBody"] = new JsonObject { ["content"] = content, ["required"] = true };
        }
        else
        {
            op["consumes"] = new JsonArray([.. types.Select(t => (JsonNode?)JsonValue.Create(t))]);
        }
        return op;
    }

    private JsonObject LogOperation(string id, string scope, string kind, string tag, JsonObject gvk)
    {
        var parameters = new JsonArray
        {
            Parameter("container", "query", "The container for which to stream logs. Defaults to only container if there is one container in the pod.", "string"),
            Parameter("follow", "query", "Follow the log stream of the pod. Defaults to false.", "boolean"),
            Parameter("previous", "query", "Return previous terminated container logs. Defaults to false.", "boolean"),
            Parameter("sinceSeconds", "query", "A relative time in seconds before the current time from which to show logs.", "integer"),
            Parameter("tailLines", "query", "If set, the number of lines from the end of the logs to show.", "integer"),
            Parameter("timestamps", "query", "If true, add an RFC3339 timestamp at the beginning of every line of log output. Defaults to false.", "boolean"),
        };
        var ok = v3
            ? new JsonObject { ["content"] = new JsonObject { ["text/plain"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } }, ["description"] = "OK" }
            : new JsonObject { ["description"] = "OK", ["schema"] = new JsonObject { ["type"] = "string" } };
        var op = new JsonObject { ["description"] = $"read log of the specified {kind}" };
        if (!v3)
        {
            op["consumes"] = new JsonArray("*/*");
            op["produces"] = new JsonArray("text/plain", "application/json", "application/yaml");
            op["schemes"] = new JsonArray("https");
        }
        op["operationId"] = $"read{id}{scope}{kind}Log";
        op["parameters"] = parameters;
        op["responses"] = new JsonObject { ["200"] = ok, ["401"] = new JsonObject { ["description"] = "Unauthorized" } };
        op["tags"] = new JsonArray(tag);
        op["x-kubernetes-action"] = "get";
        op["x-kubernetes-group-version-kind"] = gvk.DeepClone();
        return op;
    }

    private JsonObject Response(string schemaRef, bool watchable, string description = "OK")
    {
        if (!v3)
            return new JsonObject { ["description"] = description, ["schema"] = Ref(schemaRef) };
        var content = new JsonObject
        {
            ["application/json"] = new JsonObject { ["schema"] = Ref(schemaRef) },
            ["application/yaml"] = new JsonObject { ["schema"] = Ref(schemaRef) },
        };
        if (watchable) content["application/json;stream=watch"] = new JsonObject { ["schema"] = Ref(schemaRef) };
        return new JsonObject { ["content"] = content, ["description"] = description };
    }

    private JsonObject Ref(string definition) => new() { ["$ref"] = RefPrefix + definition };

    /// <summary>The group as operation ids spell it: Core, Apps, Networking (".k8s.io" dropped), RbacAuthorization, VigilIo.</summary>
    public static string OperationGroup(string group)
    {
        if (group.Length == 0) return "Core";
        var trimmed = group.EndsWith(".k8s.io", StringComparison.Ordinal) ? group[..^".k8s.io".Length] : group;
        var sb = new StringBuilder();
        foreach (var part in trimmed.Split('.', '-'))
            sb.Append(Capitalize(part));
        return sb.ToString();
    }

    private static string TagGroup(string group)
    {
        var op = OperationGroup(group);
        return op.Length == 0 ? op : char.ToLower(op[0], CultureInfo.InvariantCulture) + op[1..];
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpper(s[0], CultureInfo.InvariantCulture) + s[1..];

    private static string Article(string kind) => kind.Length > 0 && "AEIOU".Contains(kind[0], StringComparison.Ordinal) ? "an" : "a";
}
