using Vigil.Operator.Sharding;

namespace Vigil.Operator.Tests.Sharding;

public sealed class ShardPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Namespaces = [.. Enumerable.Range(0, 600).Select(i => $"team-{i}")];

    private static ShardMap Settle(ShardMap map, string[] namespaces, string[] live)
    {
        // Every live member applies each map at once: plan until nothing changes.
        for (var i = 0; i < 10; i++)
        {
            var applied = live.ToDictionary(m => m, _ => map.Epoch);
            if (ShardPlanner.Plan(map, namespaces, live, applied, "leader", Now) is not { } next) return map;
            map = next;
        }
        throw new InvalidOperationException("the plan did not settle");
    }

    [Fact]
    public void Every_namespace_goes_to_exactly_one_live_member_and_the_split_is_even()
    {
        var map = Settle(new ShardMap(), Namespaces, ["a", "b", "c"]);
        map.Namespaces.Keys.Order().ShouldBe(Namespaces.Order());
        map.Pending.ShouldBeEmpty();
        foreach (var member in new[] { "a", "b", "c" }) map.NamespacesOf(member).Count().ShouldBeInRange(160, 240);
    }

    [Fact]
    public void A_joining_member_takes_about_a_quarter_and_only_from_the_others_in_two_steps()
    {
        var before = Settle(new ShardMap(), Namespaces, ["a", "b", "c"]);
        string[] four = ["a", "b", "c", "d"];
        // Step 1: what moves is taken away, not yet given: while a, b, c have not applied it, nobody new watches it.
        var step1 = ShardPlanner.Plan(before, Namespaces, four, four.ToDictionary(m => m, _ => before.Epoch), "a", Now)!;
        step1.Pending.Count.ShouldBeInRange(110, 190);
        step1.Pending.Values.ShouldAllBe(m => m == "d");
        step1.NamespacesOf("d").ShouldBeEmpty();
        // Until every live member has applied step 1, the pending namespaces stay pending.
        var notYet = four.ToDictionary(m => m, _ => step1.Epoch);
        notYet["b"] = before.Epoch;
        ShardPlanner.Plan(step1, Namespaces, four, notYet, "a", Now).ShouldBeNull();
        // Step 2: given to the new member; nothing else moved.
        var step2 = ShardPlanner.Plan(step1, Namespaces, four, four.ToDictionary(m => m, _ => step1.Epoch), "a", Now)!;
        step2.Pending.ShouldBeEmpty();
        var moved = Namespaces.Where(n => before.Namespaces[n] != step2.Namespaces[n]).ToList();
        moved.ShouldAllBe(n => step2.Namespaces[n] == "d");
        moved.Count.ShouldBe(step1.Pending.Count);
    }

    [Fact]
    public void A_dead_members_namespaces_move_at_once_and_only_they_move()
    {
        var before = Settle(new ShardMap(), Namespaces, ["a", "b", "c"]);
        string[] two = ["a", "c"];
        var after = ShardPlanner.Plan(before, Namespaces, two, two.ToDictionary(m => m, _ => before.Epoch), "a", Now)!;
        after.Pending.ShouldBeEmpty();
        after.Members.ShouldBe(two);
        foreach (var ns in Namespaces)
        {
            if (before.Namespaces[ns] == "b") after.Namespaces[ns].ShouldBeOneOf("a", "c");
            else after.Namespaces[ns].ShouldBe(before.Namespaces[ns]);
        }
    }

    [Fact]
    public void Deleted_namespaces_leave_the_map_new_ones_are_assigned_and_a_settled_map_is_not_rewritten()
    {
        var before = Settle(new ShardMap(), Namespaces, ["a", "b"]);
        ShardPlanner.Plan(before, Namespaces, ["a", "b"], new Dictionary<string, long> { ["a"] = before.Epoch, ["b"] = before.Epoch }, "a", Now).ShouldBeNull();
        string[] changed = [.. Namespaces.Skip(1), "new-team"];
        var after = ShardPlanner.Plan(before, changed, ["a", "b"], new Dictionary<string, long> { ["a"] = before.Epoch, ["b"] = before.Epoch }, "a", Now)!;
        after.Epoch.ShouldBe(before.Epoch + 1);
        after.Namespaces.ContainsKey(Namespaces[0]).ShouldBeFalse();
        after.Namespaces["new-team"].ShouldBeOneOf("a", "b");
    }

    [Fact]
    public void With_no_live_member_nothing_stays_assigned()
    {
        var before = Settle(new ShardMap(), Namespaces, ["a", "b"]);
        var map = ShardPlanner.Plan(before, Namespaces, [], new Dictionary<string, long>(), "a", Now);
        map.ShouldNotBeNull();
        map.Namespaces.ShouldBeEmpty();
    }

    [Fact]
    public void The_map_survives_its_JSON_form_and_a_hand_edited_map_is_refused_not_thrown()
    {
        var map = Settle(new ShardMap(), Namespaces, ["a", "b"]);
        var back = ShardMap.Parse(map.ToJson())!;
        back.Epoch.ShouldBe(map.Epoch);
        back.Namespaces.Count.ShouldBe(map.Namespaces.Count);
        back.Namespaces["team-7"].ShouldBe(map.Namespaces["team-7"]);
        ShardMap.Parse("{not json").ShouldBeNull();
        LedgerEntry.Parse("epoch 12\nPod|x|Pod/a/b\n")!.Fingerprints.ShouldBe(["Pod|x|Pod/a/b"]);
        LedgerEntry.Parse("garbage").ShouldBeNull();
    }
}
