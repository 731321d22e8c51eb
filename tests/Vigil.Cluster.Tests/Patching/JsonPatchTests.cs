using System.Text.Json.Nodes;
using Vigil.Cluster.Patching;

namespace Vigil.Cluster.Tests.Patching;

public class JsonPatchTests
{
    private const string Rejected = "the server rejected our request due to an error in our request";

    private static JsonObject Deployment() => Json.Obj("""
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"web","labels":{"app":"web","a/b":"slash","m~n":"tilde"}},
         "spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"},{"name":"side","image":"busybox"}]}}}}
        """);

    private static string Detail(Exception ex) => (string)ex.Data[JsonPatch.DetailKey]!;

    [Fact]
    public void Replace_add_and_remove_work_like_kubectl_patch_type_json()
    {
        var result = JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"replace","path":"/spec/replicas","value":3},
             {"op":"add","path":"/metadata/labels/tier","value":"frontend"},
             {"op":"remove","path":"/metadata/labels/app"},
             {"op":"add","path":"/metadata/annotations","value":{"note":"x"}}]
            """));

        result["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        result["metadata"]!["labels"]!.ShouldEqualJson("""{"a/b":"slash","m~n":"tilde","tier":"frontend"}""");
        result["metadata"]!["annotations"]!.ShouldEqualJson("""{"note":"x"}""");
    }

    [Fact]
    public void Pointer_escapes_decode_tilde_one_as_slash_and_tilde_zero_as_tilde()
    {
        var result = JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"replace","path":"/metadata/labels/a~1b","value":"S"},
             {"op":"replace","path":"/metadata/labels/m~0n","value":"T"},
             {"op":"test","path":"/metadata/labels/a~1b","value":"S"}]
            """));

        result["metadata"]!["labels"]!["a/b"]!.GetValue<string>().ShouldBe("S");
        result["metadata"]!["labels"]!["m~n"]!.GetValue<string>().ShouldBe("T");
    }

    [Fact]
    public void Dash_appends_and_an_index_inserts_before_the_element()
    {
        var result = JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"last"}},
             {"op":"add","path":"/spec/template/spec/containers/0","value":{"name":"first"}},
             {"op":"add","path":"/spec/template/spec/containers/4","value":{"name":"end"}}]
            """));

        var names = result["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>());
        names.ShouldBe(["first", "nginx", "side", "last", "end"]);
    }

    [Fact]
    public void Negative_indices_count_from_the_end_as_in_evanphx_json_patch_v4()
    {
        var result = JsonPatch.Apply(Deployment(), Json.Parse("""[{"op":"remove","path":"/spec/template/spec/containers/-1"}]"""));
        result["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Count.ShouldBe(1);
        result["spec"]!["template"]!["spec"]!["containers"]![0]!["name"]!.GetValue<string>().ShouldBe("nginx");
    }

    [Fact]
    public void Index_past_the_end_is_rejected_with_422_and_the_library_detail()
    {
        var ex = Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"add","path":"/spec/template/spec/containers/5","value":{"name":"x"}}]
            """)), 422, "Invalid");
        ex.Message.ShouldBe(Rejected);
        Detail(ex).ShouldBe("error in add for path: '/spec/template/spec/containers/5': Unable to access invalid index: 5: invalid index referenced");

        var replace = Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"replace","path":"/spec/template/spec/containers/2/image","value":"x"}]
            """)), 422, "Invalid");
        Detail(replace).ShouldBe("replace operation does not apply: doc is missing path: /spec/template/spec/containers/2/image: missing value");
    }

    [Fact]
    public void Non_numeric_array_index_is_rejected()
    {
        var ex = Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"add","path":"/spec/template/spec/containers/x","value":{}}]
            """)), 422, "Invalid");
        Detail(ex).ShouldBe("error in add for path: '/spec/template/spec/containers/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax");
    }

    [Fact]
    public void Move_detaches_the_value_and_copy_duplicates_it()
    {
        var result = JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"copy","from":"/metadata/labels","path":"/spec/template/metadata"},
             {"op":"move","from":"/spec/replicas","path":"/spec/minReadySeconds"},
             {"op":"replace","path":"/spec/template/metadata/app","value":"changed"}]
            """));

        result["spec"]!.AsObject().ContainsKey("replicas").ShouldBeFalse();
        result["spec"]!["minReadySeconds"]!.GetValue<int>().ShouldBe(1);
        result["metadata"]!["labels"]!["app"]!.GetValue<string>().ShouldBe("web");
        result["spec"]!["template"]!["metadata"]!["app"]!.GetValue<string>().ShouldBe("changed");
    }

    [Fact]
    public void Move_of_an_array_element_reorders_the_list()
    {
        var result = JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"move","from":"/spec/template/spec/containers/1","path":"/spec/template/spec/containers/0"}]
            """));
        result["spec"]!["template"]!["spec"]!["containers"]![0]!["name"]!.GetValue<string>().ShouldBe("side");
    }

    [Fact]
    public void Failed_test_is_a_422_with_the_generic_apiserver_message()
    {
        var ex = Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"test","path":"/spec/replicas","value":2},{"op":"replace","path":"/spec/replicas","value":5}]
            """)), 422, "Invalid");
        ex.Message.ShouldBe(Rejected);
        Detail(ex).ShouldBe("testing value /spec/replicas failed: test failed");
    }

    [Fact]
    public void Test_compares_structurally_and_treats_missing_as_null()
    {
        Should.NotThrow(() => JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"test","path":"/metadata/labels","value":{"m~n":"tilde","app":"web","a/b":"slash"}},
             {"op":"test","path":"/metadata/missing","value":null},
             {"op":"test","path":"/spec/replicas","value":1}]
            """)));
    }

    [Fact]
    public void Missing_intermediate_path_is_rejected()
    {
        var ex = Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"add","path":"/spec/strategy/rollingUpdate/maxSurge","value":1}]
            """)), 422, "Invalid");
        Detail(ex).ShouldBe("add operation does not apply: doc is missing path: \"/spec/strategy/rollingUpdate/maxSurge\": missing value");
    }

    [Fact]
    public void Pointer_without_leading_slash_is_rejected()
    {
        var ex = Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"replace","path":"spec/replicas","value":2}]
            """)), 422, "Invalid");
        Detail(ex).ShouldBe("replace operation does not apply: doc is missing path: spec/replicas: missing value");
    }

    [Fact]
    public void Removing_a_missing_key_is_rejected()
    {
        var ex = Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"remove","path":"/metadata/labels/nope"}]
            """)), 422, "Invalid");
        Detail(ex).ShouldBe("error in remove for path: '/metadata/labels/nope': Unable to remove nonexistent key: nope: missing value");
    }

    [Fact]
    public void Replace_of_a_missing_object_member_adds_it_like_the_real_server()
    {
        var result = JsonPatch.Apply(Deployment(), Json.Parse("""[{"op":"replace","path":"/spec/paused","value":true}]"""));
        result["spec"]!["paused"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public void Replace_of_the_root_swaps_the_document()
    {
        var result = JsonPatch.Apply(Deployment(), Json.Parse("""[{"op":"replace","path":"","value":{"kind":"Other"}}]"""));
        result.ShouldEqualJson("""{"kind":"Other"}""");
    }

    [Fact]
    public void Add_without_value_sets_null()
    {
        var result = JsonPatch.Apply(Deployment(), Json.Parse("""[{"op":"add","path":"/spec/paused"}]"""));
        result["spec"]!.AsObject().ContainsKey("paused").ShouldBeTrue();
        result["spec"]!["paused"].ShouldBeNull();
    }

    [Fact]
    public void Unknown_or_missing_op_is_rejected()
    {
        var unknown = Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""
            [{"op":"frobnicate","path":"/spec/replicas"}]
            """)), 422, "Invalid");
        Detail(unknown).ShouldBe("Unexpected kind: frobnicate");

        var missing = Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""[{"path":"/spec/replicas"}]""")), 422, "Invalid");
        Detail(missing).ShouldBe("Unexpected kind: unknown");
    }

    [Fact]
    public void Missing_path_or_from_is_rejected()
    {
        Detail(Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""[{"op":"add","value":1}]""")), 422, "Invalid"))
            .ShouldBe("add operation failed to decode path: missing value");
        Detail(Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""[{"op":"move","path":"/a"}]""")), 422, "Invalid"))
            .ShouldBe("move operation failed to decode from: operation, missing from field: missing value");
    }

    [Fact]
    public void A_patch_that_is_not_an_array_is_a_bad_request()
    {
        var ex = Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""{"op":"add","path":"/x","value":1}""")), 400, "BadRequest");
        ex.Message.ShouldBe("json: cannot unmarshal object into Go value of type jsonpatch.Patch");

        Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("\"add\"")), 400, "BadRequest")
            .Message.ShouldBe("json: cannot unmarshal string into Go value of type jsonpatch.Patch");
    }

    [Fact]
    public void An_operation_that_is_not_an_object_is_a_bad_request()
    {
        Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), Json.Parse("""[{"op":"test","path":"/spec/replicas","value":1}, 42]""")), 400, "BadRequest")
            .Message.ShouldBe("json: cannot unmarshal number into Go value of type jsonpatch.Operation");
    }

    [Fact]
    public void A_patch_that_fails_halfway_leaves_the_target_intact()
    {
        var target = Deployment();
        var before = target.ToJsonString();

        Json.ShouldFailWith(() => JsonPatch.Apply(target, Json.Parse("""
            [{"op":"replace","path":"/spec/replicas","value":9},
             {"op":"remove","path":"/metadata/labels/app"},
             {"op":"add","path":"/spec/template/spec/containers/0/env/-","value":{"name":"X"}}]
            """)), 422, "Invalid");

        target.ToJsonString().ShouldBe(before);
    }

    [Fact]
    public void A_successful_patch_does_not_modify_the_target_or_share_nodes_with_the_patch()
    {
        var target = Deployment();
        var before = target.ToJsonString();
        var patch = Json.Parse("""[{"op":"add","path":"/metadata/annotations","value":{"a":"1"}}]""");

        var result = JsonPatch.Apply(target, patch);
        result["metadata"]!["annotations"]!["a"] = "changed";

        target.ToJsonString().ShouldBe(before);
        patch[0]!["value"]!["a"]!.GetValue<string>().ShouldBe("1");
    }

    [Fact]
    public void A_null_patch_changes_nothing()
    {
        JsonPatch.Apply(Deployment(), null!).ShouldEqualJson(Deployment().ToJsonString());
    }

    [Fact]
    public void More_than_ten_thousand_operations_is_request_entity_too_large()
    {
        var ops = new JsonArray();
        for (var i = 0; i <= JsonPatch.MaxOperations; i++) ops.Add(new JsonObject { ["op"] = "test", ["path"] = "/kind", ["value"] = "Deployment" });
        Json.ShouldFailWith(() => JsonPatch.Apply(Deployment(), ops), 413, "RequestEntityTooLarge")
            .Message.ShouldBe("Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001");
    }
}

public class MergePatchTests
{
    [Fact]
    public void Null_deletes_objects_merge_and_arrays_are_replaced()
    {
        var target = Json.Obj("""{"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"list":[1,2,3],"keep":true}}""");
        var result = MergePatch.Apply(target, Json.Parse("""{"metadata":{"labels":{"a":null,"c":"3"}},"spec":{"list":[4]}}"""));
        result.ShouldEqualJson("""{"metadata":{"labels":{"b":"2","c":"3"}},"spec":{"list":[4],"keep":true}}""");
    }

    [Fact]
    public void Nulls_inside_new_objects_are_dropped()
    {
        var result = MergePatch.Apply(Json.Obj("{}"), Json.Parse("""{"spec":{"a":null,"b":{"c":null,"d":1}}}"""));
        result.ShouldEqualJson("""{"spec":{"b":{"d":1}}}""");
    }

    [Fact]
    public void A_non_object_patch_replaces_the_target()
    {
        MergePatch.Apply(Json.Obj("""{"a":1}"""), Json.Parse("[1,2]")).ShouldEqualJson("[1,2]");
        MergePatch.Apply(Json.Obj("""{"a":1}"""), Json.Parse("\"s\"")).ShouldEqualJson("\"s\"");
        MergePatch.Apply(Json.Obj("""{"a":1}"""), null).ShouldBeNull();
        MergePatch.Apply(Json.Obj("""{"a":[1]}"""), Json.Parse("""{"a":{"b":1}}""")).ShouldEqualJson("""{"a":{"b":1}}""");
        MergePatch.Apply(Json.Parse("[1]"), Json.Parse("""{"b":1}""")).ShouldEqualJson("""{"b":1}""");
    }

    [Fact]
    public void The_target_is_not_modified()
    {
        var target = Json.Obj("""{"metadata":{"labels":{"a":"1"}}}""");
        var result = MergePatch.Apply(target, Json.Parse("""{"metadata":{"labels":{"a":null}}}"""));
        target.ShouldEqualJson("""{"metadata":{"labels":{"a":"1"}}}""");
        result.ShouldEqualJson("""{"metadata":{"labels":{}}}""");
    }

    [Fact]
    public void ApplyToObject_rejects_bodies_the_apiserver_rejects()
    {
        var target = Json.Obj("""{"a":1}""");
        Json.ShouldFailWith(() => MergePatch.ApplyToObject(target, null), 400, "BadRequest").Message.ShouldBe("Invalid JSON Patch");
        Json.ShouldFailWith(() => MergePatch.ApplyToObject(target, Json.Parse("3")), 400, "BadRequest");
        Json.ShouldFailWith(() => MergePatch.ApplyToObject(target, Json.Parse("[1]")), 422, "Invalid");
        MergePatch.ApplyToObject(target, Json.Parse("""{"b":2}""")).ShouldEqualJson("""{"a":1,"b":2}""");
    }
}
