using System.Text.Json.Nodes;
using Vigil.Cluster.Patching;
using Vigil.Cluster.Schemas;

namespace Vigil.Cluster.Tests.Patching;

public class ServerSideApplyTests
{
    private static readonly ISchemaNode Deploy = KubeSchemas.Deployment();
    private static readonly ISchemaNode Pod = KubeSchemas.Pod();
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly DateTimeOffset T1 = T0.AddMinutes(1);
    private static readonly DateTimeOffset T2 = T0.AddMinutes(2);
    private static readonly System.Text.Json.JsonSerializerOptions Relaxed =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonObject DeploymentConfig(int replicas = 2, string image = "nginx:1.25") => Json.Obj("""
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
         "spec":{"replicas":REPLICAS,"selector":{"matchLabels":{"app":"web"}},
           "template":{"metadata":{"labels":{"app":"web"}},
             "spec":{"containers":[{"name":"nginx","image":"IMAGE"}]}}}}
        """.Replace("REPLICAS", replicas.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
           .Replace("IMAGE", image, StringComparison.Ordinal));

    private static ApplyRequest By(string manager, bool force = false, string? subresource = null) => new(manager, force, "apps/v1", subresource);

    private static JsonArray ManagedFieldsOf(JsonNode obj) => obj["metadata"]!["managedFields"]!.AsArray();

    private static JsonObject Entry(JsonNode obj, string manager, string operation = "Apply") =>
        ManagedFieldsOf(obj).Single(e => e!["manager"]!.GetValue<string>() == manager && e["operation"]!.GetValue<string>() == operation)!.AsObject();

    private static JsonObject? FindEntry(JsonNode obj, string manager) =>
        obj["metadata"]?["managedFields"]?.AsArray().FirstOrDefault(e => e!["manager"]!.GetValue<string>() == manager)?.AsObject();

    /// <summary>The object as a client-side "kubectl apply" creates it: last-applied annotation, tracked as an Update.</summary>
    private static JsonObject CreatedByClientSideApply(int replicas = 1)
    {
        var config = DeploymentConfig(replicas);
        var obj = (JsonObject)config.DeepClone();
        obj["metadata"]!["annotations"] = new JsonObject
        {
            [ServerSideApply.LastAppliedAnnotation] = ServerSideApply.GoJson(config),
        };
        obj["metadata"]!["uid"] = "6a1c9c4e-0000-4000-8000-000000000001";
        obj["metadata"]!["resourceVersion"] = "100";
        obj["metadata"]!["creationTimestamp"] = "2025-01-02T03:04:05Z";
        obj["metadata"]!["generation"] = 1;
        obj["status"] = new JsonObject { ["replicas"] = replicas };
        ServerSideApply.TrackUpdate(null, obj, "kubectl-client-side-apply", "apps/v1", null, Deploy, T0);
        return obj;
    }

    [Fact]
    public void Applying_creates_the_object_and_records_the_applier_in_FieldsV1()
    {
        var result = ServerSideApply.Apply(null, DeploymentConfig(), By("deployer"), Deploy, T0);

        result["spec"]!["replicas"]!.GetValue<int>().ShouldBe(2);
        ManagedFieldsOf(result).Count.ShouldBe(1);
        ManagedFieldsOf(result)[0]!.ToJsonString(Relaxed).ShouldBe(
            """{"manager":"deployer","operation":"Apply","apiVersion":"apps/v1","time":"2025-01-02T03:04:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{"f:matchLabels":{"f:app":{}}},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}}}""");
    }

    [Fact]
    public void Time_is_RFC3339_whole_seconds_in_UTC_and_subresource_is_recorded()
    {
        var status = Json.Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"status":{"readyReplicas":1}}""");
        var now = new DateTimeOffset(2025, 6, 1, 14, 30, 15, 987, TimeSpan.FromHours(2));
        var result = ServerSideApply.Apply(DeploymentConfig(), status, By("ctrl", subresource: "status"), Deploy, now);

        var entry = Entry(result, "ctrl");
        entry["time"]!.GetValue<string>().ShouldBe("2025-06-01T12:30:15Z");
        entry["subresource"]!.GetValue<string>().ShouldBe("status");
        entry["fieldsV1"].ShouldEqualJson("""{"f:status":{"f:readyReplicas":{}}}""");
        result["status"]!["readyReplicas"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public void Status_in_a_configuration_applied_to_the_main_resource_is_ignored()
    {
        var config = DeploymentConfig();
        config["status"] = new JsonObject { ["replicas"] = 99 };
        var live = CreatedByClientSideApply();

        var result = ServerSideApply.Apply(live, config, By("deployer", force: true), Deploy, T1);

        result["status"]!["replicas"]!.GetValue<int>().ShouldBe(1);
        Entry(result, "deployer")["fieldsV1"]!.AsObject().ContainsKey("f:status").ShouldBeFalse();
    }

    [Fact]
    public void Fields_the_applier_stops_applying_are_removed_unless_someone_else_owns_them()
    {
        var first = DeploymentConfig();
        first["metadata"]!["annotations"] = new JsonObject { ["team"] = "a", ["oncall"] = "b" };
        first["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Add(new JsonObject { ["name"] = "sidecar", ["image"] = "envoy" });
        var live = ServerSideApply.Apply(null, first, By("deployer"), Deploy, T0);

        // Another writer re-sets "oncall" to the value it has (an update that changes nothing takes nothing) and adds "extra".
        var edited = (JsonObject)live.DeepClone();
        edited["metadata"]!["annotations"]!["oncall"] = "b";
        edited["metadata"]!["annotations"]!["extra"] = "x";
        ServerSideApply.TrackUpdate(live, edited, "kubectl-annotate", "apps/v1", null, Deploy, T1);

        var second = DeploymentConfig();
        ((JsonObject)second["spec"]!).Remove("replicas");
        var result = ServerSideApply.Apply(edited, second, By("deployer"), Deploy, T2);

        // replicas, the sidecar, "team" and "oncall" were only the applier's: gone. "extra" was never the applier's: kept.
        ((JsonObject)result["spec"]!).ContainsKey("replicas").ShouldBeFalse();
        result["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ShouldBe(["nginx"]);
        result["metadata"]!["annotations"]!.ShouldEqualJson("""{"extra":"x"}""");
    }

    [Fact]
    public void A_field_owned_by_another_manager_is_kept_when_the_applier_drops_it()
    {
        var live = ServerSideApply.Apply(null, DeploymentConfig(replicas: 2), By("deployer"), Deploy, T0);
        var scaled = (JsonObject)live.DeepClone();
        scaled["spec"]!["replicas"] = 5;
        ServerSideApply.TrackUpdate(live, scaled, "hpa", "apps/v1", null, Deploy, T1);

        var config = DeploymentConfig();
        ((JsonObject)config["spec"]!).Remove("replicas");
        var result = ServerSideApply.Apply(scaled, config, By("deployer"), Deploy, T2);

        result["spec"]!["replicas"]!.GetValue<int>().ShouldBe(5);
        Entry(result, "hpa", "Update")["fieldsV1"].ShouldEqualJson("""{"f:spec":{"f:replicas":{}}}""");
    }

    [Fact]
    public void Changing_a_field_owned_by_client_side_apply_is_a_conflict()
    {
        var live = CreatedByClientSideApply(replicas: 1);

        var ex = Json.ShouldFailWith(() => ServerSideApply.Apply(live, DeploymentConfig(replicas: 3), By("deployer"), Deploy, T1), 409, "Conflict");

        ex.Message.ShouldBe("""Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas""");
        ex.Causes.Count.ShouldBe(1);
        ex.Causes[0].Reason.ShouldBe("FieldManagerConflict");
        ex.Causes[0].Message.ShouldBe("""conflict with "kubectl-client-side-apply" using apps/v1""");
        ex.Causes[0].Field.ShouldBe(".spec.replicas");
        var status = ex.ToStatus();
        status["code"]!.GetValue<int>().ShouldBe(409);
        status["details"]!["causes"]![0]!["field"]!.GetValue<string>().ShouldBe(".spec.replicas");
    }

    [Fact]
    public void Several_conflicts_are_listed_per_manager()
    {
        var live = CreatedByClientSideApply(replicas: 1);
        var labelled = (JsonObject)live.DeepClone();
        labelled["metadata"]!["labels"]!["app"] = "web2";
        ServerSideApply.TrackUpdate(live, labelled, "kubectl-label", "apps/v1", null, Deploy, T1);

        var ex = Json.ShouldFailWith(() => ServerSideApply.Apply(labelled, DeploymentConfig(replicas: 3, image: "nginx:1.26"), By("deployer"), Deploy, T2), 409, "Conflict");

        ex.Message.ShouldBe("""
            Apply failed with 3 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:
            - .spec.replicas
            - .spec.template.spec.containers[name="nginx"].image
            conflicts with "kubectl-label" using apps/v1:
            - .metadata.labels.app
            """.ReplaceLineEndings("\n"));
        ex.Causes.Select(c => c.Field).ShouldBe([".spec.replicas", """.spec.template.spec.containers[name="nginx"].image""", ".metadata.labels.app"]);
    }

    [Fact]
    public void Force_takes_ownership_from_the_other_manager()
    {
        var live = CreatedByClientSideApply(replicas: 1);

        var result = ServerSideApply.Apply(live, DeploymentConfig(replicas: 3), By("deployer", force: true), Deploy, T1);

        result["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        Entry(result, "deployer")["fieldsV1"]!["f:spec"]!["f:replicas"].ShouldNotBeNull();
        var csa = Entry(result, "kubectl-client-side-apply", "Update")["fieldsV1"]!;
        csa["f:spec"]!.AsObject().ContainsKey("f:replicas").ShouldBeFalse();
        // Fields applied with the value they already had are shared, not taken.
        csa["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!["k:{\"name\":\"nginx\"}"]!["f:image"].ShouldNotBeNull();
        // Apply entries come first.
        ManagedFieldsOf(result)[0]!["operation"]!.GetValue<string>().ShouldBe("Apply");
    }

    [Fact]
    public void Applying_the_same_values_shares_ownership_and_the_last_writer_takes_it_back()
    {
        var live = CreatedByClientSideApply(replicas: 1);
        var applied = ServerSideApply.Apply(live, DeploymentConfig(replicas: 1), By("deployer"), Deploy, T1);
        Entry(applied, "deployer")["fieldsV1"]!["f:spec"]!["f:replicas"].ShouldNotBeNull();
        Entry(applied, "kubectl-client-side-apply", "Update")["fieldsV1"]!["f:spec"]!["f:replicas"].ShouldNotBeNull();

        var scaled = (JsonObject)applied.DeepClone();
        scaled["spec"]!["replicas"] = 4;
        ServerSideApply.TrackUpdate(applied, scaled, "kubectl-scale", "apps/v1", "scale", Deploy, T2);

        Entry(scaled, "deployer")["fieldsV1"]!["f:spec"]!.AsObject().ContainsKey("f:replicas").ShouldBeFalse();
        Entry(scaled, "kubectl-client-side-apply", "Update")["fieldsV1"]!["f:spec"]!.AsObject().ContainsKey("f:replicas").ShouldBeFalse();
        var scale = Entry(scaled, "kubectl-scale", "Update");
        scale["subresource"]!.GetValue<string>().ShouldBe("scale");
        scale["fieldsV1"].ShouldEqualJson("""{"f:spec":{"f:replicas":{}}}""");

        // Re-applying the old value now conflicts with the scaler.
        Json.ShouldFailWith(() => ServerSideApply.Apply(scaled, DeploymentConfig(replicas: 1), By("deployer"), Deploy, T2), 409, "Conflict")
            .Message.ShouldBe("""Apply failed with 1 conflict: conflict with "kubectl-scale" with subresource "scale" using apps/v1: .spec.replicas""");
    }

    [Fact]
    public void Kubectl_server_side_apply_takes_over_fields_the_last_applied_annotation_still_matches()
    {
        var live = CreatedByClientSideApply(replicas: 1);

        var result = ServerSideApply.Apply(live, DeploymentConfig(replicas: 2), By("kubectl"), Deploy, T1);

        result["spec"]!["replicas"]!.GetValue<int>().ShouldBe(2);
        Entry(result, "kubectl")["fieldsV1"]!["f:spec"]!["f:replicas"].ShouldNotBeNull();
        var annotation = result["metadata"]!["annotations"]![ServerSideApply.LastAppliedAnnotation]!.GetValue<string>();
        JsonNode.Parse(annotation)!["spec"]!["replicas"]!.GetValue<int>().ShouldBe(2);
        annotation.ShouldStartWith("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{""");
    }

    [Fact]
    public void Kubectl_still_conflicts_where_the_live_value_no_longer_matches_last_applied()
    {
        var live = CreatedByClientSideApply(replicas: 1);
        var scaled = (JsonObject)live.DeepClone();
        scaled["spec"]!["replicas"] = 7;
        ServerSideApply.TrackUpdate(live, scaled, "kubectl-scale", "apps/v1", null, Deploy, T1);

        Json.ShouldFailWith(() => ServerSideApply.Apply(scaled, DeploymentConfig(replicas: 2), By("kubectl"), Deploy, T2), 409, "Conflict")
            .Message.ShouldBe("""Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas""");
    }

    [Fact]
    public void Associative_lists_merge_by_key_and_keep_other_managers_items_in_place()
    {
        var live = Json.Obj("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"template":{"spec":{"containers":[{"name":"istio-proxy","image":"istio"},{"name":"nginx","image":"nginx:1.24","imagePullPolicy":"Always"}]}}}}
            """);
        ServerSideApply.TrackUpdate(null, live, "injector", "apps/v1", null, Deploy, T0);

        var config = Json.Obj("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.24"},{"name":"logger","image":"fluentd"}]}}}}
            """);
        var result = ServerSideApply.Apply(live, config, By("deployer"), Deploy, T1);

        result["spec"]!["template"]!["spec"]!["containers"].ShouldEqualJson("""
            [{"name":"istio-proxy","image":"istio"},{"name":"nginx","image":"nginx:1.24","imagePullPolicy":"Always"},{"name":"logger","image":"fluentd"}]
            """);
        Entry(result, "deployer")["fieldsV1"].ShouldEqualJson("""
            {"f:spec":{"f:template":{"f:spec":{"f:containers":{
              "k:{\"name\":\"logger\"}":{".":{},"f:image":{},"f:name":{}},
              "k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}}
            """);
    }

    [Fact]
    public void Lists_keyed_by_several_fields_use_all_of_them()
    {
        var schema = TestSchema.Obj(("spec", TestSchema.Obj(("ports", TestSchema.MergeList("port", TestSchema.Obj(
            ("port", TestSchema.Int()), ("protocol", TestSchema.Str()), ("name", TestSchema.Str())), PatchStrategy.None, "port", "protocol")))));
        var config = Json.Obj("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},
             "spec":{"ports":[{"port":53,"protocol":"UDP","name":"dns"},{"port":53,"protocol":"TCP","name":"dns-tcp"}]}}
            """);
        var result = ServerSideApply.Apply(null, config, new ApplyRequest("m", false, "v1"), schema, T0);
        result["metadata"]!["managedFields"]![0]!["fieldsV1"].ShouldEqualJson("""
            {"f:spec":{"f:ports":{
              "k:{\"port\":53,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},"f:protocol":{}},
              "k:{\"port\":53,\"protocol\":\"UDP\"}":{".":{},"f:name":{},"f:port":{},"f:protocol":{}}}}}
            """);
    }

    [Fact]
    public void Sets_are_keyed_by_value_and_atomic_lists_are_owned_whole()
    {
        var config = Json.Obj("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","finalizers":["example.com/a"]},
             "spec":{"tolerations":[{"key":"k","operator":"Exists"}],"containers":[{"name":"c","image":"i","args":["-v"]}]}}
            """);
        var result = ServerSideApply.Apply(null, config, new ApplyRequest("m", false, "v1"), Pod, T0);
        result["metadata"]!["managedFields"]![0]!["fieldsV1"].ShouldEqualJson("""
            {"f:metadata":{"f:finalizers":{"v:\"example.com/a\"":{}}},
             "f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:args":{},"f:image":{},"f:name":{}}},"f:tolerations":{}}}
            """);

        // Someone else adds a finalizer; the applier then drops its own: only the other one remains.
        var withOther = (JsonObject)result.DeepClone();
        withOther["metadata"]!["finalizers"]!.AsArray().Add("example.com/b");
        ServerSideApply.TrackUpdate(result, withOther, "controller", "v1", null, Pod, T1);
        Entry(withOther, "controller", "Update")["fieldsV1"].ShouldEqualJson("""{"f:metadata":{"f:finalizers":{"v:\"example.com/b\"":{}}}}""");

        var next = Json.Obj("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
             "spec":{"tolerations":[{"key":"k","operator":"Exists"}],"containers":[{"name":"c","image":"i","args":["-v"]}]}}
            """);
        var final = ServerSideApply.Apply(withOther, next, new ApplyRequest("m", false, "v1"), Pod, T2);
        final["metadata"]!["finalizers"].ShouldEqualJson("""["example.com/b"]""");
    }

    [Fact]
    public void Changing_an_atomic_list_owned_by_another_manager_conflicts_on_the_whole_list()
    {
        var live = Json.Obj("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"tolerations":[{"key":"a","operator":"Exists"}]}}""");
        ServerSideApply.TrackUpdate(null, live, "kubectl-create", "v1", null, Pod, T0);
        var config = Json.Obj("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}}""");

        Json.ShouldFailWith(() => ServerSideApply.Apply(live, config, new ApplyRequest("m", false, "v1"), Pod, T1), 409, "Conflict")
            .Causes.Single().Field.ShouldBe(".spec.tolerations");
    }

    [Fact]
    public void Legacy_merge_metadata_is_used_when_no_list_type_is_declared()
    {
        var schema = TestSchema.Obj(("spec", TestSchema.Obj(("items", TestSchema.LegacyMergeList("id", TestSchema.Obj(("id", TestSchema.Str()), ("v", TestSchema.Int())))))));
        var config = Json.Obj("""{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n"},"spec":{"items":[{"id":"a","v":1}]}}""");
        var result = ServerSideApply.Apply(null, config, new ApplyRequest("m", false, "x/v1"), schema, T0);
        result["metadata"]!["managedFields"]![0]!["fieldsV1"].ShouldEqualJson("""
            {"f:spec":{"f:items":{"k:{\"id\":\"a\"}":{".":{},"f:id":{},"f:v":{}}}}}
            """);
    }

    [Fact]
    public void Without_a_schema_objects_are_maps_and_lists_are_atomic()
    {
        var config = Json.Obj("""
            {"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","labels":{"a":"1"}},
             "spec":{"size":3,"parts":[{"name":"x"}],"nested":{"k":"v"}}}
            """);
        var result = ServerSideApply.Apply(null, config, new ApplyRequest("m", false, "example.com/v1"), null, T0);
        result["metadata"]!["managedFields"]![0]!["fieldsV1"].ShouldEqualJson("""
            {"f:metadata":{"f:labels":{"f:a":{}}},
             "f:spec":{".":{},"f:nested":{".":{},"f:k":{}},"f:parts":{},"f:size":{}}}
            """);
    }

    [Fact]
    public void A_field_two_appliers_set_survives_when_one_of_them_stops()
    {
        var first = ServerSideApply.Apply(null, DeploymentConfig(replicas: 2), By("team-a"), Deploy, T0);
        var second = ServerSideApply.Apply(first, DeploymentConfig(replicas: 2), By("team-b"), Deploy, T1);

        var withoutReplicas = DeploymentConfig();
        ((JsonObject)withoutReplicas["spec"]!).Remove("replicas");
        var result = ServerSideApply.Apply(second, withoutReplicas, By("team-a"), Deploy, T2);

        result["spec"]!["replicas"]!.GetValue<int>().ShouldBe(2);
        Entry(result, "team-a")["fieldsV1"]!["f:spec"]!.AsObject().ContainsKey("f:replicas").ShouldBeFalse();
        Entry(result, "team-b")["fieldsV1"]!["f:spec"]!["f:replicas"].ShouldNotBeNull();
    }

    [Fact]
    public void Apply_does_not_modify_its_arguments()
    {
        var live = CreatedByClientSideApply();
        var config = DeploymentConfig(replicas: 3);
        var liveBefore = live.ToJsonString();
        var configBefore = config.ToJsonString();

        var result = ServerSideApply.Apply(live, config, By("deployer", force: true), Deploy, T1);
        result["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "mutated";

        live.ToJsonString().ShouldBe(liveBefore);
        config.ToJsonString().ShouldBe(configBefore);
    }

    [Fact]
    public void A_conflict_leaves_the_live_object_untouched()
    {
        var live = CreatedByClientSideApply(replicas: 1);
        var before = live.ToJsonString();
        Json.ShouldFailWith(() => ServerSideApply.Apply(live, DeploymentConfig(replicas: 9), By("deployer"), Deploy, T1), 409, "Conflict");
        live.ToJsonString().ShouldBe(before);
    }

    [Fact]
    public void Reapplying_the_same_configuration_changes_nothing_not_even_the_time()
    {
        var first = ServerSideApply.Apply(null, DeploymentConfig(), By("deployer"), Deploy, T0);
        var second = ServerSideApply.Apply(first, DeploymentConfig(), By("deployer"), Deploy, T1);
        second.ShouldEqualJson(first.ToJsonString());
    }

    [Fact]
    public void A_missing_field_manager_is_invalid()
    {
        var ex = Json.ShouldFailWith(() => ServerSideApply.Apply(null, DeploymentConfig(), By(""), Deploy, T0), 422, "Invalid");
        ex.Message.ShouldBe("""PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch""");
    }

    [Fact]
    public void A_configuration_for_another_version_is_a_bad_request()
    {
        var config = DeploymentConfig();
        config["apiVersion"] = "apps/v1beta1";
        Json.ShouldFailWith(() => ServerSideApply.Apply(null, config, By("m"), Deploy, T0), 400, "BadRequest")
            .Message.ShouldBe("Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1");
    }

    [Fact]
    public void A_configuration_with_managedFields_is_a_bad_request()
    {
        var config = DeploymentConfig();
        config["metadata"]!["managedFields"] = new JsonArray();
        Json.ShouldFailWith(() => ServerSideApply.Apply(null, config, By("m"), Deploy, T0), 400, "BadRequest");
    }

    [Fact]
    public void List_items_without_their_key_or_with_duplicate_keys_are_bad_requests()
    {
        var keyless = DeploymentConfig();
        keyless["spec"]!["template"]!["spec"]!["containers"] = Json.Parse("""[{"image":"nginx"}]""");
        Json.ShouldFailWith(() => ServerSideApply.Apply(null, keyless, By("m"), Deploy, T0), 400, "BadRequest").Message.ShouldBe(
            "failed to create typed patch object (apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field \"name\" (and doesn't have default value)");

        var duplicate = DeploymentConfig();
        duplicate["spec"]!["template"]!["spec"]!["containers"] = Json.Parse("""[{"name":"a"},{"name":"a"}]""");
        Json.ShouldFailWith(() => ServerSideApply.Apply(null, duplicate, By("m"), Deploy, T0), 400, "BadRequest").Message.ShouldBe(
            "failed to create typed patch object (apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name=\"a\"]");
    }
}

public class TrackUpdateTests
{
    private static readonly ISchemaNode Pod = KubeSchemas.Pod();
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly DateTimeOffset T1 = T0.AddMinutes(1);

    private static JsonObject NewPod() => Json.Obj("""
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"p","namespace":"default","uid":"u1","resourceVersion":"5","creationTimestamp":"2025-01-02T03:04:05Z","generation":1,
                     "labels":{"run":"p"}},
         "spec":{"containers":[{"name":"c","image":"nginx","env":[{"name":"A","value":"1"}],"resources":{}}],"restartPolicy":"Always"},
         "status":{"phase":"Pending"}}
        """);

    private static JsonObject Entry(JsonNode obj, string manager) =>
        obj["metadata"]!["managedFields"]!.AsArray().Single(e => e!["manager"]!.GetValue<string>() == manager)!.AsObject();

    [Fact]
    public void Create_records_every_field_set_except_server_owned_metadata_and_status()
    {
        var pod = NewPod();
        ServerSideApply.TrackUpdate(null, pod, "kubectl-create", "v1", null, Pod, T0);

        var entry = Entry(pod, "kubectl-create");
        entry["operation"]!.GetValue<string>().ShouldBe("Update");
        entry["apiVersion"]!.GetValue<string>().ShouldBe("v1");
        entry["time"]!.GetValue<string>().ShouldBe("2025-01-02T03:04:05Z");
        entry.ContainsKey("subresource").ShouldBeFalse();
        entry["fieldsV1"].ShouldEqualJson("""
            {"f:metadata":{"f:labels":{".":{},"f:run":{}}},
             "f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},
                 "f:env":{".":{},"k:{\"name\":\"A\"}":{".":{},"f:name":{},"f:value":{}}},
                 "f:image":{},"f:name":{},"f:resources":{}}},
               "f:restartPolicy":{}}}
            """);
    }

    [Fact]
    public void An_update_moves_changed_fields_to_the_writer()
    {
        var pod = NewPod();
        ServerSideApply.TrackUpdate(null, pod, "kubectl-create", "v1", null, Pod, T0);
        var edited = (JsonObject)pod.DeepClone();
        edited["spec"]!["containers"]![0]!["image"] = "nginx:2";
        edited["metadata"]!["labels"]!["tier"] = "be";

        ServerSideApply.TrackUpdate(pod, edited, "kubectl-edit", "v1", null, Pod, T1);

        Entry(edited, "kubectl-edit")["fieldsV1"].ShouldEqualJson("""
            {"f:metadata":{"f:labels":{"f:tier":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{"f:image":{}}}}}
            """);
        var create = Entry(edited, "kubectl-create")["fieldsV1"]!;
        create["f:spec"]!["f:containers"]!["k:{\"name\":\"c\"}"]!.AsObject().ContainsKey("f:image").ShouldBeFalse();
        create["f:metadata"]!["f:labels"]!["f:run"].ShouldNotBeNull();
        Entry(edited, "kubectl-create")["time"]!.GetValue<string>().ShouldBe("2025-01-02T03:04:05Z");
        // Entries are ordered by time.
        edited["metadata"]!["managedFields"]!.AsArray().Select(e => e!["manager"]!.GetValue<string>()).ShouldBe(["kubectl-create", "kubectl-edit"]);
    }

    [Fact]
    public void Writes_by_the_same_manager_and_version_merge_into_one_entry()
    {
        var pod = NewPod();
        ServerSideApply.TrackUpdate(null, pod, "ctl", "v1", null, Pod, T0);
        var edited = (JsonObject)pod.DeepClone();
        edited["spec"]!["serviceAccountName"] = "sa";
        ServerSideApply.TrackUpdate(pod, edited, "ctl", "v1", null, Pod, T1);

        var entries = edited["metadata"]!["managedFields"]!.AsArray();
        entries.Count.ShouldBe(1);
        entries[0]!["time"]!.GetValue<string>().ShouldBe("2025-01-02T03:05:05Z");
        entries[0]!["fieldsV1"]!["f:spec"]!["f:serviceAccountName"].ShouldNotBeNull();
        entries[0]!["fieldsV1"]!["f:spec"]!["f:restartPolicy"].ShouldNotBeNull();

        var other = (JsonObject)edited.DeepClone();
        other["spec"]!["terminationGracePeriodSeconds"] = 5;
        ServerSideApply.TrackUpdate(edited, other, "ctl", "v2", null, Pod, T1);
        other["metadata"]!["managedFields"]!.AsArray().Count.ShouldBe(2);
    }

    [Fact]
    public void A_write_that_changes_nothing_keeps_the_entry_and_its_time()
    {
        var pod = NewPod();
        ServerSideApply.TrackUpdate(null, pod, "ctl", "v1", null, Pod, T0);
        var same = (JsonObject)pod.DeepClone();
        same["metadata"]!["resourceVersion"] = "6";
        ServerSideApply.TrackUpdate(pod, same, "ctl", "v1", null, Pod, T1);
        same["metadata"]!["managedFields"].ShouldEqualJson(pod["metadata"]!["managedFields"]!.ToJsonString());
    }

    [Fact]
    public void Removed_fields_leave_their_owners()
    {
        var pod = NewPod();
        ServerSideApply.TrackUpdate(null, pod, "kubectl-create", "v1", null, Pod, T0);
        var edited = (JsonObject)pod.DeepClone();
        ((JsonObject)edited["spec"]!["containers"]![0]!).Remove("env");
        ServerSideApply.TrackUpdate(pod, edited, "kubectl-edit", "v1", null, Pod, T1);

        Entry(edited, "kubectl-create")["fieldsV1"]!["f:spec"]!["f:containers"]!["k:{\"name\":\"c\"}"]!.AsObject().ContainsKey("f:env").ShouldBeFalse();
        edited["metadata"]!["managedFields"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public void Status_is_tracked_only_for_the_status_subresource()
    {
        var pod = NewPod();
        ServerSideApply.TrackUpdate(null, pod, "kubectl-create", "v1", null, Pod, T0);

        var running = (JsonObject)pod.DeepClone();
        running["status"]!["phase"] = "Running";
        running["status"]!["podIP"] = "10.0.0.1";
        running["spec"]!["restartPolicy"] = "Never"; // a status write cannot own spec
        ServerSideApply.TrackUpdate(pod, running, "kubelet", "v1", "status", Pod, T1);

        var kubelet = Entry(running, "kubelet");
        kubelet["subresource"]!.GetValue<string>().ShouldBe("status");
        kubelet["fieldsV1"].ShouldEqualJson("""{"f:status":{"f:phase":{},"f:podIP":{}}}""");

        var viaMain = (JsonObject)running.DeepClone();
        viaMain["status"]!["phase"] = "Succeeded";
        ServerSideApply.TrackUpdate(running, viaMain, "someone", "v1", null, Pod, T1);
        viaMain["metadata"]!["managedFields"]!.AsArray().Any(e => e!["manager"]!.GetValue<string>() == "someone").ShouldBeFalse();
    }

    [Fact]
    public void ManagedFields_sent_by_the_client_replace_the_stored_ones_and_a_single_empty_entry_clears_them()
    {
        var pod = NewPod();
        ServerSideApply.TrackUpdate(null, pod, "kubectl-create", "v1", null, Pod, T0);

        var edited = (JsonObject)pod.DeepClone();
        edited["metadata"]!["managedFields"] = Json.Parse("""
            [{"manager":"someone-else","operation":"Update","apiVersion":"v1","time":"2024-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:restartPolicy":{}}}}]
            """);
        ServerSideApply.TrackUpdate(pod, edited, "kubectl-edit", "v1", null, Pod, T1);
        edited["metadata"]!["managedFields"]!.AsArray().Select(e => e!["manager"]!.GetValue<string>()).ShouldBe(["someone-else"]);

        var cleared = (JsonObject)pod.DeepClone();
        cleared["metadata"]!["managedFields"] = Json.Parse("[{}]");
        ServerSideApply.TrackUpdate(pod, cleared, "kubectl-edit", "v1", null, Pod, T1);
        ((JsonObject)cleared["metadata"]!).ContainsKey("managedFields").ShouldBeFalse();

        var stripped = (JsonObject)pod.DeepClone();
        ((JsonObject)stripped["metadata"]!).Remove("managedFields");
        ServerSideApply.TrackUpdate(pod, stripped, "kubectl-edit", "v1", null, Pod, T1);
        Entry(stripped, "kubectl-create").ShouldNotBeNull();
    }

    [Fact]
    public void Without_a_schema_every_object_member_is_recorded()
    {
        var obj = Json.Obj("""{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":1,"opts":{"a":true},"list":[1]}}""");
        ServerSideApply.TrackUpdate(null, obj, "python-client", "example.com/v1", null, null, T0);
        Entry(obj, "python-client")["fieldsV1"].ShouldEqualJson("""
            {"f:spec":{".":{},"f:list":{},"f:opts":{".":{},"f:a":{}},"f:size":{}}}
            """);
    }

    [Fact]
    public void Ownership_moves_to_the_last_writer_across_apply_and_update()
    {
        var config = Json.Obj("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"i"}]}}""");
        var applied = ServerSideApply.Apply(null, config, new ApplyRequest("applier", false, "v1"), Pod, T0);

        var relabelled = (JsonObject)applied.DeepClone();
        relabelled["metadata"]!["labels"]!["a"] = "2";
        ServerSideApply.TrackUpdate(applied, relabelled, "kubectl-label", "v1", null, Pod, T1);

        Entry(relabelled, "applier")["fieldsV1"]!.AsObject().ContainsKey("f:metadata").ShouldBeFalse();
        Entry(relabelled, "kubectl-label")["fieldsV1"].ShouldEqualJson("""{"f:metadata":{"f:labels":{"f:a":{}}}}""");
    }
}

public class DuplicateListItemTests
{
    [Fact]
    public void Duplicate_live_list_items_are_kept_and_never_reach_managedFields()
    {
        var schema = KubeSchemas.Pod();
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var pod = Json.Obj("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
             "spec":{"containers":[{"name":"c","image":"i","env":[{"name":"A","value":"1"},{"name":"A","value":"2"}]}]}}
            """);
        ServerSideApply.TrackUpdate(null, pod, "kubectl-create", "v1", null, schema, t0);
        pod["metadata"]!["managedFields"]![0]!["fieldsV1"]!["f:spec"]!["f:containers"]!["k:{\"name\":\"c\"}"]!["f:env"].ShouldEqualJson("""
            {".":{},"k:{\"name\":\"A\"}":{".":{},"f:name":{},"f:value":{}}}
            """);

        var config = Json.Obj("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"j"}]}}""");
        var result = ServerSideApply.Apply(pod, config, new ApplyRequest("m", true, "v1"), schema, t0);
        result["spec"]!["containers"]![0]!["env"].ShouldEqualJson("""[{"name":"A","value":"1"},{"name":"A","value":"2"}]""");
        result["spec"]!["containers"]![0]!["image"]!.GetValue<string>().ShouldBe("j");
    }
}
