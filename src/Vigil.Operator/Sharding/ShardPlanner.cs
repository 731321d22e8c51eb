namespace Vigil.Operator.Sharding;

/// <summary>
/// The leader's decision, as a pure function of what it observes: which namespaces exist, which members are live,
/// which map epoch each has applied. It moves a namespace between two live members in two steps, so that no
/// namespace is ever watched twice: first the map takes it away (it becomes <see cref="ShardMap.Pending"/>); once
/// every live member has applied that map — the old owner has stopped watching and recorded its incidents — the next
/// map gives it to its new owner. A namespace whose owner is gone, or that no one had, is assigned at once.
/// </summary>
public static class ShardPlanner
{
    /// <param name="current">The map in force (an empty map before the first).</param>
    /// <param name="namespaces">The namespaces to watch now.</param>
    /// <param name="live">Members whose Lease is current.</param>
    /// <param name="applied">The epoch each live member reports having applied.</param>
    /// <returns>The next map, or null when <paramref name="current"/> needs no change.</returns>
    public static ShardMap? Plan(ShardMap current, IReadOnlyCollection<string> namespaces, IReadOnlyCollection<string> live,
        IReadOnlyDictionary<string, long> applied, string leader, DateTimeOffset now)
    {
        var members = live.Order(StringComparer.Ordinal).ToList();
        var assigned = new Dictionary<string, string>(StringComparer.Ordinal);
        var pending = new Dictionary<string, string>(StringComparer.Ordinal);
        // The pending namespaces of the current map may move once every live member has applied it.
        var handedBack = members.All(m => applied.GetValueOrDefault(m) >= current.Epoch);
        var liveSet = members.ToHashSet(StringComparer.Ordinal);
        if (members.Count > 0)
        {
            foreach (var ns in namespaces)
            {
                var wanted = Rendezvous.Owner(ns, members)!;
                if (current.Namespaces.TryGetValue(ns, out var owner))
                {
                    if (owner == wanted || !liveSet.Contains(owner)) assigned[ns] = wanted;
                    else pending[ns] = wanted;
                }
                else if (current.Pending.ContainsKey(ns))
                {
                    if (handedBack) assigned[ns] = wanted;
                    else pending[ns] = wanted;
                }
                else
                {
                    assigned[ns] = wanted;
                }
            }
        }
        if (current.Members.SequenceEqual(members, StringComparer.Ordinal) && SameEntries(current.Namespaces, assigned) && SameEntries(current.Pending, pending))
            return null;
        return new ShardMap
        {
            Epoch = current.Epoch + 1,
            Leader = leader,
            UpdatedAt = now,
            Members = members,
            Namespaces = assigned,
            Pending = pending,
        };
    }

    private static bool SameEntries(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
