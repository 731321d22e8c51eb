using System.Text;

namespace Vigil.Operator.Sharding;

/// <summary>
/// Rendezvous (highest random weight) hashing: a namespace goes to the member with the highest hash of
/// (member, namespace). When a member joins it takes about 1/n of the namespaces, each from whoever had it; when one
/// leaves only its own namespaces move. Unlike jump hash it needs no bucket numbering, so members are plain names and
/// nothing depends on their order or on how many there were before.
/// </summary>
public static class Rendezvous
{
    public static string? Owner(string @namespace, IReadOnlyList<string> members)
    {
        string? best = null;
        ulong bestScore = 0;
        foreach (var member in members)
        {
            var score = Score(member, @namespace);
            // Ties (practically impossible) go to the smaller name, so every replica computes the same owner.
            if (best is null || score > bestScore || (score == bestScore && string.CompareOrdinal(member, best) < 0))
            {
                best = member;
                bestScore = score;
            }
        }
        return best;
    }

    /// <summary>FNV-1a 64 over "member\0namespace", finished with SplitMix64 so similar names spread evenly.</summary>
    public static ulong Score(string member, string @namespace)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(member + "\0" + @namespace))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        hash ^= hash >> 30;
        hash *= 0xbf58476d1ce4e5b9UL;
        hash ^= hash >> 27;
        hash *= 0x94d049bb133111ebUL;
        hash ^= hash >> 31;
        return hash;
    }
}
