namespace Vigil.Cluster.Selectors;

/// <summary>
/// The label selector grammar of apimachinery's <c>labels.Parse</c>, with its error texts:
/// <code>
/// selector    ::= requirement ( "," requirement )*
/// requirement ::= [ "!" ] KEY [ ( "in" | "notin" ) "(" VALUES ")" | ( "=" | "==" | "!=" | "&gt;" | "&lt;" ) VALUE ]
/// </code>
/// Errors inside a requirement are reported as <c>unable to parse requirement: ...</c>; errors between requirements are not.
/// </summary>
internal sealed class LabelSelectorParser
{
    private enum Token
    {
        EndOfString,
        ClosedPar,
        Comma,
        DoesNotExist,
        DoubleEquals,
        Equals,
        GreaterThan,
        Identifier,
        In,
        LessThan,
        NotEquals,
        NotIn,
        OpenPar,
    }

    /// <summary>Parser context: in value position the words <c>in</c> and <c>notin</c> are plain identifiers.</summary>
    private enum Context
    {
        KeyAndOperator,
        Values,
    }

    private readonly List<(Token Token, string Literal)> _items = [];
    private int _position;

    private LabelSelectorParser(string text) => Scan(text);

    /// <summary>Parses the text into requirements (unsorted); on failure returns false and the apiserver's message.</summary>
    public static bool TryParse(string text, out List<LabelRequirement> requirements, out string error)
    {
        var parser = new LabelSelectorParser(text);
        return parser.Parse(out requirements, out error);
    }

    private bool Parse(out List<LabelRequirement> requirements, out string error)
    {
        requirements = [];
        while (true)
        {
            var (tok, lit) = Lookahead(Context.Values);
            switch (tok)
            {
                case Token.Identifier or Token.DoesNotExist:
                    if (!TryParseRequirement(out var requirement, out var inner))
                    {
                        error = "unable to parse requirement: " + inner;
                        return false;
                    }
                    requirements.Add(requirement);
                    var (next, nextLit) = Consume(Context.Values);
                    switch (next)
                    {
                        case Token.EndOfString:
                            error = "";
                            return true;
                        case Token.Comma:
                            var (after, afterLit) = Lookahead(Context.Values);
                            if (after is not (Token.Identifier or Token.DoesNotExist))
                            {
                                error = $"found '{afterLit}', expected: identifier after ','";
                                return false;
                            }
                            break;
                        default:
                            error = $"found '{nextLit}', expected: ',' or 'end of string'";
                            return false;
                    }
                    break;
                case Token.EndOfString:
                    error = "";
                    return true;
                default:
                    error = $"found '{lit}', expected: !, identifier, or 'end of string'";
                    return false;
            }
        }
    }

    private bool TryParseRequirement(out LabelRequirement requirement, out string error)
    {
        requirement = null!;
        if (!TryParseKeyAndInferOperator(out var key, out var op, out error)) return false;
        if (op is LabelSelectorOperator.Exists or LabelSelectorOperator.DoesNotExist)
            return LabelRequirement.TryCreate(key, op.Value, [], out requirement, out error);

        if (!TryParseOperator(out var binary, out error)) return false;
        SortedSet<string>? values;
        if (binary is LabelSelectorOperator.In or LabelSelectorOperator.NotIn)
        {
            if (!TryParseValues(out values, out error)) return false;
        }
        else if (!TryParseExactValue(out values, out error))
        {
            return false;
        }
        return LabelRequirement.TryCreate(key, binary, [.. values], out requirement, out error);
    }

    private bool TryParseKeyAndInferOperator(out string key, out LabelSelectorOperator? op, out string error)
    {
        op = null;
        key = "";
        var (tok, literal) = Consume(Context.Values);
        if (tok == Token.DoesNotExist)
        {
            op = LabelSelectorOperator.DoesNotExist;
            (tok, literal) = Consume(Context.Values);
        }
        if (tok != Token.Identifier)
        {
            error = $"found '{literal}', expected: identifier";
            return false;
        }
        var keyErrors = LabelValidation.LabelKeyErrors(literal);
        if (keyErrors.Count > 0)
        {
            // The parser validates keys with no field path, which Go prints as "<nil>".
            error = LabelValidation.InvalidValue("<nil>", literal, string.Join("; ", keyErrors));
            return false;
        }
        if (Lookahead(Context.Values).Token is Token.EndOfString or Token.Comma && op != LabelSelectorOperator.DoesNotExist)
            op = LabelSelectorOperator.Exists;
        key = literal;
        error = "";
        return true;
    }

    private bool TryParseOperator(out LabelSelectorOperator op, out string error)
    {
        var (tok, lit) = Consume(Context.KeyAndOperator);
        error = "";
        switch (tok)
        {
            case Token.In: op = LabelSelectorOperator.In; return true;
            case Token.Equals: op = LabelSelectorOperator.Equal; return true;
            case Token.DoubleEquals: op = LabelSelectorOperator.DoubleEqual; return true;
            case Token.GreaterThan: op = LabelSelectorOperator.GreaterThan; return true;
            case Token.LessThan: op = LabelSelectorOperator.LessThan; return true;
            case Token.NotIn: op = LabelSelectorOperator.NotIn; return true;
            case Token.NotEquals: op = LabelSelectorOperator.NotEqual; return true;
            default:
                op = default;
                error = $"found '{lit}', expected: in, notin, =, ==, !=, gt, lt";
                return false;
        }
    }

    private bool TryParseValues(out SortedSet<string> values, out string error)
    {
        values = new SortedSet<string>(StringComparer.Ordinal);
        var (tok, lit) = Consume(Context.Values);
        if (tok != Token.OpenPar)
        {
            error = $"found '{lit}' expected: '('";
            return false;
        }
        (tok, lit) = Lookahead(Context.Values);
        switch (tok)
        {
            case Token.Identifier or Token.Comma:
                if (!TryParseIdentifiersList(values, out error)) return false;
                if (Consume(Context.Values).Token != Token.ClosedPar)
                {
                    // apimachinery reports the token that opened the list here, not the one it found.
                    error = $"found '{lit}', expected: ')'";
                    return false;
                }
                return true;
            case Token.ClosedPar:
                Consume(Context.Values);
                values.Add("");
                error = "";
                return true;
            default:
                error = $"found '{lit}', expected: ',', ')' or identifier";
                return false;
        }
    }

    private bool TryParseIdentifiersList(SortedSet<string> values, out string error)
    {
        while (true)
        {
            var (tok, lit) = Consume(Context.Values);
            switch (tok)
            {
                case Token.Identifier:
                    values.Add(lit);
                    var (next, nextLit) = Lookahead(Context.Values);
                    switch (next)
                    {
                        case Token.Comma:
                            continue;
                        case Token.ClosedPar:
                            error = "";
                            return true;
                        default:
                            error = $"found '{nextLit}', expected: ',' or ')'";
                            return false;
                    }
                case Token.Comma:
                    if (values.Count == 0) values.Add("");
                    var following = Lookahead(Context.Values).Token;
                    if (following == Token.ClosedPar)
                    {
                        values.Add("");
                        error = "";
                        return true;
                    }
                    if (following == Token.Comma) values.Add("");
                    break;
                default:
                    error = $"found '{lit}', expected: ',', or identifier";
                    return false;
            }
        }
    }

    private bool TryParseExactValue(out SortedSet<string> values, out string error)
    {
        values = new SortedSet<string>(StringComparer.Ordinal);
        error = "";
        if (Lookahead(Context.Values).Token is Token.EndOfString or Token.Comma)
        {
            values.Add("");
            return true;
        }
        var (tok, lit) = Consume(Context.Values);
        if (tok == Token.Identifier)
        {
            values.Add(lit);
            return true;
        }
        error = $"found '{lit}', expected: identifier";
        return false;
    }

    private (Token Token, string Literal) Lookahead(Context context) => InContext(_items[_position], context);

    private (Token Token, string Literal) Consume(Context context) => InContext(_items[_position++], context);

    private static (Token Token, string Literal) InContext((Token Token, string Literal) item, Context context) =>
        context == Context.Values && item.Token is Token.In or Token.NotIn ? (Token.Identifier, item.Literal) : item;

    // ---- Lexer ----

    private void Scan(string s)
    {
        var pos = 0;
        while (true)
        {
            var item = Lex(s, ref pos);
            _items.Add(item);
            if (item.Token == Token.EndOfString) break;
        }
    }

    /// <summary>The character at <paramref name="pos"/>, or NUL at the end (Go's lexer treats a NUL as the end too).</summary>
    private static char Peek(string s, int pos) => pos < s.Length ? s[pos] : '\0';

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static bool IsSpecialSymbol(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';

    private static (Token Token, string Literal) Lex(string s, ref int pos)
    {
        while (IsWhitespace(Peek(s, pos))) pos++;
        var c = Peek(s, pos);
        if (c == '\0') return (Token.EndOfString, "");
        return IsSpecialSymbol(c) ? ScanSpecialSymbol(s, ref pos) : ScanIdOrKeyword(s, ref pos);
    }

    private static (Token Token, string Literal) ScanIdOrKeyword(string s, ref int pos)
    {
        var start = pos;
        while (true)
        {
            var c = Peek(s, pos);
            if (c == '\0' || IsSpecialSymbol(c) || IsWhitespace(c)) break;
            pos++;
        }
        var word = s[start..pos];
        return word switch
        {
            "in" => (Token.In, word),
            "notin" => (Token.NotIn, word),
            _ => (Token.Identifier, word),
        };
    }

    /// <summary>The longest run of special symbols that is still an operator token (<c>!=</c>, <c>==</c>, ...).</summary>
    private static (Token Token, string Literal) ScanSpecialSymbol(string s, ref int pos)
    {
        var start = pos;
        (Token Token, string Literal)? last = null;
        while (true)
        {
            var c = Peek(s, pos);
            if (c == '\0' || !IsSpecialSymbol(c)) break;
            var candidate = s[start..(pos + 1)];
            var token = SymbolToken(candidate);
            if (token is not null)
            {
                last = (token.Value, candidate);
                pos++;
            }
            else if (last is not null)
            {
                break;
            }
            else
            {
                pos++;
            }
        }
        // Every single special symbol is a token, so 'last' is always set.
        return last ?? (Token.EndOfString, "");
    }

    private static Token? SymbolToken(string symbol) => symbol switch
    {
        ")" => Token.ClosedPar,
        "," => Token.Comma,
        "!" => Token.DoesNotExist,
        "==" => Token.DoubleEquals,
        "=" => Token.Equals,
        ">" => Token.GreaterThan,
        "<" => Token.LessThan,
        "!=" => Token.NotEquals,
        "(" => Token.OpenPar,
        _ => null,
    };
}
