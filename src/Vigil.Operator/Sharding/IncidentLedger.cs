using System.Text;
using Vigil.Kubernetes;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;

namespace Vigil.Operator.Sharding;

/// <summary>
/// What a replica has already diagnosed, per namespace, kept where the next owner of a namespace can read it: a ConfigMap
/// per replica (<c>vigil-ledger-&lt;identity&gt;</c>, labelled <c>vigil.io/ledger=true</c>) whose keys are namespaces
/// (<see cref="ClusterKey"/> for cluster-scoped resources) and whose values are the fingerprints of the incidents delivered
/// there that are still open or resolved within their detector's cooldown (what the replica would not deliver again),
/// after a first line <c>epoch N</c>: the shard map epoch at which the writer took the namespace. A new owner takes the entry
/// with the highest epoch, so an entry left behind by an earlier owner never wins over a later one.
/// </summary>
public sealed class IncidentLedger(KubernetesClient client, string @namespace, string identity)
{
    public const string LabelKey = "vigil.io/ledger";
    public const string NamePrefix = "vigil-ledger-";

    /// <summary>The key of cluster-scoped incidents (nodes): not a valid namespace name, so it cannot clash with one.</summary>
    public const string ClusterKey = "_cluster";

    // A ConfigMap holds at most 1 MiB; past this the oldest entries are left out (and at worst diagnosed again once).
    private const int MaxBytes = 900 * 1024;

    private readonly ResourceClient<ConfigMap> _configMaps = client.Resource<ConfigMap>();

    public string Name { get; } = NamePrefix + identity;

    public static string KeyOf(string? resourceNamespace) => resourceNamespace ?? ClusterKey;

    /// <summary>Writes this replica's entries (replacing what it wrote before).</summary>
    public async Task SaveAsync(IReadOnlyDictionary<string, LedgerEntry> entries, CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        var size = 0;
        foreach (var (key, entry) in entries.OrderByDescending(e => e.Value.Epoch))
        {
            var text = new StringBuilder().Append("epoch ").Append(entry.Epoch).Append('\n');
            foreach (var fingerprint in entry.Fingerprints) text.Append(fingerprint).Append('\n');
            if (size + text.Length > MaxBytes) break;
            size += text.Length;
            data[key] = text.ToString();
        }
        var map = new ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new ObjectMeta { Name = Name, Namespace = @namespace, Labels = new Dictionary<string, string> { [LabelKey] = "true" } },
            Data = data,
        };
        // Server-side apply: one request whether or not it exists, and no conflict with our own earlier writes.
        await _configMaps.ApplyAsync(map, "vigil", force: true, cancellationToken: cancellationToken);
    }

    /// <summary>The latest entry of each of <paramref name="keys"/> across every replica's ledger.</summary>
    public async Task<IReadOnlyDictionary<string, LedgerEntry>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, LedgerEntry>(StringComparer.Ordinal);
        if (keys.Count == 0) return result;
        var wanted = keys.ToHashSet(StringComparer.Ordinal);
        var ledgers = await _configMaps.ListAsync(@namespace, new ListOptions { LabelSelector = LabelKey + "=true" }, cancellationToken);
        foreach (var ledger in ledgers.Items)
        {
            foreach (var (key, text) in ledger.Data ?? new Dictionary<string, string>())
            {
                if (!wanted.Contains(key) || LedgerEntry.Parse(text) is not { } entry) continue;
                if (!result.TryGetValue(key, out var known) || entry.Epoch > known.Epoch) result[key] = entry;
            }
        }
        return result;
    }
}

/// <summary>One namespace's incidents in a ledger (open, or resolved within their cooldown).</summary>
public sealed record LedgerEntry(long Epoch, IReadOnlyCollection<string> Fingerprints)
{
    public static LedgerEntry? Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !lines[0].StartsWith("epoch ", StringComparison.Ordinal) || !long.TryParse(lines[0].AsSpan(6), out var epoch)) return null;
        return new LedgerEntry(epoch, lines[1..]);
    }
}
