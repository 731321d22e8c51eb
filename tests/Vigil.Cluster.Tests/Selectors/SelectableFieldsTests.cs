using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Selectors;

namespace Vigil.Cluster.Tests.Selectors;

public class SelectableFieldsTests
{
    private static ResourceType Type(string group, string plural) => BuiltInResources.All.Single(r => r.Group == group && r.Plural == plural);

    private static ResourceType Custom(bool namespaced) => new()
    {
        Group = "example.com", Version = "v1", Kind = "Widget", Plural = "widgets", Singular = "widget", Namespaced = namespaced, IsCustom = true,
    };

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    [Fact]
    public void Every_resource_offers_name_and_its_namespace()
    {
        var cm = SelectableFields.For(Type("", "configmaps"), Json("""{"metadata":{"name":"c","namespace":"ns"}}"""));
        cm.ShouldBe(new Dictionary<string, string> { ["metadata.name"] = "c", ["metadata.namespace"] = "ns" });
        var crb = SelectableFields.For(Type("rbac.authorization.k8s.io", "clusterrolebindings"), Json("""{"metadata":{"name":"b"}}"""));
        crb.ShouldBe(new Dictionary<string, string> { ["metadata.name"] = "b" });
    }

    [Fact]
    public void Pods_offer_the_scheduler_fields()
    {
        var fields = SelectableFields.For(Type("", "pods"), Json("""
            {"metadata":{"name":"p","namespace":"ns"},
             "spec":{"nodeName":"n1","restartPolicy":"Always","schedulerName":"default-scheduler","serviceAccountName":"default","hostNetwork":true},
             "status":{"phase":"Running","podIP":"10.0.0.9","podIPs":[{"ip":"10.0.0.1"},{"ip":"fd00::1"}],"nominatedNodeName":"n2"}}
            """));
        fields["spec.nodeName"].ShouldBe("n1");
        fields["spec.host"].ShouldBe("n1");
        fields["spec.restartPolicy"].ShouldBe("Always");
        fields["spec.schedulerName"].ShouldBe("default-scheduler");
        fields["spec.serviceAccountName"].ShouldBe("default");
        fields["spec.hostNetwork"].ShouldBe("true");
        fields["status.phase"].ShouldBe("Running");
        fields["status.podIP"].ShouldBe("10.0.0.1");
        fields["status.nominatedNodeName"].ShouldBe("n2");
        fields.ContainsKey("status.podIPs").ShouldBeFalse();

        var bare = SelectableFields.For(Type("", "pods"), Json("""{"metadata":{"name":"p"},"status":{"podIP":"10.0.0.9"}}"""));
        bare["spec.hostNetwork"].ShouldBe("false");
        bare["spec.nodeName"].ShouldBe("");
        bare["status.podIP"].ShouldBe("10.0.0.9");
    }

    [Fact]
    public void Field_selectors_match_pods_on_nodes_and_phases()
    {
        var pods = Type("", "pods");
        var pod = SelectableFields.For(pods, Json("""{"metadata":{"name":"p","namespace":"ns"},"spec":{"nodeName":"n1"},"status":{"phase":"Running"}}"""));
        FieldSelector.Parse("spec.nodeName=n1,status.phase!=Failed").Matches(pod).ShouldBeTrue();
        FieldSelector.Parse("spec.host=n1").Matches(pod).ShouldBeTrue();
        FieldSelector.Parse("status.phase=Pending").Matches(pod).ShouldBeFalse();
        FieldSelector.Parse("spec.nodeName=").Matches(pod).ShouldBeFalse();
    }

    [Fact]
    public void Core_events_offer_involved_object_fields()
    {
        var fields = SelectableFields.For(Type("", "events"), Json("""
            {"metadata":{"name":"e","namespace":"ns"},
             "involvedObject":{"kind":"Pod","namespace":"ns","name":"p","uid":"u1","apiVersion":"v1","resourceVersion":"7","fieldPath":"spec.containers{c}"},
             "reason":"BackOff","type":"Warning","reportingComponent":"","source":{"component":"kubelet","host":"n1"}}
            """));
        fields["involvedObject.kind"].ShouldBe("Pod");
        fields["involvedObject.namespace"].ShouldBe("ns");
        fields["involvedObject.name"].ShouldBe("p");
        fields["involvedObject.uid"].ShouldBe("u1");
        fields["involvedObject.apiVersion"].ShouldBe("v1");
        fields["involvedObject.resourceVersion"].ShouldBe("7");
        fields["involvedObject.fieldPath"].ShouldBe("spec.containers{c}");
        fields["reason"].ShouldBe("BackOff");
        fields["type"].ShouldBe("Warning");
        fields["source"].ShouldBe("kubelet");
        fields["reportingComponent"].ShouldBe("");
        FieldSelector.Parse("involvedObject.name=p,involvedObject.namespace=ns,involvedObject.uid=u1").Matches(fields).ShouldBeTrue();

        var fromController = SelectableFields.For(Type("", "events"), Json("""{"metadata":{"name":"e"},"reportingComponent":"ctrl"}"""));
        fromController["source"].ShouldBe("ctrl");
        fromController["reportingComponent"].ShouldBe("ctrl");
    }

    [Fact]
    public void Events_v1_offer_regarding_fields_from_either_form()
    {
        var eventsV1 = Type("events.k8s.io", "events");
        var viewForm = SelectableFields.For(eventsV1, Json("""
            {"apiVersion":"events.k8s.io/v1","metadata":{"name":"e","namespace":"ns"},"regarding":{"kind":"Pod","name":"p"},
             "reason":"Started","type":"Normal","reportingController":"kubelet"}
            """));
        viewForm["regarding.kind"].ShouldBe("Pod");
        viewForm["regarding.name"].ShouldBe("p");
        viewForm["reportingController"].ShouldBe("kubelet");
        viewForm["source"].ShouldBe("kubelet");
        var storedForm = SelectableFields.For(eventsV1, Json("""{"metadata":{"name":"e","namespace":"ns"},"involvedObject":{"kind":"Pod","name":"p"}}"""));
        storedForm["regarding.name"].ShouldBe("p");
        SelectableFields.IsSupported(eventsV1, "regarding.name").ShouldBeTrue();
        SelectableFields.IsSupported(eventsV1, "involvedObject.name").ShouldBeFalse();
        SelectableFields.IsSupported(eventsV1, "reportingController").ShouldBeTrue();
    }

    [Fact]
    public void Other_kinds_offer_their_fields()
    {
        SelectableFields.For(Type("", "nodes"), Json("""{"metadata":{"name":"n"},"spec":{"unschedulable":true}}"""))["spec.unschedulable"].ShouldBe("true");
        SelectableFields.For(Type("", "nodes"), Json("""{"metadata":{"name":"n"}}"""))["spec.unschedulable"].ShouldBe("false");
        SelectableFields.For(Type("", "namespaces"), Json("""{"metadata":{"name":"n"},"status":{"phase":"Terminating"}}"""))["status.phase"].ShouldBe("Terminating");
        SelectableFields.For(Type("", "secrets"), Json("""{"metadata":{"name":"s"},"type":"kubernetes.io/tls"}"""))["type"].ShouldBe("kubernetes.io/tls");
        SelectableFields.For(Type("", "replicationcontrollers"), Json("""{"metadata":{"name":"r"},"status":{"replicas":3}}"""))["status.replicas"].ShouldBe("3");
        SelectableFields.For(Type("apps", "replicasets"), Json("""{"metadata":{"name":"r"}}"""))["status.replicas"].ShouldBe("0");
        SelectableFields.For(Type("batch", "jobs"), Json("""{"metadata":{"name":"j"},"status":{"succeeded":1}}"""))["status.successful"].ShouldBe("1");
        var svc = SelectableFields.For(Type("", "services"), Json("""{"metadata":{"name":"s"},"spec":{"type":"NodePort","clusterIP":"10.96.0.10"}}"""));
        svc["spec.type"].ShouldBe("NodePort");
        svc["spec.clusterIP"].ShouldBe("10.96.0.10");
    }

    [Theory]
    [InlineData("", "pods", "spec.nodeName", true)]
    [InlineData("", "pods", "status.podIPs", true)]
    [InlineData("", "pods", "spec.host", true)]
    [InlineData("", "pods", "spec.containers", false)]
    [InlineData("", "nodes", "metadata.name", true)]
    [InlineData("", "nodes", "spec.unschedulable", true)]
    [InlineData("", "nodes", "metadata.namespace", false)]
    [InlineData("", "namespaces", "status.phase", true)]
    [InlineData("", "namespaces", "metadata.namespace", false)]
    [InlineData("", "secrets", "type", true)]
    [InlineData("", "services", "spec.type", true)]
    [InlineData("", "replicationcontrollers", "status.replicas", true)]
    [InlineData("apps", "replicasets", "status.replicas", false)]
    [InlineData("batch", "jobs", "status.successful", true)]
    [InlineData("", "events", "involvedObject.uid", true)]
    [InlineData("", "events", "regarding.uid", false)]
    [InlineData("", "configmaps", "metadata.namespace", true)]
    [InlineData("", "configmaps", "data", false)]
    [InlineData("rbac.authorization.k8s.io", "clusterroles", "metadata.namespace", true)]
    public void IsSupported_follows_the_field_label_conversions(string group, string plural, string field, bool supported) =>
        SelectableFields.IsSupported(Type(group, plural), field).ShouldBe(supported);

    [Fact]
    public void Custom_resources_offer_metadata_only()
    {
        SelectableFields.IsSupported(Custom(true), "metadata.name").ShouldBeTrue();
        SelectableFields.IsSupported(Custom(true), "metadata.namespace").ShouldBeTrue();
        SelectableFields.IsSupported(Custom(false), "metadata.namespace").ShouldBeFalse();
        SelectableFields.IsSupported(Custom(true), "spec.size").ShouldBeFalse();
        SelectableFields.For(Custom(true), Json("""{"metadata":{"name":"w","namespace":"ns"},"spec":{"size":1}}""")).Count.ShouldBe(2);
    }

    [Theory]
    [InlineData("", "pods", "foo", "field label not supported: foo")]
    [InlineData("", "events", "involvedObject.foo", "field label not supported: involvedObject.foo")]
    [InlineData("batch", "jobs", "status.active", "field label \"status.active\" not supported for batchv1.Job")]
    [InlineData("networking.k8s.io", "ingresses", "foo.bar", "\"foo.bar\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")]
    [InlineData("apps", "replicasets", "status.replicas", "\"status.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")]
    public void Validate_throws_the_apiserver_message_for_the_first_unsupported_field(string group, string plural, string field, string message)
    {
        var ex = Should.Throw<ApiException>(() => SelectableFields.Validate(Type(group, plural), FieldSelector.Parse($"metadata.name=x,{field}=y")));
        ex.Code.ShouldBe(400);
        ex.Reason.ShouldBe("BadRequest");
        ex.Message.ShouldBe(message);
    }

    [Fact]
    public void Validate_reports_custom_resources_like_crds_do()
    {
        Should.Throw<ApiException>(() => SelectableFields.Validate(Custom(false), FieldSelector.Parse("metadata.namespace=x")))
            .Message.ShouldBe("field label not supported: metadata.namespace");
        SelectableFields.Validate(Custom(true), FieldSelector.Parse("metadata.namespace=x,metadata.name=y"));
    }
}
