namespace Vigil.Cel.Tests;

public sealed class KubernetesLibraryTests
{
    [Theory]
    [InlineData("quantity('100m').isLessThan(quantity('1'))", true)]
    [InlineData("quantity('1Gi').isGreaterThan(quantity('1G'))", true)]
    [InlineData("quantity('1Gi').compareTo(quantity('1024Mi')) == 0", true)]
    [InlineData("quantity('1Gi') == quantity('1024Mi')", true)]
    [InlineData("quantity('1.5').asApproximateFloat() == 1.5", true)]
    [InlineData("quantity('2Ki').asInteger() == 2048", true)]
    [InlineData("quantity('500m').add(quantity('500m')) == quantity('1')", true)]
    [InlineData("quantity('2').sub(1) == quantity('1')", true)]
    [InlineData("quantity('500m').isInteger()", false)]
    [InlineData("quantity('-1').sign() == -1", true)]
    [InlineData("quantity('1e3').asInteger() == 1000", true)]
    [InlineData("isQuantity('10Mi') && !isQuantity('10MB')", true)]
    public void Quantity(string expr, bool expected) => Eval.Run(expr).ShouldBe(CelValue.Bool(expected));

    [Fact]
    public void Quantity_errors()
    {
        Eval.Error("quantity('abc')").Reason.ShouldContain("invalid quantity");
        Eval.Error("quantity('500m').asInteger()").Reason.ShouldContain("not an integer");
    }

    [Fact]
    public void Quantity_over_a_pod_limit()
    {
        var pod = CelValue.FromJson("""{"spec":{"containers":[{"resources":{"limits":{"memory":"256Mi"}}},{"resources":{"limits":{"memory":"2Gi"}}}]}}""");
        Eval.Run("object.spec.containers.exists(c, quantity(c.resources.limits.memory).isGreaterThan(quantity('1Gi')))", ("object", pod))
            .ShouldBe(CelValue.True);
    }

    [Theory]
    [InlineData("[1, 2, 3].isSorted() && ![2, 1].isSorted()", true)]
    [InlineData("[1, 2, 3].sum() == 6 && [1.5, 2.5].sum() == 4.0", true)]
    [InlineData("[3, 1, 2].min() == 1 && [3, 1, 2].max() == 3", true)]
    [InlineData("[1, 2, 1].indexOf(1) == 0 && [1, 2, 1].lastIndexOf(1) == 2 && [1].indexOf(5) == -1", true)]
    [InlineData("[duration('1s'), duration('2s')].sum() == duration('3s')", true)]
    [InlineData("['b', 'a'].isSorted() == false", true)]
    public void Lists(string expr, bool expected) => Eval.Run(expr).ShouldBe(CelValue.Bool(expected));

    [Theory]
    [InlineData("'abc 123 def 456'.find('[0-9]+') == '123'", true)]
    [InlineData("'abc 123 def 456'.findAll('[0-9]+') == ['123', '456']", true)]
    [InlineData("'abc 123 def 456'.findAll('[0-9]+', 1) == ['123']", true)]
    [InlineData("'abc'.find('[0-9]+') == ''", true)]
    [InlineData("'abc'.matches('(?P<x>b)')", true)]
    [InlineData("'ab\\n'.matches('b$')", false)]
    [InlineData("'aB'.matches('(?i)ab')", true)]
    [InlineData("'a1'.matches('^[[:alpha:]][[:digit:]]$')", true)]
    public void Regex(string expr, bool expected) => Eval.Run(expr).ShouldBe(CelValue.Bool(expected));

    [Fact]
    public void Catastrophic_pattern_runs_in_linear_time()
    {
        var input = new string('a', 50_000) + "!";
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Eval.Run("s.matches('^(a+)+$')", ("s", input)).ShouldBe(CelValue.False);
        watch.ElapsedMilliseconds.ShouldBeLessThan(2_000);
    }

    [Theory]
    [InlineData("url('https://example.com:8443/a/b?x=1&x=2&y=z').getScheme()", "\"https\"")]
    [InlineData("url('https://example.com:8443/a/b?x=1').getHost()", "\"example.com:8443\"")]
    [InlineData("url('https://example.com:8443/a/b?x=1').getHostname()", "\"example.com\"")]
    [InlineData("url('https://example.com:8443/a/b?x=1').getPort()", "\"8443\"")]
    [InlineData("url('https://example.com/a%20b/c').getEscapedPath()", "\"/a%20b/c\"")]
    [InlineData("url('https://[::1]:80/').getHostname()", "\"::1\"")]
    [InlineData("url('https://example.com/?x=1&x=2&y=z').getQuery()", "{\"x\": [\"1\", \"2\"], \"y\": [\"z\"]}")]
    [InlineData("url('/healthz').getEscapedPath()", "\"/healthz\"")]
    [InlineData("isURL('https://example.com') && !isURL('not a url')", "true")]
    public void Url(string expr, string expected) => Eval.Run(expr).ToString().ShouldBe(expected);

    [Theory]
    [InlineData("sets.contains([1, 2, 3], [3, 1])", true)]
    [InlineData("sets.contains([1, 2], [4])", false)]
    [InlineData("sets.equivalent([1, 2, 2], [2, 1])", true)]
    [InlineData("sets.intersects(['a', 'b'], ['c', 'b'])", true)]
    [InlineData("sets.intersects(['a'], [])", false)]
    [InlineData("base64.decode(base64.encode(b'hi')) == b'hi'", true)]
    public void Sets_and_base64(string expr, bool expected) => Eval.Run(expr).ShouldBe(CelValue.Bool(expected));
}
