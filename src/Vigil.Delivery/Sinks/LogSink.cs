using System.Text.Json.Nodes;
using Vigil.Detection;

namespace Vigil.Delivery.Sinks;

/// <summary>Writes each diagnosis as one line of JSON (<c>{"msg":"diagnosis",...}</c>) to a writer: the operator's log.</summary>
public sealed class LogSink(TextWriter writer, Severity minimumSeverity = Severity.Info) : ISink
{
    private readonly Lock _gate = new();

    public string Name => "log";

    public Severity MinimumSeverity { get; } = minimumSeverity;

    public Task SendAsync(Diagnosis.Diagnosis diagnosis, CancellationToken cancellationToken)
    {
        var line = new JsonObject { ["msg"] = "diagnosis", ["diagnosis"] = DiagnosisJson.ToJson(diagnosis) }.ToJsonString();
        lock (_gate) writer.WriteLine(line);
        return Task.CompletedTask;
    }
}
