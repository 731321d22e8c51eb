using System.Text.Json.Nodes;
using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Tests.Schemas;

public class CustomSchemaTests
{
    internal const string DetectorSchema = """
        {
          "type": "object",
          "properties": {
            "spec": {
              "type": "object",
              "properties": {
                "cronSpec": { "type": "string", "pattern": "^.*$" },
                "knownField1": { "type": "string" },
                "replicas": { "type": "integer", "minimum": 0 },
                "ratio": { "type": "number" },
                "enabled": { "type": "boolean" },
                "port": { "x-kubernetes-int-or-string": true, "anyOf": [{ "type": "integer" }, { "type": "string" }] },
                "ports": {
                  "type": "array",
                  "x-kubernetes-list-type": "map",
                  "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
                  "items": {
                    "type": "object",
                    "required": ["containerPort", "protocol"],
                    "properties": {
                      "containerPort": { "type": "integer", "format": "int32" },
                      "hostPort": { "type": "integer", "format": "int32" },
                      "name": { "type": "string" },
                      "protocol": { "type": "string" }
                    }
                  }
                },
                "tags": { "type": "array", "x-kubernetes-list-type": "set", "items": { "type": "string" } },
                "limits": { "type": "object", "additionalProperties": { "type": "object", "properties": { "max": { "type": "integer" } } } },
                "config": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                "tuned": { "type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": { "level": { "type": "object", "properties": { "value": { "type": "integer" } } } } },
                "template": { "type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
                "child": { "type": "object", "x-kubernetes-embedded-resource": true, "properties": { "spec": { "type": "object", "properties": { "size": { "type": "integer" } } } } },
                "nothing": { "type": "object" }
              }
            },
            "status": { "type": "object", "properties": { "phase": { "type": "string" } } }
          }
        }
        """;

    internal static ISchemaNode Detector => SchemaCatalog.FromOpenApiV3(JsonNode.Parse(DetectorSchema)!.AsObject());

    [Fact]
    public void Structural_schema_honours_types()
    {
        var spec = Detector.Property("spec").ShouldNotBeNull();
        spec.Kind.ShouldBe(SchemaNodeKind.Object);
        spec.Property("cronSpec")!.Kind.ShouldBe(SchemaNodeKind.String);
        spec.Property("replicas")!.Kind.ShouldBe(SchemaNodeKind.Integer);
        spec.Property("ratio")!.Kind.ShouldBe(SchemaNodeKind.Number);
        spec.Property("enabled")!.Kind.ShouldBe(SchemaNodeKind.Boolean);
        spec.Property("port")!.Kind.ShouldBe(SchemaNodeKind.Any);
        spec.Property("nope").ShouldBeNull();
        spec.PreserveUnknownFields.ShouldBeFalse();
    }

    [Fact]
    public void Lists_and_maps()
    {
        var spec = Detector.Property("spec")!;
        var ports = spec.Property("ports")!;
        ports.Kind.ShouldBe(SchemaNodeKind.Array);
        ports.ListType.ShouldBe(ListType.Map);
        ports.ListMapKeys.ShouldBe(["containerPort", "protocol"]);
        ports.PatchMergeKey.ShouldBeNull();
        ports.Items!.Property("hostPort")!.Kind.ShouldBe(SchemaNodeKind.Integer);
        spec.Property("tags")!.ListType.ShouldBe(ListType.Set);
        var limits = spec.Property("limits")!;
        limits.Kind.ShouldBe(SchemaNodeKind.Map);
        limits.Items!.Property("max")!.Kind.ShouldBe(SchemaNodeKind.Integer);
    }

    [Fact]
    public void Preserve_unknown_fields_and_embedded_resources()
    {
        var spec = Detector.Property("spec")!;
        var config = spec.Property("config")!;
        config.PreserveUnknownFields.ShouldBeTrue();
        config.Kind.ShouldBe(SchemaNodeKind.Object);
        var child = spec.Property("child")!;
        child.Property("metadata")!.Property("labels")!.Kind.ShouldBe(SchemaNodeKind.Map);
        child.Property("apiVersion")!.Kind.ShouldBe(SchemaNodeKind.String);
        child.Property("kind")!.Kind.ShouldBe(SchemaNodeKind.String);
    }

    [Fact]
    public void Resource_root_always_knows_apiVersion_kind_and_metadata()
    {
        var root = Detector;
        root.Property("apiVersion")!.Kind.ShouldBe(SchemaNodeKind.String);
        root.Property("metadata")!.Property("ownerReferences")!.PatchMergeKey.ShouldBe("uid");
        var declaredMetadata = SchemaCatalog.FromOpenApiV3(JsonNode.Parse("""
            {"type":"object","properties":{"metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":5}}}}}
            """)!.AsObject());
        declaredMetadata.Property("metadata")!.Property("labels").ShouldNotBeNull();
    }

    [Fact]
    public void Schema_is_independent_of_the_source_object()
    {
        var source = JsonNode.Parse(DetectorSchema)!.AsObject();
        var schema = SchemaCatalog.FromOpenApiV3(source);
        source["properties"]!.AsObject().Remove("spec");
        schema.Property("spec").ShouldNotBeNull();
    }
}
