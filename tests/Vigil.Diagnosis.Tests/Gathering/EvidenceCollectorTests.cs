using System.Security.Cryptography.X509Certificates;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Detection;
using Vigil.Diagnosis.Analysis;
using Vigil.Diagnosis.Gathering;
using Vigil.Diagnosis.Redaction;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Authentication;
using Vigil.Kubernetes.Configuration;

namespace Vigil.Diagnosis.Tests.Gathering;

/// <summary>A simulated cluster whose objects the tests set up by hand (no kubelets), and a real client for it.</summary>
public sealed class StaticClusterFixture : IAsyncLifetime
{
    public SimulatedCluster Cluster { get; private set; } = null!;
    public KubernetesClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await SimulatedCluster.StartAsync(new ClusterOptions { Simulate = false });
        Client = new KubernetesClient(new KubernetesClientConfiguration
        {
            Server = Cluster.Address,
            Namespace = "default",
            CertificateAuthority = [X509CertificateLoader.LoadCertificate(Cluster.Certificates.Authority.RawData)],
            Credentials = new StaticCredentialProvider(new Credential(BearerToken: Cluster.Token)),
        });
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Cluster.DisposeAsync();
    }
}

public sealed class EvidenceCollectorTests(StaticClusterFixture fx) : IClassFixture<StaticClusterFixture>
{
    private const string Manifests = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: api-1
          namespace: shop
          annotations:
            sim.vigil.io/logs: "starting api\nusing DB_PASSWORD=hunter2\ndial tcp 10.96.0.15:5432: connect: connection refused"
        spec:
          nodeName: node-1
          containers:
          - name: api
            image: shop/api:2
            env:
            - {name: MODE, value: fast}
            - name: DB_PASSWORD
              valueFrom: {secretKeyRef: {name: db, key: password}}
            resources: {limits: {memory: 128Mi}}
        ---
        apiVersion: v1
        kind: Event
        metadata: {name: api-1.1, namespace: shop}
        involvedObject: {kind: Pod, name: api-1, namespace: shop}
        type: Warning
        reason: BackOff
        message: Back-off restarting failed container api in pod api-1
        count: 7
        firstTimestamp: "2026-11-22T12:00:00Z"
        lastTimestamp: "2026-11-22T12:05:00Z"
        """;

    private static Incident Incident() => new()
    {
        Id = "i1", Fingerprint = "Deployment/shop/api", CorrelationRule = "Owner",
        PrimaryResource = new ResourceRef("Deployment", "shop", "api"),
        Signals = [new Signal
        {
            Id = "s1", Source = "PodCrashLoop", Reason = "CrashLoopBackOff", Severity = Severity.Warning, Resource = new ResourceRef("Pod", "shop", "api-1"),
            Message = "Container api is in CrashLoopBackOff", ObservedAt = DateTimeOffset.UtcNow,
            Attributes = new Dictionary<string, string> { [Signal.Attribute.Node] = "node-1", [Signal.Attribute.OwnerKind] = "Deployment", [Signal.Attribute.OwnerName] = "api" },
        }],
        FirstSeen = DateTimeOffset.UtcNow, LastSeen = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task Gatherers_collect_pod_events_and_logs_over_the_API_with_secrets_redacted()
    {
        fx.Cluster.Apply(Manifests);
        var pods = fx.Cluster.Operations.Registry.Find("", "v1", "pods")!;
        fx.Cluster.Operations.Mutate(pods, "shop", "api-1", pod =>
        {
            pod["status"] = System.Text.Json.Nodes.JsonNode.Parse("""
                {"phase":"Running","containerStatuses":[{"name":"api","ready":false,"restartCount":7,
                  "state":{"running":{"startedAt":"2026-11-22T12:05:00Z"}},"lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}
                """);
            return true;
        }, "status");

        var options = new GatherOptions();
        var collector = new EvidenceCollector(EvidenceCollector.BuiltIn(options), fx.Client, Redactor.Default, options);
        var evidence = await collector.CollectAsync(Incident(), CancellationToken.None);

        var pod = evidence.Section(EvidenceSections.PodDescription)!;
        pod.Failed.ShouldBeFalse(pod.Error);
        pod.Lines.ShouldContain("    env DB_PASSWORD=<from secret db key password>");
        pod.Lines.ShouldContain(l => l.Contains("restarts 7", StringComparison.Ordinal));
        evidence.Section(EvidenceSections.PodEvents)!.Lines.ShouldContain("api-1: Warning BackOff (x7): Back-off restarting failed container api in pod api-1");
        var logs = evidence.Section(EvidenceSections.Logs)!.Lines;
        logs.ShouldContain("dial tcp 10.96.0.15:5432: connect: connection refused");
        logs.ShouldContain("using DB_PASSWORD=[REDACTED]");
        evidence.AllLines().ShouldNotContain(l => l.Line.Contains("hunter2", StringComparison.Ordinal));
        // The Deployment does not exist here: the owner section says so instead of failing.
        evidence.Section(EvidenceSections.OwnerChain)!.Lines.ShouldBe(["Deployment shop/api: not found"]);

        var diagnosis = new RulesAnalyzer(TimeProvider.System).Analyze(evidence);
        diagnosis.Category.ShouldBe(Category.Networking);
    }

    [Fact]
    public async Task With_informer_caches_holding_projected_pods_the_description_still_shows_the_environment()
    {
        fx.Cluster.Apply(Manifests);
        // What the operator's cache holds of the pod: its status, no container configuration.
        var cached = new Kubernetes.Models.Pod
        {
            ApiVersion = "v1", Kind = "Pod",
            Metadata = new Kubernetes.Models.ObjectMeta { Name = "api-1", Namespace = "shop" },
            Spec = new Kubernetes.Models.PodSpec { NodeName = "node-1", Containers = [new Kubernetes.Models.Container { Name = "api", Image = "shop/api:2" }] },
            Status = new Kubernetes.Models.PodStatus
            {
                Phase = "Running",
                ContainerStatuses = [new Kubernetes.Models.ContainerStatus { Name = "api", RestartCount = 9, State = new Kubernetes.Models.ContainerState { Running = new Kubernetes.Models.ContainerStateRunning() } }],
            },
        };

        var options = new GatherOptions();
        var collector = new EvidenceCollector(EvidenceCollector.BuiltIn(options), fx.Client, Redactor.Default, options, new OnePodCache(cached));
        var evidence = await collector.CollectAsync(Incident(), CancellationToken.None);

        var pod = evidence.Section(EvidenceSections.PodDescription)!;
        pod.Failed.ShouldBeFalse(pod.Error);
        pod.Lines.ShouldContain("    env MODE=fast");
        pod.Lines.ShouldContain("    env DB_PASSWORD=<from secret db key password>");
        // Logs need only the containers' states, which the cache has: the running container's log is read.
        evidence.Section(EvidenceSections.Logs)!.Lines.ShouldContain("dial tcp 10.96.0.15:5432: connect: connection refused");
    }

    private sealed class OnePodCache(Kubernetes.Models.Pod pod) : Detection.Detectors.IClusterView
    {
        public T? Get<T>(string? ns, string name) where T : Kubernetes.Models.KubernetesObject, Kubernetes.Models.IKubernetesResource =>
            pod is T p && p.Metadata.Namespace == ns && p.Metadata.Name == name ? p : null;

        public IEnumerable<T> List<T>(string? ns = null) where T : Kubernetes.Models.KubernetesObject, Kubernetes.Models.IKubernetesResource => [];
    }

    [Fact]
    public async Task A_failed_CronJob_run_has_its_Job_pods_logs_gathered()
    {
        var cron = fx.Cluster.Apply("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: backup}
            ---
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: db-backup, namespace: backup}
            spec:
              schedule: "*/1 * * * *"
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: backup, image: "example/pg-backup:16"}]
            """)[1];
        var uid = cron["metadata"]!["uid"]!.GetValue<string>();
        // The run belongs to the CronJob (the garbage collector removes a Job whose owner does not exist).
        fx.Cluster.Apply($$"""
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: db-backup-29922604
              namespace: backup
              ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: db-backup, uid: "{{uid}}", controller: true}]
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: backup, image: "example/pg-backup:16"}]
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: db-backup-29922604-k8s2x
              namespace: backup
              labels: {batch.kubernetes.io/job-name: db-backup-29922604}
              annotations:
                sim.vigil.io/logs: "pg_dump: error: connection to server at \"10.0.4.17\", port 5432 failed: Connection refused"
            spec:
              nodeName: node-1
              restartPolicy: Never
              containers: [{name: backup, image: "example/pg-backup:16"}]
            """);
        var pods = fx.Cluster.Operations.Registry.Find("", "v1", "pods")!;
        fx.Cluster.Operations.Mutate(pods, "backup", "db-backup-29922604-k8s2x", pod =>
        {
            pod["status"] = System.Text.Json.Nodes.JsonNode.Parse("""
                {"phase":"Failed","containerStatuses":[{"name":"backup","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":1,"reason":"Error"}}}]}
                """);
            return true;
        }, "status");
        var incident = new Incident
        {
            Id = "i2", Fingerprint = "CronJob/backup/db-backup", CorrelationRule = "Owner", PrimaryResource = new ResourceRef("CronJob", "backup", "db-backup"),
            Signals = [new Signal
            {
                Id = "s2", Source = "CronJobFailing", Reason = "CronJobFailing", Severity = Severity.Warning, Resource = new ResourceRef("CronJob", "backup", "db-backup"),
                Message = "The latest run, Job db-backup-29922604, failed: BackoffLimitExceeded", ObservedAt = DateTimeOffset.UtcNow,
            }],
            FirstSeen = DateTimeOffset.UtcNow, LastSeen = DateTimeOffset.UtcNow,
        };

        var options = new GatherOptions();
        var evidence = await new EvidenceCollector(EvidenceCollector.BuiltIn(options), fx.Client, Redactor.Default, options).CollectAsync(incident, CancellationToken.None);

        var logs = evidence.Section(EvidenceSections.Logs)!;
        logs.Failed.ShouldBeFalse(logs.Error);
        logs.Lines.ShouldContain(l => l.Contains("Connection refused", StringComparison.Ordinal), string.Join(" / ", evidence.AllLines().Select(x => x.Section.Name + ": " + x.Line)));
        new RulesAnalyzer(TimeProvider.System).Analyze(evidence).Category.ShouldBe(Category.Networking);
    }

    [Fact]
    public async Task A_gatherer_that_hangs_or_fails_leaves_its_error_and_the_others_still_report()
    {
        var options = new GatherOptions { Budget = TimeSpan.FromMilliseconds(300) };
        var collector = new EvidenceCollector([new Hanging(), new Failing(), new NodeGatherer()], fx.Client, Redactor.Default, options);
        var evidence = await collector.CollectAsync(Incident(), CancellationToken.None);
        evidence.Section("hanging")!.Error.ShouldBe("timed out after 0.3 s");
        evidence.Section("failing")!.Error.ShouldBe("token=[REDACTED] was refused");
        evidence.Section(EvidenceSections.Node)!.Lines.ShouldBe(["Node node-1: does not exist"]);
    }

    private sealed class Hanging : IGatherer
    {
        public string Section => "hanging";
        public bool AppliesTo(Incident incident) => true;
        public async Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return [];
        }
    }

    private sealed class Failing : IGatherer
    {
        public string Section => "failing";
        public bool AppliesTo(Incident incident) => true;
        public Task<IReadOnlyList<string>> CollectAsync(Incident incident, KubernetesClient client, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("token=abc123secret was refused");
    }
}
