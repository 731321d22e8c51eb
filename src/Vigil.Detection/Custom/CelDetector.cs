using System.Text.Json;
using Vigil.Cel;
using Vigil.Detection.Detectors;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Detection.Custom;

/// <summary>
/// A detector whose condition is a CEL expression over the watched object. Compiled once when the definition is
/// accepted: an expression that does not parse, does not return bool or may cost more than <see cref="CostLimit"/> is
/// refused then, with the reason, rather than failing at evaluation time. At evaluation, a runtime cost cap stops
/// conditions that loop through huge lists; an evaluation error (a missing field, a wrong type) means "does not hold"
/// and is counted in <see cref="Errors"/>, with the latest message kept for the resource's status.
/// </summary>
public sealed class CelDetector : IDetector
{
    /// <summary>Estimated and runtime cost allowed per evaluation (Kubernetes' per-expression budget is of this order).</summary>
    public const long CostLimit = 1_000_000;

    /// <summary>Size assumed for lists, maps and strings in the object when estimating cost.</summary>
    public const long AssumedCollectionSize = 1_000;

    private readonly CelProgram _program;
    private readonly WatchedResource _resource;
    private readonly CelValue _params;
    private readonly Func<string?, bool> _inScope;
    private long _errors;
    private string? _lastError;

    private CelDetector(DetectorDefinition definition, WatchedResource resource, CelProgram program, Func<string?, bool> inScope)
    {
        Definition = definition;
        _resource = resource;
        _program = program;
        _inScope = inScope;
        _params = CelValue.From(definition.Params.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal));
        Options = new DetectorOptions { Severity = definition.Severity, Cooldown = definition.Cooldown };
    }

    public DetectorDefinition Definition { get; }

    public string Name => Definition.DetectorName;

    public string Kind => _resource.Kind;

    public DetectorOptions Options { get; }

    /// <summary>Evaluations that ended in an error.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>The latest evaluation error, for the Detector's status.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>
    /// Compiles a definition. <paramref name="inScope"/> says whether an object's namespace is watched (the namespace
    /// rules need namespace labels, which the caller has). Throws <see cref="InvalidDetectorException"/> naming the problem.
    /// </summary>
    public static CelDetector Create(DetectorDefinition definition, Func<string?, bool> inScope)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var resource = WatchedResource.Find(definition.Resource)
            ?? throw new InvalidDetectorException("spec.resource", $"\"{definition.Resource}\" is not a resource detectors can watch (one of: {WatchedResource.Names})");
        if (string.IsNullOrWhiteSpace(definition.Condition)) throw new InvalidDetectorException("spec.condition", "is required");
        CelProgram program;
        try
        {
            program = Environment(resource).Compile(definition.Condition);
        }
        catch (CelCompileException e)
        {
            throw new InvalidDetectorException("spec.condition", e.Message);
        }
        if (program.ResultType != CelType.Bool && program.ResultType != CelType.Dyn)
            throw new InvalidDetectorException("spec.condition", $"must return bool, not {program.ResultType}");
        return new CelDetector(definition, resource, program, inScope);
    }

    private static CelEnvironment Environment(WatchedResource resource) => new CelEnvironment()
        .Declare("object", CelType.Dyn)
        .Declare(resource.Variable, CelType.Dyn)
        .Declare("params", CelType.Map(CelType.String, CelType.String))
        .Declare("now", CelType.Timestamp)
        .WithMaxCollectionSize(AssumedCollectionSize)
        .WithCostLimit(CostLimit);

    public IEnumerable<Finding> Evaluate(KubernetesObject obj, DateTimeOffset now, IClusterView cluster)
    {
        if (!_inScope(obj.Metadata.Namespace)) return [];
        var value = CelValue.From(JsonSerializer.SerializeToElement(obj, obj.GetType(), KubernetesSerializer.Options));
        var run = _program.Run(new Dictionary<string, object?>(4, StringComparer.Ordinal)
        {
            ["object"] = value,
            [_resource.Variable] = value,
            ["params"] = _params,
            ["now"] = CelValue.Timestamp(now),
        }, CostLimit);
        if (run.Failed)
        {
            Interlocked.Increment(ref _errors);
            Volatile.Write(ref _lastError, $"{obj.Metadata.Namespace}/{obj.Metadata.Name}: {run.Error!.Message}");
            return [];
        }
        if (run.Value.Kind != CelValueKind.Bool)
        {
            Interlocked.Increment(ref _errors);
            Volatile.Write(ref _lastError, $"{obj.Metadata.Namespace}/{obj.Metadata.Name}: the condition returned {run.Value.Kind}, not bool");
            return [];
        }
        if (!run.Value.AsBool()) return [];
        var message = string.IsNullOrWhiteSpace(Definition.Description) ? $"{Name}: condition holds" : Definition.Description;
        var resource = new ResourceRef(obj.Kind ?? _resource.Kind, obj.Metadata.Namespace, obj.Metadata.Name ?? "", obj.Metadata.Uid, obj.ApiVersion);
        return [new Finding(Definition.Name, resource, message)
        {
            Labels = obj.Metadata.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : Signal.EmptyMap,
        }];
    }
}

/// <summary>A Detector definition that cannot be used: <see cref="Field"/> says where, the message why.</summary>
public sealed class InvalidDetectorException : Exception
{
    public InvalidDetectorException(string field, string problem) : base($"{field}: {problem}") => Field = field;

    public InvalidDetectorException() { }

    public InvalidDetectorException(string message) : base(message) { }

    public InvalidDetectorException(string message, Exception inner) : base(message, inner) { }

    public string Field { get; } = "";
}
