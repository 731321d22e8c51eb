using System.Text.Json.Nodes;
using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Tests.Schemas;

public class FieldValidationTests
{
    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    private static string[] Unknown(JsonObject obj, ISchemaNode schema) =>
        [.. SchemaCatalog.UnknownFields(obj, schema).Select(c => c.Field)];

    private static ISchemaNode Deployment => SchemaCatalog.BuiltIn("apps", "v1", "Deployment")!;

    private const string ValidDeployment = """
        {
          "apiVersion": "apps/v1", "kind": "Deployment",
          "metadata": { "name": "web", "namespace": "default", "labels": { "app": "nginx" }, "annotations": { "a/b": "c" },
                        "finalizers": ["x"], "ownerReferences": [{ "apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": "1" }] },
          "spec": {
            "replicas": 2,
            "selector": { "matchLabels": { "app": "nginx" } },
            "strategy": { "type": "RollingUpdate", "rollingUpdate": { "maxSurge": "25%", "maxUnavailable": 0 } },
            "template": {
              "metadata": { "labels": { "app": "nginx" } },
              "spec": {
                "containers": [{
                  "name": "nginx", "image": "nginx:latest", "imagePullPolicy": "Always",
                  "ports": [{ "containerPort": 80, "protocol": "TCP" }],
                  "env": [{ "name": "A", "value": "1" }, { "name": "B", "valueFrom": { "fieldRef": { "fieldPath": "metadata.name" } } }],
                  "resources": { "limits": { "cpu": "500m", "memory": 128 } },
                  "livenessProbe": { "httpGet": { "path": "/", "port": "http" } }
                }],
                "nodeSelector": { "disk": "ssd" },
                "tolerations": [{ "key": "k", "operator": "Exists" }]
              }
            }
          },
          "status": { "replicas": 2, "conditions": [{ "type": "Available", "status": "True" }] }
        }
        """;

    [Fact]
    public void A_valid_deployment_has_no_unknown_fields()
    {
        SchemaCatalog.UnknownFields(Parse(ValidDeployment), Deployment).ShouldBeEmpty();
    }

    [Fact]
    public void Unknown_fields_of_a_built_in_kind_are_reported_in_document_order_with_full_paths()
    {
        var obj = Parse(ValidDeployment);
        obj["spec"]!["unknown1"] = "val1";
        obj["spec"]!["template"]!["spec"]!["containers"]![0]!["unknownNested"] = "val1";
        obj["metadata"]!["bogus"] = true;
        obj["extra"] = 1;
        var causes = SchemaCatalog.UnknownFields(obj, Deployment);
        causes.Select(c => c.Field).ShouldBe(["metadata.bogus", "spec.template.spec.containers[0].unknownNested", "spec.unknown1", "extra"]);
        causes[2].Message.ShouldBe("unknown field \"spec.unknown1\"");
        causes[1].Message.ShouldBe("unknown field \"spec.template.spec.containers[0].unknownNested\"");
        causes.ShouldAllBe(c => c.Reason == SchemaCatalog.UnknownFieldReason);
    }

    [Fact]
    public void Unknown_fields_in_lists_maps_and_metadata()
    {
        var obj = Parse(ValidDeployment);
        obj["metadata"]!["ownerReferences"]![0]!["bogus"] = 1;
        obj["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]![1]!["valueFrom"]!["fieldRef"]!["nope"] = 1;
        obj["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]![0]!["hostPortt"] = 1;
        Unknown(obj, Deployment).ShouldBe([
            "metadata.ownerReferences[0].bogus",
            "spec.template.spec.containers[0].ports[0].hostPortt",
            "spec.template.spec.containers[0].env[1].valueFrom.fieldRef.nope",
        ]);
    }

    [Fact]
    public void Map_keys_are_free_and_free_form_values_are_not_checked()
    {
        var cm = Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"any.key":"v","other":"w"}}""");
        SchemaCatalog.UnknownFields(cm, SchemaCatalog.BuiltIn("", "v1", "ConfigMap")!).ShouldBeEmpty();
        var revision = Parse("""{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"r"},"revision":1,"data":{"whatever":{"deep":[1,2]}}}""");
        SchemaCatalog.UnknownFields(revision, SchemaCatalog.BuiltIn("apps", "v1", "ControllerRevision")!).ShouldBeEmpty();
        var withManagedFields = Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","managedFields":[{"manager":"m","operation":"Apply","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:x":{}}}}]}}""");
        SchemaCatalog.UnknownFields(withManagedFields, SchemaCatalog.BuiltIn("", "v1", "ConfigMap")!).ShouldBeEmpty();
    }

    [Fact]
    public void A_crd_object_may_carry_any_valid_openapi_schema()
    {
        var crd = Parse("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"detectors.vigil.io"},
             "spec":{"group":"vigil.io","scope":"Namespaced","names":{"plural":"detectors","singular":"detector","kind":"Detector","listKind":"DetectorList","shortNames":["det"]},
               "versions":[{"name":"v1alpha1","served":true,"storage":true,
                 "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas"}},
                 "additionalPrinterColumns":[{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}],
                 "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","x-kubernetes-validations":[{"rule":"self.a > 0"}],
                   "properties":{"a":{"type":"integer","default":1},"b":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]},
                     "c":{"type":"array","items":{"type":"object","properties":{"d":{"type":"string","enum":["x","y"]}}}}}}}}}}]}}
            """);
        SchemaCatalog.UnknownFields(crd, SchemaCatalog.BuiltIn("apiextensions.k8s.io", "v1", "CustomResourceDefinition")!).ShouldBeEmpty();
        crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["typo"] = "object";
        Unknown(crd, SchemaCatalog.BuiltIn("apiextensions.k8s.io", "v1", "CustomResourceDefinition")!)
            .ShouldBe(["spec.versions[0].schema.openAPIV3Schema.properties.spec.typo"]);
    }

    [Fact]
    public void Custom_resource_unknown_fields_are_sorted_and_respect_preserve_unknown_fields()
    {
        var obj = Parse("""
            {"apiVersion":"vigil.io/v1alpha1","kind":"Detector","metadata":{"name":"d","unknownMeta":"x"},
             "spec":{"unknown1":"val1","knownField1":"val1","ports":[{"name":"p","containerPort":8080,"protocol":"TCP","unknownNested":"val"}],
                     "port":"http","config":{"free":{"form":true}},"tuned":{"extra":1,"level":{"value":1,"bad":2}},
                     "limits":{"cpu":{"max":1,"min":0}},"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"anything":1}},
                     "child":{"apiVersion":"v1","kind":"X","metadata":{"name":"c","weird":1},"spec":{"size":1,"color":"red"}},
                     "nothing":{"a":1}},
             "status":{"phase":"Ready"}}
            """);
        var causes = SchemaCatalog.UnknownFields(obj, CustomSchemaTests.Detector);
        causes.Select(c => c.Field).ShouldBe([
            "metadata.unknownMeta",
            "spec.child.metadata.weird",
            "spec.child.spec.color",
            "spec.limits.cpu.min",
            "spec.nothing.a",
            "spec.ports[0].unknownNested",
            "spec.tuned.level.bad",
            "spec.unknown1",
        ]);
        causes[0].Message.ShouldBe("unknown field \"metadata.unknownMeta\"");
    }

    [Fact]
    public void Strict_decoding_error_reads_like_the_real_server()
    {
        var obj = Parse(ValidDeployment);
        obj["spec"]!["foo"] = 1;
        obj["spec"]!["bar"] = 1;
        var error = SchemaCatalog.StrictDecodingError("Deployment", "v1", SchemaCatalog.UnknownFields(obj, Deployment));
        error.Code.ShouldBe(400);
        error.Reason.ShouldBe("BadRequest");
        error.Message.ShouldBe("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.foo\", unknown field \"spec.bar\"");
    }

    [Fact]
    public void Server_side_apply_reports_unknown_fields_like_structured_merge_diff()
    {
        var obj = Parse(ValidDeployment);
        obj["spec"]!["template"]!["spec"]!["containers"]![0]!["bogus"] = 1;
        obj["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]![0]!["zzz"] = 1;
        obj["metadata"]!["finalizers"] = new JsonArray("a");
        SchemaCatalog.ApplyUnknownFields(obj, Deployment).ShouldBe([
            ".spec.template.spec.containers[name=\"nginx\"].bogus: field not declared in schema",
        ]);
        var error = SchemaCatalog.ApplyUnknownFieldsError("apps/v1", "Deployment", "default", "web", SchemaCatalog.ApplyUnknownFields(obj, Deployment));
        error.Code.ShouldBe(400);
        error.Message.ShouldBe("failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers[name=\"nginx\"].bogus: field not declared in schema");
        var cm = Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data_error":{"a":"b"}}""");
        var errors = SchemaCatalog.ApplyUnknownFields(cm, SchemaCatalog.BuiltIn("", "v1", "ConfigMap")!);
        SchemaCatalog.ApplyUnknownFieldsError("v1", "ConfigMap", "ns", "c", errors).Message
            .ShouldBe("failed to create typed patch object (ns/c; /v1, Kind=ConfigMap): .data_error: field not declared in schema");
    }

    [Fact]
    public void Server_side_apply_paths_name_list_elements_by_key()
    {
        var obj = Parse(ValidDeployment);
        obj["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]![0]!["zzz"] = 1;
        SchemaCatalog.ApplyUnknownFields(obj, Deployment)
            .ShouldBe([".spec.template.spec.containers[name=\"nginx\"].ports[containerPort=80,protocol=\"TCP\"].zzz: field not declared in schema"]);
        var cr = Parse("""{"apiVersion":"vigil.io/v1alpha1","kind":"Detector","metadata":{"name":"d"},"spec":{"tags":["a"],"ports":[{"containerPort":1,"protocol":"UDP","x":1}]}}""");
        SchemaCatalog.ApplyUnknownFields(cr, CustomSchemaTests.Detector)
            .ShouldBe([".spec.ports[containerPort=1,protocol=\"UDP\"].x: field not declared in schema"]);
        SchemaCatalog.ApplyUnknownFields(Parse(ValidDeployment), Deployment).ShouldBeEmpty();
    }
}
