using System.Text.Json.Nodes;
using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Tests.Schemas;

public class PruningTests
{
    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void Prune_removes_undeclared_fields_and_keeps_the_rest()
    {
        var obj = Parse("""
            {"apiVersion":"vigil.io/v1alpha1","kind":"Detector","metadata":{"name":"d","labels":{"a":"b"},"unknownMeta":"x"},
             "spec":{"unknown1":"val1","knownField1":"val1","ports":[{"name":"p","containerPort":8080,"protocol":"TCP","unknownNested":"val"}],
                     "port":8080,"config":{"free":{"form":true}},"tuned":{"extra":1,"level":{"value":1,"bad":2}},
                     "limits":{"cpu":{"max":1,"min":0}},"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"anything":1}},
                     "child":{"apiVersion":"v1","kind":"X","metadata":{"name":"c","weird":1},"spec":{"size":1,"color":"red"}},
                     "nothing":{"a":1}},
             "status":{"phase":"Ready","garbage":true},
             "topLevelJunk":1}
            """);
        var pruned = SchemaCatalog.PruneFields(obj, CustomSchemaTests.Detector);
        pruned.ShouldContain("topLevelJunk");
        pruned.ShouldContain("spec.ports[0].unknownNested");
        var expected = Parse("""
            {"apiVersion":"vigil.io/v1alpha1","kind":"Detector","metadata":{"name":"d","labels":{"a":"b"}},
             "spec":{"knownField1":"val1","ports":[{"name":"p","containerPort":8080,"protocol":"TCP"}],
                     "port":8080,"config":{"free":{"form":true}},"tuned":{"extra":1,"level":{"value":1}},
                     "limits":{"cpu":{"max":1}},"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"anything":1}},
                     "child":{"apiVersion":"v1","kind":"X","metadata":{"name":"c"},"spec":{"size":1}},
                     "nothing":{}},
             "status":{"phase":"Ready"}}
            """);
        JsonNode.DeepEquals(obj, expected).ShouldBeTrue(obj.ToJsonString());
    }

    [Fact]
    public void Prune_keeps_everything_under_a_preserving_root()
    {
        var schema = SchemaCatalog.FromOpenApiV3(Parse("""{"type":"object","x-kubernetes-preserve-unknown-fields":true}"""));
        var obj = Parse("""{"apiVersion":"a/v1","kind":"K","metadata":{"name":"n"},"spec":{"x":[1,{"y":2}]},"other":true}""");
        SchemaCatalog.PruneFields(obj, schema).ShouldBeEmpty();
        obj["other"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public void Prune_without_properties_drops_everything_but_type_and_object_meta()
    {
        var schema = SchemaCatalog.FromOpenApiV3(Parse("""{"type":"object"}"""));
        var obj = Parse("""{"apiVersion":"a/v1","kind":"K","metadata":{"name":"n","namespace":"x"},"spec":{"x":1}}""");
        SchemaCatalog.Prune(obj, schema);
        obj.ToJsonString().ShouldBe("""{"apiVersion":"a/v1","kind":"K","metadata":{"name":"n","namespace":"x"}}""");
    }

    [Fact]
    public void Prune_walks_lists_of_maps_and_nulls_safely()
    {
        var schema = SchemaCatalog.FromOpenApiV3(Parse("""
            {"type":"object","properties":{"spec":{"type":"object","properties":{
              "items":{"type":"array","items":{"type":"object","properties":{"a":{"type":"string"}}}},
              "byName":{"type":"object","additionalProperties":{"type":"array","items":{"type":"object","properties":{"v":{"type":"integer"}}}}}}}}}
            """));
        var obj = Parse("""{"apiVersion":"a/v1","kind":"K","spec":{"items":[{"a":"x","b":1},null,"scalar"],"byName":{"k":[{"v":1,"w":2}]},"gone":null}}""");
        SchemaCatalog.PruneFields(obj, schema).ShouldBe(["spec.byName.k[0].w", "spec.gone", "spec.items[0].b"]);
        obj.ToJsonString().ShouldBe("""{"apiVersion":"a/v1","kind":"K","spec":{"items":[{"a":"x"},null,"scalar"],"byName":{"k":[{"v":1}]}}}""");
    }
}
