using Vigil.Kubernetes.Informers;
using Vigil.Kubernetes.Models;

namespace Vigil.Kubernetes.Tests.Informers;

public class DeltaFifoTests
{
    private static ConfigMap Cm(string name, string rv, string ns = "default") => new() { Metadata = new ObjectMeta { Name = name, Namespace = ns, ResourceVersion = rv } };

    [Fact]
    public async Task Replace_marks_listed_objects_and_tombstones_vanished_ones()
    {
        var known = new Indexer<ConfigMap>();
        known.Upsert(Cm("stays", "1"));
        known.Upsert(Cm("vanished", "1"));
        var fifo = new DeltaFifo<ConfigMap>(known);
        fifo.HasSynced.ShouldBeFalse();

        fifo.Replace([Cm("stays", "2"), Cm("new", "3")]);
        fifo.HasSynced.ShouldBeFalse();
        var popped = new List<(string Key, IReadOnlyList<Delta<ConfigMap>> Deltas, bool Initial)>();
        while (fifo.Count > 0)
        {
            var item = (await fifo.PopAsync(default))!.Value;
            popped.Add((item.Key, item.Deltas, item.IsInInitialList));
        }

        fifo.HasSynced.ShouldBeTrue();
        popped.Select(p => p.Key).ShouldBe(["default/stays", "default/new", "default/vanished"]);
        popped.All(p => p.Initial).ShouldBeTrue();
        var tombstone = popped[2].Deltas.Single();
        tombstone.Type.ShouldBe(DeltaType.Deleted);
        tombstone.Tombstone!.Key.ShouldBe("default/vanished");
        tombstone.Tombstone.LastKnown.Metadata.ResourceVersion.ShouldBe("1");
    }

    [Fact]
    public async Task Collects_changes_per_key_and_collapses_double_deletes()
    {
        var known = new Indexer<ConfigMap>();
        var fifo = new DeltaFifo<ConfigMap>(known);
        fifo.Add(Cm("a", "1"));
        fifo.Update(Cm("a", "2"));
        fifo.Add(Cm("b", "3"));
        fifo.Delete(Cm("a", "4"));
        fifo.Replace([]);
        var first = (await fifo.PopAsync(default))!.Value;
        first.Key.ShouldBe("default/a");
        first.Deltas.Select(d => d.Type).ShouldBe([DeltaType.Added, DeltaType.Updated, DeltaType.Deleted]);
        first.Deltas[^1].Tombstone.ShouldBeNull("the observed delete is kept over the relist's tombstone");
        var second = (await fifo.PopAsync(default))!.Value;
        second.Deltas.Select(d => d.Type).ShouldBe([DeltaType.Added, DeltaType.Deleted]);
        second.Deltas[^1].Tombstone.ShouldNotBeNull();
    }

    [Fact]
    public void Deleting_an_unknown_object_is_ignored_and_resync_skips_pending_keys()
    {
        var known = new Indexer<ConfigMap>();
        known.Upsert(Cm("cached", "1"));
        known.Upsert(Cm("busy", "1"));
        var fifo = new DeltaFifo<ConfigMap>(known);
        fifo.Delete(Cm("never-seen", "1"));
        fifo.Count.ShouldBe(0);
        fifo.Update(Cm("busy", "2"));
        fifo.Resync();
        fifo.Count.ShouldBe(2);
    }

    [Fact]
    public void Indexer_keeps_named_indexes_current()
    {
        var indexer = new Indexer<ConfigMap>();
        indexer.AddIndexer("app", cm => cm.Metadata.Label("app") is { } app ? [app] : []);
        var a = Cm("a", "1", "ns1");
        a.Metadata.SetLabel("app", "web");
        indexer.Upsert(a);
        indexer.Upsert(Cm("b", "1", "ns2"));
        indexer.ByIndex(Indexer<ConfigMap>.NamespaceIndex, "ns1").Single().Metadata.Name.ShouldBe("a");
        indexer.ByIndex("app", "web").Single().Metadata.Name.ShouldBe("a");
        var moved = Cm("a", "2", "ns1");
        moved.Metadata.SetLabel("app", "api");
        indexer.Upsert(moved);
        indexer.ByIndex("app", "web").ShouldBeEmpty();
        indexer.IndexKeys("app", "api").ShouldBe(["ns1/a"]);
        indexer.Remove("ns1/a");
        indexer.ByIndex("app", "api").ShouldBeEmpty();
        indexer.Get("ns2", "b").ShouldNotBeNull();
        Should.Throw<ArgumentException>(() => indexer.ByIndex("nope", "x"));
    }

    [Fact]
    public void Backoff_doubles_with_jitter_caps_and_resets_after_quiet()
    {
        var clock = new Fixtures.ManualTimeProvider();
        var backoff = new ExponentialBackoff(clock);
        backoff.Next().ShouldBeInRange(TimeSpan.FromMilliseconds(800), TimeSpan.FromMilliseconds(1600));
        backoff.Next().ShouldBeInRange(TimeSpan.FromMilliseconds(1600), TimeSpan.FromMilliseconds(3200));
        for (var i = 0; i < 10; i++)
        {
            backoff.Next();
        }

        backoff.Current.ShouldBe(TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromMinutes(3));
        backoff.Next();
        backoff.Current.ShouldBe(TimeSpan.FromMilliseconds(800));
    }
}
