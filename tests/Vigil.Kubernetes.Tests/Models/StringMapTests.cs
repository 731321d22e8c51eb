using System.Text.Json;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Tests.Models;

public class StringMapTests
{
    [Fact]
    public void Behaves_like_a_dictionary_and_keeps_insertion_order()
    {
        var map = new StringMap { ["b"] = "2", ["a"] = "1" };
        map["c"] = "3";
        map["b"] = "two";
        map.Keys.ShouldBe(["b", "a", "c"]);
        map["b"].ShouldBe("two");
        map.ContainsKey("a").ShouldBeTrue();
        Should.Throw<ArgumentException>(() => map.Add("a", "again"));
        Should.Throw<KeyNotFoundException>(() => map["zzz"]);
        map.Remove("a").ShouldBeTrue();
        map.Remove("a").ShouldBeFalse();
        map.Select(p => $"{p.Key}={p.Value}").ShouldBe(["b=two", "c=3"]);
        map.Count.ShouldBe(2);
        map.Clear();
        map.Count.ShouldBe(0);
    }

    [Fact]
    public void Labels_decode_into_a_compact_map_with_shared_strings()
    {
        var first = JsonSerializer.Deserialize("""{"namespace":"shop","labels":{"app":"web","z":"last"},"annotations":{"note":null}}""", KubernetesJsonContext.Default.ObjectMeta)!;
        var second = JsonSerializer.Deserialize("""{"namespace":"shop","labels":{"app":"web"}}""", KubernetesJsonContext.Default.ObjectMeta)!;
        first.Labels.ShouldBeOfType<StringMap>();
        ReferenceEquals(first.Namespace, second.Namespace).ShouldBeTrue();
        ReferenceEquals(first.Labels!["app"], second.Labels!["app"]).ShouldBeTrue();
        first.Annotations!["note"].ShouldBe(string.Empty);
        JsonSerializer.Serialize(first, KubernetesJsonContext.Default.ObjectMeta).ShouldBe("""{"namespace":"shop","labels":{"app":"web","z":"last"},"annotations":{"note":""}}""");
    }

    [Fact]
    public void Long_and_escaped_strings_decode_correctly()
    {
        var longValue = new string('x', 500);
        var meta = JsonSerializer.Deserialize($$"""{"labels":{"k":"{{longValue}}","esc":"a\u00e9\"b"},"namespace":"ns\u0041"}""", KubernetesJsonContext.Default.ObjectMeta)!;
        meta.Labels!["k"].ShouldBe(longValue);
        meta.Labels["esc"].ShouldBe("aé\"b");
        meta.Namespace.ShouldBe("nsA");
    }
}
