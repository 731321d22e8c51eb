using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;

namespace Vigil.Bench.Cluster;

/// <summary>Realistic pods (two containers, labels, resources, owner, running status with conditions), seeded in-process.</summary>
internal static class Pods
{
    public static ResourceType PodType(SimulatedCluster cluster) => cluster.Operations.Registry.Find("", "v1", "pods")!;

    public static string Namespace(int i, int namespaces) => "bench-" + (i % namespaces).ToString("D2", CultureInfo.InvariantCulture);

    public static string Name(int i) => "web-7d9f8c6b5-" + i.ToString("D6", CultureInfo.InvariantCulture);

    public const string OwnerName = "web-7d9f8c6b5";

    /// <summary>
    /// Creates the namespaces and, in each, the ReplicaSet that owns its pods (the cluster's garbage collector removes
    /// pods whose owner does not exist). Returns the owner uid per namespace.
    /// </summary>
    public static Dictionary<string, string> CreateNamespaces(SimulatedCluster cluster, int count)
    {
        var ops = cluster.Operations;
        var nsType = ops.Registry.Find("", "v1", "namespaces")!;
        var rsType = ops.Registry.Find("apps", "v1", "replicasets")!;
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var n = 0; n < count; n++)
        {
            var name = Namespace(n, count);
            if (ops.TryGetStored(nsType, null, name) is null)
                ops.Create(nsType, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }, WriteOptions.Default);
            var rs = ops.TryGetStored(rsType, name, OwnerName)?.ToNode() ?? ops.Create(rsType, name, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = OwnerName },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = 0,
                    ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app.kubernetes.io/name"] = "web" } },
                    ["template"] = new JsonObject
                    {
                        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "web" } },
                        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "shop/web:1.24.3" }) },
                    },
                },
            }, WriteOptions.Default);
            owners[name] = rs["metadata"]!["uid"]!.GetValue<string>();
        }
        return owners;
    }

    /// <summary>
    /// Creates pods <paramref name="from"/>..<paramref name="to"/>-1 through <see cref="ResourceOperations.Create"/> and writes
    /// a running status through the status subresource, as a kubelet would; <paramref name="parallelism"/> threads.
    /// </summary>
    public static void Seed(SimulatedCluster cluster, IReadOnlyDictionary<string, string> owners, int from, int to, int namespaces, int parallelism = 2)
    {
        var type = PodType(cluster);
        var ops = cluster.Operations;
        Parallel.For(from, to, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
        {
            var ns = Namespace(i, namespaces);
            var name = Name(i);
            ops.Create(type, ns, Pod(i, ns, owners[ns]), WriteOptions.Default);
            ops.Mutate(type, ns, name, pod =>
            {
                pod["status"] = Status(i);
                return true;
            }, subresource: "status");
        });
    }

    public static JsonObject Pod(int i, string ns, string ownerUid)
    {
        var inv = CultureInfo.InvariantCulture;
        var node = "node-" + (i % 200).ToString("D3", inv);
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = Name(i),
                ["namespace"] = ns,
                ["labels"] = new JsonObject
                {
                    ["app.kubernetes.io/name"] = "web",
                    ["pod-template-hash"] = "7d9f8c6b5",
                    ["tier"] = (i % 3) switch { 0 => "frontend", 1 => "backend", _ => "cache" },
                },
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "apps/v1",
                    ["kind"] = "ReplicaSet",
                    ["name"] = OwnerName,
                    ["uid"] = ownerUid,
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node,
                ["containers"] = new JsonArray(
                    new JsonObject
                    {
                        ["name"] = "web",
                        ["image"] = "shop/web:1.24.3",
                        ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 8080 }),
                        ["resources"] = new JsonObject
                        {
                            ["requests"] = new JsonObject { ["cpu"] = "250m", ["memory"] = "256Mi" },
                            ["limits"] = new JsonObject { ["cpu"] = "1", ["memory"] = "512Mi" },
                        },
                    },
                    new JsonObject
                    {
                        ["name"] = "log-shipper",
                        ["image"] = "fluent/fluent-bit:3.1.9",
                        ["resources"] = new JsonObject
                        {
                            ["requests"] = new JsonObject { ["cpu"] = "50m", ["memory"] = "64Mi" },
                            ["limits"] = new JsonObject { ["memory"] = "128Mi" },
                        },
                    }),
            },
        };
    }

    public static JsonObject Status(int i)
    {
        var inv = CultureInfo.InvariantCulture;
        var ip = $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}";
        const string time = "2026-01-05T10:00:00Z";
        JsonObject Condition(string type) => new() { ["type"] = type, ["status"] = "True", ["lastProbeTime"] = null, ["lastTransitionTime"] = time };
        JsonObject ContainerStatus(string name, string image) => new()
        {
            ["name"] = name,
            ["ready"] = true,
            ["restartCount"] = 0,
            ["image"] = image,
            ["started"] = true,
            ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = time } },
        };
        return new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(Condition("Initialized"), Condition("Ready"), Condition("PodScheduled")),
            ["hostIP"] = "192.168.1." + (i % 200).ToString(inv),
            ["podIP"] = ip,
            ["startTime"] = time,
            ["qosClass"] = "Burstable",
            ["containerStatuses"] = new JsonArray(
                ContainerStatus("web", "shop/web:1.24.3"),
                ContainerStatus("log-shipper", "fluent/fluent-bit:3.1.9")),
        };
    }
}
