using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Bench.Client;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Bench.Pipeline;

/// <summary>The faults the in-process stream injects, as a kubelet would report them in a pod's status.</summary>
internal enum PodFault
{
    CrashLoop,
    OomKilled,
    ImagePull,
    Unschedulable,
}

/// <summary>
/// A cluster's objects as the operator's informers would hold them, decoded from realistic JSON with the client's own
/// serializer: Deployments (10 pods each) with their ReplicaSets, nodes, and pods spread over namespaces and nodes.
/// Every pod has a healthy version; pods of the fault pool also have a faulty one.
/// </summary>
internal sealed class ClusterFixture
{
    public const int PodsPerDeployment = 10;
    private static readonly DateTimeOffset Created = DateTimeOffset.UtcNow.AddHours(-1);

    public required Pod[] Healthy { get; init; }
    public required Pod?[] Faulty { get; init; }
    public required PodFault?[] FaultOf { get; init; }
    public required Node[] Nodes { get; init; }
    public required Deployment[] Deployments { get; init; }
    public required ReplicaSet[] ReplicaSets { get; init; }

    public static string Namespace(int i, int namespaces) => "team-" + (i % namespaces).ToString("D2", CultureInfo.InvariantCulture);

    public static string DeploymentName(int d) => "app-" + d.ToString("D5", CultureInfo.InvariantCulture);

    /// <summary>Builds <paramref name="pods"/> healthy pods, their Deployments and ReplicaSets, and the nodes.</summary>
    public static ClusterFixture Create(int pods, int nodes, int namespaces)
    {
        var deployments = (pods + PodsPerDeployment - 1) / PodsPerDeployment;
        var fixture = new ClusterFixture
        {
            Healthy = new Pod[pods],
            Faulty = new Pod?[pods],
            FaultOf = new PodFault?[pods],
            Nodes = new Node[nodes],
            Deployments = new Deployment[deployments],
            ReplicaSets = new ReplicaSet[deployments],
            NodeCount = nodes,
            Namespaces = namespaces,
        };
        for (var n = 0; n < nodes; n++) fixture.Nodes[n] = Decode<Node>(NodeJson(n));
        for (var d = 0; d < deployments; d++)
        {
            var ns = Namespace(d, namespaces);
            fixture.Deployments[d] = Decode<Deployment>(DeploymentJson(d, ns));
            fixture.ReplicaSets[d] = Decode<ReplicaSet>(ReplicaSetJson(d, ns));
        }
        for (var i = 0; i < pods; i++) fixture.Healthy[i] = Decode<Pod>(PodJson(i, i / PodsPerDeployment, Namespace(i / PodsPerDeployment, namespaces), nodes));
        return fixture;
    }

    public required int NodeCount { get; init; }
    public required int Namespaces { get; init; }

    /// <summary>
    /// Gives one pod of every Deployment a faulty version (so each fault is its Deployment's only one and opens its own
    /// incident), the fault kinds rotating. Returns the pods of the fault pool.
    /// </summary>
    public int[] AddFaults()
    {
        var pool = new List<int>();
        for (var i = PodsPerDeployment / 2; i < Healthy.Length; i += PodsPerDeployment)
        {
            var d = i / PodsPerDeployment;
            var node = PodJson(i, d, Namespace(d, Namespaces), NodeCount);
            var fault = (PodFault)(pool.Count % 4);
            node["status"] = FaultStatus(fault, (JsonObject)node["status"]!);
            if (fault is PodFault.CrashLoop or PodFault.OomKilled)
                ((JsonObject)node["metadata"]!["annotations"]!)["sim.vigil.io/logs"] = fault == PodFault.CrashLoop
                    ? "starting server on :8080\nERROR: dial tcp: lookup postgres.db.svc.cluster.local: no such host"
                    : "loading catalog\njava.lang.OutOfMemoryError: Java heap space";
            Faulty[i] = Decode<Pod>(node);
            FaultOf[i] = fault;
            pool.Add(i);
        }
        return [.. pool];
    }

    public static T Decode<T>(JsonNode node) where T : class =>
        node.Deserialize(KubernetesSerializer.Options.TypeInfo<T>()) ?? throw new InvalidOperationException("null object");

    private static string Time(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The client benchmark's realistic pod (labels, owner, managedFields, probes, env, volumes), renamed into its Deployment.</summary>
    private static JsonObject PodJson(int i, int d, string ns, int nodes)
    {
        var pod = (JsonObject)JsonNode.Parse(PodFixtures.Pod(i, ns))!;
        var meta = (JsonObject)pod["metadata"]!;
        var rs = DeploymentName(d) + "-7d9f8c6b5";
        meta["name"] = rs + "-" + i.ToString("x6", CultureInfo.InvariantCulture);
        meta["generateName"] = rs + "-";
        meta["creationTimestamp"] = Time(Created);
        meta["labels"]!["app"] = DeploymentName(d);
        meta["ownerReferences"]![0]!["name"] = rs;
        pod["spec"]!["nodeName"] = NodeName(i % nodes);
        return pod;
    }

    public static string NodeName(int n) => "node-" + n.ToString("D3", CultureInfo.InvariantCulture);

    private static JsonObject FaultStatus(PodFault fault, JsonObject healthy)
    {
        var status = (JsonObject)healthy.DeepClone();
        var web = (JsonObject)status["containerStatuses"]![0]!;
        var restarted = Time(Created.AddMinutes(50));
        switch (fault)
        {
            case PodFault.CrashLoop:
                web["ready"] = false;
                web["restartCount"] = 5;
                web["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = "back-off 2m40s restarting failed container=web" } };
                web["lastState"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 1, ["reason"] = "Error", ["finishedAt"] = restarted } };
                break;
            case PodFault.OomKilled:
                web["restartCount"] = 2;
                web["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = restarted } };
                web["lastState"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 137, ["reason"] = "OOMKilled", ["finishedAt"] = restarted } };
                break;
            case PodFault.ImagePull:
                status["phase"] = "Pending";
                web["ready"] = false;
                web["started"] = false;
                web["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ImagePullBackOff", ["message"] = "Back-off pulling image \"registry.invalid/shop/web:1.43.0\"" } };
                break;
            case PodFault.Unschedulable:
                status.Clear();
                status["phase"] = "Pending";
                status["qosClass"] = "Burstable";
                status["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "PodScheduled", ["status"] = "False", ["reason"] = "Unschedulable", ["lastTransitionTime"] = Time(Created),
                    ["message"] = "0/50 nodes are available: 50 Insufficient cpu. preemption: 0/50 nodes are available: 50 No preemption victims found for incoming pod.",
                });
                break;
        }
        return status;
    }

    private static JsonObject NodeJson(int n) => (JsonObject)JsonNode.Parse($$"""
        {"apiVersion":"v1","kind":"Node","metadata":{"name":"{{NodeName(n)}}","uid":"{{Guid.NewGuid()}}","resourceVersion":"{{n + 10}}",
          "creationTimestamp":"{{Time(Created.AddDays(-3))}}",
          "labels":{"kubernetes.io/hostname":"{{NodeName(n)}}","kubernetes.io/os":"linux","node.kubernetes.io/instance-type":"m5.xlarge","topology.kubernetes.io/zone":"zone-{{n % 3}}"} },
         "spec":{"podCIDR":"10.244.{{n}}.0/24","providerID":"sim://{{NodeName(n)}}"},
         "status":{"capacity":{"cpu":"4","memory":"16Gi","pods":"110"},"allocatable":{"cpu":"3920m","memory":"15Gi","pods":"110"},
          "conditions":[
            {"type":"MemoryPressure","status":"False","reason":"KubeletHasSufficientMemory","lastHeartbeatTime":"{{Time(Created)}}","lastTransitionTime":"{{Time(Created.AddDays(-3))}}"},
            {"type":"DiskPressure","status":"False","reason":"KubeletHasNoDiskPressure","lastHeartbeatTime":"{{Time(Created)}}","lastTransitionTime":"{{Time(Created.AddDays(-3))}}"},
            {"type":"PIDPressure","status":"False","reason":"KubeletHasSufficientPID","lastHeartbeatTime":"{{Time(Created)}}","lastTransitionTime":"{{Time(Created.AddDays(-3))}}"},
            {"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status","lastHeartbeatTime":"{{Time(Created)}}","lastTransitionTime":"{{Time(Created.AddDays(-3))}}"}],
          "nodeInfo":{"kubeletVersion":"v1.31.0","containerRuntimeVersion":"containerd://1.7.20","osImage":"Ubuntu 24.04","architecture":"amd64"} } }
        """)!;

    private static JsonObject DeploymentJson(int d, string ns) => (JsonObject)JsonNode.Parse($$"""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"{{DeploymentName(d)}}","namespace":"{{ns}}","uid":"{{Guid.NewGuid()}}",
          "generation":3,"creationTimestamp":"{{Time(Created.AddDays(-1))}}","labels":{"app":"{{DeploymentName(d)}}"},
          "annotations":{"deployment.kubernetes.io/revision":"3"} },
         "spec":{"replicas":{{PodsPerDeployment}},"selector":{"matchLabels":{"app":"{{DeploymentName(d)}}"} },
          "template":{"metadata":{"labels":{"app":"{{DeploymentName(d)}}"} },"spec":{"containers":[{"name":"web","image":"registry.example.com/shop/web:1.42.0"}]} },
          "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"} } },
         "status":{"observedGeneration":3,"replicas":{{PodsPerDeployment}},"updatedReplicas":{{PodsPerDeployment}},"readyReplicas":{{PodsPerDeployment}},"availableReplicas":{{PodsPerDeployment}},
          "conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable","lastTransitionTime":"{{Time(Created)}}"},
            {"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable","lastTransitionTime":"{{Time(Created)}}"}]} }
        """)!;

    private static JsonObject ReplicaSetJson(int d, string ns) => (JsonObject)JsonNode.Parse($$"""
        {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"{{DeploymentName(d)}}-7d9f8c6b5","namespace":"{{ns}}","uid":"{{Guid.NewGuid()}}",
          "labels":{"app":"{{DeploymentName(d)}}","pod-template-hash":"7d9f8c6b5"},"annotations":{"deployment.kubernetes.io/revision":"3"},
          "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"{{DeploymentName(d)}}","uid":"{{Guid.NewGuid()}}","controller":true,"blockOwnerDeletion":true}]},
         "spec":{"replicas":{{PodsPerDeployment}},"selector":{"matchLabels":{"app":"{{DeploymentName(d)}}","pod-template-hash":"7d9f8c6b5"} },
          "template":{"metadata":{"labels":{"app":"{{DeploymentName(d)}}"} },"spec":{"containers":[{"name":"web","image":"registry.example.com/shop/web:1.42.0"}]} } },
         "status":{"replicas":{{PodsPerDeployment}},"readyReplicas":{{PodsPerDeployment}},"availableReplicas":{{PodsPerDeployment}} } }
        """)!;
}
