using System.Text.Json;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Kubernetes.Tests.Models;

public class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front", ["replicas"] = "3" };

    [Theory]
    [InlineData("", true)]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app=db", false)]
    [InlineData("app!=db", true)]
    [InlineData("missing!=x", true)]
    [InlineData("app in (web, api)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("missing notin (web)", true)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("!missing", true)]
    [InlineData("replicas>2", true)]
    [InlineData("replicas<2", false)]
    [InlineData("app=web,tier=back", false)]
    [InlineData("app=web, tier in (front,back), !legacy", true)]
    public void Matches_like_labels_Parse(string selector, bool expected)
    {
        LabelSelector.Parse(selector).Matches(Labels).ShouldBe(expected);
    }

    [Theory]
    [InlineData("app in web")]
    [InlineData("a b=c")]
    [InlineData("app=we b")]
    [InlineData("replicas>x")]
    [InlineData("app=web,")]
    public void Rejects_invalid_selectors(string selector)
    {
        Should.Throw<FormatException>(() => LabelSelector.Parse(selector));
    }

    [Fact]
    public void Prints_the_string_form_sorted_by_key()
    {
        var selector = new LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["tier"] = "front" },
            MatchExpressions =
            [
                new LabelSelectorRequirement { Key = "app", Operator = "In", Values = ["web", "api"] },
                new LabelSelectorRequirement { Key = "legacy", Operator = "DoesNotExist" },
            ],
        };
        selector.ToString().ShouldBe("app in (api,web),!legacy,tier=front");
        LabelSelector.Parse(selector.ToString()).Matches(Labels).ShouldBeTrue();
    }

    [Fact]
    public void Api_selector_json_matches_client_side()
    {
        var selector = JsonSerializer.Deserialize("""{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"NotIn","values":["back"]}]}""", KubernetesJsonContext.Default.LabelSelector)!;
        selector.Matches(Labels).ShouldBeTrue();
        selector.Matches(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "back" }).ShouldBeFalse();
        new LabelSelector().Matches(null).ShouldBeTrue();
    }
}
