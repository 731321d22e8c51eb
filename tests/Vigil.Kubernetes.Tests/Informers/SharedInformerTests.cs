using System.Text.Json;
using Vigil.Cluster;
using Vigil.Cluster.Server;
using Vigil.Kubernetes.Authentication;
using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Serialization;
using Vigil.Kubernetes.Tests.Fixtures;

namespace Vigil.Kubernetes.Tests.Informers;

[Collection(ClusterCollection.Name)]
public sealed class SharedInformerTests(ClusterFixture fixture) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly KubernetesClient _client = fixture.Client();

    public void Dispose() => _client.Dispose();

    private static ConfigMap Cm(string name, string ns, string value = "v") => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Data = new Dictionary<string, string> { ["k"] = value },
    };

    private static InformerOptions<ConfigMap> FastReflector(string ns) => new()
    {
        Namespace = ns,
        Reflector = new ReflectorOptions { PageSize = 2, InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(200) },
    };

    [Fact]
    public async Task Syncs_a_paged_initial_list_then_follows_changes()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var configMaps = _client.Resource<ConfigMap>();
        for (var i = 0; i < 5; i++)
        {
            await configMaps.CreateAsync(Cm($"cm{i}", ns));
        }

        await using var informer = new SharedInformer<ConfigMap>(configMaps, FastReflector(ns));
        var handler = new RecordingHandler<ConfigMap>();
        informer.AddEventHandler(handler);
        informer.Start();
        (await informer.WaitForSyncAsync(new CancellationTokenSource(Patience).Token)).ShouldBeTrue();
        informer.HasSynced.ShouldBeTrue();
        informer.Indexer.Count.ShouldBe(5);
        informer.Indexer.ByIndex(Indexer<ConfigMap>.NamespaceIndex, ns).Count.ShouldBe(5);
        informer.Indexer.Get(ns, "cm0")!.Kind.ShouldBe("ConfigMap", "list items get their kind back");
        await Eventually.TrueAsync(() => handler.Events.Count(e => e.EndsWith(" initial", StringComparison.Ordinal)) == 5, Patience);

        var cm0 = await configMaps.GetAsync("cm0", ns);
        cm0.Data!["k"] = "changed";
        await configMaps.UpdateAsync(cm0);
        await configMaps.CreateAsync(Cm("late", ns));
        await configMaps.DeleteAsync("cm1", ns);

        await Eventually.TrueAsync(() => handler.Saw($"update {ns}/cm0") && handler.Saw($"add {ns}/late") && handler.Saw($"delete {ns}/cm1"), Patience);
        var update = handler.Updates.Single();
        update.Old.Data!["k"].ShouldBe("v");
        update.New.Data!["k"].ShouldBe("changed");
        informer.Indexer.Get(ns, "cm1").ShouldBeNull();
        informer.Indexer.Get(ns, "late").ShouldNotBeNull();
        informer.ReflectorStatistics.Lists.ShouldBe(1);
    }

    [Fact]
    public async Task A_compact_cache_hands_out_what_the_server_sent_and_lets_go_of_what_is_deleted()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var configMaps = _client.Resource<ConfigMap>();
        var label = $"team-{Guid.NewGuid():N}";
        for (var i = 0; i < 3; i++)
        {
            var cm = Cm($"cm{i}", ns, $"value {i} with \"quotes\" and ünïcode");
            cm.Metadata.Labels = new Dictionary<string, string> { ["team"] = label };
            await configMaps.CreateAsync(cm);
        }

        await using var informer = new SharedInformer<ConfigMap>(configMaps, FastReflector(ns) with { Compact = true });
        var handler = new RecordingHandler<ConfigMap>();
        informer.AddEventHandler(handler);
        informer.Start();
        (await informer.WaitForSyncAsync(new CancellationTokenSource(Patience).Token)).ShouldBeTrue();

        // Every read decodes what the server sent, field for field, and a fresh copy each time.
        foreach (var i in Enumerable.Range(0, 3))
        {
            var fromServer = await configMaps.GetAsync($"cm{i}", ns);
            var cached = informer.Indexer.Get(ns, $"cm{i}")!;
            JsonSerializer.Serialize(cached, KubernetesSerializer.Options).ShouldBe(JsonSerializer.Serialize(fromServer, KubernetesSerializer.Options));
            cached.Data!["k"] = "changed by a careless reader";
            informer.Indexer.Get(ns, $"cm{i}")!.Data!["k"].ShouldBe($"value {i} with \"quotes\" and ünïcode");
        }

        informer.Indexer.ByIndex(Indexer<ConfigMap>.NamespaceIndex, ns).Select(c => c.Metadata.Name).Order().ShouldBe(["cm0", "cm1", "cm2"]);
        CompactJson.Values.Contains(label).ShouldBeTrue("the cached objects share their label value");

        var cm0 = await configMaps.GetAsync("cm0", ns);
        cm0.Data!["k"] = "new";
        await configMaps.UpdateAsync(cm0);
        await Eventually.TrueAsync(() => handler.Saw($"update {ns}/cm0"), Patience);
        var update = handler.Updates.Single();
        update.Old.Data!["k"].ShouldBe("value 0 with \"quotes\" and ünïcode", "the old object is decoded from the cache");
        update.New.Data!["k"].ShouldBe("new");

        foreach (var i in Enumerable.Range(0, 3)) await configMaps.DeleteAsync($"cm{i}", ns);
        await Eventually.TrueAsync(() => informer.Indexer.Count == 0 && handler.Saw($"delete {ns}/cm2"), Patience);
        CompactJson.Values.Contains(label).ShouldBeFalse("no cached object uses the label value any more");

        // Stopped for good (a namespace handed over): the cache lets go of its shared strings too.
        var kept = $"kept-{Guid.NewGuid():N}";
        var last = Cm("last", ns);
        last.Metadata.Labels = new Dictionary<string, string> { ["team"] = kept };
        await configMaps.CreateAsync(last);
        await Eventually.TrueAsync(() => informer.Indexer.Count == 1, Patience);
        CompactJson.Values.Contains(kept).ShouldBeTrue();
        await informer.StopAsync();
        CompactJson.Values.Contains(kept).ShouldBeFalse();
    }

    [Fact]
    public async Task Handler_added_after_sync_gets_the_cache_as_initial_adds()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        await _client.Resource<ConfigMap>().CreateAsync(Cm("existing", ns));
        await using var informer = new SharedInformer<ConfigMap>(_client.Resource<ConfigMap>(), FastReflector(ns));
        informer.Start();
        await informer.WaitForSyncAsync(new CancellationTokenSource(Patience).Token);
        var late = new RecordingHandler<ConfigMap>();
        var registration = informer.AddEventHandler(late);
        await Eventually.TrueAsync(() => late.Saw($"add {ns}/existing initial") && registration.HasSynced, Patience);
    }

    [Fact]
    public async Task Forced_disconnect_rewatches_from_the_last_version_without_relisting()
    {
        await using var proxy = new ChaosProxy(fixture.Cluster.Address);
        using var client = new KubernetesClient(fixture.Configuration(server: proxy.Address));
        var ns = await fixture.NewNamespaceAsync(_client);
        await using var informer = new SharedInformer<ConfigMap>(client.Resource<ConfigMap>(), FastReflector(ns));
        var handler = new RecordingHandler<ConfigMap>();
        informer.AddEventHandler(handler);
        informer.Start();
        await informer.WaitForSyncAsync(new CancellationTokenSource(Patience).Token);

        await _client.Resource<ConfigMap>().CreateAsync(Cm("before-cut", ns));
        await Eventually.TrueAsync(() => handler.Saw($"add {ns}/before-cut"), Patience);

        proxy.Cut(refuseNew: true);
        await _client.Resource<ConfigMap>().CreateAsync(Cm("during-outage", ns));
        await _client.Resource<ConfigMap>().DeleteAsync("before-cut", ns);
        proxy.Heal();

        await Eventually.TrueAsync(() => handler.Saw($"add {ns}/during-outage") && handler.Saw($"delete {ns}/before-cut"), Patience);
        handler.Events.ShouldNotContain(e => e.Contains("tombstone", StringComparison.Ordinal));
        informer.ReflectorStatistics.Lists.ShouldBe(1, "a dropped watch resumes from its resourceVersion");
        informer.ReflectorStatistics.Watches.ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task Expired_version_relists_and_delivers_tombstones_for_missed_deletes()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new ClusterOptions { HistoryPerResource = 5 });
        await using var proxy = new ChaosProxy(cluster.Address);
        var configuration = fixture.Configuration(server: proxy.Address) with
        {
            Credentials = new StaticCredentialProvider(new Credential(BearerToken: cluster.Token)),
            CertificateAuthority = [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(cluster.Certificates.Authority.RawData)],
        };
        using var client = new KubernetesClient(configuration);
        using var direct = new KubernetesClient(configuration with { Server = cluster.Address });
        var configMaps = direct.Resource<ConfigMap>();
        await configMaps.CreateAsync(Cm("doomed", "default"));
        await configMaps.CreateAsync(Cm("changing", "default"));

        await using var informer = new SharedInformer<ConfigMap>(client.Resource<ConfigMap>(), FastReflector("default"));
        var handler = new RecordingHandler<ConfigMap>();
        informer.AddEventHandler(handler);
        informer.Start();
        await informer.WaitForSyncAsync(new CancellationTokenSource(Patience).Token);

        proxy.Cut(refuseNew: true);
        await configMaps.DeleteAsync("doomed", "default");
        var changing = await configMaps.GetAsync("changing", "default");
        changing.Data!["k"] = "new";
        await configMaps.UpdateAsync(changing);
        for (var i = 0; i < 10; i++)
        {
            await configMaps.CreateAsync(Cm($"filler{i}", "default"));
        }

        proxy.Heal();
        await Eventually.TrueAsync(() => handler.Saw("delete default/doomed tombstone") && handler.Saw("update default/changing") && handler.Saw("add default/filler9"), Patience);
        informer.ReflectorStatistics.Lists.ShouldBeGreaterThanOrEqualTo(2);
        informer.Indexer.Get("default", "doomed").ShouldBeNull();
        informer.Indexer.Get("default", "changing")!.Data!["k"].ShouldBe("new");
    }

    [Fact]
    public async Task Resync_replays_the_cache_as_updates_on_the_handlers_period()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var client = fixture.Client(timeProvider: clock);
        var ns = await fixture.NewNamespaceAsync(_client);
        await _client.Resource<ConfigMap>().CreateAsync(Cm("steady", ns));
        await using var informer = new SharedInformer<ConfigMap>(client.Resource<ConfigMap>(), FastReflector(ns));
        var resyncing = new RecordingHandler<ConfigMap>();
        var quiet = new RecordingHandler<ConfigMap>();
        informer.AddEventHandler(resyncing, TimeSpan.FromSeconds(30));
        informer.AddEventHandler(quiet, TimeSpan.Zero);
        informer.Start();
        await informer.WaitForSyncAsync(new CancellationTokenSource(Patience).Token);
        await Eventually.TrueAsync(() => resyncing.Saw($"add {ns}/steady initial"), Patience);

        for (var i = 0; i < 3 && !resyncing.Saw($"update {ns}/steady resync"); i++)
        {
            clock.Advance(TimeSpan.FromSeconds(31));
            try
            {
                await Eventually.TrueAsync(() => resyncing.Saw($"update {ns}/steady resync"), TimeSpan.FromSeconds(2));
            }
            catch (TimeoutException)
            {
            }
        }

        resyncing.Saw($"update {ns}/steady resync").ShouldBeTrue();
        var (old, current) = resyncing.Updates.First();
        ReferenceEquals(old, current).ShouldBeTrue();
        quiet.Events.ShouldNotContain(e => e.StartsWith("update", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metadata_informer_caches_partial_objects()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        var cm = Cm("meta", ns);
        cm.Metadata.SetLabel("tier", "gold");
        await _client.Resource<ConfigMap>().CreateAsync(cm);
        await using var factory = new Vigil.Kubernetes.Informers.SharedInformerFactory(_client);
        var informer = factory.ForMetadata(ConfigMap.ResourceType, ns);
        factory.Start();
        (await factory.WaitForCacheSyncAsync(new CancellationTokenSource(Patience).Token)).ShouldBeTrue();
        var cached = informer.Indexer.Get(ns, "meta")!;
        cached.Metadata.Labels!["tier"].ShouldBe("gold");
        cached.Kind.ShouldBe("PartialObjectMetadata");
        cached.Metadata.ManagedFields.ShouldBeNull();

        var handler = new RecordingHandler<PartialObjectMetadata>();
        informer.AddEventHandler(handler);
        await _client.Resource<ConfigMap>().CreateAsync(Cm("meta2", ns));
        await Eventually.TrueAsync(() => handler.Saw($"add {ns}/meta2"), Patience);
    }
}
