namespace Vigil.Cel.Tests;

public sealed class ParserTests
{
    [Fact]
    public void Syntax_error_gives_line_column_and_caret()
    {
        var e = Eval.CompileError("a &&& b");
        e.Message.ShouldBe("ERROR: <input>:1:5: Syntax error: unexpected '&' (did you mean '&&'?)\n | a &&& b\n | ....^");
        e.Issues.Single().ShouldBe(new CelIssue(1, 5, "Syntax error: unexpected '&' (did you mean '&&'?)"));
    }

    [Fact]
    public void Error_on_a_later_line_reports_that_line()
    {
        var e = Eval.CompileError("1 +\n  2 +\n  )");
        e.Issues.Single().Line.ShouldBe(3);
        e.Issues.Single().Column.ShouldBe(3);
        e.Message.ShouldEndWith(" |   )\n | ..^");
    }

    [Fact]
    public void Unexpected_end_of_input_is_reported()
    {
        Eval.CompileError("object.status.phase ==").Message.ShouldContain("unexpected end of input");
        Eval.CompileError("(1 + 2").Message.ShouldContain("expected ')'");
        Eval.CompileError("'unterminated").Message.ShouldContain("unterminated string literal");
    }

    [Theory]
    [InlineData(10_000, "(", ")")]
    [InlineData(10_000, "[", "]")]
    [InlineData(10_000, "f(", ")")]
    [InlineData(10_000, "{1: ", "}")]
    public void Deep_nesting_is_a_parse_error_not_a_stack_overflow(int depth, string open, string close)
    {
        var expr = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
        Eval.CompileError(expr).Message.ShouldContain("recursion limit");
    }

    [Fact]
    public void Long_left_associative_chains_are_rejected_by_depth()
    {
        Eval.CompileError(string.Join(" + ", Enumerable.Repeat("1", 10_000))).Message.ShouldContain("nests");
        Eval.CompileError("a" + string.Concat(Enumerable.Repeat(".b", 10_000))).Message.ShouldContain("nests");
        Eval.CompileError("x" + string.Concat(Enumerable.Repeat("[0]", 10_000))).Message.ShouldContain("nests");
    }

    [Fact]
    public void Long_logical_chains_are_balanced_and_evaluate()
    {
        Eval.Run(string.Join(" && ", Enumerable.Repeat("true", 10_000))).ShouldBe(CelValue.True);
        Eval.Run(string.Join(" || ", Enumerable.Repeat("false", 10_000)) + " || true").ShouldBe(CelValue.True);
    }

    [Fact]
    public void Many_unary_operators_parse_without_recursion()
    {
        Eval.Run(new string('!', 10_001) + "true").ShouldBe(CelValue.False);
        Eval.Run(new string('-', 10_000) + "5").ShouldBe(CelValue.Int(5));
    }

    [Fact]
    public void Overlong_expression_is_rejected()
    {
        Eval.CompileError(new string(' ', 200_000) + "1").Message.ShouldContain("over the limit");
    }

    [Theory]
    [InlineData("-9223372036854775808", long.MinValue)]
    [InlineData("0x7fffffffffffffff", long.MaxValue)]
    [InlineData("-0x10", -16L)]
    [InlineData("1 - -1", 2L)]
    public void Integer_literals(string expr, long expected) => Eval.Run(expr).ShouldBe(CelValue.Int(expected));

    [Theory]
    [InlineData("9223372036854775808")]
    [InlineData("18446744073709551616u")]
    [InlineData("1.2.3")]
    [InlineData("'\\q'")]
    [InlineData("a.?b")]
    [InlineData("if")]
    [InlineData("x = 1")]
    [InlineData("has(a)")]
    [InlineData("[1, 2].all(1, true)")]
    public void Invalid_syntax_is_rejected(string expr) => Eval.CompileError(expr);

    [Fact]
    public void Comments_and_whitespace_are_ignored()
    {
        Eval.Run("1 + // one\n  2 // two").ShouldBe(CelValue.Int(3));
    }

    [Fact]
    public void Reserved_words_are_allowed_as_field_names()
    {
        Eval.Run("{'if': 1}.if").ShouldBe(CelValue.Int(1));
        Eval.Run("{'a-b': 2}.`a-b`").ShouldBe(CelValue.Int(2));
    }

    [Fact]
    public void String_and_bytes_literals_decode_escapes()
    {
        Eval.Run("'a\\tb\\u00e9\\x41\\101'").AsString().ShouldBe("a\tbéAA");
        Eval.Run("r'a\\tb'").AsString().ShouldBe("a\\tb");
        Eval.Run("'''multi\nline'''").AsString().ShouldBe("multi\nline");
        Eval.Run("b'\\xff\\x00'").AsBytes().ShouldBe(new byte[] { 0xff, 0 });
        Eval.Run("size('😀')").ShouldBe(CelValue.Int(1));
    }
}
