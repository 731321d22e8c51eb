using System.Diagnostics;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Vigil.Cel;

namespace Vigil.Bench.Cel;

/// <summary>
/// Evaluations per second of a typical detector condition on a Pending pod (two containers, one in ImagePullBackOff).
/// Run: <c>dotnet run -c Release --project bench/Vigil.Bench -- cel</c> (BenchmarkDotNet) or
/// <c>-- cel --quick</c> (a plain single-threaded loop, a few seconds).
/// </summary>
[MemoryDiagnoser]
public class CelBenchmarks
{
    public const string Condition =
        "object.status.phase == 'Pending' && object.status.containerStatuses.exists(c, c.state.waiting.reason == 'ImagePullBackOff')";

    private const string RestartExpression =
        "object.status.containerStatuses.exists(c, c.restartCount > 5) || object.metadata.labels.app.startsWith('db-')";

    private CelEnvironment _env = null!;
    private CelProgram _condition = null!;
    private CelProgram _restarts = null!;
    private Dictionary<string, object?> _converted = null!;
    private Dictionary<string, object?> _node = null!;

    [GlobalSetup]
    public void Setup()
    {
        var json = PodJson();
        _env = new CelEnvironment().Declare("object", CelType.Dyn);
        _condition = _env.Compile(Condition);
        _restarts = _env.Compile(RestartExpression);
        _converted = new Dictionary<string, object?> { ["object"] = CelValue.FromJson(json) };
        _node = new Dictionary<string, object?> { ["object"] = JsonNode.Parse(json) };
        if (!_condition.Evaluate(_converted).AsBool()) throw new InvalidOperationException("the benchmark condition should hold on the pod");
    }

    internal static string PodJson() => Pod;

    /// <summary>A Pending pod as the API server returns it: two containers, one waiting in ImagePullBackOff.</summary>
    private const string Pod = """
        {
          "apiVersion": "v1",
          "kind": "Pod",
          "metadata": {
            "name": "web-7d4b9c6f5-x2k8p",
            "namespace": "default",
            "uid": "5f1c2d3e-aaaa-bbbb-cccc-111122223333",
            "resourceVersion": "12345",
            "creationTimestamp": "2026-01-02T03:04:05Z",
            "labels": {
              "app": "web",
              "pod-template-hash": "7d4b9c6f5"
            },
            "ownerReferences": [
              {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "web-7d4b9c6f5",
                "uid": "1",
                "controller": true,
                "blockOwnerDeletion": true
              }
            ]
          },
          "spec": {
            "nodeName": "node-1",
            "restartPolicy": "Always",
            "serviceAccountName": "default",
            "containers": [
              {
                "name": "app",
                "image": "registry.example.com/web:1.2.3",
                "ports": [
                  {
                    "containerPort": 8080,
                    "protocol": "TCP"
                  }
                ],
                "resources": {
                  "limits": {
                    "cpu": "500m",
                    "memory": "256Mi"
                  },
                  "requests": {
                    "cpu": "100m",
                    "memory": "128Mi"
                  }
                }
              },
              {
                "name": "sidecar",
                "image": "envoy:1.30",
                "resources": {}
              }
            ]
          },
          "status": {
            "phase": "Pending",
            "conditions": [
              {
                "type": "PodScheduled",
                "status": "True"
              },
              {
                "type": "Initialized",
                "status": "True"
              },
              {
                "type": "ContainersReady",
                "status": "False"
              },
              {
                "type": "Ready",
                "status": "False"
              }
            ],
            "hostIP": "10.0.0.11",
            "podIP": "10.244.1.7",
            "startTime": "2026-01-02T03:04:06Z",
            "containerStatuses": [
              {
                "name": "sidecar",
                "ready": true,
                "restartCount": 0,
                "image": "envoy:1.30",
                "imageID": "",
                "started": true,
                "state": {
                  "waiting": {
                    "reason": "ContainerCreating"
                  }
                }
              },
              {
                "name": "app",
                "ready": false,
                "restartCount": 0,
                "image": "registry.example.com/web:1.2.3",
                "imageID": "",
                "started": false,
                "state": {
                  "waiting": {
                    "reason": "ImagePullBackOff",
                    "message": "Back-off pulling image"
                  }
                }
              }
            ]
          }
        }
        """;

    /// <summary>The condition on a pod converted to CEL values once (how a detector evaluates many conditions).</summary>
    [Benchmark(Baseline = true)]
    public bool DetectorCondition() => _condition.Evaluate(_converted).AsBool();

    /// <summary>A second condition shape: a loop with a numeric test, or-ed with a string function.</summary>
    [Benchmark]
    public bool RestartCondition() => _restarts.Evaluate(_converted).AsBool();

    /// <summary>The condition with the pod passed as a JsonNode, converted on every call.</summary>
    [Benchmark]
    public bool DetectorConditionFromJsonNode() => _condition.Evaluate(_node).AsBool();

    /// <summary>Compile from the environment's cache.</summary>
    [Benchmark]
    public CelProgram CompileCached() => _env.Compile(Condition);

    /// <summary>Parse, check, estimate and plan, bypassing the cache.</summary>
    [Benchmark]
    public CelProgram CompileUncached() => _env.CompileUncached(Condition);

    /// <summary>Entry point for the <c>cel</c> area of Vigil.Bench.</summary>
    public static int Run(string[] args)
    {
        if (args.Contains("--quick")) return Quick();
        BenchmarkRunner.Run<CelBenchmarks>(args: [.. args.Where(a => a != "--quick")]);
        return 0;
    }

    private static int Quick()
    {
        var b = new CelBenchmarks();
        b.Setup();
        foreach (var (name, action) in new (string, Func<bool>)[]
                 {
                     ("detector condition (converted pod)", b.DetectorCondition),
                     ("restart condition (converted pod)", b.RestartCondition),
                     ("detector condition (JsonNode pod, converted per call)", b.DetectorConditionFromJsonNode),
                 })
        {
            for (var i = 0; i < 200_000; i++) action();
            var best = 0.0;
            long bytes = 0;
            for (var round = 0; round < 5; round++)
            {
                const int n = 1_000_000;
                var before = GC.GetAllocatedBytesForCurrentThread();
                var watch = Stopwatch.StartNew();
                for (var i = 0; i < n; i++) action();
                watch.Stop();
                bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / n;
                best = Math.Max(best, n / watch.Elapsed.TotalSeconds);
            }
            Console.WriteLine($"{name}: {best:N0} evaluations/s on one thread (best of 5 rounds of 1,000,000), {bytes} B allocated per evaluation");
        }
        return 0;
    }
}
