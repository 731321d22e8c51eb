using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Selectors;

namespace Vigil.Cluster.Tests.Selectors;

public class LabelSelectorTests
{
    private const string NamePartRegexError =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
        "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    private const string LabelValueRegexError =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
        "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    private static Dictionary<string, string> Labels(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    private static string ParseError(string text) => Should.Throw<ApiException>(() => LabelSelector.Parse(text)).Message;

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("   ", "")]
    [InlineData("a=b", "a=b")]
    [InlineData("a==b", "a==b")]
    [InlineData("a!=b", "a!=b")]
    [InlineData("a", "a")]
    [InlineData("!a", "!a")]
    [InlineData("a>1", "a>1")]
    [InlineData("a<2", "a<2")]
    [InlineData("a=", "a=")]
    [InlineData("  a  =  b  ,  c ", "a=b,c")]
    [InlineData("b=1,a=2", "a=2,b=1")]
    [InlineData("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()")]
    [InlineData("env in (prod, qa ,dev)", "env in (dev,prod,qa)")]
    [InlineData("env in (b,a,b)", "env in (a,b)")]
    [InlineData("in in (in),notin notin (notin)", "in in (in),notin notin (notin)")]
    [InlineData("example.com/tier=front-end,app.kubernetes.io/name", "app.kubernetes.io/name,example.com/tier=front-end")]
    [InlineData("a=b,!c,d in (e)", "a=b,!c,d in (e)")]
    [InlineData("a\tin\n(b)", "a in (b)")]
    public void Parse_accepts_the_grammar_and_prints_the_canonical_form(string? text, string canonical)
    {
        var selector = LabelSelector.Parse(text);
        selector.ToString().ShouldBe(canonical);
        selector.IsEmpty.ShouldBe(canonical.Length == 0);
    }

    [Theory]
    [InlineData("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("a=b c", "found 'c', expected: ',' or 'end of string'")]
    [InlineData("a=b=c", "found '=', expected: ',' or 'end of string'")]
    [InlineData("a=b,", "found '', expected: identifier after ','")]
    [InlineData("a=b,,c", "found ',', expected: identifier after ','")]
    [InlineData("=b", "found '=', expected: !, identifier, or 'end of string'")]
    [InlineData(",a", "found ',', expected: !, identifier, or 'end of string'")]
    [InlineData("!", "unable to parse requirement: found '', expected: identifier")]
    [InlineData("!a=b", "found '=', expected: ',' or 'end of string'")]
    [InlineData("a in b", "unable to parse requirement: found 'b' expected: '('")]
    [InlineData("a in (b", "unable to parse requirement: found '', expected: ',' or ')'")]
    [InlineData("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'")]
    [InlineData("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier")]
    [InlineData("a in (b,=)", "unable to parse requirement: found '=', expected: ',', or identifier")]
    [InlineData("a=(b)", "unable to parse requirement: found '(', expected: identifier")]
    [InlineData("a>b", "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer")]
    [InlineData("a<-2", "unable to parse requirement: values[0][a]: Invalid value: \"-2\": " + LabelValueRegexError)]
    [InlineData("a<", "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer")]
    [InlineData("a@b=c", "unable to parse requirement: <nil>: Invalid value: \"a@b\": " + NamePartRegexError)]
    [InlineData("a=b@c", "unable to parse requirement: values[0][a]: Invalid value: \"b@c\": " + LabelValueRegexError)]
    public void Parse_errors_carry_the_apiserver_messages(string text, string message) => ParseError(text).ShouldBe(message);

    [Fact]
    public void Parse_errors_are_bad_requests()
    {
        var ex = Should.Throw<ApiException>(() => LabelSelector.Parse("a in"));
        ex.Code.ShouldBe(400);
        ex.Reason.ShouldBe("BadRequest");
        ex.ToStatus()["message"]!.GetValue<string>().ShouldBe(ex.Message);
    }

    [Fact]
    public void Key_validation_names_each_problem()
    {
        ParseError("a/b/c").ShouldBe("unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, " +
            "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', " +
            "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
        ParseError("Example.com/a").ShouldBe("unable to parse requirement: <nil>: Invalid value: \"Example.com/a\": prefix part a lowercase RFC 1123 subdomain " +
            "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character " +
            "(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        ParseError("/a").ShouldBe("unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty");
        ParseError("a/").ShouldBe("unable to parse requirement: <nil>: Invalid value: \"a/\": name part must be non-empty; " + NamePartRegexError);
        var longKey = new string('k', 64);
        ParseError(longKey).ShouldBe($"unable to parse requirement: <nil>: Invalid value: \"{longKey}\": name part must be no more than 63 characters");
        LabelSelector.Parse(new string('k', 63)).Requirements.Count.ShouldBe(1);
        LabelSelector.Parse(new string('p', 253) + "/k").Requirements.Count.ShouldBe(1);
        ParseError("-a").ShouldBe("unable to parse requirement: <nil>: Invalid value: \"-a\": " + NamePartRegexError);
    }

    [Fact]
    public void Value_validation_limits_length_and_characters()
    {
        var longValue = new string('v', 64);
        ParseError("a=" + longValue).ShouldBe($"unable to parse requirement: values[0][a]: Invalid value: \"{longValue}\": must be no more than 63 characters");
        LabelSelector.Parse("a=" + new string('v', 63)).ToString().ShouldBe("a=" + new string('v', 63));
        ParseError("a in (ok,b@d)").ShouldBe("unable to parse requirement: values[0][a]: Invalid value: \"b@d\": " + LabelValueRegexError);
        ParseError("a in (x_,-y)").ShouldBe("unable to parse requirement: [values[0][a]: Invalid value: \"-y\": " + LabelValueRegexError +
            ", values[1][a]: Invalid value: \"x_\": " + LabelValueRegexError + "]");
    }

    [Theory]
    [InlineData("a=b", true, "a=b")]
    [InlineData("a=b", false, "a=c")]
    [InlineData("a=b", false)]
    [InlineData("a==b", true, "a=b", "x=y")]
    [InlineData("a!=b", true)]
    [InlineData("a!=b", true, "a=c")]
    [InlineData("a!=b", false, "a=b")]
    [InlineData("a in (x,y)", true, "a=y")]
    [InlineData("a in (x,y)", false, "a=z")]
    [InlineData("a in (x,y)", false)]
    [InlineData("a notin (x,y)", true)]
    [InlineData("a notin (x,y)", true, "a=z")]
    [InlineData("a notin (x,y)", false, "a=x")]
    [InlineData("a", true, "a=")]
    [InlineData("a", false, "b=1")]
    [InlineData("!a", true, "b=1")]
    [InlineData("!a", false, "a=1")]
    [InlineData("a>5", true, "a=6")]
    [InlineData("a>5", false, "a=5")]
    [InlineData("a>5", false, "a=x")]
    [InlineData("a>5", false)]
    [InlineData("a<5", true, "a=-10")]
    [InlineData("a<5", true, "a=+4")]
    [InlineData("a<5", false, "a= 4")]
    [InlineData("a=", true, "a=")]
    [InlineData("a=", false)]
    [InlineData("a in ()", true, "a=")]
    [InlineData("a=b,c", true, "a=b", "c=d")]
    [InlineData("a=b,c", false, "a=b")]
    [InlineData("", true)]
    public void Matches_evaluates_every_requirement(string text, bool expected, params string[] labels)
    {
        var selector = LabelSelector.Parse(text);
        selector.Matches(Labels(labels)).ShouldBe(expected);
        var json = new JsonObject();
        foreach (var (k, v) in Labels(labels)) json[k] = v;
        selector.Matches(json).ShouldBe(expected);
        selector.Matches(JsonNode.Parse(json.ToJsonString())!.AsObject()).ShouldBe(expected);
    }

    [Fact]
    public void Matches_treats_missing_labels_as_none()
    {
        LabelSelector.Parse("!a").Matches((IReadOnlyDictionary<string, string>?)null).ShouldBeTrue();
        LabelSelector.Parse("a").Matches((JsonObject?)null).ShouldBeFalse();
        LabelSelector.Parse("a=b").MatchesObject(JsonNode.Parse("""{"metadata":{"labels":{"a":"b"}}}""")!.AsObject()).ShouldBeTrue();
        LabelSelector.Parse("a=b").MatchesObject(JsonNode.Parse("""{"metadata":{}}""")!.AsObject()).ShouldBeFalse();
    }

    [Fact]
    public void Large_value_sets_match_by_lookup()
    {
        var values = Enumerable.Range(0, 50).Select(i => "v" + i).ToArray();
        var selector = LabelSelector.Parse($"a in ({string.Join(",", values)})");
        selector.Matches(Labels("a=v42")).ShouldBeTrue();
        selector.Matches(Labels("a=v50")).ShouldBeFalse();
        selector.Matches(JsonNode.Parse("""{"a":"v7"}""")!.AsObject()).ShouldBeTrue();
        LabelSelector.Parse($"a notin ({string.Join(",", values)})").Matches(Labels("a=v3")).ShouldBeFalse();
    }

    [Fact]
    public void Matching_does_not_allocate()
    {
        var selector = LabelSelector.Parse("app=web,tier in (front,back),!canary,env!=dev,version>2");
        IReadOnlyDictionary<string, string> labels = Labels("app=web", "tier=front", "env=prod", "version=3");
        var labelsJson = JsonNode.Parse("""{"app":"web","tier":"front","env":"prod","version":"3"}""")!.AsObject();
        selector.Matches(labels).ShouldBeTrue();
        selector.Matches(labelsJson).ShouldBeTrue();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) selector.Matches(labels);
        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBe(0);

        var equalityOnly = LabelSelector.Parse("app=web,tier in (front,back),!canary,env!=dev");
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) equalityOnly.Matches(labelsJson);
        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBe(0);
    }

    [Fact]
    public void FromObject_combines_matchLabels_and_matchExpressions()
    {
        var selector = LabelSelector.FromObject(JsonNode.Parse("""
            {"matchLabels":{"tier":"web","app":"shop"},
             "matchExpressions":[{"key":"env","operator":"In","values":["prod","qa"]},
                                 {"key":"canary","operator":"DoesNotExist"},
                                 {"key":"zone","operator":"NotIn","values":["b"]},
                                 {"key":"owner","operator":"Exists"}]}
            """)!.AsObject());
        selector.ToString().ShouldBe("app=shop,!canary,env in (prod,qa),owner,tier=web,zone notin (b)");
        selector.Matches(Labels("app=shop", "tier=web", "env=qa", "owner=me")).ShouldBeTrue();
        selector.Matches(Labels("app=shop", "tier=web", "env=qa", "owner=me", "canary=1")).ShouldBeFalse();
        selector.Matches(Labels("app=shop", "tier=web", "env=qa")).ShouldBeFalse();
        selector.Matches(Labels("app=shop", "tier=web", "env=qa", "owner=me", "zone=b")).ShouldBeFalse();
    }

    [Fact]
    public void FromObject_of_nothing_or_no_terms_matches_everything_and_FromObjectOrNothing_matches_nothing()
    {
        LabelSelector.FromObject(null).IsEmpty.ShouldBeTrue();
        LabelSelector.FromObject(new JsonObject()).IsEmpty.ShouldBeTrue();
        LabelSelector.FromObject(new JsonObject()).Matches(Labels("a=b")).ShouldBeTrue();
        LabelSelector.FromObjectOrNothing(null).Matches(Labels("a=b")).ShouldBeFalse();
        LabelSelector.FromObjectOrNothing(null).IsEmpty.ShouldBeFalse();
        LabelSelector.Nothing.Matches((JsonObject?)null).ShouldBeFalse();
    }

    [Theory]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]}""", "\"Gt\" is not a valid label selector operator")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"In","values":[]}]}""", "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"NotIn"}]}""", "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Exists","values":["x","y"]}]}""", "values: Invalid value: []string{\"x\", \"y\"}: values set must be empty for exists and does not exist")]
    [InlineData("""{"matchLabels":{"a b":"c"}}""", "key: Invalid value: \"a b\": " + NamePartRegexError)]
    [InlineData("""{"matchLabels":{"a":"c d"}}""", "values[0][a]: Invalid value: \"c d\": " + LabelValueRegexError)]
    [InlineData("""{"matchLabels":{"a":1}}""", "matchLabels[a]: must be a string")]
    public void FromObject_rejects_invalid_selectors(string json, string message)
    {
        var ex = Should.Throw<ApiException>(() => LabelSelector.FromObject(JsonNode.Parse(json)!.AsObject()));
        ex.Code.ShouldBe(400);
        ex.Message.ShouldBe(message);
    }

    [Fact]
    public void FromSet_builds_equality_requirements_without_validation()
    {
        var selector = LabelSelector.FromSet(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
        selector.ToString().ShouldBe("a=1,b=2");
        selector.Matches(Labels("a=1", "b=2", "c=3")).ShouldBeTrue();
        LabelSelector.FromSet(null).IsEmpty.ShouldBeTrue();
    }

    [Fact]
    public void RequiredValue_finds_exact_requirements()
    {
        var selector = LabelSelector.Parse("a=1,b in (2),c in (3,4),d!=5");
        selector.RequiredValue("a").ShouldBe("1");
        selector.RequiredValue("b").ShouldBe("2");
        selector.RequiredValue("c").ShouldBeNull();
        selector.RequiredValue("d").ShouldBeNull();
        selector.RequiredValue("e").ShouldBeNull();
    }

    [Fact]
    public void Canonical_text_parses_back_to_the_same_selector()
    {
        var text = LabelSelector.Parse("z notin (b,a),!y,x>3,w,v==u,t!=s,r in (q)").ToString();
        text.ShouldBe("r in (q),t!=s,v==u,w,x>3,!y,z notin (a,b)");
        LabelSelector.Parse(text).ToString().ShouldBe(text);
    }
}
