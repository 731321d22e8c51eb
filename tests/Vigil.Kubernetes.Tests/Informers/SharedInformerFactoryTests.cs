using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Tests.Fixtures;

namespace Vigil.Kubernetes.Tests.Informers;

[Collection(ClusterCollection.Name)]
public sealed class SharedInformerFactoryTests(ClusterFixture fixture) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly KubernetesClient _client = fixture.Client();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Consumers_of_one_resource_share_one_informer_and_one_watch()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        await using var factory = new SharedInformerFactory(_client);
        var first = factory.For<ConfigMap>(ns);
        var second = factory.For<ConfigMap>(ns);
        ReferenceEquals(first, second).ShouldBeTrue();
        ReferenceEquals(first, factory.For<ConfigMap>()).ShouldBeFalse();
        ReferenceEquals(first, factory.For<ConfigMap>("kube-system")).ShouldBeFalse();

        var a = new RecordingHandler<ConfigMap>();
        var b = new RecordingHandler<ConfigMap>();
        first.AddEventHandler(a);
        second.AddEventHandler(b);
        factory.Start();
        (await factory.WaitForCacheSyncAsync(new CancellationTokenSource(Patience).Token)).ShouldBeTrue();
        await _client.Resource<ConfigMap>().CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "shared", Namespace = ns } });
        await Eventually.TrueAsync(() => a.Saw($"add {ns}/shared") && b.Saw($"add {ns}/shared"), Patience);
        first.ReflectorStatistics.Watches.ShouldBe(1);
    }

    [Fact]
    public async Task A_transform_cuts_objects_before_they_are_cached_and_keys_an_informer_of_its_own()
    {
        var ns = await fixture.NewNamespaceAsync(_client);
        await using var factory = new SharedInformerFactory(_client);
        static ConfigMap DropData(ConfigMap map)
        {
            map.Data = null;
            return map;
        }
        var cut = factory.For<ConfigMap>(ns, transform: DropData);
        ReferenceEquals(cut, factory.For<ConfigMap>(ns, transform: DropData)).ShouldBeTrue();
        var whole = factory.For<ConfigMap>(ns);
        ReferenceEquals(cut, whole).ShouldBeFalse();

        factory.Start();
        (await factory.WaitForCacheSyncAsync(new CancellationTokenSource(Patience).Token)).ShouldBeTrue();
        await _client.Resource<ConfigMap>().CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "big", Namespace = ns }, Data = new Dictionary<string, string> { ["k"] = "v" } });
        await Eventually.TrueAsync(() => cut.Indexer.Get(ns, "big") is not null && whole.Indexer.Get(ns, "big") is not null, Patience);
        cut.Indexer.Get(ns, "big")!.Data.ShouldBeNull();
        whole.Indexer.Get(ns, "big")!.Data!["k"].ShouldBe("v");
    }

    [Fact]
    public async Task Namespace_sets_follow_assignments()
    {
        var ns1 = await fixture.NewNamespaceAsync(_client, "a");
        var ns2 = await fixture.NewNamespaceAsync(_client, "b");
        var configMaps = _client.Resource<ConfigMap>();
        await configMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "one", Namespace = ns1 } });
        await configMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "two", Namespace = ns2 } });

        await using var set = new NamespacedInformerSet<ConfigMap>(configMaps);
        var handler = new RecordingHandler<ConfigMap>();
        set.AddEventHandler(handler);
        await set.SetNamespacesAsync([ns1]);
        (await set.WaitForSyncAsync(new CancellationTokenSource(Patience).Token)).ShouldBeTrue();
        await Eventually.TrueAsync(() => handler.Saw($"add {ns1}/one initial"), Patience);
        handler.Events.ShouldNotContain(e => e.Contains(ns2, StringComparison.Ordinal));

        await set.SetNamespacesAsync([ns1, ns2]);
        await Eventually.TrueAsync(() => handler.Saw($"add {ns2}/two initial"), Patience);
        set.Get(ns2, "two").ShouldNotBeNull();

        await set.SetNamespacesAsync([ns2]);
        handler.Saw($"delete {ns1}/one tombstone").ShouldBeTrue();
        set.Namespaces.ShouldBe([ns2]);
        set.Get(ns1, "one").ShouldBeNull();

        await configMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "ignored", Namespace = ns1 } });
        await configMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "seen", Namespace = ns2 } });
        await Eventually.TrueAsync(() => handler.Saw($"add {ns2}/seen"), Patience);
        handler.Saw($"add {ns1}/ignored").ShouldBeFalse();
    }
}
