using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Cluster.Selectors;

/// <summary>
/// Label key and value validation with the messages apimachinery (1.33) produces:
/// <c>IsQualifiedName</c> for keys and <c>IsValidLabelValue</c> for values, plus Go's <c>%q</c> quoting
/// used when a field error names the bad value.
/// </summary>
internal static partial class LabelValidation
{
    private const string QualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string QualifiedNameMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string LabelValueFormat = "(" + QualifiedNameFormat + ")?";
    private const string LabelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string Dns1123SubdomainFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
    private const string Dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

    public const int QualifiedNameMaxLength = 63;
    public const int LabelValueMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;

    [GeneratedRegex("^" + QualifiedNameFormat + "$", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNameRegex();

    [GeneratedRegex("^" + LabelValueFormat + "$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValueRegex();

    [GeneratedRegex("^" + Dns1123SubdomainFormat + "$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123SubdomainRegex();

    /// <summary>The problems with a label key (a qualified name with an optional DNS subdomain prefix); empty when valid.</summary>
    public static List<string> LabelKeyErrors(string value)
    {
        var errs = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                var prefix = parts[0];
                name = parts[1];
                if (prefix.Length == 0)
                    errs.Add("prefix part " + EmptyError);
                else
                    foreach (var msg in Dns1123SubdomainErrors(prefix))
                        errs.Add("prefix part " + msg);
                break;
            default:
                errs.Add("a qualified name " + RegexError(QualifiedNameMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc") +
                    " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errs;
        }

        if (name.Length == 0)
            errs.Add("name part " + EmptyError);
        else if (ByteLength(name) > QualifiedNameMaxLength)
            errs.Add("name part " + MaxLenError(QualifiedNameMaxLength));
        if (!QualifiedNameRegex().IsMatch(name))
            errs.Add("name part " + RegexError(QualifiedNameMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc"));
        return errs;
    }

    /// <summary>The problems with a label value; empty when valid.</summary>
    public static List<string> LabelValueErrors(string value)
    {
        var errs = new List<string>();
        if (ByteLength(value) > LabelValueMaxLength)
            errs.Add(MaxLenError(LabelValueMaxLength));
        if (!LabelValueRegex().IsMatch(value))
            errs.Add(RegexError(LabelValueMessage, LabelValueFormat, "MyValue", "my_value", "12345"));
        return errs;
    }

    public static bool IsValidLabelKey(string value) => LabelKeyErrors(value).Count == 0;

    public static bool IsValidLabelValue(string value) => ByteLength(value) <= LabelValueMaxLength && LabelValueRegex().IsMatch(value);

    private static List<string> Dns1123SubdomainErrors(string value)
    {
        var errs = new List<string>();
        if (ByteLength(value) > Dns1123SubdomainMaxLength)
            errs.Add(MaxLenError(Dns1123SubdomainMaxLength));
        if (!Dns1123SubdomainRegex().IsMatch(value))
            errs.Add(RegexError(Dns1123SubdomainMessage, Dns1123SubdomainFormat, "example.com"));
        return errs;
    }

    private const string EmptyError = "must be non-empty";

    private static string MaxLenError(int length) => string.Create(CultureInfo.InvariantCulture, $"must be no more than {length} characters");

    /// <summary>apimachinery's RegexError, including its doubled space before "or".</summary>
    private static string RegexError(string msg, string format, params string[] examples)
    {
        if (examples.Length == 0)
            return msg + " (regex used for validation is '" + format + "')";
        var sb = new StringBuilder(msg).Append(" (e.g. ");
        for (var i = 0; i < examples.Length; i++)
        {
            if (i > 0) sb.Append(" or ");
            sb.Append('\'').Append(examples[i]).Append("', ");
        }
        return sb.Append("regex used for validation is '").Append(format).Append("')").ToString();
    }

    /// <summary>Go measures string lengths in UTF-8 bytes.</summary>
    private static int ByteLength(string s) => Encoding.UTF8.GetByteCount(s);

    /// <summary>A field.Invalid error rendered as Go does: <c>path: Invalid value: "value": detail</c>.</summary>
    public static string InvalidValue(string path, string value, string detail) => $"{path}: Invalid value: {GoQuote(value)}: {detail}";

    /// <summary>A field.Invalid error whose bad value is a string slice, rendered with Go's <c>%#v</c>.</summary>
    public static string InvalidValues(string path, IReadOnlyList<string> values, string detail)
    {
        var rendered = values.Count == 0 ? "[]string(nil)" : "[]string{" + string.Join(", ", values.Select(GoQuote)) + "}";
        return $"{path}: Invalid value: {rendered}: {detail}";
    }

    /// <summary>Joins errors the way a Go aggregate prints them: one error alone, several as <c>[a, b]</c>, duplicates once.</summary>
    public static string Aggregate(IEnumerable<string> errors)
    {
        var distinct = errors.Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
    }

    /// <summary>Go's <c>strconv.Quote</c>: double quotes, backslash escapes for quotes, backslashes and non-printable characters.</summary>
    public static string GoQuote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (c < 0x20 || c == 0x7f)
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                        sb.Append(c).Append(s[++i]);
                    else if (char.IsSurrogate(c))
                        sb.Append("\\ufffd");
                    else if (c >= 0x80 && char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
                                 or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                                 or UnicodeCategory.PrivateUse)
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
