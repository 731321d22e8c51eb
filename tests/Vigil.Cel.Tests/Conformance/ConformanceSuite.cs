using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Cel.Tests.Conformance;

/// <summary>One case of the cel-spec "simple" conformance tests.</summary>
public sealed record ConformanceCase(string File, string Section, string Name, JsonObject Test)
{
    public string Id => $"{File}/{Section}/{Name}";
    public string Expr => (string)Test["expr"]!;
}

public enum Outcome
{
    Pass,
    Fail,
    Skip,
}

public sealed record CaseResult(ConformanceCase Case, Outcome Outcome, string Detail)
{
    /// <summary>The type Vigil's checker inferred, when the case was checked.</summary>
    public string? InferredType { get; init; }
}

/// <summary>Loads the vendored conformance data and runs cases against Vigil.Cel.</summary>
public static class ConformanceSuite
{
    public static readonly string[] Files =
    [
        "basic", "bindings_ext", "comparisons", "conversions", "fields", "fp_math", "integer_math", "lists", "logic", "macros",
        "macros2", "namespace", "parse", "plumbing", "string", "string_ext", "timestamps", "encoders_ext", "optionals",
    ];

    private static string DataDir => Path.Combine(AppContext.BaseDirectory, "Conformance", "data");

    public static IReadOnlyList<ConformanceCase> Load(string file)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(DataDir, file + ".json")))!.AsObject();
        var cases = new List<ConformanceCase>();
        foreach (var section in root["sections"]!.AsArray())
        {
            var sectionName = (string)section!["name"]!;
            foreach (var test in section["tests"]!.AsArray())
                cases.Add(new ConformanceCase(file, sectionName, (string)test!["name"]!, test.AsObject()));
        }
        return cases;
    }

    /// <summary>Why a case is outside Vigil's scope, or null when it applies.</summary>
    public static string? SkipReason(ConformanceCase c)
    {
        var text = c.Test.ToJsonString();
        if (text.Contains("TestAllTypes", StringComparison.Ordinal) || text.Contains("NestedMessage", StringComparison.Ordinal)
            || text.Contains("GlobalEnum", StringComparison.Ordinal) || text.Contains("NestedEnum", StringComparison.Ordinal)
            || text.Contains("cel.expr.conformance", StringComparison.Ordinal))
            return "protobuf messages: constructs or reads the conformance test message types (TestAllTypes); Vigil's values are JSON-like";
        if (text.Contains("google.protobuf.Int", StringComparison.Ordinal) || text.Contains("google.protobuf.UInt", StringComparison.Ordinal)
            || text.Contains("google.protobuf.BoolValue", StringComparison.Ordinal) || text.Contains("google.protobuf.StringValue", StringComparison.Ordinal)
            || text.Contains("google.protobuf.BytesValue", StringComparison.Ordinal) || text.Contains("google.protobuf.DoubleValue", StringComparison.Ordinal)
            || text.Contains("google.protobuf.FloatValue", StringComparison.Ordinal) || text.Contains("google.protobuf.Value", StringComparison.Ordinal)
            || text.Contains("google.protobuf.Struct", StringComparison.Ordinal) || text.Contains("google.protobuf.ListValue", StringComparison.Ordinal)
            || text.Contains("google.protobuf.Any", StringComparison.Ordinal))
            return "protobuf wrapper and JSON types (google.protobuf.Int64Value, Struct, Any, ...)";
        if (c.Test["typeEnv"] is JsonArray env && env.Any(d => d!["function"] is not null))
            return "custom function declarations in the test environment";
        if (c.Test["checkOnly"]?.GetValue<bool>() == true) return "type deduction only (no evaluation)";
        if (c.Test["value"]?["enumValue"] is not null) return "protobuf enums";
        return null;
    }

    public static CaseResult Run(ConformanceCase c)
    {
        if (SkipReason(c) is { } reason) return new CaseResult(c, Outcome.Skip, reason);
        try
        {
            return RunApplicable(c);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new CaseResult(c, Outcome.Fail, $"unexpected {e.GetType().Name}: {e.Message}");
        }
    }

    private static CaseResult RunApplicable(ConformanceCase c)
    {
        var t = c.Test;
        var env = new CelEnvironment()
            .WithTypeChecking(t["disableCheck"]?.GetValue<bool>() != true)
            .WithContainer((string?)t["container"] ?? "");
        if (t["typeEnv"] is JsonArray decls)
            foreach (var d in decls) env = env.Declare((string)d!["name"]!, ToType(d["ident"]!["type"]!));
        var bindings = new Dictionary<string, object?>();
        if (t["bindings"] is JsonObject b)
            foreach (var (name, value) in b) bindings[name] = ToValue(value!["value"]!);

        CelProgram program;
        try
        {
            program = env.Compile(c.Expr);
        }
        catch (CelCompileException e)
        {
            return new CaseResult(c, Outcome.Fail, "compile error: " + e.Message);
        }
        var inferred = env.TypeChecking ? program.ResultType.ToString() : null;
        return Judge(c, program.Run(bindings)) with { InferredType = inferred };
    }

    private static CaseResult Judge(ConformanceCase c, CelEvaluation run)
    {
        var t = c.Test;
        var expected = t["value"] ?? t["typedResult"]?["result"];
        if (t["evalError"] is not null)
        {
            return run.Failed
                ? new CaseResult(c, Outcome.Pass, "")
                : new CaseResult(c, Outcome.Fail, $"expected an error ({t["evalError"]!.ToJsonString()}), got {run.Value}");
        }
        if (expected is null) return new CaseResult(c, Outcome.Pass, "");
        if (run.Failed) return new CaseResult(c, Outcome.Fail, $"expected {Describe(expected)}, got error: {run.Error!.Reason}");
        var want = ToValue(expected);
        return StrictEqual(want, run.Value)
            ? new CaseResult(c, Outcome.Pass, "")
            : new CaseResult(c, Outcome.Fail, $"expected {want}, got {run.Value}");
    }

    /// <summary>cel-go's rendering of a checked type, in Vigil's notation.</summary>
    public static string NormalizeType(string t) => t
        .Replace("google.protobuf.Timestamp", "timestamp", StringComparison.Ordinal)
        .Replace("google.protobuf.Duration", "duration", StringComparison.Ordinal)
        .Replace("null_type", "null", StringComparison.Ordinal);

    private static string Describe(JsonNode n)
    {
        try
        {
            return ToValue(n).ToString();
        }
        catch (NotSupportedException)
        {
            return n.ToJsonString();
        }
    }

    /// <summary>Equality that also requires the same kinds (1 is not 1u here), with NaN equal to NaN.</summary>
    public static bool StrictEqual(CelValue a, CelValue b)
    {
        if (a.Kind != b.Kind) return false;
        switch (a.Kind)
        {
            case CelValueKind.Double:
                return a.AsDouble().Equals(b.AsDouble());
            case CelValueKind.List:
            {
                var la = a.AsList();
                var lb = b.AsList();
                return la.Count == lb.Count && la.Zip(lb).All(p => StrictEqual(p.First, p.Second));
            }
            case CelValueKind.Map:
            {
                var ma = a.AsMap();
                var mb = b.AsMap();
                if (ma.Count != mb.Count) return false;
                foreach (var (k, v) in ma)
                    if (!mb.TryGetValue(k, out var w) || !StrictEqual(v, w)) return false;
                return true;
            }
            default:
                return a.Equals(b);
        }
    }

    public static CelType ToType(JsonNode t)
    {
        if (t["primitive"] is { } p)
        {
            return (string)p! switch
            {
                "INT64" => CelType.Int,
                "UINT64" => CelType.Uint,
                "DOUBLE" => CelType.Double,
                "BOOL" => CelType.Bool,
                "STRING" => CelType.String,
                "BYTES" => CelType.Bytes,
                var other => throw new NotSupportedException("primitive " + other),
            };
        }
        if (t["listType"] is { } l) return CelType.List(ToType(l["elemType"]!));
        if (t["mapType"] is { } m) return CelType.Map(ToType(m["keyType"]!), ToType(m["valueType"]!));
        if (t["messageType"] is { } mt) return CelType.Parse((string)mt!);
        if (t["wellKnown"] is { } wk) return (string)wk! switch { "TIMESTAMP" => CelType.Timestamp, "DURATION" => CelType.Duration, _ => CelType.Dyn };
        if (t.AsObject().ContainsKey("null")) return CelType.Null;
        if (t["dyn"] is not null) return CelType.Dyn;
        throw new NotSupportedException("type " + t.ToJsonString());
    }

    public static CelValue ToValue(JsonNode v)
    {
        var o = v.AsObject();
        if (o.ContainsKey("nullValue")) return CelValue.Null;
        if (o["boolValue"] is { } b) return CelValue.Bool(b.GetValue<bool>());
        if (o["int64Value"] is { } i) return CelValue.Int(long.Parse(i.ToString(), CultureInfo.InvariantCulture));
        if (o["uint64Value"] is { } u) return CelValue.Uint(ulong.Parse(u.ToString(), CultureInfo.InvariantCulture));
        if (o["doubleValue"] is { } d)
        {
            return d.GetValueKind() == JsonValueKind.String
                ? CelValue.Double((string)d! switch
                {
                    "NaN" => double.NaN,
                    "Infinity" => double.PositiveInfinity,
                    "-Infinity" => double.NegativeInfinity,
                    var s => double.Parse(s, CultureInfo.InvariantCulture),
                })
                : CelValue.Double(d.GetValue<double>());
        }
        if (o["stringValue"] is { } s2) return CelValue.String((string)s2!);
        if (o["bytesValue"] is { } by) return CelValue.Bytes(Convert.FromBase64String((string)by!));
        if (o["typeValue"] is { } tv) return CelValue.Type(CelType.Parse((string)tv!));
        if (o.ContainsKey("listValue"))
        {
            var values = o["listValue"]?["values"] as JsonArray ?? [];
            return CelValue.List([.. values.Select(x => ToValue(x!))]);
        }
        if (o.ContainsKey("mapValue"))
        {
            var builder = new CelMap.Builder();
            foreach (var e in o["mapValue"]?["entries"] as JsonArray ?? [])
                builder.Set(ToValue(e!["key"]!), ToValue(e["value"]!));
            return CelValue.Map(builder.Build());
        }
        if (o["objectValue"] is JsonObject obj)
        {
            var type = (string)obj["@type"]!;
            var value = (string)obj["value"]!;
            var celValue = type switch
            {
                "type.googleapis.com/google.protobuf.Duration" => new CelEnvironment().Compile($"duration('{value}')").Evaluate(),
                "type.googleapis.com/google.protobuf.Timestamp" => new CelEnvironment().Compile($"timestamp('{value}')").Evaluate(),
                _ => throw new NotSupportedException("object " + type),
            };
            return celValue;
        }
        throw new NotSupportedException("value " + v.ToJsonString());
    }

    /// <summary>A Markdown table of pass counts and the list of skipped and failing cases.</summary>
    public static string Report(IReadOnlyList<CaseResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| file | cases | applicable | passed | failed | skipped | pass rate |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        void Row(string name, IEnumerable<CaseResult> rs)
        {
            var list = rs.ToList();
            var passed = list.Count(r => r.Outcome == Outcome.Pass);
            var failed = list.Count(r => r.Outcome == Outcome.Fail);
            var skipped = list.Count(r => r.Outcome == Outcome.Skip);
            var applicable = passed + failed;
            var rate = applicable == 0 ? "-" : (100.0 * passed / applicable).ToString("0.0", CultureInfo.InvariantCulture) + "%";
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {list.Count} | {applicable} | {passed} | {failed} | {skipped} | {rate} |");
        }
        foreach (var g in results.GroupBy(r => r.Case.File)) Row(g.Key, g);
        Row("**all**", results);
        return sb.ToString();
    }
}
