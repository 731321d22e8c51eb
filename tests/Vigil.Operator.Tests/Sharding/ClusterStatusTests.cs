using Vigil.Kubernetes.Models;
using Vigil.Operator.Sharding;

namespace Vigil.Operator.Tests.Sharding;

/// <summary>How <c>vigil status</c> judges the objects replicas publish: who is live, and what needs attention.</summary>
public sealed class ClusterStatusTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_member_is_live_within_its_lease_duration_allowing_for_a_few_seconds_of_clock_skew()
    {
        var status = ClusterStatus.From("vigil-system", [
            Member("renewed-now", Now),
            Member("ahead-clock", Now.AddSeconds(3)), // its clock runs ahead of ours
            Member("just-expired", Now.AddSeconds(-17)), // 15 s lease, 2 s past: within the 5 s allowance
            Member("dead", Now.AddSeconds(-21)),
        ], null, null, Now);

        status.Members.Where(m => m.Live).Select(m => m.Identity).ShouldBe(["ahead-clock", "just-expired", "renewed-now"]);
        status.Members.Single(m => m.Identity == "dead").Live.ShouldBeFalse();
        // Sharding off: a stale member Lease left by a crashed pod is shown, not a problem; three live replicas are.
        status.Problems.ShouldHaveSingleItem().ShouldStartWith("3 replicas are live with sharding off");
    }

    [Fact]
    public void A_replica_that_publishes_no_readable_status_and_an_unreadable_shard_map_are_problems()
    {
        var broken = Member("vigil-a", Now, sharded: true);
        broken.Metadata.Annotations![ShardProtocol.StatusAnnotation] = "{not json";
        var leader = new Lease
        {
            Metadata = new ObjectMeta { Name = ShardProtocol.LeaderLease },
            Spec = new LeaseSpec { HolderIdentity = "vigil-a", LeaseDurationSeconds = 15, RenewTime = Now, AcquireTime = Now.AddHours(-1) },
        };
        var map = new ConfigMap { Metadata = new ObjectMeta { Name = ShardProtocol.ShardMapName }, Data = new Dictionary<string, string> { [ShardProtocol.ShardMapKey] = "edited by hand" } };

        var status = ClusterStatus.From("vigil-system", [broken], leader, map, Now);

        status.Sharded.ShouldBeTrue(); // the leader Lease and the map say so when no status does
        status.Leader!.Identity.ShouldBe("vigil-a");
        status.Problems.ShouldBe([
            "the ConfigMap vigil-system/vigil-shards has no readable shard map under \"assignments\"; replicas keep their last good one",
            "member vigil-a publishes no readable status (annotation vigil.io/status on Lease vigil-member-vigil-a)",
        ]);
    }

    private static Lease Member(string identity, DateTimeOffset renewed, bool sharded = false)
    {
        var lease = new Lease
        {
            Metadata = new ObjectMeta { Name = ShardProtocol.MemberLeaseName(identity) },
            Spec = new LeaseSpec { HolderIdentity = identity, LeaseDurationSeconds = 15, RenewTime = renewed },
        };
        lease.Metadata.SetLabel(ShardProtocol.MemberLabelKey, ShardProtocol.MemberLabelValue);
        lease.Metadata.SetAnnotation(ShardProtocol.StatusAnnotation, new MemberStatus { Identity = identity, Sharded = sharded, Leader = !sharded, UpdatedAt = renewed }.ToJson());
        return lease;
    }
}
