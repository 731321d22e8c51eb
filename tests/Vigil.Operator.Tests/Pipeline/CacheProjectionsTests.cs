using System.Text.Json;
using Shouldly;
using Vigil.Detection;
using Vigil.Detection.Detectors;
using Vigil.Detection.Filtering;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;
using Vigil.Operator.Pipeline;
using Xunit;

namespace Vigil.Operator.Tests.Pipeline;

/// <summary>
/// The informers cache projections: every built-in detector and the filters must decide the same on a projected object
/// as on the whole one, or the projection loses a fault. Fixtures carry what real objects carry (managed fields, the
/// last-applied annotation, env, probes, volumes, tolerations, affinity) in the states the detectors look for.
/// </summary>
public sealed class CacheProjectionsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-22T12:30:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private const string Meta = """
        "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1", "time": "2026-11-22T10:00:00Z",
          "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}, "f:spec": {"f:containers": {}}}}],
        "selfLink": "/ignored"
        """;

    private const string LastApplied = "\"kubectl.kubernetes.io/last-applied-configuration\": \"{\\\"apiVersion\\\":\\\"v1\\\",\\\"kind\\\":\\\"Pod\\\",\\\"spec\\\":{}}\"";

    /// <summary>A pod spec as users write them: most of it is configuration no detector reads.</summary>
    private const string PodSpec = """
        {
          "nodeName": "node-1", "restartPolicy": "Always", "serviceAccountName": "api",
          "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "api-data"}}, {"name": "config", "configMap": {"name": "api"}},
                      {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}],
          "initContainers": [{"name": "migrate", "image": "shop/migrate:2", "command": ["/migrate"], "args": ["--up"],
            "env": [{"name": "DB", "value": "postgres://db"}]}],
          "containers": [{
            "name": "api", "image": "shop/api:2", "imagePullPolicy": "IfNotPresent", "command": ["/api"], "args": ["--port", "8080"], "workingDir": "/srv",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "env": [{"name": "MODE", "value": "fast"}, {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
            "envFrom": [{"configMapRef": {"name": "api-env"}}],
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
            "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "config", "mountPath": "/etc/api"}],
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
            "securityContext": {"runAsNonRoot": true, "readOnlyRootFilesystem": true},
            "terminationMessagePath": "/dev/termination-log"
          }],
          "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
          "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname"}}]}},
          "securityContext": {"fsGroup": 2000}
        }
        """;

    private static string Pod(string name, string status, string? owner = """{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-7d9f", "uid": "rs-1", "controller": true}""",
        string? deletion = null, string spec = PodSpec) => X("""
        {
          "apiVersion": "v1", "kind": "Pod",
          "metadata": {
            "name": "@name", "namespace": "shop", "uid": "uid-@name", "resourceVersion": "42", "creationTimestamp": "2026-11-22T12:00:00Z",
            @deletion
            "labels": {"app": "api", "pod-template-hash": "7d9f"},
            "annotations": {@LastApplied, "vigil.io/exclude-detectors": "HighPodCount"},
            "ownerReferences": [@owner],
            @Meta
          },
          "spec": @spec,
          "status": @status
        }
        """, ("@name", name), ("@deletion", deletion is null ? "" : $"\"deletionTimestamp\": \"{deletion}\","), ("@owner", owner ?? ""), ("@spec", spec), ("@status", status));

    private const string Running = """{"running": {"startedAt": "2026-11-22T12:25:00Z"}}""";

    private static string Status(string phase, string containerStatuses, string extra = "") => X("""
        {
          "phase": "@phase", "hostIP": "10.0.0.1", "podIP": "10.1.0.7", "podIPs": [{"ip": "10.1.0.7"}], "startTime": "2026-11-22T12:00:00Z", "qosClass": "Burstable",
          "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": "2026-11-22T12:01:00Z"}],
          "containerStatuses": @cs
          @extra
        }
        """, ("@phase", phase), ("@cs", containerStatuses), ("@extra", extra));

    private static string Container(string state, string? lastState = null, bool ready = false, int restarts = 0) => X("""
        {"name": "api", "image": "shop/api:2", "imageID": "docker.io/shop/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
         "containerID": "containerd://fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
         "ready": @ready, "restartCount": @restarts, "started": true, "state": @state
         @last, "allocatedResources": {"cpu": "100m"}}
        """, ("@ready", ready ? "true" : "false"), ("@restarts", restarts.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("@state", state), ("@last", lastState is null ? "" : $", \"lastState\": {lastState}"));

    /// <summary>Pods in each state a pod detector looks for, and healthy ones.</summary>
    public static TheoryData<string> Pods() => new()
    {
        Pod("healthy", Status("Running", $"[{Container(Running, ready: true)}]").Replace("\"status\": \"False\", \"reason\": \"ContainersNotReady\"", "\"status\": \"True\"", StringComparison.Ordinal)),
        Pod("crash", Status("Running", $"[{Container("""{"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}}""",
            """{"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-11-22T12:20:00Z", "containerID": "containerd://abc"}}""", restarts: 6)}]")),
        Pod("crash-running", Status("Running", $"[{Container(Running, """{"terminated": {"exitCode": 2, "reason": "Error"}}""", restarts: 4)}]")),
        Pod("pull", Status("Pending", $"[{Container("""{"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image shop/api:2"}}""")}]")),
        Pod("oom", Status("Running", $"[{Container(Running, """{"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-11-22T12:24:00Z"}}""", restarts: 1)}]")),
        Pod("unschedulable", """{"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes are available: 3 Insufficient memory."}]}""",
            spec: PodSpec.Replace("\"nodeName\": \"node-1\", ", "", StringComparison.Ordinal)),
        Pod("failed", Status("Failed", $"[{Container("""{"terminated": {"exitCode": 3, "reason": "Error"}}""")}]"), owner: """{"apiVersion": "v1", "kind": "Node", "name": "node-1", "uid": "n1"}"""),
        Pod("job-failed", Status("Failed", $"[{Container("""{"terminated": {"exitCode": 3, "reason": "Error"}}""")}]"), owner: """{"apiVersion": "batch/v1", "kind": "Job", "name": "backup-1", "uid": "job-1", "controller": true}"""),
        Pod("evicted", """{"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: memory."}"""),
        Pod("not-ready", Status("Running", $"[{Container(Running)}]")),
        Pod("config", Status("Pending", $"[{Container("""{"waiting": {"reason": "CreateContainerConfigError", "message": "secret \"db\" not found"}}""")}]")),
        Pod("deleting", Status("Pending", "[]"), deletion: "2026-11-22T12:29:00Z"),
        Pod("orphan", Status("Pending", "[]"), owner: """{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "gone-7d9f", "uid": "rs-2", "controller": true}"""),
    };

    private static readonly string ReplicaSet = X("""
        {"apiVersion": "apps/v1", "kind": "ReplicaSet",
         "metadata": {"name": "api-7d9f", "namespace": "shop", "uid": "rs-1", "labels": {"app": "api"},
           "annotations": {"deployment.kubernetes.io/revision": "3", "vigil.io/exclude": "false"},
           "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api", "uid": "d-1", "controller": true}], @Meta},
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}}, "template": {"metadata": {"labels": {"app": "api"}}, "spec": @PodSpec}},
         "status": {"replicas": 3, "readyReplicas": 1, "availableReplicas": 1, "observedGeneration": 3}}
        """);

    private static readonly string Deployment = X("""
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "api", "namespace": "shop", "uid": "d-1", "generation": 3, "labels": {"app": "api"},
           "annotations": {@LastApplied, "vigil.io/exclude-detectors": "PodFailed"}, @Meta},
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}}, "progressDeadlineSeconds": 600,
           "template": {"metadata": {"labels": {"app": "api"}, "annotations": {"sim.vigil.io/exit-code": "1"}}, "spec": @PodSpec}},
         "status": {"replicas": 3, "availableReplicas": 1, "unavailableReplicas": 2, "observedGeneration": 3, "conditions": [
           {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "lastTransitionTime": "2026-11-22T12:05:00Z"},
           {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"api-7d9f\" has timed out progressing.", "lastTransitionTime": "2026-11-22T12:15:00Z"}]}}
        """);

    private static readonly string StatefulSet = X("""
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "shop", "uid": "ss-1", @Meta},
         "spec": {"replicas": 3, "serviceName": "db", "template": {"spec": @PodSpec},
           "volumeClaimTemplates": [{"metadata": {"name": "data", @Meta}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]},
         "status": {"replicas": 3, "readyReplicas": 2, "availableReplicas": 2}}
        """);

    private static readonly string DaemonSet = X("""
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "shop", "uid": "ds-1", "creationTimestamp": "2026-11-22T11:00:00Z", @Meta},
         "spec": {"template": {"spec": @PodSpec}},
         "status": {"desiredNumberScheduled": 5, "numberAvailable": 4, "numberReady": 4}}
        """);

    private static readonly string Job = X("""
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "backup-1", "namespace": "shop", "uid": "job-1", "creationTimestamp": "2026-11-22T12:00:00Z",
           "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "backup", "uid": "cj-1", "controller": true}], @Meta},
         "spec": {"activeDeadlineSeconds": 60, "backoffLimit": 2, "template": {"spec": @PodSpec}},
         "status": {"startTime": "2026-11-22T12:00:00Z", "failed": 3, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastTransitionTime": "2026-11-22T12:10:00Z"}]}}
        """);

    private static readonly string DeadlineJob = X("""
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "report", "namespace": "shop", "uid": "job-2", @Meta},
         "spec": {"activeDeadlineSeconds": 60, "template": {"spec": @PodSpec}},
         "status": {"startTime": "2026-11-22T12:00:00Z", "active": 1}}
        """);

    private static readonly string CronJob = X("""
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "backup", "namespace": "shop", "uid": "cj-1", @Meta},
         "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"metadata": {"labels": {"app": "backup"}, @Meta}, "spec": {"template": {"spec": @PodSpec}}}},
         "status": {"lastScheduleTime": "2026-11-22T12:00:00Z"}}
        """);

    private static readonly string Node = X("""
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1", "uid": "n1", "labels": {"kubernetes.io/hostname": "node-1"}, @Meta},
         "spec": {"unschedulable": true, "podCIDR": "10.1.0.0/24", "taints": [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]},
         "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"}, "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
           "conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "PLEG is not healthy", "lastTransitionTime": "2026-11-22T12:10:00Z"},
             {"type": "MemoryPressure", "status": "True", "message": "kubelet has insufficient memory available", "lastTransitionTime": "2026-11-22T12:09:00Z"}],
           "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
           "nodeInfo": {"machineID": "0123456789abcdef", "kubeletVersion": "v1.31.0", "bootID": "b00t"},
           "images": [{"names": ["docker.io/shop/api@sha256:0123", "docker.io/shop/api:2"], "sizeBytes": 123456789}],
           "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}}}}
        """);

    private static readonly string Claim = X("""
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "api-data", "namespace": "shop", "uid": "pvc-1", "creationTimestamp": "2026-11-22T12:00:00Z",
           "annotations": {@LastApplied}, @Meta},
         "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast", "resources": {"requests": {"storage": "1Gi"}}},
         "status": {"phase": "Pending"}}
        """);

    private static readonly string Autoscaler = X("""
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "api", "namespace": "shop", "uid": "hpa-1", @Meta},
         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}, "minReplicas": 1, "maxReplicas": 3,
           "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]},
         "status": {"currentReplicas": 3, "desiredReplicas": 3, "conditions": [{"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas", "message": "the desired replica count is more than the maximum replica count"}]}}
        """);

    private static readonly string Quota = X("""
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "compute", "namespace": "shop", "uid": "q-1", @Meta},
         "spec": {"hard": {"pods": "10"}}, "status": {"hard": {"pods": "10", "requests.cpu": "2"}, "used": {"pods": "10", "requests.cpu": "1"}}}
        """);

    private static readonly string Budget = X("""
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "api", "namespace": "shop", "uid": "pdb-1", @Meta},
         "spec": {"minAvailable": 3, "selector": {"matchLabels": {"app": "api"}}},
         "status": {"disruptionsAllowed": 0, "currentHealthy": 3, "desiredHealthy": 3, "expectedPods": 3}}
        """);

    private static string Event(string name, string reason, string message, string fieldPath = "spec.containers{api}") => X("""
        {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "@name", "namespace": "shop", "uid": "ev-@name", "creationTimestamp": "2026-11-22T12:20:00Z", @Meta},
         "involvedObject": {"apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "healthy", "uid": "uid-healthy", "resourceVersion": "41", "fieldPath": "@fieldPath"},
         "reason": "@reason", "message": "@message", "type": "Warning", "count": 40,
         "firstTimestamp": "2026-11-22T12:20:00Z", "lastTimestamp": "2026-11-22T12:29:00Z",
         "source": {"component": "kubelet", "host": "node-1"}, "reportingComponent": "kubelet", "reportingInstance": "node-1"}
        """, ("@name", name), ("@reason", reason), ("@message", message), ("@fieldPath", fieldPath));

    private const string Namespace = """
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "uid": "ns-1", "labels": {"team": "shop"}, "annotations": {"vigil.io/exclude-detectors": "HighPodCount"}}}
        """;

    /// <summary>Every fixture but the pods: what pod detectors look up, and what the other detectors evaluate.</summary>
    private static IEnumerable<string> Others() =>
    [
        ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, DeadlineJob, CronJob, Node, Claim, Autoscaler, Quota, Budget, Namespace,
        Event("ev-1", "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500"),
        Event("ev-2", "FailedMount", "MountVolume.SetUp failed for volume \\\"config\\\" : configmap \\\"api\\\" not found", ""),
        Event("ev-3", "BackOff", "Back-off restarting failed container"),
    ];

    private static IEnumerable<string> All() => ((IEnumerable<object[]>)Pods()).Select(p => (string)p[0]).Concat(Others());

    [Theory]
    [MemberData(nameof(Pods))]
    public void Every_pod_detector_finds_the_same_on_a_projected_pod(string pod)
    {
        var (full, projected, compact) = (View.Of(All(), CacheShape.Full), View.Of(All(), CacheShape.Projected), View.Of(All(), CacheShape.Compact));
        var fullPod = Decode(pod);
        var projectedPod = CacheProjections.Project(Decode(pod));
        var compactPod = (Pod)ThroughCompactCache(CacheProjections.Project(Decode(pod)));

        foreach (var detector in DetectorCatalog.Create().Where(d => d.Kind == "Pod"))
        {
            var expected = Findings(detector, fullPod, full);
            Findings(detector, projectedPod, projected).ShouldBe(expected, detector.Name);
            Findings(detector, compactPod, compact).ShouldBe(expected, detector.Name + ", from a compact cache");
        }
    }

    [Fact]
    public void Every_other_detector_finds_the_same_on_projected_objects()
    {
        var (full, projected, compact) = (View.Of(All(), CacheShape.Full), View.Of(All(), CacheShape.Projected), View.Of(All(), CacheShape.Compact));
        var detectors = DetectorCatalog.Create().Where(d => d.Kind != "Pod").ToList();
        var found = 0;
        foreach (var ((whole, cut), decoded) in full.Objects.Zip(projected.Objects).Zip(compact.Objects))
        {
            foreach (var detector in detectors.Where(d => d.Kind == whole.Kind || (d is ReplicasUnavailable && ReplicasUnavailable.Kinds.Contains(whole.Kind!))))
            {
                var expected = Findings(detector, whole, full);
                Findings(detector, cut, projected).ShouldBe(expected, $"{detector.Name} on {whole.Kind}/{whole.Metadata.Name}");
                Findings(detector, decoded, compact).ShouldBe(expected, $"{detector.Name} on {whole.Kind}/{whole.Metadata.Name}, from a compact cache");
                found += expected.Count;
            }
        }
        // The fixtures make these detectors fire, so the comparison is not between two empty lists.
        found.ShouldBeGreaterThanOrEqualTo(12);
    }

    [Fact]
    public void A_compact_cache_gives_back_every_projection_field_for_field()
    {
        var projected = View.Of(All(), CacheShape.Projected).Objects;
        var compact = View.Of(All(), CacheShape.Compact).Objects;
        projected.Count.ShouldBeGreaterThan(20);
        foreach (var (cut, decoded) in projected.Zip(compact))
            Json(decoded).ShouldBe(Json(cut), $"{cut.Kind}/{cut.Metadata.Name}");
    }

    [Fact]
    public void The_filters_see_the_exclusions_on_projected_owners_and_namespaces()
    {
        var (full, projected) = (View.Of(All(), CacheShape.Full), View.Of(All(), CacheShape.Compact));
        var filter = new SignalFilter(new FilterOptions(), TimeProvider.System);
        foreach (var source in new[] { "PodFailed", "HighPodCount", "PodCrashLoop" })
        {
            var signal = new Signal
            {
                Id = "s", Source = source, Reason = "r", Severity = Severity.Warning, Resource = new ResourceRef("Pod", "shop", "crash"), Message = "m", ObservedAt = Now,
            };
            filter.Check(signal, projected).ShouldBe(filter.Check(signal, full), source);
        }
        // The Deployment's exclusion reaches the pod through the projected ReplicaSet.
        filter.Check(new Signal { Id = "s", Source = "PodFailed", Reason = "r", Severity = Severity.Warning, Resource = new ResourceRef("Pod", "shop", "crash"), Message = "m", ObservedAt = Now }, projected)
            .ShouldBe(DropReason.Annotation);
    }

    [Fact]
    public void A_projected_pod_keeps_what_is_read_and_drops_configuration()
    {
        var full = Decode(((IEnumerable<object[]>)Pods()).Select(p => (string)p[0]).First(p => p.Contains("\"crash\"", StringComparison.Ordinal)));
        var pod = CacheProjections.Project(Decode(JsonSerializer.Serialize(full, KubernetesSerializer.Options)));

        pod.Metadata.ManagedFields.ShouldBeNull();
        pod.Metadata.Annotations!.ContainsKey(CacheProjections.LastAppliedAnnotation).ShouldBeFalse();
        pod.Metadata.Annotation("vigil.io/exclude-detectors").ShouldBe("HighPodCount");
        pod.Metadata.OwnerReferences!.Single().Name.ShouldBe("api-7d9f");
        var container = pod.Spec!.Containers!.Single();
        (container.Env, container.Command, container.Args, container.VolumeMounts, container.LivenessProbe, container.ExtensionData).ShouldBe((null, null, null, null, null, null));
        (container.Name, container.Image, container.Resources!.Limits!["memory"].ToString()).ShouldBe(("api", "shop/api:2", "128Mi"));
        pod.Status!.Conditions!.Select(c => c.Type).ShouldBe(["PodScheduled", "Ready"]);
        pod.Spec.Tolerations.ShouldBeNull();
        pod.Spec.Affinity.ShouldBeNull();
        pod.Spec.Volumes!.Single().Name.ShouldBe("data");
        PodFacts.ClaimNames(pod).ShouldBe(["api-data"]);
        pod.Status!.ContainerStatuses!.Single().LastState!.Terminated!.ExitCode.ShouldBe(1);
        // A third of the JSON, and most of what remains is status.
        Size(pod).ShouldBeLessThan(Size(full) / 2);
    }

    [Fact]
    public void Projections_shrink_workloads_and_nodes_to_what_is_read()
    {
        var set = CacheProjections.Project(Decode<ReplicaSet>(ReplicaSet));
        set.Spec!.Template.ShouldBeNull();
        set.Metadata.OwnerReferences!.Single().Kind.ShouldBe("Deployment");
        set.Metadata.Annotation("deployment.kubernetes.io/revision").ShouldBe("3");

        var deployment = CacheProjections.Project(Decode<Deployment>(Deployment));
        deployment.Spec!.Template!.Spec.ShouldBeNull();
        deployment.Spec.Replicas.ShouldBe(3);
        deployment.Spec.Template.Metadata!.Annotation("sim.vigil.io/exit-code").ShouldBe("1");
        deployment.Metadata.Annotation("vigil.io/exclude-detectors").ShouldBe("PodFailed");

        var node = CacheProjections.Project(Decode<Node>(Node));
        node.Status!.ExtensionData.ShouldBeNull();
        node.Status.Allocatable!["memory"].ToString().ShouldBe("16Gi");
        node.Spec!.Taints!.Single().Key.ShouldBe("node.kubernetes.io/not-ready");
    }

    [Fact]
    public async Task The_pipeline_caches_compact_projections_unless_told_otherwise()
    {
        using var client = new Kubernetes.KubernetesClient(new Kubernetes.Configuration.KubernetesClientConfiguration { Server = new Uri("https://127.0.0.1:1") });
        await using var informers = new Kubernetes.Informers.SharedInformerFactory(client);
        await using var unprojected = new Kubernetes.Informers.SharedInformerFactory(client);
        await using var typed = new Kubernetes.Informers.SharedInformerFactory(client);
        CacheProjections.Use(unprojected, CacheShape.Full);
        CacheProjections.Use(typed, CacheShape.Projected);

        CacheProjections.Compacts<Pod>(informers).ShouldBeTrue();
        CacheProjections.Compacts<ReplicaSet>(informers).ShouldBeTrue();
        CacheProjections.Compacts<Event>(informers).ShouldBeFalse("the event-storm detector lists a namespace's Events on every Event");
        CacheProjections.Compacts<Node>(informers).ShouldBeFalse("nodes are few and read for every pod");
        CacheProjections.Compacts<Namespace>(informers).ShouldBeFalse("not projected");
        CacheProjections.Compacts<Pod>(typed).ShouldBeFalse();
        CacheProjections.For<Pod>(typed).ShouldNotBeNull();
        CacheProjections.Compacts<Pod>(unprojected).ShouldBeFalse();
        CacheProjections.For<Pod>(informers).ShouldNotBeNull();
        CacheProjections.For<Pod>(informers).ShouldBe(CacheProjections.For<Pod>(informers));
        CacheProjections.For<Pod>(unprojected).ShouldBeNull();
        InformerClusterView.Informer<Pod>(informers).ShouldBeSameAs(InformerClusterView.Informer<Pod>(informers));
        InformerClusterView.Informer<Pod>(informers).ShouldNotBeSameAs(informers.For<Pod>());
        // Namespaces are shared with readers that ask the factory directly (the custom resources' namespace lookup).
        InformerClusterView.Informer<Namespace>(informers).ShouldBeSameAs(informers.For<Namespace>());
    }

    /// <summary>Fills a fixture's placeholders: the given values, then the shared parts.</summary>
    private static string X(string json, params (string Token, string Value)[] values)
    {
        foreach (var (token, value) in values) json = json.Replace(token, value, StringComparison.Ordinal);
        return json.Replace("@Meta", Meta, StringComparison.Ordinal).Replace("@PodSpec", PodSpec, StringComparison.Ordinal).Replace("@LastApplied", LastApplied, StringComparison.Ordinal);
    }

    private static List<string> Findings(IDetector detector, KubernetesObject obj, IClusterView view) =>
        [.. detector.Evaluate(obj, Now, view).Select(f =>
            $"{f.Reason}|{f.Resource.Key}|{f.Resource.Uid}|{f.Message}|{f.Since:O}|{string.Join(",", f.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))}|{string.Join(",", f.Labels.OrderBy(a => a.Key, StringComparer.Ordinal))}")];

    private static string Json(KubernetesObject obj) => JsonSerializer.Serialize(obj, obj.GetType(), KubernetesSerializer.Options);

    /// <summary>What a compact informer cache hands back for <paramref name="obj"/>: encoded, then decoded.</summary>
    private static KubernetesObject ThroughCompactCache(KubernetesObject obj)
    {
        var document = CompactJson.Encode(JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), KubernetesSerializer.Options));
        var json = new System.Buffers.ArrayBufferWriter<byte>();
        CompactJson.Decode(document, json);
        CompactJson.Release(document);
        return (KubernetesObject)JsonSerializer.Deserialize(json.WrittenSpan, obj.GetType(), KubernetesSerializer.Options)!;
    }

    private static int Size(KubernetesObject obj) => JsonSerializer.Serialize(obj, obj.GetType(), KubernetesSerializer.Options).Length;

    private static Pod Decode(string json) => Decode<Pod>(json);

    private static T Decode<T>(string json) => JsonSerializer.Deserialize<T>(json, KubernetesSerializer.Options)!;

    /// <summary>The informer caches as the pipeline has them: every fixture, whole or projected.</summary>
    private sealed class View : IClusterView
    {
        public List<KubernetesObject> Objects { get; } = [];

        public static View Of(IEnumerable<string> fixtures, CacheShape shape)
        {
            var project = shape != CacheShape.Full;
            var view = new View();
            foreach (var json in fixtures)
            {
                var kind = JsonDocument.Parse(json).RootElement.GetProperty("kind").GetString();
                KubernetesObject obj = kind switch
                {
                    "Pod" => Decode<Pod>(json) is var p && project ? CacheProjections.Project(p) : p,
                    "ReplicaSet" => Decode<ReplicaSet>(json) is var rs && project ? CacheProjections.Project(rs) : rs,
                    "Deployment" => Decode<Deployment>(json) is var d && project ? CacheProjections.Project(d) : d,
                    "StatefulSet" => Decode<StatefulSet>(json) is var ss && project ? CacheProjections.Project(ss) : ss,
                    "DaemonSet" => Decode<DaemonSet>(json) is var ds && project ? CacheProjections.Project(ds) : ds,
                    "Job" => Decode<Job>(json) is var j && project ? CacheProjections.Project(j) : j,
                    "CronJob" => Decode<CronJob>(json) is var cj && project ? CacheProjections.Project(cj) : cj,
                    "Node" => Decode<Node>(json) is var n && project ? CacheProjections.Project(n) : n,
                    "PersistentVolumeClaim" => Decode<PersistentVolumeClaim>(json) is var c && project ? CacheProjections.Project(c) : c,
                    "HorizontalPodAutoscaler" => Decode<HorizontalPodAutoscaler>(json) is var h && project ? CacheProjections.Project(h) : h,
                    "ResourceQuota" => Decode<ResourceQuota>(json) is var q && project ? CacheProjections.Project(q) : q,
                    "PodDisruptionBudget" => Decode<PodDisruptionBudget>(json) is var b && project ? CacheProjections.Project(b) : b,
                    "Event" => Decode<Event>(json) is var e && project ? CacheProjections.Project(e) : e,
                    "Namespace" => Decode<Namespace>(json),
                    _ => throw new InvalidOperationException(kind),
                };
                view.Objects.Add(shape == CacheShape.Compact && obj is not (Kubernetes.Models.Node or Kubernetes.Models.Namespace) ? ThroughCompactCache(obj) : obj);
            }
            return view;
        }

        public T? Get<T>(string? ns, string name) where T : KubernetesObject, IKubernetesResource =>
            Objects.OfType<T>().FirstOrDefault(o => o.Metadata.Name == name && (!T.ResourceType.Namespaced || o.Metadata.Namespace == ns));

        public IEnumerable<T> List<T>(string? ns = null) where T : KubernetesObject, IKubernetesResource =>
            Objects.OfType<T>().Where(o => ns is null || o.Metadata.Namespace == ns);
    }
}
