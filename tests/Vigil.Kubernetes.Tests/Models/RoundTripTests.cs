using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Tests.Models;

public class RoundTripTests
{
    private const string PodJson = """
        {
          "apiVersion": "v1",
          "kind": "Pod",
          "metadata": {
            "name": "web-1", "namespace": "default", "uid": "7d1c", "resourceVersion": "42",
            "creationTimestamp": "2024-01-02T03:04:05Z",
            "labels": {"app": "web"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": "1", "controller": true, "futureOwnerField": 1}],
            "futureMetadataField": {"x": [1, 2]}
          },
          "spec": {
            "containers": [{
              "name": "app", "image": "nginx",
              "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}},
              "ports": [{"containerPort": 80, "protocol": "TCP"}],
              "securityContext": {"runAsNonRoot": true},
              "unknownContainerField": "keep"
            }],
            "nodeName": "node-1",
            "topologySpreadConstraints": [{"maxSkew": 1}],
            "hostNetwork": false
          },
          "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-02T03:04:06Z", "extra": "x"}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": "2024-01-02T03:04:06Z"}}, "resources": {"a": 1}}],
            "futureStatus": true
          },
          "futureTopLevel": "kept"
        }
        """;

    [Fact]
    public void Typed_pod_keeps_every_field_it_does_not_model()
    {
        var pod = JsonSerializer.Deserialize(PodJson, KubernetesJsonContext.Default.Pod)!;
        pod.Spec!.Containers![0].Resources!.Requests!["cpu"].MilliValue.ShouldBe(250);
        pod.Status!.Conditions.IsTrue("Ready").ShouldBeTrue();
        pod.Metadata.OwnerReferences![0].Controller.ShouldBe(true);

        var written = JsonNode.Parse(JsonSerializer.Serialize(pod, KubernetesJsonContext.Default.Pod))!;
        JsonNode.DeepEquals(written, JsonNode.Parse(PodJson)).ShouldBeTrue(written.ToJsonString());
    }

    [Fact]
    public void Unstructured_object_round_trips_and_exposes_metadata()
    {
        var json = """{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"ns","labels":{"a":"b"},"odd":1},"spec":{"size":3},"status":{"ok":true}}""";
        var widget = UnstructuredObject.Parse(json);
        widget.Metadata.Name.ShouldBe("w");
        widget.Kind.ShouldBe("Widget");
        widget["spec"]!["size"]!.GetValue<int>().ShouldBe(3);
        widget.Metadata.SetLabel("c", "d");
        widget["spec"]!["size"] = 4;
        var written = JsonNode.Parse(widget.ToString())!;
        written["metadata"]!["labels"]!["c"]!.GetValue<string>().ShouldBe("d");
        written["metadata"]!["odd"]!.GetValue<int>().ShouldBe(1);
        written["spec"]!["size"]!.GetValue<int>().ShouldBe(4);
        written["status"]!["ok"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public void Typed_model_converts_to_unstructured()
    {
        var pod = JsonSerializer.Deserialize(PodJson, KubernetesJsonContext.Default.Pod)!;
        var unstructured = UnstructuredObject.From(pod);
        unstructured.Metadata.Name.ShouldBe("web-1");
        unstructured["futureTopLevel"]!.GetValue<string>().ShouldBe("kept");
    }

    [Fact]
    public void List_reads_items_and_continue()
    {
        var list = JsonSerializer.Deserialize("""{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":"abc"},"items":[{"metadata":{"name":"a"}}]}""", KubernetesJsonContext.Default.KubernetesListPod)!;
        list.Metadata.Continue.ShouldBe("abc");
        list.Items.Single().Metadata.Name.ShouldBe("a");
    }

    [Fact]
    public void Secret_data_is_base64()
    {
        var secret = JsonSerializer.Deserialize("""{"data":{"k":"aGVsbG8="}}""", KubernetesJsonContext.Default.Secret)!;
        System.Text.Encoding.UTF8.GetString(secret.Data!["k"]).ShouldBe("hello");
    }

    [Fact]
    public void Status_error_body_is_typed()
    {
        var status = JsonSerializer.Deserialize("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"m","reason":"Invalid","details":{"name":"x","kind":"pods","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"}]},"code":422}""", KubernetesJsonContext.Default.Status)!;
        status.Outcome.ShouldBe("Failure");
        status.Details!.Causes![0].Field.ShouldBe("spec.containers");
        status.Code.ShouldBe(422);
    }
}
