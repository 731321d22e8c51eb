using System.Text.Json;
using Vigil.Detection;
using Vigil.Detection.Detectors;
using Vigil.Diagnosis.Analysis;
using Vigil.Diagnosis.Gathering;
using Vigil.Diagnosis.Redaction;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;

namespace Vigil.Diagnosis.Tests.Gathering;

/// <summary>Where evidence is read from: the operator's caches for pods and nodes, the API for the rest.</summary>
public sealed class EvidenceReadsTests(StaticClusterFixture fx) : IClassFixture<StaticClusterFixture>
{
    private sealed class Cache(params KubernetesObject[] objects) : IClusterView
    {
        public T? Get<T>(string? ns, string name) where T : KubernetesObject, IKubernetesResource =>
            objects.OfType<T>().FirstOrDefault(o => o.Metadata.Namespace == ns && o.Metadata.Name == name);

        public IEnumerable<T> List<T>(string? ns = null) where T : KubernetesObject, IKubernetesResource => objects.OfType<T>();
    }

    private static T Parse<T>(string json) where T : class => JsonSerializer.Deserialize(json, KubernetesSerializer.Options.TypeInfo<T>())!;

    private static Incident Incident(string ns, string pod, string node) => new()
    {
        Id = "i2", Fingerprint = $"Pod/{ns}/{pod}", PrimaryResource = new ResourceRef("Pod", ns, pod),
        Signals = [new Signal
        {
            Id = "s2", Source = "OOMKilled", Reason = "OOMKilled", Severity = Severity.Warning, Resource = new ResourceRef("Pod", ns, pod),
            Message = "Container app was OOMKilled", ObservedAt = DateTimeOffset.UtcNow, Attributes = new Dictionary<string, string> { [Signal.Attribute.Node] = node },
        }],
        FirstSeen = DateTimeOffset.UtcNow, LastSeen = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task Nodes_and_events_come_from_the_cache_when_the_collector_has_one_and_pod_descriptions_from_the_API()
    {
        // Neither object exists in the API server: only the cache knows them.
        var pod = Parse<Pod>("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"cached-1","namespace":"cache-test"},
             "spec":{"nodeName":"node-cached","containers":[{"name":"app","image":"shop/app:1"}]},
             "status":{"phase":"Running","qosClass":"Burstable","containerStatuses":[{"name":"app","ready":true,"restartCount":1,
               "state":{"running":{"startedAt":"2026-11-22T12:00:00Z"}},"lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}}
            """);
        var node = Parse<Node>("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-cached"},"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady"}]}}""");
        var backOff = Parse<Event>("""
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"cached-1.1","namespace":"cache-test"},"type":"Warning","reason":"OOMKilling",
             "involvedObject":{"kind":"Pod","name":"cached-1","namespace":"cache-test"},"message":"Memory cgroup out of memory","count":2,
             "lastTimestamp":"2099-01-01T00:00:00Z"}
            """);
        var options = new GatherOptions();
        IGatherer[] gatherers = [new PodGatherer(options), new NodeGatherer(), new PodEventsGatherer(options), new NamespaceEventsGatherer(options)];
        var collector = new EvidenceCollector(gatherers, fx.Client, Redactor.Default, options, new Cache(pod, node, backOff));

        var evidence = await collector.CollectAsync(Incident("cache-test", "cached-1", "node-cached"), CancellationToken.None);

        // The cache holds a projection of the pod (no env): its description is read from the API, which does not have it.
        evidence.Section(EvidenceSections.PodDescription)!.Lines.ShouldBe(["Pod cache-test/cached-1: no longer exists"]);
        evidence.Section(EvidenceSections.Node)!.Lines[0].ShouldBe("Node node-cached: unschedulable=False");
        evidence.Section(EvidenceSections.PodEvents)!.Lines.ShouldBe(["cached-1: Warning OOMKilling (x2): Memory cgroup out of memory"]);
        evidence.Section(EvidenceSections.NamespaceEvents)!.Lines.ShouldBe(["Pod/cached-1: OOMKilling (x2): Memory cgroup out of memory"]);

        // Without a cache the same collection asks the API server, which has neither.
        var uncached = new EvidenceCollector(gatherers, fx.Client, Redactor.Default, options);
        var fromApi = await uncached.CollectAsync(Incident("cache-test", "cached-1", "node-cached"), CancellationToken.None);
        fromApi.Section(EvidenceSections.PodDescription)!.Lines.ShouldBe(["Pod cache-test/cached-1: no longer exists"]);
        fromApi.Section(EvidenceSections.Node)!.Lines.ShouldBe(["Node node-cached: does not exist"]);
        fromApi.Section(EvidenceSections.PodEvents)!.Lines.ShouldBeEmpty();
    }

    [Fact]
    public async Task Namespace_events_leave_out_Vigils_own_diagnoses()
    {
        fx.Cluster.Apply("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: storm}
            ---
            apiVersion: v1
            kind: Event
            metadata: {name: quota.1, namespace: storm}
            involvedObject: {kind: ReplicaSet, name: web-1, namespace: storm}
            type: Warning
            reason: FailedCreate
            message: 'pods "web-1-x" is forbidden: exceeded quota: compute'
            lastTimestamp: "2099-01-01T00:00:00Z"
            ---
            apiVersion: v1
            kind: Event
            metadata: {name: web-1.vigil.1, namespace: storm}
            involvedObject: {kind: Pod, name: web-1-y, namespace: storm}
            type: Warning
            reason: VigilDiagnosis
            message: 'an earlier diagnosis that quotes: exceeded quota: compute'
            lastTimestamp: "2099-01-01T00:00:00Z"
            """);
        var options = new GatherOptions();
        var collector = new EvidenceCollector([new NamespaceEventsGatherer(options)], fx.Client, Redactor.Default, options);

        var evidence = await collector.CollectAsync(Incident("storm", "web-1-y", "node-1"), CancellationToken.None);

        evidence.Section(EvidenceSections.NamespaceEvents)!.Lines.ShouldBe(["ReplicaSet/web-1: FailedCreate (x1): pods \"web-1-x\" is forbidden: exceeded quota: compute"]);
    }
}
