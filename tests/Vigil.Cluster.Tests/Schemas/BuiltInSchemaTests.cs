using Vigil.Cluster.Registry;
using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Tests.Schemas;

public class BuiltInSchemaTests
{
    private static ISchemaNode Pod => SchemaCatalog.BuiltIn("", "v1", "Pod").ShouldNotBeNull();

    private static ISchemaNode At(ISchemaNode root, params string[] path)
    {
        var node = root;
        foreach (var step in path)
            node = (step == "[]" ? node.Items : node.Property(step)).ShouldNotBeNull($"no {step} in path {string.Join('.', path)}");
        return node;
    }

    [Fact]
    public void Every_served_built_in_kind_has_a_schema_with_metadata()
    {
        foreach (var r in BuiltInResources.All)
        {
            var schema = SchemaCatalog.BuiltIn(r.Group, r.Version, r.Kind);
            schema.ShouldNotBeNull($"{r.ApiVersion} {r.Kind}");
            schema.Kind.ShouldBe(SchemaNodeKind.Object);
            schema.Property("metadata").ShouldNotBeNull().Property("name").ShouldNotBeNull().Kind.ShouldBe(SchemaNodeKind.String);
            schema.Property("apiVersion").ShouldNotBeNull();
            SchemaCatalog.BuiltIn(r.Group, r.Version, r.ListKind).ShouldNotBeNull($"{r.ListKind}");
        }
    }

    [Fact]
    public void Unknown_kinds_have_no_schema()
    {
        SchemaCatalog.BuiltIn("", "v1", "Nope").ShouldBeNull();
        SchemaCatalog.BuiltIn("apps", "v1beta1", "Deployment").ShouldBeNull();
    }

    [Fact]
    public void Definition_names_follow_the_real_server()
    {
        SchemaCatalog.BuiltInDefinitionName("", "v1", "Pod").ShouldBe("io.k8s.api.core.v1.Pod");
        SchemaCatalog.BuiltInDefinitionName("apps", "v1", "Deployment").ShouldBe("io.k8s.api.apps.v1.Deployment");
        SchemaCatalog.BuiltInDefinitionName("events.k8s.io", "v1", "Event").ShouldBe("io.k8s.api.events.v1.Event");
        SchemaCatalog.BuiltInDefinitionName("", "v1", "Event").ShouldBe("io.k8s.api.core.v1.Event");
        SchemaCatalog.BuiltInDefinitionName("autoscaling", "v2", "HorizontalPodAutoscaler").ShouldBe("io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler");
        SchemaCatalog.BuiltInDefinitionName("apiextensions.k8s.io", "v1", "CustomResourceDefinition")
            .ShouldBe("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition");
    }

    [Fact]
    public void Pod_containers_merge_by_name()
    {
        var containers = At(Pod, "spec", "containers");
        containers.Kind.ShouldBe(SchemaNodeKind.Array);
        containers.PatchMergeKey.ShouldBe("name");
        containers.PatchStrategy.ShouldBe(PatchStrategy.Merge);
        containers.ListType.ShouldBe(ListType.Map);
        containers.ListMapKeys.ShouldBe(["name"]);
        foreach (var list in new[] { "initContainers", "ephemeralContainers", "imagePullSecrets" })
            At(Pod, "spec", list).PatchMergeKey.ShouldBe("name", list);
        containers.Items.ShouldNotBeNull().Kind.ShouldBe(SchemaNodeKind.Object);
    }

    [Fact]
    public void Container_lists_have_their_real_merge_keys()
    {
        var container = At(Pod, "spec", "containers", "[]");
        At(container, "env").PatchMergeKey.ShouldBe("name");
        var ports = At(container, "ports");
        ports.PatchMergeKey.ShouldBe("containerPort");
        ports.ListMapKeys.ShouldBe(["containerPort", "protocol"]);
        At(container, "volumeMounts").PatchMergeKey.ShouldBe("mountPath");
        At(container, "volumeDevices").PatchMergeKey.ShouldBe("devicePath");
        At(container, "command").ListType.ShouldBe(ListType.Atomic);
        At(container, "command").PatchMergeKey.ShouldBeNull();
        At(container, "envFrom").PatchStrategy.ShouldBe(PatchStrategy.None);
    }

    [Fact]
    public void Pod_spec_lists_have_their_real_strategies()
    {
        var volumes = At(Pod, "spec", "volumes");
        volumes.PatchStrategy.ShouldBe(PatchStrategy.Merge | PatchStrategy.RetainKeys);
        volumes.PatchMergeKey.ShouldBe("name");
        At(Pod, "spec", "hostAliases").PatchMergeKey.ShouldBe("ip");
        var spread = At(Pod, "spec", "topologySpreadConstraints");
        spread.PatchMergeKey.ShouldBe("topologyKey");
        spread.ListMapKeys.ShouldBe(["topologyKey", "whenUnsatisfiable"]);
        var tolerations = At(Pod, "spec", "tolerations");
        tolerations.ListType.ShouldBe(ListType.Atomic);
        tolerations.PatchMergeKey.ShouldBeNull();
        tolerations.PatchStrategy.ShouldBe(PatchStrategy.None);
        At(Pod, "status", "conditions").PatchMergeKey.ShouldBe("type");
        At(Pod, "status", "podIPs").PatchMergeKey.ShouldBe("ip");
    }

    [Fact]
    public void Object_meta_lists_merge()
    {
        var finalizers = At(Pod, "metadata", "finalizers");
        finalizers.PatchStrategy.ShouldBe(PatchStrategy.Merge);
        finalizers.ListType.ShouldBe(ListType.Set);
        var owners = At(Pod, "metadata", "ownerReferences");
        owners.PatchMergeKey.ShouldBe("uid");
        owners.ListMapKeys.ShouldBe(["uid"]);
        var labels = At(Pod, "metadata", "labels");
        labels.Kind.ShouldBe(SchemaNodeKind.Map);
        labels.Items.ShouldNotBeNull().Kind.ShouldBe(SchemaNodeKind.String);
        At(Pod, "metadata", "creationTimestamp").Kind.ShouldBe(SchemaNodeKind.String);
    }

    [Fact]
    public void Deployment_reaches_the_pod_template()
    {
        var deployment = SchemaCatalog.BuiltIn("apps", "v1", "Deployment").ShouldNotBeNull();
        At(deployment, "spec", "template", "spec", "containers").PatchMergeKey.ShouldBe("name");
        At(deployment, "spec", "template", "metadata", "labels").Kind.ShouldBe(SchemaNodeKind.Map);
        At(deployment, "spec", "strategy").PatchStrategy.ShouldBe(PatchStrategy.RetainKeys);
        At(deployment, "spec", "strategy", "rollingUpdate", "maxSurge").Kind.ShouldBe(SchemaNodeKind.Any);
        At(deployment, "spec", "replicas").Kind.ShouldBe(SchemaNodeKind.Integer);
        At(deployment, "spec", "selector", "matchExpressions").ListType.ShouldBe(ListType.Atomic);
        At(deployment, "status", "conditions").ListMapKeys.ShouldBe(["type"]);
    }

    [Fact]
    public void Other_kinds_have_their_merge_keys()
    {
        var service = SchemaCatalog.BuiltIn("", "v1", "Service").ShouldNotBeNull();
        At(service, "spec", "ports").PatchMergeKey.ShouldBe("port");
        At(service, "spec", "ports").ListMapKeys.ShouldBe(["port", "protocol"]);
        At(service, "spec", "ports", "[]", "targetPort").Kind.ShouldBe(SchemaNodeKind.Any);
        var node = SchemaCatalog.BuiltIn("", "v1", "Node").ShouldNotBeNull();
        At(node, "spec", "taints").ListType.ShouldBe(ListType.Atomic);
        At(node, "status", "addresses").PatchMergeKey.ShouldBe("type");
        At(node, "status", "capacity").Items.ShouldNotBeNull().Kind.ShouldBe(SchemaNodeKind.Any);
        var sa = SchemaCatalog.BuiltIn("", "v1", "ServiceAccount").ShouldNotBeNull();
        At(sa, "secrets").PatchMergeKey.ShouldBe("name");
        var job = SchemaCatalog.BuiltIn("batch", "v1", "Job").ShouldNotBeNull();
        At(job, "status", "conditions").PatchMergeKey.ShouldBe("type");
        At(job, "spec", "template", "spec", "volumes").PatchMergeKey.ShouldBe("name");
        var cronJob = SchemaCatalog.BuiltIn("batch", "v1", "CronJob").ShouldNotBeNull();
        At(cronJob, "spec", "jobTemplate", "spec", "template", "spec", "containers").PatchMergeKey.ShouldBe("name");
    }

    [Fact]
    public void Quantities_and_int_or_strings_take_any_value()
    {
        var resources = At(Pod, "spec", "containers", "[]", "resources");
        At(resources, "limits").Kind.ShouldBe(SchemaNodeKind.Map);
        At(resources, "limits", "[]").Kind.ShouldBe(SchemaNodeKind.Any);
        At(Pod, "spec", "containers", "[]", "livenessProbe", "httpGet", "port").Kind.ShouldBe(SchemaNodeKind.Any);
    }

    [Fact]
    public void Fields_newer_than_the_python_client_are_known()
    {
        At(Pod, "spec", "os", "name").Kind.ShouldBe(SchemaNodeKind.String);
        At(Pod, "spec", "containers", "[]", "restartPolicy").Kind.ShouldBe(SchemaNodeKind.String);
        At(Pod, "spec", "containers", "[]", "resizePolicy").Kind.ShouldBe(SchemaNodeKind.Array);
        At(Pod, "spec", "containers", "[]", "livenessProbe", "grpc", "port").Kind.ShouldBe(SchemaNodeKind.Integer);
        At(Pod, "spec", "schedulingGates").PatchMergeKey.ShouldBe("name");
        At(Pod, "spec", "volumes", "[]", "image", "reference").Kind.ShouldBe(SchemaNodeKind.String);
        var crd = SchemaCatalog.BuiltIn("apiextensions.k8s.io", "v1", "CustomResourceDefinition").ShouldNotBeNull();
        var props = At(crd, "spec", "versions", "[]", "schema", "openAPIV3Schema");
        At(props, "x-kubernetes-validations", "[]", "rule").Kind.ShouldBe(SchemaNodeKind.String);
        At(props, "x-kubernetes-preserve-unknown-fields").Kind.ShouldBe(SchemaNodeKind.Boolean);
        // JSONSchemaProps is recursive through properties.
        At(props, "properties", "[]", "properties", "[]", "type").Kind.ShouldBe(SchemaNodeKind.String);
        // Removed after 1.22: ObjectMeta.clusterName.
        At(Pod, "metadata").Property("clusterName").ShouldBeNull();
    }

    [Fact]
    public void Free_form_values_preserve_unknown_fields()
    {
        var revision = SchemaCatalog.BuiltIn("apps", "v1", "ControllerRevision").ShouldNotBeNull();
        var data = At(revision, "data");
        data.Kind.ShouldBe(SchemaNodeKind.Any);
        data.PreserveUnknownFields.ShouldBeTrue();
        At(Pod, "spec").PreserveUnknownFields.ShouldBeFalse();
    }

    [Fact]
    public void Schemas_are_shared_and_safe_to_load_concurrently()
    {
        var nodes = new ISchemaNode?[64];
        Parallel.For(0, nodes.Length, i =>
        {
            var r = BuiltInResources.All[i % BuiltInResources.All.Count];
            nodes[i] = SchemaCatalog.BuiltIn(r.Group, r.Version, r.Kind);
            At(SchemaCatalog.BuiltIn("", "v1", "Pod")!, "spec", "containers", "[]", "env", "[]", "valueFrom", "secretKeyRef", "key");
        });
        nodes.ShouldAllBe(n => n != null);
        SchemaCatalog.BuiltIn("", "v1", "Pod").ShouldBeSameAs(SchemaCatalog.BuiltIn("", "v1", "Pod"));
    }
}
