using Vigil.Cluster.Api;
using Vigil.Cluster.Selectors;

namespace Vigil.Cluster.Tests.Selectors;

public class FieldSelectorTests
{
    private static Dictionary<string, string> Fields(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData(",", "")]
    [InlineData("metadata.name=x", "metadata.name=x")]
    [InlineData("metadata.name==x", "metadata.name=x")]
    [InlineData("status.phase!=Running", "status.phase!=Running")]
    [InlineData("spec.nodeName=n1,metadata.namespace=ns", "metadata.namespace=ns,spec.nodeName=n1")]
    [InlineData("a=", "a=")]
    [InlineData(@"a=x\,y", @"a=x\,y")]
    [InlineData(@"a=x\=y\\z", @"a=x\=y\\z")]
    [InlineData("a!=b,a=c", "a!=b,a=c")]
    public void Parse_splits_sorts_and_prints_terms(string? text, string canonical)
    {
        var selector = FieldSelector.Parse(text);
        selector.ToString().ShouldBe(canonical);
        selector.IsEmpty.ShouldBe(canonical.Length == 0);
    }

    [Fact]
    public void Parse_unescapes_values_and_keeps_operators_apart()
    {
        var selector = FieldSelector.Parse(@"b=x\,y\=z\\w,a==1,c!=2");
        selector.Fields.ShouldBe(["a", "b", "c"]);
        selector.Requirements[0].ShouldBe(new FieldRequirement("a", true, "1"));
        selector.Requirements[1].ShouldBe(new FieldRequirement("b", true, @"x,y=z\w"));
        selector.Requirements[2].ShouldBe(new FieldRequirement("c", false, "2"));
    }

    [Theory]
    [InlineData("metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'")]
    [InlineData("a=1,b", "invalid selector: 'a=1,b'; can't understand 'b'")]
    [InlineData("   ", "invalid selector: '   '; can't understand '   '")]
    [InlineData("a in (b)", "invalid selector: 'a in (b)'; can't understand 'a in (b)'")]
    [InlineData("a=b=c", "invalid field selector: unescapedRune character in value: 61")]
    [InlineData(@"a=b\x", @"invalid field selector: invalid escape sequence: \x")]
    [InlineData(@"a=b\", @"invalid field selector: invalid escape sequence: \")]
    public void Parse_errors_carry_the_apiserver_messages(string text, string message)
    {
        var ex = Should.Throw<ApiException>(() => FieldSelector.Parse(text));
        ex.Code.ShouldBe(400);
        ex.Message.ShouldBe(message);
    }

    [Theory]
    [InlineData("metadata.name=x", true, "metadata.name=x")]
    [InlineData("metadata.name=x", false, "metadata.name=y")]
    [InlineData("metadata.name==x", true, "metadata.name=x")]
    [InlineData("status.phase!=Running", true, "status.phase=Pending")]
    [InlineData("status.phase!=Running", false, "status.phase=Running")]
    [InlineData("spec.nodeName=", true)]
    [InlineData("spec.nodeName!=", false)]
    [InlineData("spec.nodeName!=n1", true)]
    [InlineData("a=1,b=2", true, "a=1", "b=2")]
    [InlineData("a=1,b=2", false, "a=1", "b=3")]
    [InlineData(@"a=x\,y", true, "a=x,y")]
    [InlineData("", true)]
    public void Matches_compares_each_term(string text, bool expected, params string[] fields) =>
        FieldSelector.Parse(text).Matches(Fields(fields)).ShouldBe(expected);

    [Fact]
    public void RequiredValue_is_the_equality_term_value()
    {
        var selector = FieldSelector.Parse("metadata.name=web-0,metadata.namespace!=kube-system");
        selector.RequiredValue("metadata.name").ShouldBe("web-0");
        selector.RequiredValue("metadata.namespace").ShouldBeNull();
        selector.RequiredValue("spec.nodeName").ShouldBeNull();
        FieldSelector.Everything.RequiredValue("metadata.name").ShouldBeNull();
        FieldSelector.OneTermEqual("metadata.name", "a,b").ToString().ShouldBe(@"metadata.name=a\,b");
    }

    [Fact]
    public void EscapeValue_and_UnescapeValue_round_trip()
    {
        const string raw = @"a\b,c=d";
        FieldSelector.EscapeValue(raw).ShouldBe(@"a\\b\,c\=d");
        FieldSelector.UnescapeValue(FieldSelector.EscapeValue(raw)).ShouldBe(raw);
    }

    [Fact]
    public void WithFields_renames_fields()
    {
        FieldSelector.Parse("spec.host=n1").WithFields(f => f == "spec.host" ? "spec.nodeName" : f).ToString().ShouldBe("spec.nodeName=n1");
    }
}
