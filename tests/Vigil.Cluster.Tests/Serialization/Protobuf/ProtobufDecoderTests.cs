using System.Text;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Serialization.Protobuf;
using static Vigil.Cluster.Tests.Serialization.Protobuf.KubectlProtobufBodyTests;

namespace Vigil.Cluster.Tests.Serialization.Protobuf;

/// <summary>Hand-built protobuf bodies: the special JSON forms, Go's omitempty rules, and malformed input.</summary>
public sealed class ProtobufDecoderTests
{
    private static JsonObject Decode(string apiVersion, string kind, ProtoWriter raw) =>
        KubernetesProtobuf.Decode(ProtoWriter.Envelope(apiVersion, kind, raw));

    private static ApiException BadRequest(byte[] body)
    {
        var e = Should.Throw<ApiException>(() => KubernetesProtobuf.Decode(body));
        e.Code.ShouldBe(400);
        e.Reason.ShouldBe("BadRequest");
        return e;
    }

    [Fact]
    public void Eviction_with_delete_options()
    {
        var eviction = Decode("policy/v1", "Eviction", new ProtoWriter()
            .Message(1, m => m.String(1, "web-1").String(3, "prod"))
            .Message(2, o => o
                .Int(1, 0) // gracePeriodSeconds: a pointer, so 0 is kept
                .Message(2, p => p.String(1, "uid-1").String(2, "42"))
                .String(4, "Foreground")
                .String(5, "All")));
        ShouldBeJson(eviction, """
            {"apiVersion":"policy/v1","kind":"Eviction",
             "metadata":{"name":"web-1","namespace":"prod","creationTimestamp":null},
             "deleteOptions":{"gracePeriodSeconds":0,"preconditions":{"uid":"uid-1","resourceVersion":"42"},"propagationPolicy":"Foreground","dryRun":["All"]}}
            """);
    }

    [Fact]
    public void Delete_options_of_any_group_version_are_meta_v1()
    {
        var options = Decode("apps/v1", "DeleteOptions", new ProtoWriter().Int(1, -1).Bool(3, true));
        ShouldBeJson(options, """{"apiVersion":"apps/v1","kind":"DeleteOptions","gracePeriodSeconds":-1,"orphanDependents":true}""");
        KubernetesProtobuf.MessageName("v1", "DeleteOptions").ShouldBe("k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions");
    }

    [Fact]
    public void Negative_int64_is_a_ten_byte_varint()
    {
        var body = new ProtoWriter().Raw(0x08, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01); // field 1 = -2
        Decode("v1", "DeleteOptions", body)["gracePeriodSeconds"]!.GetValue<long>().ShouldBe(-2);
    }

    [Fact]
    public void Pointer_zero_is_kept_and_value_zero_is_omitted()
    {
        var deploy = Decode("apps/v1", "Deployment", new ProtoWriter()
            .Message(1, m => m.String(1, "d").String(2, "").Int(7, 0))
            .Message(2, s => s.Int(1, 0).Int(5, 0).Bool(7, false)));
        deploy["spec"]!["replicas"]!.GetValue<int>().ShouldBe(0);            // *int32
        deploy["spec"]!.AsObject().ContainsKey("minReadySeconds").ShouldBeFalse(); // int32, omitempty
        deploy["spec"]!.AsObject().ContainsKey("paused").ShouldBeFalse();
        deploy["metadata"]!.AsObject().ContainsKey("generateName").ShouldBeFalse();
        deploy["metadata"]!.AsObject().ContainsKey("generation").ShouldBeFalse();
        // Fields without omitempty are written even when absent, as Go does: a nil pointer and value structs.
        deploy["spec"]!.AsObject().ContainsKey("selector").ShouldBeTrue();
        deploy["spec"]!["selector"].ShouldBeNull();
        ShouldBeJson(deploy["spec"]!["strategy"], "{}");
        ShouldBeJson(deploy["status"], "{}");
    }

    [Fact]
    public void Fields_without_omitempty_keep_their_zero_values()
    {
        var svc = Decode("v1", "Service", new ProtoWriter()
            .Message(2, s => s.Message(1, p => p.String(1, "").Int(3, 0).Message(4, t => t.Int(1, 0).Int(2, 0)))));
        ShouldBeJson(svc["spec"]!["ports"], """[{"port":0,"targetPort":0}]""");
    }

    [Fact]
    public void Times_are_rfc3339_in_utc()
    {
        var ns = Decode("v1", "Namespace", new ProtoWriter()
            .Message(1, m => m.String(1, "n")
                .Message(8, t => t.Int(1, 1136214245).Int(2, 999_999_999)) // nanoseconds are dropped, as Go does
                .Message(9, t => { })));                                     // a present but empty time is the zero time
        ns["metadata"]!["creationTimestamp"]!.GetValue<string>().ShouldBe("2006-01-02T15:04:05Z");
        ns["metadata"]!.AsObject().ContainsKey("deletionTimestamp").ShouldBeTrue();
        ns["metadata"]!["deletionTimestamp"].ShouldBeNull();
    }

    [Fact]
    public void Micro_times_have_six_fraction_digits()
    {
        var ev = Decode("events.k8s.io/v1", "Event", new ProtoWriter()
            .Message(1, m => m.String(1, "e"))
            .Message(2, t => t.Int(1, 1136214245).Int(2, 123_456_789))
            .String(4, "ctl"));
        ev["eventTime"]!.GetValue<string>().ShouldBe("2006-01-02T15:04:05.123456Z");
        ev["reportingController"]!.GetValue<string>().ShouldBe("ctl");
        // Value-struct times that are absent are Go's zero time: null.
        ev["deprecatedFirstTimestamp"].ShouldBeNull();
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(1L, "1ns")]
    [InlineData(1_500L, "1.5\u00B5s")]
    [InlineData(100_000_000L, "100ms")]
    [InlineData(1_000_000_000L, "1s")]
    [InlineData(90_000_000_000L, "1m30s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(3_723_500_000_000L, "1h2m3.5s")]
    [InlineData(-2_000_000_000L, "-2s")]
    [InlineData(long.MinValue, "-2562047h47m16.854775808s")]
    public void Durations_read_as_go_writes_them(long nanoseconds, string expected) =>
        GoFormat.Duration(nanoseconds).ShouldBe(expected);

    [Fact]
    public void Int_or_string_quantity_and_inline_fields()
    {
        var pod = Decode("v1", "Pod", new ProtoWriter()
            .Message(1, m => m.String(1, "p"))
            .Message(2, s => s
                .Message(1, v => v.String(1, "cfg").Message(2, src => src.Message(19, c => c.Message(1, r => r.String(1, "settings")))))
                .Message(2, c => c
                    .String(1, "app")
                    .Message(8, r => r.Message(1, e => e.String(1, "cpu").Message(2, q => q.String(1, "250m"))))
                    .Message(10, probe => probe
                        .Message(1, h => h.Message(2, g => g.String(1, "/healthz").Message(2, port => port.Int(1, 1).String(3, "http"))))
                        .Int(2, 5)))));
        var spec = pod["spec"]!;
        // Volume.volumeSource and ConfigMapVolumeSource.localObjectReference are inline in JSON.
        ShouldBeJson(spec["volumes"], """[{"name":"cfg","configMap":{"name":"settings"}}]""");
        var container = spec["containers"]![0]!;
        ShouldBeJson(container["resources"], """{"limits":{"cpu":"250m"}}""");
        // Probe.handler is inline too; the port is an IntOrString of type string.
        ShouldBeJson(container["livenessProbe"], """{"httpGet":{"path":"/healthz","port":"http"},"initialDelaySeconds":5}""");
    }

    [Fact]
    public void Json_names_that_differ_from_the_proto_names()
    {
        var ic = Decode("networking.k8s.io/v1", "IngressClass", new ProtoWriter()
            .Message(1, m => m.String(1, "nginx"))
            .Message(2, s => s.String(1, "k8s.io/ingress-nginx").Message(2, p => p.String(1, "k8s.example.com").String(2, "Params").String(3, "p"))));
        ShouldBeJson(ic["spec"]!["parameters"], """{"apiGroup":"k8s.example.com","kind":"Params","name":"p","scope":null}""");
    }

    [Fact]
    public void Bytes_are_base64_and_maps_keep_empty_values()
    {
        var secret = Decode("v1", "Secret", new ProtoWriter()
            .Message(1, m => m.String(1, "s").Entry(11, "app", "web").Entry(11, "tier", ""))
            .Message(2, e => e.String(1, "key").Bytes(2, [0, 1, 2, 255]))
            .Message(2, e => e.String(1, "empty").Bytes(2, []))
            .Message(2, e => e.String(1, "missing"))
            .String(3, "Opaque"));
        ShouldBeJson(secret["data"], """{"key":"AAEC/w==","empty":"","missing":""}""");
        ShouldBeJson(secret["metadata"]!["labels"], """{"app":"web","tier":""}""");
        secret["type"]!.GetValue<string>().ShouldBe("Opaque");
    }

    [Fact]
    public void Raw_extensions_and_managed_fields_embed_json()
    {
        var rev = Decode("apps/v1", "ControllerRevision", new ProtoWriter()
            .Message(1, m => m.String(1, "r").Message(17, f => f
                .String(1, "kubectl").String(2, "Apply").String(3, "apps/v1").String(6, "FieldsV1")
                .Message(7, v => v.String(1, """{"f:spec":{}}"""))))
            .Message(2, d => d.String(1, """{"spec":{"template":{"x":1}}}"""))
            .Int(3, 0));
        ShouldBeJson(rev["data"], """{"spec":{"template":{"x":1}}}""");
        rev["revision"]!.GetValue<long>().ShouldBe(0); // int64 without omitempty
        ShouldBeJson(rev["metadata"]!["managedFields"], """[{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{}}}]""");
    }

    [Fact]
    public void Packed_and_unpacked_repeated_numbers()
    {
        byte[] packed = [0xE8, 0x07, 0xD0, 0x0F]; // the varints 1000 and 2000
        var pod = Decode("v1", "Pod", new ProtoWriter()
            .Message(2, s => s.Message(14, sc => sc.Bytes(4, packed).Int(4, 3000))));
        ShouldBeJson(pod["spec"]!["securityContext"]!["supplementalGroups"], "[1000,2000,3000]");
    }

    [Fact]
    public void Repeated_message_fields_merge_and_unknown_fields_are_skipped()
    {
        var ns = Decode("v1", "Namespace", new ProtoWriter()
            .Message(1, m => m.String(1, "first").Varint(999, 7).String(1000, "future field"))
            .Message(1, m => m.Entry(11, "a", "b"))
            .Fixed64(77, 1));
        ShouldBeJson(ns["metadata"], """{"name":"first","labels":{"a":"b"},"creationTimestamp":null}""");
    }

    [Fact]
    public void An_embedded_protobuf_object_in_a_raw_extension_is_decoded()
    {
        var inner = ProtoWriter.Envelope("v1", "ConfigMap", new ProtoWriter().Message(1, m => m.String(1, "cm")));
        var rev = Decode("apps/v1", "ControllerRevision", new ProtoWriter().Message(2, d => d.Bytes(1, inner)));
        rev["data"]!["kind"]!.GetValue<string>().ShouldBe("ConfigMap");
        rev["data"]!["metadata"]!["name"]!.GetValue<string>().ShouldBe("cm");
    }

    // ---- malformed input: always BadRequest, never a crash or a hang ----

    [Fact]
    public void Bad_prefix() =>
        BadRequest("{\"kind\":\"Namespace\"}"u8.ToArray()).Message.ShouldContain("k8s\\x00");

    [Fact]
    public void Empty_body_and_bare_prefix()
    {
        BadRequest([]).Message.ShouldContain("empty");
        BadRequest("k8s\0"u8.ToArray()).Message.ShouldContain("nothing after");
    }

    [Fact]
    public void Truncated_varint() =>
        BadRequest([.. "k8s\0"u8.ToArray(), 0x28, 0x80, 0x80]).Message.ShouldContain("truncated varint"); // field 5, a varint

    [Fact]
    public void Overlong_varint() =>
        BadRequest([.. "k8s\0"u8.ToArray(), 0x28, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]).Message.ShouldContain("varint");

    [Fact]
    public void Length_past_the_end()
    {
        var body = ProtoWriter.Envelope("v1", "Namespace", new ProtoWriter().Message(1, m => m.String(1, "ns")));
        BadRequest(body[..^6]).Message.ShouldContain("malformed");
        var lying = new ProtoWriter().Raw(0x0A, 0x7F, 0x01).ToArray(); // says 127 bytes, has 1
        BadRequest(ProtoWriter.Envelope("v1", "Namespace", lying)).Message.ShouldContain("runs past the end");
    }

    [Fact]
    public void Wrong_wire_type()
    {
        var body = new ProtoWriter().Message(1, m => m.Int(1, 5)); // ObjectMeta.name as a varint
        BadRequest(ProtoWriter.Envelope("v1", "Namespace", body)).Message.ShouldContain("wrong wire type");
    }

    [Fact]
    public void Groups_and_field_zero_are_rejected()
    {
        BadRequest(ProtoWriter.Envelope("v1", "Namespace", new ProtoWriter().Raw(0x7B, 0x7C))).Message.ShouldContain("group"); // field 15, start group
        BadRequest(ProtoWriter.Envelope("v1", "Namespace", new ProtoWriter().Raw(0x00, 0x01))).Message.ShouldContain("field number 0");
    }

    [Fact]
    public void Unknown_kind_and_group_version()
    {
        BadRequest(ProtoWriter.Envelope("v1", "Frobnicator", [])).Message.ShouldBe("no kind \"Frobnicator\" is registered for version \"v1\" in the protobuf encoding");
        BadRequest(ProtoWriter.Envelope("example.com/v1", "Widget", [])).Message.ShouldContain("\"example.com/v1\"");
        // A message of the package that is not a kind (no metadata) is not accepted either.
        BadRequest(ProtoWriter.Envelope("v1", "PodSpec", [])).Message.ShouldContain("PodSpec");
    }

    [Fact]
    public void Missing_kind_or_version()
    {
        BadRequest(ProtoWriter.Envelope("v1", "", [])).Message.ShouldContain("'Kind' is missing");
        BadRequest(ProtoWriter.Envelope("", "Namespace", [])).Message.ShouldContain("'apiVersion' is missing");
    }

    [Fact]
    public void Content_encoding_is_not_supported()
    {
        var unknown = new ProtoWriter().Message(1, t => t.String(1, "v1").String(2, "Namespace")).Bytes(2, [0x1f, 0x8b]).String(3, "gzip");
        BadRequest([.. "k8s\0"u8.ToArray(), .. unknown.ToArray()]).Message.ShouldContain("gzip");
    }

    [Fact]
    public void Bad_int_or_string_type_and_bad_embedded_json()
    {
        var svc = new ProtoWriter().Message(2, s => s.Message(1, p => p.Int(3, 80).Message(4, t => t.Int(1, 7))));
        BadRequest(ProtoWriter.Envelope("v1", "Service", svc)).Message.ShouldContain("IntOrString");
        var rev = new ProtoWriter().Message(2, d => d.String(1, "{not json"));
        BadRequest(ProtoWriter.Envelope("apps/v1", "ControllerRevision", rev)).Message.ShouldContain("RawExtension");
    }

    [Fact]
    public void Nesting_bomb_of_embedded_envelopes()
    {
        // ControllerRevision.data holding a ControllerRevision holding ... 200 deep.
        var body = ProtoWriter.Envelope("apps/v1", "ControllerRevision", []);
        for (var i = 0; i < 200; i++)
            body = ProtoWriter.Envelope("apps/v1", "ControllerRevision", new ProtoWriter().Message(2, d => d.Bytes(1, body)));
        BadRequest(body).Message.ShouldContain("levels deep");
    }

    [Fact]
    public void Nesting_bomb_of_json_in_a_raw_extension()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var rev = new ProtoWriter().Message(2, d => d.String(1, deep));
        BadRequest(ProtoWriter.Envelope("apps/v1", "ControllerRevision", rev)).Message.ShouldContain("RawExtension");
    }

    [Fact]
    public void Huge_length_prefixes_do_not_allocate_or_overflow()
    {
        // A key for field 2 (raw) claiming 2^63 bytes.
        BadRequest([.. "k8s\0"u8.ToArray(), 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]).Message.ShouldContain("runs past the end");
    }

    [Fact]
    public void Random_corruption_only_ever_gives_bad_request()
    {
        var original = ProtoWriter.Envelope("apps/v1", "Deployment", new ProtoWriter()
            .Message(1, m => m.String(1, "web").Entry(11, "app", "web").Message(8, t => t.Int(1, 1_700_000_000)))
            .Message(2, s => s.Int(1, 3)
                .Message(2, sel => sel.Entry(1, "app", "web"))
                .Message(3, t => t.Message(2, ps => ps.Message(2, c => c.String(1, "nginx").String(2, "nginx:1.25")
                    .Message(6, p => p.Int(3, 80)).Message(8, r => r.Message(1, e => e.String(1, "cpu").Message(2, q => q.String(1, "1")))))))));
        KubernetesProtobuf.Decode(original)["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        var random = new Random(20250101);
        for (var round = 0; round < 5000; round++)
        {
            var body = (byte[])original.Clone();
            var edits = random.Next(1, 4);
            for (var e = 0; e < edits; e++)
                body[random.Next(4, body.Length)] = (byte)random.Next(256);
            if (random.Next(4) == 0) body = body[..random.Next(4, body.Length)];
            try
            {
                KubernetesProtobuf.Decode(body);
            }
            catch (ApiException e) when (e.Code == 400)
            {
            }
        }
    }

    [Fact]
    public void Content_type_check()
    {
        KubernetesProtobuf.IsProtobuf("application/vnd.kubernetes.protobuf").ShouldBeTrue();
        KubernetesProtobuf.IsProtobuf("application/vnd.kubernetes.protobuf; charset=utf-8").ShouldBeTrue();
        KubernetesProtobuf.IsProtobuf("application/json").ShouldBeFalse();
        KubernetesProtobuf.IsProtobuf(null).ShouldBeFalse();
    }

    [Fact]
    public void The_table_has_every_kind_vigil_serves()
    {
        foreach (var resource in Vigil.Cluster.Registry.BuiltInResources.All.Where(r => r.Group != "apiextensions.k8s.io"))
        {
            var apiVersion = resource.Group.Length == 0 ? resource.Version : $"{resource.Group}/{resource.Version}";
            KubernetesProtobuf.MessageName(apiVersion, resource.Kind).ShouldNotBeNull($"{apiVersion} {resource.Kind}");
        }
        KubernetesProtobuf.MessageName("autoscaling/v1", "Scale").ShouldBe("k8s.io.api.autoscaling.v1.Scale");
        KubernetesProtobuf.MessageName("policy/v1", "Eviction").ShouldBe("k8s.io.api.policy.v1.Eviction");
        Encoding.UTF8.GetString(KubernetesProtobuf.Magic).ShouldBe("k8s\0");
    }
}
