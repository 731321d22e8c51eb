using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vigil.Diagnosis.Redaction;

namespace Vigil.Operator.Hosting;

/// <summary>
/// Structured logging as one JSON object per line: <c>time</c> (UTC, RFC 3339), <c>level</c>, <c>logger</c> (category),
/// <c>event</c> (event id), <c>msg</c> (the rendered message), the message's named fields, and <c>exception</c> when there is
/// one. Messages and exceptions are redacted, so a token in an error message does not reach the log.
/// </summary>
public sealed class JsonLineLoggerProvider(TextWriter writer, LogLevel minimum, TimeProvider time) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new JsonLineLogger(this, categoryName);

    public void Dispose()
    {
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "critical",
    };

    private sealed class JsonLineLogger(JsonLineLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = new JsonObject
            {
                ["time"] = provider._time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["level"] = Level(logLevel),
                ["logger"] = category,
            };
            if (eventId.Id != 0) line["event"] = eventId.Id;
            line["msg"] = Redactor.Default.Redact(formatter(state, exception));
            if (state is IReadOnlyList<KeyValuePair<string, object?>> fields)
                foreach (var (key, value) in fields)
                {
                    if (key == "{OriginalFormat}" || line.ContainsKey(key)) continue;
                    line[key] = value switch
                    {
                        null => null,
                        bool b => b,
                        int i => i,
                        long l => l,
                        double d => d,
                        _ => Redactor.Default.Redact(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
                    };
                }
            if (exception is not null) line["exception"] = Redactor.Default.Redact(exception.ToString());
            var text = line.ToJsonString();
            lock (provider._gate) provider._writer.WriteLine(text);
        }
    }

    private readonly TextWriter _writer = writer;
    private readonly LogLevel _minimum = minimum;
    private readonly TimeProvider _time = time;
}
