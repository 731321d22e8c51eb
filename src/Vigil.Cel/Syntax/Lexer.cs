using System.Globalization;
using System.Text;

namespace Vigil.Cel.Syntax;

internal enum Tok
{
    Eof,
    Ident,
    QuotedIdent,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    True,
    False,
    Null,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Dot,
    Comma,
    Colon,
    Question,
    Not,
    Minus,
    Plus,
    Star,
    Slash,
    Percent,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    In,
    Error,
}

internal readonly record struct Token(Tok Kind, int Offset, int Length, string Text, object? Value = null);

/// <summary>Splits CEL source into tokens; literal values are decoded here.</summary>
internal sealed class Lexer(string source)
{
    private static readonly HashSet<string> Reserved =
    [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package",
        "namespace", "return", "var", "void", "while",
    ];

    private int _pos;

    public Token Next()
    {
        SkipSpaceAndComments();
        if (_pos >= source.Length) return new Token(Tok.Eof, _pos, 0, "");
        var start = _pos;
        var c = source[_pos];

        if (c is 'r' or 'R' or 'b' or 'B' && StringAhead(out var prefixLength)) return LexString(start, prefixLength);
        if (char.IsAsciiLetter(c) || c == '_')
        {
            while (_pos < source.Length && (char.IsAsciiLetterOrDigit(source[_pos]) || source[_pos] == '_')) _pos++;
            var word = source[start.._pos];
            return word switch
            {
                "true" => new Token(Tok.True, start, word.Length, word),
                "false" => new Token(Tok.False, start, word.Length, word),
                "null" => new Token(Tok.Null, start, word.Length, word),
                "in" => new Token(Tok.In, start, word.Length, word),
                _ when Reserved.Contains(word) => new Token(Tok.Ident, start, word.Length, word, Reserved),
                _ => new Token(Tok.Ident, start, word.Length, word),
            };
        }
        if (char.IsAsciiDigit(c) || (c == '.' && _pos + 1 < source.Length && char.IsAsciiDigit(source[_pos + 1]))) return LexNumber(start);
        if (c is '"' or '\'') return LexString(start, 0);
        if (c == '`')
        {
            _pos++;
            while (_pos < source.Length && source[_pos] != '`' && source[_pos] != '\n') _pos++;
            if (_pos >= source.Length || source[_pos] != '`') return Error(start, "unterminated quoted identifier");
            var name = source[(start + 1).._pos];
            _pos++;
            if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '.' or '-' or '/' or '~' or ' '))
                return Error(start, $"invalid quoted identifier `{name}`");
            return new Token(Tok.QuotedIdent, start, _pos - start, name);
        }

        _pos++;
        var next = _pos < source.Length ? source[_pos] : '\0';
        Token Two(Tok kind)
        {
            _pos++;
            return new Token(kind, start, 2, source.Substring(start, 2));
        }
        Token One(Tok kind) => new(kind, start, 1, c.ToString());
        return c switch
        {
            '(' => One(Tok.LParen),
            ')' => One(Tok.RParen),
            '[' => One(Tok.LBracket),
            ']' => One(Tok.RBracket),
            '{' => One(Tok.LBrace),
            '}' => One(Tok.RBrace),
            '.' => One(Tok.Dot),
            ',' => One(Tok.Comma),
            ':' => One(Tok.Colon),
            '?' => One(Tok.Question),
            '+' => One(Tok.Plus),
            '-' => One(Tok.Minus),
            '*' => One(Tok.Star),
            '/' => One(Tok.Slash),
            '%' => One(Tok.Percent),
            '!' => next == '=' ? Two(Tok.Ne) : One(Tok.Not),
            '=' => next == '=' ? Two(Tok.Eq) : Error(start, "unexpected '=' (did you mean '=='?)"),
            '<' => next == '=' ? Two(Tok.Le) : One(Tok.Lt),
            '>' => next == '=' ? Two(Tok.Ge) : One(Tok.Gt),
            '&' => next == '&' ? Two(Tok.And) : Error(start, "unexpected '&' (did you mean '&&'?)"),
            '|' => next == '|' ? Two(Tok.Or) : Error(start, "unexpected '|' (did you mean '||'?)"),
            _ => Error(start, $"token recognition error at: '{char.ConvertFromUtf32(char.IsSurrogatePair(source, start) ? char.ConvertToUtf32(source, start) : c)}'"),
        };
    }

    private Token Error(int offset, string message) => new(Tok.Error, offset, Math.Max(1, _pos - offset), message);

    private void SkipSpaceAndComments()
    {
        while (_pos < source.Length)
        {
            var c = source[_pos];
            if (c is ' ' or '\t' or '\n' or '\r' or '\f') _pos++;
            else if (c == '/' && _pos + 1 < source.Length && source[_pos + 1] == '/')
            {
                while (_pos < source.Length && source[_pos] != '\n') _pos++;
            }
            else break;
        }
    }

    private bool StringAhead(out int prefixLength)
    {
        prefixLength = 0;
        var p = _pos;
        var sawR = false;
        var sawB = false;
        while (p < source.Length && prefixLength < 2)
        {
            var ch = source[p];
            if (ch is 'r' or 'R' && !sawR) { sawR = true; }
            else if (ch is 'b' or 'B' && !sawB) { sawB = true; }
            else break;
            p++;
            prefixLength++;
        }
        return p < source.Length && source[p] is '"' or '\'';
    }

    private Token LexNumber(int start)
    {
        var isHex = source[_pos] == '0' && _pos + 1 < source.Length && source[_pos + 1] is 'x' or 'X';
        if (isHex)
        {
            _pos += 2;
            var digitsStart = _pos;
            while (_pos < source.Length && char.IsAsciiHexDigit(source[_pos])) _pos++;
            if (_pos == digitsStart) return Error(start, "invalid hex literal");
            var hex = source[digitsStart.._pos];
            if (_pos < source.Length && source[_pos] is 'u' or 'U')
            {
                _pos++;
                return ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var u)
                    ? new Token(Tok.Uint, start, _pos - start, source[start.._pos], u)
                    : Error(start, "invalid uint literal");
            }
            return new Token(Tok.Int, start, _pos - start, source[start.._pos], hex);
        }
        var isDouble = false;
        while (_pos < source.Length && char.IsAsciiDigit(source[_pos])) _pos++;
        if (_pos + 1 < source.Length && source[_pos] == '.' && char.IsAsciiDigit(source[_pos + 1]))
        {
            isDouble = true;
            _pos++;
            while (_pos < source.Length && char.IsAsciiDigit(source[_pos])) _pos++;
        }
        if (_pos < source.Length && source[_pos] is 'e' or 'E')
        {
            var save = _pos;
            _pos++;
            if (_pos < source.Length && source[_pos] is '+' or '-') _pos++;
            if (_pos < source.Length && char.IsAsciiDigit(source[_pos]))
            {
                isDouble = true;
                while (_pos < source.Length && char.IsAsciiDigit(source[_pos])) _pos++;
            }
            else _pos = save;
        }
        var text = source[start.._pos];
        if (isDouble)
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? new Token(Tok.Double, start, text.Length, text, d)
                : Error(start, $"invalid double literal '{text}'");
        }
        if (_pos < source.Length && source[_pos] is 'u' or 'U')
        {
            _pos++;
            return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var u)
                ? new Token(Tok.Uint, start, _pos - start, source[start.._pos], u)
                : Error(start, $"invalid uint literal '{text}'");
        }
        // The value is decided by the parser, which knows whether a minus sign precedes it.
        return new Token(Tok.Int, start, text.Length, text);
    }

    private Token LexString(int start, int prefixLength)
    {
        var raw = false;
        var bytes = false;
        for (var i = 0; i < prefixLength; i++)
        {
            if (source[start + i] is 'r' or 'R') raw = true;
            else bytes = true;
        }
        _pos = start + prefixLength;
        var quote = source[_pos];
        var triple = _pos + 2 < source.Length && source[_pos + 1] == quote && source[_pos + 2] == quote;
        _pos += triple ? 3 : 1;
        var chars = new StringBuilder();
        var byteBuffer = bytes ? new List<byte>() : null;
        var utf8 = new byte[4];

        void AppendCodePoint(int cp)
        {
            var rune = new Rune(cp);
            if (byteBuffer is not null)
            {
                var n = rune.EncodeToUtf8(utf8);
                for (var i = 0; i < n; i++) byteBuffer.Add(utf8[i]);
            }
            else chars.Append(rune.ToString());
        }

        while (true)
        {
            if (_pos >= source.Length) return Error(start, "unterminated string literal");
            var c = source[_pos];
            if (c == quote && (!triple || (_pos + 2 < source.Length && source[_pos + 1] == quote && source[_pos + 2] == quote)))
            {
                _pos += triple ? 3 : 1;
                break;
            }
            if (!triple && c is '\n' or '\r') return Error(start, "unterminated string literal (a newline needs a triple-quoted string)");
            if (c == '\\' && !raw)
            {
                var escStart = _pos;
                _pos++;
                if (_pos >= source.Length) return Error(start, "unterminated string literal");
                var e = source[_pos++];
                switch (e)
                {
                    case 'a': AppendCodePoint(7); break;
                    case 'b': AppendCodePoint(8); break;
                    case 'f': AppendCodePoint(12); break;
                    case 'n': AppendCodePoint(10); break;
                    case 'r': AppendCodePoint(13); break;
                    case 't': AppendCodePoint(9); break;
                    case 'v': AppendCodePoint(11); break;
                    case '\\': case '\'': case '"': case '`': case '?': AppendCodePoint(e); break;
                    case 'x':
                    case 'X':
                    case 'u':
                    case 'U':
                    {
                        var n = e is 'x' or 'X' ? 2 : e == 'u' ? 4 : 8;
                        if (_pos + n > source.Length || !int.TryParse(source.AsSpan(_pos, n), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var cp))
                            return Error(escStart, "invalid escape sequence in string literal");
                        _pos += n;
                        if (e is 'x' or 'X' && byteBuffer is not null) byteBuffer.Add((byte)cp);
                        else if (e is 'u' or 'U' && bytes) return Error(escStart, "\\u and \\U escapes are not allowed in bytes literals");
                        else if (!Rune.IsValid(cp)) return Error(escStart, "invalid unicode code point in escape sequence");
                        else AppendCodePoint(cp);
                        break;
                    }
                    case >= '0' and <= '3':
                    {
                        if (_pos + 2 > source.Length || source[_pos] is < '0' or > '7' || source[_pos + 1] is < '0' or > '7')
                            return Error(escStart, "invalid octal escape sequence in string literal");
                        var cp = (e - '0') * 64 + (source[_pos] - '0') * 8 + (source[_pos + 1] - '0');
                        _pos += 2;
                        if (byteBuffer is not null) byteBuffer.Add((byte)cp);
                        else AppendCodePoint(cp);
                        break;
                    }
                    default:
                        return Error(escStart, $"invalid escape sequence '\\{e}' in string literal");
                }
                continue;
            }
            if (char.IsHighSurrogate(c) && _pos + 1 < source.Length && char.IsLowSurrogate(source[_pos + 1]))
            {
                AppendCodePoint(char.ConvertToUtf32(c, source[_pos + 1]));
                _pos += 2;
                continue;
            }
            if (char.IsSurrogate(c)) return Error(_pos, "invalid UTF-16 in string literal");
            AppendCodePoint(c);
            _pos++;
        }
        var text = source[start.._pos];
        return byteBuffer is not null
            ? new Token(Tok.Bytes, start, text.Length, text, byteBuffer.ToArray())
            : new Token(Tok.String, start, text.Length, text, chars.ToString());
    }
}
