using System.Collections.Concurrent;
using System.Diagnostics;
using Vigil.Kubernetes.LeaderElection;
using Vigil.Kubernetes.Models;
using Vigil.Kubernetes.Tests.Fixtures;

namespace Vigil.Kubernetes.Tests.LeaderElection;

[Collection(ClusterCollection.Name)]
public sealed class LeaderElectionTests(ClusterFixture fixture) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly KubernetesClient _client = fixture.Client();

    public void Dispose() => _client.Dispose();

    [Fact]
    public void Validates_durations_like_client_go()
    {
        var lockStub = new LeaseLock(_client, "default", "x");
        new LeaderElectionConfig { Lock = lockStub, Identity = "a" }.Validate();
        Should.Throw<ArgumentException>(() => new LeaderElectionConfig { Lock = lockStub, Identity = "a", LeaseDuration = TimeSpan.FromSeconds(10), RenewDeadline = TimeSpan.FromSeconds(10) }.Validate());
        Should.Throw<ArgumentException>(() => new LeaderElectionConfig { Lock = lockStub, Identity = "a", RenewDeadline = TimeSpan.FromSeconds(2.4), RetryPeriod = TimeSpan.FromSeconds(2) }.Validate())
            .Message.ShouldContain("1.2");
        Should.Throw<ArgumentException>(() => new LeaderElectionConfig { Lock = lockStub, Identity = " " }.Validate());
    }

    /// <summary>A candidate with its own client (optionally through a proxy that can partition it) and its leadership intervals.</summary>
    private sealed class Candidate : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;

        public Candidate(string identity, KubernetesClient client, string ns, string lease, Timeline timeline, bool releaseOnCancel, ChaosProxy? proxy = null, double leaseSeconds = 4)
        {
            Identity = identity;
            Client = client;
            Proxy = proxy;
            Elector = new LeaderElector(new LeaderElectionConfig
            {
                Lock = new LeaseLock(client, ns, lease),
                Identity = identity,
                // Margins (LeaseDuration - RenewDeadline - RetryPeriod) wide enough for a loaded CI machine.
                LeaseDuration = TimeSpan.FromSeconds(leaseSeconds),
                RenewDeadline = TimeSpan.FromSeconds(1.5),
                RetryPeriod = TimeSpan.FromSeconds(0.3),
                ReleaseOnCancel = releaseOnCancel,
                OnStartedLeading = _ =>
                {
                    timeline.Started(identity);
                    return Task.CompletedTask;
                },
                OnStoppedLeading = () => timeline.Stopped(identity),
            });
            _run = Task.Run(async () =>
            {
                // Campaign again after losing the lease, as a controller process would.
                while (!_stop.IsCancellationRequested)
                {
                    await Elector.RunAsync(_stop.Token);
                }
            });
        }

        public string Identity { get; }

        public KubernetesClient Client { get; }

        public ChaosProxy? Proxy { get; }

        public LeaderElector Elector { get; }

        public async Task KillAsync()
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(Patience);
        }

        public async ValueTask DisposeAsync()
        {
            await KillAsync();
            Client.Dispose();
            if (Proxy is not null)
            {
                await Proxy.DisposeAsync();
            }

            _stop.Dispose();
        }
    }

    /// <summary>Leadership intervals on one monotonic clock; checks that no two overlap.</summary>
    private sealed class Timeline
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly ConcurrentDictionary<string, TimeSpan> _open = new();
        private readonly ConcurrentQueue<(string Who, TimeSpan Start, TimeSpan End)> _closed = new();
        private readonly ConcurrentQueue<string> _violations = new();

        public IReadOnlyCollection<string> Leaders => [.. _open.Keys];

        public void Started(string who)
        {
            if (!_open.IsEmpty)
            {
                _violations.Enqueue($"{who} started leading while {string.Join(",", _open.Keys)} still led");
            }

            _open[who] = _clock.Elapsed;
        }

        public void Stopped(string who)
        {
            if (_open.TryRemove(who, out var start))
            {
                _closed.Enqueue((who, start, _clock.Elapsed));
            }
        }

        public void ShouldNeverHaveOverlapped()
        {
            _violations.ShouldBeEmpty();
            var intervals = _closed.Concat(_open.Select(o => (Who: o.Key, Start: o.Value, End: TimeSpan.MaxValue))).OrderBy(i => i.Start).ToList();
            for (var i = 1; i < intervals.Count; i++)
            {
                intervals[i].Start.ShouldBeGreaterThanOrEqualTo(intervals[i - 1].End, $"{intervals[i].Who} led while {intervals[i - 1].Who} did");
            }
        }
    }

    [Fact]
    public async Task Three_contenders_one_leader_then_takeover_when_the_leader_is_killed()
    {
        var ns = await fixture.NewNamespaceAsync(_client, "le");
        var timeline = new Timeline();
        var candidates = new List<Candidate>();
        try
        {
            foreach (var name in new[] { "alpha", "bravo", "charlie" })
            {
                candidates.Add(new Candidate(name, fixture.Client(ns), ns, "vigil-controller", timeline, releaseOnCancel: false));
            }

            await Eventually.TrueAsync(() => timeline.Leaders.Count == 1, Patience, "someone leads");
            var first = timeline.Leaders.Single();
            await Eventually.TrueAsync(() => candidates.All(c => c.Elector.CurrentLeader == first), Patience, "everyone observes the leader");

            var lease = await _client.Resource<Lease>().GetAsync("vigil-controller", ns);
            lease.Spec!.HolderIdentity.ShouldBe(first);
            lease.Spec.LeaseDurationSeconds.ShouldBe(4);
            lease.Spec.RenewTime.ShouldNotBeNull();

            var killed = Stopwatch.StartNew();
            await candidates.Single(c => c.Identity == first).KillAsync();
            await Eventually.TrueAsync(() => timeline.Leaders.Count == 1 && timeline.Leaders.Single() != first, Patience, "another candidate takes over");
            killed.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(3), "no one takes over before the lease expires by their own clock");
            // Candidates wake just after the lease they observed runs out instead of at their next jittered retry (up to
            // 2.2 retry periods later): the lease duration plus one retry period, with a second for a loaded machine.
            killed.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(4 + 0.3 + 1), "takeover within lease duration + retry period");

            var second = timeline.Leaders.Single();
            var transferred = await _client.Resource<Lease>().GetAsync("vigil-controller", ns);
            transferred.Spec!.HolderIdentity.ShouldBe(second);
            transferred.Spec.LeaseTransitions.ShouldBe(1);
            timeline.ShouldNeverHaveOverlapped();
        }
        finally
        {
            foreach (var candidate in candidates)
            {
                await candidate.DisposeAsync();
            }
        }

        timeline.ShouldNeverHaveOverlapped();
    }

    [Fact]
    public async Task A_partitioned_leader_steps_down_before_anyone_takes_over()
    {
        var ns = await fixture.NewNamespaceAsync(_client, "lp");
        var timeline = new Timeline();
        var candidates = new List<Candidate>();
        try
        {
            foreach (var name in new[] { "one", "two", "three" })
            {
                var proxy = new ChaosProxy(fixture.Cluster.Address);
                var client = new KubernetesClient(fixture.Configuration(ns, proxy.Address));
                // An 8 s lease: the cut leader must step down within its 1.5 s renew deadline, and the others wait out the
                // lease; the 6.5 s between the two is what a busy 2-core machine may take to run a timer or a callback.
                candidates.Add(new Candidate(name, client, ns, "lock", timeline, releaseOnCancel: false, proxy, leaseSeconds: 8));
            }

            await Eventually.TrueAsync(() => timeline.Leaders.Count == 1, Patience);
            var leader = candidates.Single(c => c.Identity == timeline.Leaders.Single());
            leader.Proxy!.Cut(refuseNew: true);

            await Eventually.TrueAsync(() => timeline.Leaders.Count == 1 && timeline.Leaders.Single() != leader.Identity, Patience * 2, "a reachable candidate takes over");
            timeline.ShouldNeverHaveOverlapped();

            // The old leader comes back and must not reclaim a valid lease.
            leader.Proxy.Heal();
            var newLeader = timeline.Leaders.Single();
            await Eventually.TrueAsync(() => leader.Elector.CurrentLeader == newLeader, Patience);
            timeline.Leaders.Single().ShouldBe(newLeader);
        }
        finally
        {
            foreach (var candidate in candidates)
            {
                await candidate.DisposeAsync();
            }
        }

        timeline.ShouldNeverHaveOverlapped();
    }

    [Fact]
    public async Task Release_on_cancel_hands_over_without_waiting_for_expiry()
    {
        var ns = await fixture.NewNamespaceAsync(_client, "lr");
        var timeline = new Timeline();
        var leaders = new ConcurrentQueue<string>();
        await using var a = new Candidate("a", fixture.Client(ns), ns, "lock", timeline, releaseOnCancel: true, leaseSeconds: 15);
        await Eventually.TrueAsync(() => timeline.Leaders.Count == 1, Patience);
        await using var b = new Candidate("b", fixture.Client(ns), ns, "lock", timeline, releaseOnCancel: true, leaseSeconds: 15);
        b.Elector.LeaderChanged += (_, leader) => leaders.Enqueue(leader);
        await Eventually.TrueAsync(() => b.Elector.CurrentLeader == "a", Patience);

        var released = Stopwatch.StartNew();
        await a.KillAsync();
        var lease = await _client.Resource<Lease>().GetAsync("lock", ns);
        (lease.Spec!.HolderIdentity ?? string.Empty).ShouldBeOneOf(string.Empty, "b");
        await Eventually.TrueAsync(() => timeline.Leaders.SequenceEqual(["b"]), Patience);
        released.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), "a released lease is taken at once, not after the 15 s LeaseDuration");
        await Eventually.TrueAsync(() => leaders.Contains("b"), Patience);
        timeline.ShouldNeverHaveOverlapped();
    }

    [Fact]
    public async Task Hosted_service_leads_while_the_host_runs_and_releases_on_stop()
    {
        var ns = await fixture.NewNamespaceAsync(_client, "lh");
        using var client = fixture.Client(ns);
        var leading = new TaskCompletionSource();
        using var service = new LeaderElectionService(new LeaderElectionConfig
        {
            Lock = new LeaseLock(client, ns, "hosted"),
            Identity = "hosted-1",
            ReleaseOnCancel = true,
            OnStartedLeading = token =>
            {
                leading.TrySetResult();
                return Task.Delay(Timeout.Infinite, token);
            },
        });
        await service.StartAsync(CancellationToken.None);
        await leading.Task.WaitAsync(Patience);
        service.Elector.IsLeader.ShouldBeTrue();
        await service.StopAsync(CancellationToken.None);
        var lease = await _client.Resource<Lease>().GetAsync("hosted", ns);
        (lease.Spec!.HolderIdentity ?? string.Empty).ShouldBeEmpty();
        lease.Spec.LeaseDurationSeconds.ShouldBe(1);
    }
}
