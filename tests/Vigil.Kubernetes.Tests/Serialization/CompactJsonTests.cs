using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Tests.Serialization;

/// <summary>
/// Informer caches hold objects as compact documents: whatever goes in must come out the same, and the strings the
/// documents share must live exactly as long as some document uses them.
/// </summary>
public sealed class CompactJsonTests
{
    private static readonly JsonSerializerOptions Minified = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string RoundTrip(string json)
    {
        var document = CompactJson.Encode(Encoding.UTF8.GetBytes(json));
        try
        {
            var output = new ArrayBufferWriter<byte>();
            CompactJson.Decode(document, output);
            return Encoding.UTF8.GetString(output.WrittenSpan);
        }
        finally
        {
            CompactJson.Release(document);
        }
    }

    /// <summary>A unique string for one test: shared strings are process-wide, and tests run in parallel.</summary>
    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}";

    [Fact]
    public void Random_documents_decode_to_what_was_encoded()
    {
        var random = new Random(20261122);
        for (var i = 0; i < 2000; i++)
        {
            var node = RandomNode(random, depth: 0);
            var json = node!.ToJsonString(Minified);
            RoundTrip(json).ShouldBe(json);
        }
    }

    [Fact]
    public void Values_that_would_not_format_back_exactly_keep_their_text()
    {
        // Each of these is stored as a number, a timestamp or a UUID only if it formats back to the same text.
        const string json = """
            {"at":"2026-11-22T17:32:00Z","fraction":"2026-11-22T17:32:00.5Z","offset":"2026-11-22T17:32:00+00:00","bad":"2026-13-40T99:99:99Z",
            "epoch":"1970-01-01T00:00:00Z","old":"1601-01-01T00:00:00Z","uid":"0f8fad5b-d9cb-469f-a165-70867728950e","UID":"0F8FAD5B-D9CB-469F-A165-70867728950E",
            "dashes":"0f8fad5b-d9cb-469f-a165-70867728950-","n":[0,-1,1,127,128,-9223372036854775808,9223372036854775807,9223372036854775808,1e3,1.50,-0,0.1,1E-7],
            "empty":"","escaped":"tab\tquote\"slash\\ nl\n \u0001","unicode":"naïve ☃ 𝄞","t":true,"f":false,"z":null,"o":{},"a":[]}
            """;
        var minified = JsonNode.Parse(json)!.ToJsonString(Minified);
        RoundTrip(minified).ShouldBe(minified);
    }

    [Fact]
    public void A_shared_string_lives_while_a_document_uses_it()
    {
        var label = Unique("label");
        var json = Encoding.UTF8.GetBytes("""{"metadata":{"labels":{"app":"LABEL"}}}""".Replace("LABEL", label, StringComparison.Ordinal));
        var first = CompactJson.Encode(json);
        var second = CompactJson.Encode(json);
        CompactJson.Values.Contains(label).ShouldBeTrue();

        CompactJson.Release(first);
        CompactJson.Values.Contains(label).ShouldBeTrue("the second document still uses it");
        CompactJson.Release(second);
        CompactJson.Values.Contains(label).ShouldBeFalse("no document uses it any more");
    }

    [Fact]
    public void An_object_s_own_name_and_version_are_not_shared_but_the_names_it_refers_to_are()
    {
        var (own, owner, container, version) = (Unique("pod"), Unique("rs"), Unique("c"), Unique("rv"));
        var document = CompactJson.Encode(Encoding.UTF8.GetBytes($$$"""
            {"metadata":{"name":"{{{own}}}","resourceVersion":"{{{version}}}","ownerReferences":[{"kind":"ReplicaSet","name":"{{{owner}}}"}]},
             "spec":{"containers":[{"name":"{{{container}}}"}]}}
            """));
        try
        {
            CompactJson.Values.Contains(own).ShouldBeFalse("unique to the object: inline");
            CompactJson.Values.Contains(version).ShouldBeFalse("unique to the object: inline");
            CompactJson.Values.Contains(owner).ShouldBeTrue("shared by the owner's other pods");
            CompactJson.Values.Contains(container).ShouldBeTrue("shared by the workload's other pods");
        }
        finally
        {
            CompactJson.Release(document);
        }
    }

    [Fact]
    public void Invalid_json_is_rejected_and_holds_no_strings()
    {
        var value = Unique("half");
        Should.Throw<JsonException>(() => CompactJson.Encode(Encoding.UTF8.GetBytes($"{{\"a\":\"{value}\",\"b\":")));
        CompactJson.Values.Contains(value).ShouldBeFalse();
    }

    [Fact]
    public void A_document_is_much_smaller_than_its_json()
    {
        // The point of the encoding; the memory benchmark measures what it saves in a real cache.
        var pod = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-7d9f8c6b5-x2k4p","namespace":"shop","uid":"UID","resourceVersion":"123456",
             "creationTimestamp":"2026-11-22T12:00:00Z","labels":{"app":"web","pod-template-hash":"7d9f8c6b5"},
             "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8c6b5","uid":"UID","controller":true}]},
             "spec":{"containers":[{"name":"web","image":"registry.example.com/shop/web:1.4.2","resources":{"limits":{"memory":"128Mi"}}}],"nodeName":"node-17","restartPolicy":"Always"},
             "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-11-22T12:01:00Z"}],"podIP":"10.244.3.17","startTime":"2026-11-22T12:00:00Z",
             "containerStatuses":[{"name":"web","ready":true,"restartCount":0,"image":"registry.example.com/shop/web:1.4.2","started":true,"state":{"running":{"startedAt":"2026-11-22T12:00:05Z"}}}]}}
            """.Replace("UID", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(JsonNode.Parse(pod)!.ToJsonString());
        var document = CompactJson.Encode(bytes);
        try
        {
            document.Length.ShouldBeLessThan(bytes.Length / 4);
        }
        finally
        {
            CompactJson.Release(document);
        }
    }

    private static JsonNode? RandomNode(Random random, int depth)
    {
        var pick = depth == 0 ? 0 : random.Next(depth > 4 ? 2 : 0, 9);
        switch (pick)
        {
            case 0:
                var obj = new JsonObject();
                var count = random.Next(0, 6);
                for (var i = 0; i < count; i++) obj[RandomName(random) + (obj.Count == 0 ? "" : i.ToString(CultureInfo.InvariantCulture))] = RandomNode(random, depth + 1);
                return obj;
            case 1:
                var array = new JsonArray();
                var items = random.Next(0, 5);
                for (var i = 0; i < items; i++) array.Add(RandomNode(random, depth + 1));
                return array;
            case 2:
                return JsonValue.Create(random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(0, 63));
            case 3:
                return JsonValue.Create(Math.Round(random.NextDouble() * 1000, random.Next(0, 6)));
            case 4:
                return JsonValue.Create(random.Next(2) == 0);
            case 5:
                return null;
            case 6:
                return JsonValue.Create(DateTime.UnixEpoch.AddSeconds(random.NextInt64(-5_000_000_000, 5_000_000_000)).ToString(random.Next(3) == 0 ? "yyyy-MM-dd'T'HH:mm:ss.fff'Z'" : "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            case 7:
                var uuid = Guid.NewGuid().ToString();
                return JsonValue.Create(random.Next(3) == 0 ? uuid.ToUpperInvariant() : uuid);
            default:
                return JsonValue.Create(RandomText(random, random.Next(0, 3) == 0 ? random.Next(60, 200) : random.Next(0, 12)));
        }
    }

    private static readonly string[] Names = ["metadata", "name", "uid", "labels", "message", "resourceVersion", "image", "x", "a.b/c-d", "ünïcode", "\"quoted\"", new string('n', 70)];

    private static string RandomName(Random random) => Names[random.Next(Names.Length)];

    private static string RandomText(Random random, int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_./:\"\\\n\t é☃";
        var text = new StringBuilder();
        for (var i = 0; i < length; i++) text.Append(alphabet[random.Next(alphabet.Length)]);
        if (random.Next(8) == 0) text.Append("𝄞");
        return text.ToString();
    }
}
