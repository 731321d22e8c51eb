using System.Globalization;
using System.Text;

namespace Vigil.Cel;

/// <summary>A problem found in an expression, at a line and column (both from 1).</summary>
public sealed record CelIssue(int Line, int Column, string Message);

/// <summary>The expression does not parse, does not type-check, or its estimated cost is over the limit.</summary>
public sealed class CelCompileException : Exception
{
    /// <summary>A compile error with the given issues, rendered like cel-go's messages.</summary>
    public CelCompileException(string expression, IReadOnlyList<CelIssue> issues)
        : base(CelDiagnostics.Render(expression, issues))
    {
        Expression = expression;
        Issues = issues;
    }

    /// <inheritdoc/>
    public CelCompileException() : this("", []) { }

    /// <inheritdoc/>
    public CelCompileException(string message) : base(message)
    {
        Expression = "";
        Issues = [];
    }

    /// <inheritdoc/>
    public CelCompileException(string message, Exception innerException) : base(message, innerException)
    {
        Expression = "";
        Issues = [];
    }

    /// <summary>The expression.</summary>
    public string Expression { get; }

    /// <summary>The problems, in source order.</summary>
    public IReadOnlyList<CelIssue> Issues { get; }

    internal static CelCompileException At(string expression, int offset, string message)
    {
        var (line, column) = CelDiagnostics.Position(expression, offset);
        return new CelCompileException(expression, [new CelIssue(line, column, message)]);
    }
}

/// <summary>Evaluation failed: an error value reached the result (no such key, overflow, no matching overload, ...),
/// or the runtime cost limit was exceeded.</summary>
public sealed class CelEvaluationException : Exception
{
    /// <inheritdoc/>
    public CelEvaluationException() : this("evaluation failed") { }

    /// <inheritdoc/>
    public CelEvaluationException(string message) : base(message) => Reason = message;

    /// <inheritdoc/>
    public CelEvaluationException(string message, Exception innerException) : base(message, innerException) => Reason = message;

    internal CelEvaluationException(string reason, string rendered, int line, int column) : base(rendered)
    {
        Reason = reason;
        Line = line;
        Column = column;
    }

    /// <summary>The error alone, without position ("no such key: status").</summary>
    public string Reason { get; }

    /// <summary>The line (from 1) of the sub-expression that failed, or 0 when not known.</summary>
    public int Line { get; }

    /// <summary>The column (from 1) of the sub-expression that failed, or 0 when not known.</summary>
    public int Column { get; }

    /// <summary>True when the runtime cost limit stopped the evaluation.</summary>
    public bool CostLimitExceeded { get; init; }
}

internal static class CelDiagnostics
{
    public static (int Line, int Column) Position(string source, int offset)
    {
        offset = Math.Clamp(offset, 0, source.Length);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (source[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        var column = 1;
        for (var i = lineStart; i < offset; i++)
            if (!char.IsLowSurrogate(source[i])) column++;
        return (line, column);
    }

    public static string Render(string source, IReadOnlyList<CelIssue> issues)
    {
        var sb = new StringBuilder();
        var lines = source.Split('\n');
        foreach (var issue in issues)
        {
            if (sb.Length > 0) sb.Append('\n');
            Append(sb, lines, issue.Line, issue.Column, issue.Message);
        }
        return sb.ToString();
    }

    public static string Render(string source, int offset, string message)
    {
        var (line, column) = Position(source, offset);
        var sb = new StringBuilder();
        Append(sb, source.Split('\n'), line, column, message);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, string[] lines, int line, int column, string message)
    {
        sb.Append("ERROR: <input>:").Append(line.ToString(CultureInfo.InvariantCulture)).Append(':')
            .Append(column.ToString(CultureInfo.InvariantCulture)).Append(": ").Append(message);
        if (line - 1 < lines.Length)
        {
            var text = lines[line - 1].TrimEnd('\r');
            sb.Append("\n | ").Append(text).Append("\n | ");
            sb.Append('.', Math.Max(0, column - 1)).Append('^');
        }
    }
}
