using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HandlebarsDotNet;

namespace Vigil.Delivery.Templates;

/// <summary>
/// A Handlebars body template over a diagnosis, for webhook sinks. The template sees the diagnosis in the JSON form every
/// sink uses (<see cref="DiagnosisJson"/>: <c>rootCause</c>, <c>severity</c>, <c>incident.primaryResource.name</c>, ...)
/// plus <c>resource</c> as a shortcut for the primary resource. It is parsed when the sink is declared (a broken
/// template is refused then), and each rendering is cut off at <see cref="MaxTemplateBytes"/>-sized output and a time
/// budget, so a template can neither flood the receiver nor stall delivery. Output is not HTML-escaped: bodies are JSON
/// or text, and values are JSON-escaped by the <c>{{json x}}</c> helper where a template needs it.
/// </summary>
public sealed class DiagnosisTemplate
{
    /// <summary>The largest template, and the largest body it may render (64 KiB, as the Sink schema says).</summary>
    public const int MaxTemplateBytes = 64 * 1024;

    private static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(5);

    // Readable escapes (\" rather than \u0022); the body is not embedded in HTML.
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HandlebarsTemplate<TextWriter, object, object> _render;
    private readonly TimeSpan _budget;

    private DiagnosisTemplate(HandlebarsTemplate<TextWriter, object, object> render, TimeSpan budget)
    {
        _render = render;
        _budget = budget;
    }

    /// <summary>Parses a template; throws <see cref="TemplateException"/> saying what is wrong with it.</summary>
    public static DiagnosisTemplate Parse(string template, TimeSpan? budget = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (Encoding.UTF8.GetByteCount(template) > MaxTemplateBytes)
            throw new TemplateException($"the template is larger than {MaxTemplateBytes / 1024} KiB");
        var handlebars = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true, ThrowOnUnresolvedBindingExpression = false });
        handlebars.RegisterHelper("json", (writer, _, arguments) =>
            writer.WriteSafeString(arguments.Length == 0 || arguments[0] is null ? "null" : JsonSerializer.Serialize(arguments[0]!.ToString(), Relaxed)));
        try
        {
            using var reader = new StringReader(template);
            return new DiagnosisTemplate(handlebars.Compile(reader), budget ?? DefaultBudget);
        }
        catch (HandlebarsException e)
        {
            throw new TemplateException($"the template does not parse: {e.Message}", e);
        }
    }

    /// <summary>Renders the body; throws <see cref="TemplateException"/> when the template fails, runs too long or writes too much.</summary>
    public async Task<string> RenderAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken = default)
    {
        var model = Model(diagnosis);
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = new CappedWriter(MaxTemplateBytes, cut.Token);
        // Rendering is synchronous; it runs on the pool and is abandoned (the writer refuses further output) past the budget.
        var rendering = Task.Run(() => _render(writer, model, new object()), CancellationToken.None);
        try
        {
            await rendering.WaitAsync(_budget, cancellationToken);
            return writer.ToString();
        }
        catch (TimeoutException)
        {
            await cut.CancelAsync();
            throw new TemplateException($"the template took longer than {_budget.TotalSeconds:0.#} s to render");
        }
        catch (OutputTooLargeException)
        {
            throw new TemplateException($"the template rendered more than {MaxTemplateBytes / 1024} KiB");
        }
        catch (Exception e) when (e is HandlebarsException or InvalidOperationException or ArgumentException or FormatException)
        {
            throw new TemplateException($"the template failed: {e.Message}", e);
        }
    }

    /// <summary>The diagnosis as plain dictionaries and lists, which Handlebars binds by name.</summary>
    internal static object? Model(Diagnosis.Diagnosis diagnosis)
    {
        var json = DiagnosisJson.ToJson(diagnosis);
        json["resource"] = json["incident"]?["primaryResource"]?.DeepClone();
        return Plain(json);
    }

    private static object? Plain(JsonNode? node) => node switch
    {
        JsonObject o => o.ToDictionary(kv => kv.Key, kv => Plain(kv.Value), StringComparer.Ordinal),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    /// <summary>Collects output up to a size; past it, or once cancelled, every write throws.</summary>
    private sealed class CappedWriter(int maxChars, CancellationToken cut) : StringWriter(System.Globalization.CultureInfo.InvariantCulture)
    {
        public override void Write(char value)
        {
            Check(1);
            base.Write(value);
        }

        public override void Write(string? value)
        {
            Check(value?.Length ?? 0);
            base.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            Check(count);
            base.Write(buffer, index, count);
        }

        private void Check(int adding)
        {
            cut.ThrowIfCancellationRequested();
            if (GetStringBuilder().Length + adding > maxChars) throw new OutputTooLargeException();
        }
    }

    private sealed class OutputTooLargeException : Exception;
}

/// <summary>A body template that cannot be used or failed to render.</summary>
public sealed class TemplateException : Exception
{
    public TemplateException() { }

    public TemplateException(string message) : base(message) { }

    public TemplateException(string message, Exception inner) : base(message, inner) { }
}
