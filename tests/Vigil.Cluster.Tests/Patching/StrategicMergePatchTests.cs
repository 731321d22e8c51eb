using System.Text.Json.Nodes;
using Vigil.Cluster.Patching;
using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Tests.Patching;

public class StrategicMergePatchTests
{
    private static readonly ISchemaNode Deploy = KubeSchemas.Deployment();
    private static readonly ISchemaNode Pod = KubeSchemas.Pod();

    private static JsonObject LiveDeployment() => Json.Obj("""
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"web","namespace":"default","labels":{"app":"web"},"finalizers":["a","b"]},
         "spec":{"replicas":1,
           "selector":{"matchLabels":{"app":"web"}},
           "template":{"metadata":{"labels":{"app":"web"}},
             "spec":{"containers":[
                 {"name":"nginx","image":"nginx:1.25","imagePullPolicy":"IfNotPresent",
                  "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
                  "ports":[{"containerPort":80,"protocol":"TCP"}]},
                 {"name":"sidecar","image":"envoy:1"}],
               "tolerations":[{"key":"k1","operator":"Exists"}],
               "volumes":[{"name":"config","configMap":{"name":"web-config"}}]}}}}
        """);

    private static JsonNode Patch(JsonNode target, string patch, ISchemaNode? schema = null) =>
        StrategicMergePatch.Apply(target, Json.Parse(patch), schema ?? Deploy);

    private static JsonNode Containers(JsonNode obj) => obj["spec"]!["template"]!["spec"]!["containers"]!;

    private static IEnumerable<string> Names(JsonNode list) => list.AsArray().Select(e => e!["name"]!.GetValue<string>());

    [Fact]
    public void Maps_merge_scalars_replace_and_null_deletes()
    {
        var result = Patch(LiveDeployment(), """
            {"metadata":{"labels":{"tier":"fe","app":null}},"spec":{"replicas":3,"paused":true}}
            """);

        result["metadata"]!["labels"]!.ShouldEqualJson("""{"tier":"fe"}""");
        result["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        result["spec"]!["paused"]!.GetValue<bool>().ShouldBeTrue();
        result["spec"]!["selector"]!.ShouldEqualJson("""{"matchLabels":{"app":"web"}}""");
    }

    [Fact]
    public void Containers_merge_by_name_and_keep_fields_the_patch_does_not_mention()
    {
        var result = Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26","env":[{"name":"B","value":"20"},{"name":"C","value":"3"}]}]}}}}
            """);

        var nginx = Containers(result)[0]!;
        nginx["image"]!.GetValue<string>().ShouldBe("nginx:1.26");
        nginx["imagePullPolicy"]!.GetValue<string>().ShouldBe("IfNotPresent");
        nginx["ports"]!.ShouldEqualJson("""[{"containerPort":80,"protocol":"TCP"}]""");
        // A (server-only) precedes B in the live list, so it stays first; C is new and follows the patch order.
        nginx["env"]!.ShouldEqualJson("""[{"name":"A","value":"1"},{"name":"B","value":"20"},{"name":"C","value":"3"}]""");
        Names(Containers(result)).ShouldBe(["nginx", "sidecar"]);
    }

    [Fact]
    public void A_new_list_element_comes_before_untouched_server_elements_without_setElementOrder()
    {
        var result = Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"containers":[{"name":"logger","image":"fluentd"}]}}}}
            """);
        Names(Containers(result)).ShouldBe(["logger", "nginx", "sidecar"]);
    }

    [Fact]
    public void SetElementOrder_places_a_new_element_where_the_user_put_it()
    {
        var result = Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{
               "$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"},{"name":"logger"}],
               "containers":[{"name":"logger","image":"fluentd"}]}}}}
            """);
        Names(Containers(result)).ShouldBe(["nginx", "sidecar", "logger"]);
        result["spec"]!["template"]!["spec"]!.AsObject().Any(p => p.Key.StartsWith('$')).ShouldBeFalse();
    }

    [Fact]
    public void SetElementOrder_alone_reorders_the_live_list()
    {
        var result = Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"nginx"}]}}}}
            """);
        Names(Containers(result)).ShouldBe(["sidecar", "nginx"]);
        Containers(result)[1]!["env"]!.AsArray().Count.ShouldBe(2);
    }

    [Fact]
    public void Patch_delete_removes_a_container_by_merge_key()
    {
        var result = Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"containers":[{"$patch":"delete","name":"sidecar"}]}}}}
            """);
        Names(Containers(result)).ShouldBe(["nginx"]);
    }

    [Fact]
    public void Patch_delete_removes_every_duplicate()
    {
        var target = Json.Obj("""{"spec":{"template":{"spec":{"containers":[{"name":"a"},{"name":"a"},{"name":"b","image":"x"}]}}}}""");
        var result = Patch(target, """{"spec":{"template":{"spec":{"containers":[{"name":"a","$patch":"delete"}]}}}}""");
        Containers(result).ShouldEqualJson("""[{"name":"b","image":"x"}]""");
    }

    [Fact]
    public void Patch_replace_in_a_list_replaces_the_whole_list()
    {
        var result = Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"containers":[{"name":"only","image":"busybox"},{"$patch":"replace"}]}}}}
            """);
        Containers(result).ShouldEqualJson("""[{"name":"only","image":"busybox"}]""");
    }

    [Fact]
    public void Patch_replace_on_a_map_replaces_it_and_patch_delete_empties_it()
    {
        var replaced = Patch(LiveDeployment(), """{"metadata":{"labels":{"$patch":"replace","new":"x"}}}""");
        replaced["metadata"]!["labels"]!.ShouldEqualJson("""{"new":"x"}""");

        var deleted = Patch(LiveDeployment(), """{"spec":{"selector":{"$patch":"delete"}}}""");
        deleted["spec"]!["selector"]!.ShouldEqualJson("{}");
    }

    [Fact]
    public void Patch_merge_is_the_explicit_default()
    {
        var result = Patch(LiveDeployment(), """{"metadata":{"labels":{"$patch":"merge","tier":"fe"}}}""");
        result["metadata"]!["labels"]!.ShouldEqualJson("""{"app":"web","tier":"fe"}""");
    }

    [Fact]
    public void Lists_without_merge_strategy_are_replaced()
    {
        var result = Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"tolerations":[{"key":"k2","operator":"Equal","value":"v"}]}}}}
            """);
        result["spec"]!["template"]!["spec"]!["tolerations"]!.ShouldEqualJson("""[{"key":"k2","operator":"Equal","value":"v"}]""");
    }

    [Fact]
    public void A_field_with_replace_strategy_is_replaced_not_merged()
    {
        var target = Json.Obj("""{"spec":{"affinity":{"nodeAffinity":{"a":1},"podAffinity":{"b":2}}}}""");
        var result = StrategicMergePatch.Apply(target, Json.Parse("""{"spec":{"affinity":{"nodeAffinity":{"c":3}}}}"""), Pod);
        result["spec"]!["affinity"]!.ShouldEqualJson("""{"nodeAffinity":{"c":3}}""");
    }

    [Fact]
    public void Finalizers_are_a_union_and_deleteFromPrimitiveList_removes_values()
    {
        var added = Patch(LiveDeployment(), """{"metadata":{"finalizers":["b","c","c"]}}""");
        // "b" is in the patch and in the live list, "c" is new; "a" is server-only and earlier than "b" in the live list.
        added["metadata"]!["finalizers"]!.ShouldEqualJson("""["a","b","c"]""");

        var removed = Patch(LiveDeployment(), """{"metadata":{"$deleteFromPrimitiveList/finalizers":["a","zzz"]}}""");
        removed["metadata"]!["finalizers"]!.ShouldEqualJson("""["b"]""");
    }

    [Fact]
    public void Additions_deletions_and_order_of_a_primitive_list_in_one_patch()
    {
        var result = Patch(LiveDeployment(), """
            {"metadata":{"$setElementOrder/finalizers":["b","c"],"$deleteFromPrimitiveList/finalizers":["a"],"finalizers":["c"]}}
            """);
        result["metadata"]!["finalizers"]!.ShouldEqualJson("""["b","c"]""");
        result["metadata"]!.AsObject().Select(p => p.Key).Any(k => k.StartsWith('$')).ShouldBeFalse();
    }

    [Fact]
    public void Primitive_merge_list_follows_apimachinery_order()
    {
        var schema = TestSchema.Obj(("list", TestSchema.MergeSet(TestSchema.Int())));
        StrategicMergePatch.Apply(Json.Obj("""{"list":[1,2,3]}"""), Json.Parse("""{"list":[3,1]}"""), schema)
            .ShouldEqualJson("""{"list":[2,3,1]}""");
        StrategicMergePatch.Apply(Json.Obj("""{"list":[1,2,3]}"""),
                Json.Parse("""{"$setElementOrder/list":[1,2],"$deleteFromPrimitiveList/list":[3]}"""), schema)
            .ShouldEqualJson("""{"list":[1,2]}""");
    }

    [Fact]
    public void Order_from_the_patch_wins_for_patched_elements()
    {
        // apimachinery test case "preserve the order from the patch in a merging list 2".
        var schema = TestSchema.Obj(("mergingList", TestSchema.MergeList("name", TestSchema.Obj(("name", TestSchema.Int()), ("value", TestSchema.Str())))));
        var result = StrategicMergePatch.Apply(Json.Obj("""{"mergingList":[{"name":1},{"name":2,"value":"b"},{"name":3}]}"""),
            Json.Parse("""{"mergingList":[{"name":3,"value":"c"},{"name":1,"value":"a"}]}"""), schema);
        result.ShouldEqualJson("""{"mergingList":[{"name":2,"value":"b"},{"name":3,"value":"c"},{"name":1,"value":"a"}]}""");
    }

    [Fact]
    public void SetElementOrder_with_new_and_live_elements_matches_apimachinery()
    {
        // apimachinery test case "merge lists of maps" (three-way result).
        var schema = TestSchema.Obj(("mergingList", TestSchema.MergeList("name", TestSchema.Any())));
        var result = StrategicMergePatch.Apply(
            Json.Obj("""{"mergingList":[{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"}]}"""),
            Json.Parse("""{"$setElementOrder/mergingList":[{"name":4},{"name":1},{"name":2},{"name":3}],"mergingList":[{"name":4,"value":4},{"name":3,"value":3}]}"""),
            schema);
        result.ShouldEqualJson("""{"mergingList":[{"name":4,"value":4},{"name":1,"other":"a"},{"name":2,"value":2,"other":"b"},{"name":3,"value":3}]}""");
    }

    [Fact]
    public void SetElementOrder_may_name_elements_that_do_not_exist()
    {
        var schema = TestSchema.Obj(("mergingList", TestSchema.MergeList("name", TestSchema.Any())));
        var result = StrategicMergePatch.Apply(Json.Obj("""{"mergingList":[{"name":1},{"name":3}]}"""),
            Json.Parse("""{"$setElementOrder/mergingList":[{"name":3},{"name":2},{"name":1}],"mergingList":[{"name":3,"value":3},{"name":1,"value":1}]}"""),
            schema);
        result.ShouldEqualJson("""{"mergingList":[{"name":3,"value":3},{"name":1,"value":1}]}""");
    }

    [Fact]
    public void RetainKeys_clears_fields_that_are_not_listed()
    {
        // kubectl switching a volume from a ConfigMap to an emptyDir.
        var result = Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"volumes":[{"$retainKeys":["emptyDir","name"],"emptyDir":{},"name":"config"}]}}}}
            """);
        result["spec"]!["template"]!["spec"]!["volumes"]!.ShouldEqualJson("""[{"name":"config","emptyDir":{}}]""");
    }

    [Fact]
    public void Second_kubectl_apply_three_way_patch()
    {
        // First apply created the object with this last-applied configuration; the server and other writers then added
        // imagePullPolicy, an injected sidecar and an annotation. The user now changes the image, drops env A, adds env C,
        // scales to 3 and removes the "tier" label; kubectl sends this patch.
        var live = Json.Obj("""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","labels":{"app":"web","tier":"fe"},
               "annotations":{"deployment.kubernetes.io/revision":"1",
                 "kubectl.kubernetes.io/last-applied-configuration":"{\"old\":true}"}},
             "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
               "template":{"metadata":{"labels":{"app":"web"}},
                 "spec":{"containers":[
                   {"name":"nginx","image":"nginx:1.25","imagePullPolicy":"IfNotPresent",
                    "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
                   {"name":"istio-proxy","image":"istio/proxy"}]}}}}
            """);
        var patch = """
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"new\":true}"},"labels":{"tier":null}},
             "spec":{"replicas":3,
               "template":{"spec":{
                 "$setElementOrder/containers":[{"name":"nginx"}],
                 "containers":[{"name":"nginx","image":"nginx:1.26",
                   "$setElementOrder/env":[{"name":"B"},{"name":"C"}],
                   "env":[{"name":"C","value":"3"},{"$patch":"delete","name":"A"}]}]}}}}
            """;

        var result = Patch(live, patch);

        result.ShouldEqualJson("""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","labels":{"app":"web"},
               "annotations":{"deployment.kubernetes.io/revision":"1",
                 "kubectl.kubernetes.io/last-applied-configuration":"{\"new\":true}"}},
             "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
               "template":{"metadata":{"labels":{"app":"web"}},
                 "spec":{"containers":[
                   {"name":"nginx","image":"nginx:1.26","imagePullPolicy":"IfNotPresent",
                    "env":[{"name":"B","value":"2"},{"name":"C","value":"3"}]},
                   {"name":"istio-proxy","image":"istio/proxy"}]}}}}
            """);
    }

    [Fact]
    public void Directives_inside_values_added_wholesale_are_resolved_and_stripped()
    {
        var result = Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"initContainers":[
               {"name":"init","image":"busybox","$setElementOrder/env":[{"name":"X"}],"env":[{"name":"X","value":"1"}],"resources":{"$patch":"replace","limits":{"cpu":"1"}}},
               {"name":"gone","$patch":"delete"}]}}}}
            """);
        result["spec"]!["template"]!["spec"]!["initContainers"]!.ShouldEqualJson("""
            [{"name":"init","image":"busybox","env":[{"name":"X","value":"1"}],"resources":{"limits":{"cpu":"1"}}}]
            """);
    }

    [Fact]
    public void Without_a_schema_it_behaves_like_a_merge_patch_but_strips_directives()
    {
        var target = Json.Obj("""{"spec":{"items":[{"name":"a"},{"name":"b"}],"map":{"x":1,"y":2},"other":{"k":"v"}}}""");
        var result = StrategicMergePatch.Apply(target, Json.Parse("""
            {"spec":{"items":[{"name":"c"},{"$patch":"delete","name":"b"}],"$setElementOrder/items":[{"name":"c"}],
                     "map":{"$patch":"replace","z":3},"other":{"k":null}}}
            """), null);
        result.ShouldEqualJson("""{"spec":{"items":[{"name":"c"}],"map":{"z":3},"other":{}}}""");
    }

    [Fact]
    public void Neither_the_target_nor_the_patch_is_modified()
    {
        var target = LiveDeployment();
        var patch = Json.Parse("""
            {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"nginx"}],
              "containers":[{"name":"nginx","image":"x","env":[{"name":"A","$patch":"delete"}]}]}}}}
            """);
        var targetBefore = target.ToJsonString();
        var patchBefore = patch.ToJsonString();

        var result = StrategicMergePatch.Apply(target, patch, Deploy);
        Containers(result)[0]!["name"] = "mutated";

        target.ToJsonString().ShouldBe(targetBefore);
        patch.ToJsonString().ShouldBe(patchBefore);
    }

    [Fact]
    public void A_patch_that_is_not_an_object_is_a_bad_request()
    {
        Json.ShouldFailWith(() => Patch(LiveDeployment(), "[1]"), 400, "BadRequest")
            .Message.ShouldBe("json: cannot unmarshal array into Go value of type map[string]interface {}");
    }

    [Fact]
    public void Unknown_patch_directive_is_a_bad_request()
    {
        Json.ShouldFailWith(() => Patch(LiveDeployment(), """{"metadata":{"labels":{"$patch":"explode"}}}"""), 400, "BadRequest")
            .Message.ShouldBe("unknown patch type: explode in map: map[$patch:explode]");
        Json.ShouldFailWith(() => Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"containers":[{"name":"nginx","$patch":"explode"}]}}}}
            """), 400, "BadRequest").Message.ShouldBe("unknown patch type: explode in map: map[$patch:explode name:nginx]");
    }

    [Fact]
    public void Missing_merge_key_is_a_bad_request()
    {
        Json.ShouldFailWith(() => Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"containers":[{"image":"nginx:2"}]}}}}
            """), 400, "BadRequest").Message.ShouldBe("map: map[image:nginx:2] does not contain declared merge key: name");
        Json.ShouldFailWith(() => Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"containers":[{"$patch":"delete"}]}}}}
            """), 400, "BadRequest").Message.ShouldContain("does not contain declared merge key: name");
    }

    [Fact]
    public void Malformed_retainKeys_is_a_bad_request()
    {
        Json.ShouldFailWith(() => Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"volumes":[{"$retainKeys":"name","name":"config"}]}}}}
            """), 400, "BadRequest").Message.ShouldBe("invalid patch format of retainKeys");
        Json.ShouldFailWith(() => Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"volumes":[{"$retainKeys":["name"],"name":"config","emptyDir":{}}]}}}}
            """), 400, "BadRequest").Message.ShouldBe("invalid patch format of retainKeys");
    }

    [Fact]
    public void Malformed_setElementOrder_is_a_bad_request()
    {
        Json.ShouldFailWith(() => Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"$setElementOrder/containers":{"name":"nginx"}}}}}
            """), 400, "BadRequest").Message.ShouldBe("invalid patch format of setElementOrder list");
        Json.ShouldFailWith(() => Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"$setElementOrderX/containers":[]}}}}
            """), 400, "BadRequest").Message.ShouldBe("invalid patch format of setElementOrder list");
    }

    [Fact]
    public void SetElementOrder_that_contradicts_the_patch_list_is_a_bad_request()
    {
        var ex = Json.ShouldFailWith(() => Patch(LiveDeployment(), """
            {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],
              "containers":[{"name":"sidecar","image":"a"},{"name":"nginx","image":"b"}]}}}}
            """), 400, "BadRequest");
        ex.Message.ShouldContain("doesn't match $setElementOrder list");
    }

    [Fact]
    public void Malformed_deleteFromPrimitiveList_is_a_bad_request()
    {
        Json.ShouldFailWith(() => Patch(LiveDeployment(), """{"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}}"""), 400, "BadRequest")
            .Message.ShouldBe("invalid patch format of primitive list");
        Json.ShouldFailWith(() => Patch(LiveDeployment(), """{"metadata":{"$deleteFromPrimitiveList":["a"]}}"""), 400, "BadRequest")
            .Message.ShouldBe("invalid patch format of primitive list");
    }

    [Fact]
    public void A_failing_patch_leaves_the_target_intact()
    {
        var target = LiveDeployment();
        var before = target.ToJsonString();
        Json.ShouldFailWith(() => StrategicMergePatch.Apply(target, Json.Parse("""
            {"metadata":{"labels":{"x":"y"}},"spec":{"replicas":7,"template":{"spec":{"containers":[{"name":"nginx","image":"z"},{"image":"no-name"}]}}}}
            """), Deploy), 400, "BadRequest");
        target.ToJsonString().ShouldBe(before);
    }

    [Fact]
    public void Null_patch_changes_nothing()
    {
        StrategicMergePatch.Apply(LiveDeployment(), null!, Deploy).ShouldEqualJson(LiveDeployment().ToJsonString());
    }
}
