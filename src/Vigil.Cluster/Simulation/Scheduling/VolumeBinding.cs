using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Simulation.Nodes;
using Vigil.Cluster.Simulation.Workloads;

namespace Vigil.Cluster.Simulation.Scheduling;

/// <summary>A PersistentVolume as VolumeBinding's node checks see it: its size and the nodes it can be used from.</summary>
internal sealed record VolumeCandidate(string Name, decimal Capacity, IReadOnlyList<NodeSelectorTerm>? Terms)
{
    public bool Reachable(NodeRecord node) => Terms is null || Terms.Any(t => t.Matches(node.Name, node.Labels));

    public static IReadOnlyList<NodeSelectorTerm>? ParseTerms(byte[] pvJson)
    {
        using var doc = JsonDocument.Parse(pvJson);
        if (!doc.RootElement.TryGetProperty("spec", out var spec) || !spec.TryGetProperty("nodeAffinity", out var na) || na.ValueKind != JsonValueKind.Object
            || !na.TryGetProperty("required", out var req) || req.ValueKind != JsonValueKind.Object
            || !req.TryGetProperty("nodeSelectorTerms", out var nst) || nst.ValueKind != JsonValueKind.Array)
            return null;
        var terms = new List<NodeSelectorTerm>();
        foreach (var t in nst.EnumerateArray())
            terms.Add(new NodeSelectorTerm(NodeSelectorRequirement.Parse(t, "matchExpressions"), NodeSelectorRequirement.Parse(t, "matchFields")));
        return terms;
    }
}

/// <summary>An unbound claim whose class waits for its first consumer: the Available volumes that fit it, and whether its class can provision one.</summary>
internal sealed record DelayedClaim(string Name, IReadOnlyList<VolumeCandidate> Candidates, bool CanProvision);

/// <summary>
/// kube-scheduler's VolumeBinding plugin for one pod: a bound claim's volume must be reachable from the node
/// ("node(s) had volume node affinity conflict"); a claim that waits for its first consumer needs an Available volume
/// that fits it and is reachable from the node, or a class that can provision one ("node(s) didn't find available
/// persistent volumes to bind" otherwise, as for <c>kubernetes.io/no-provisioner</c>). Before the pod is bound, the
/// chosen volumes are pre-bound to their claims (<c>claimRef</c>) and claims to provision learn the node
/// (<c>volume.kubernetes.io/selected-node</c>); the persistentvolume controller completes the binding.
/// </summary>
internal sealed class VolumeBinding
{
    public const string NoProvisioner = "kubernetes.io/no-provisioner";
    public const string SelectedNode = "volume.kubernetes.io/selected-node";
    public const string AffinityConflict = "node(s) had volume node affinity conflict";
    public const string NoVolumes = "node(s) didn't find available persistent volumes to bind";

    private readonly List<VolumeCandidate> _bound = [];
    private readonly List<DelayedClaim> _delayed = [];

    public bool IsEmpty => _bound.Count == 0 && _delayed.Count == 0;

    /// <summary>Reads the pod's claims and the volumes they may use (claims already known to exist and not be immediate-unbound).</summary>
    public static VolumeBinding For(ResourceOperations ops, string ns, IReadOnlyList<string> claims)
    {
        var result = new VolumeBinding();
        if (claims.Count == 0) return result;
        var claimType = ops.Registry.Find("", "v1", "persistentvolumeclaims")!;
        var pvType = ops.Registry.Find("", "v1", "persistentvolumes")!;
        var classes = ops.Registry.Find("storage.k8s.io", "v1", "storageclasses")!;
        List<(JsonObject Pv, byte[] Json)>? volumes = null;
        foreach (var claimName in claims.Distinct())
        {
            if (ops.TryGetStored(claimType, ns, claimName) is not { } stored) continue;
            var pvc = stored.ToNode();
            if (Meta.Str(pvc["status"], "phase") == "Bound" || Meta.Str(pvc["spec"], "volumeName") is { Length: > 0 })
            {
                if (Meta.Str(pvc["spec"], "volumeName") is { Length: > 0 } volumeName && ops.TryGetStored(pvType, null, volumeName) is { } pv)
                    result._bound.Add(new VolumeCandidate(volumeName, 0, VolumeCandidate.ParseTerms(pv.Json)));
                continue;
            }
            var className = Meta.Str(pvc["spec"], "storageClassName") ?? "";
            var sc = className.Length > 0 && ops.TryGetStored(classes, null, className) is { } s ? s.ToNode() : null;
            if (Meta.Str(sc, "volumeBindingMode") != "WaitForFirstConsumer") continue;
            volumes ??= [.. ops.Store.List(pvType.StorageKey, null, null).Items.Select(i => (i.ToNode(), i.Json))];
            var uid = Json.Uid(pvc);
            var candidates = volumes
                .Where(v => !Meta.IsDeleting(v.Pv) && Meta.Str(v.Pv["status"], "phase") is "Available" or "Pending" or null
                            && (Meta.Str(v.Pv["spec"]?["claimRef"], "uid") is not { } owner || owner == uid)
                            && (Meta.Str(v.Pv["spec"], "storageClassName") ?? "") == className && StorageController.Fits(v.Pv, pvc))
                .Select(v => new VolumeCandidate(Json.Name(v.Pv), Quantity.From(v.Pv["spec"]?["capacity"]?["storage"]).Value, VolumeCandidate.ParseTerms(v.Json)))
                .OrderBy(v => v.Capacity).ThenBy(v => v.Name, StringComparer.Ordinal)
                .ToList();
            result._delayed.Add(new DelayedClaim(claimName, candidates, Meta.Str(sc, "provisioner") is { Length: > 0 } p && p != NoProvisioner));
        }
        return result;
    }

    /// <summary>The reason the node cannot take the pod's volumes, or null when it can.</summary>
    public string? Check(NodeRecord node)
    {
        foreach (var volume in _bound)
            if (!volume.Reachable(node)) return AffinityConflict;
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in _delayed)
        {
            var match = claim.Candidates.FirstOrDefault(v => !taken.Contains(v.Name) && v.Reachable(node));
            if (match is not null) taken.Add(match.Name);
            else if (!claim.CanProvision) return NoVolumes;
        }
        return null;
    }

    /// <summary>The volume each waiting claim gets on <paramref name="node"/> (null: to be provisioned there).</summary>
    public IEnumerable<(string Claim, string? Volume)> Choose(NodeRecord node)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in _delayed)
        {
            var match = claim.Candidates.FirstOrDefault(v => !taken.Contains(v.Name) && v.Reachable(node));
            if (match is not null) taken.Add(match.Name);
            yield return (claim.Name, match?.Name);
        }
    }

    /// <summary>Pre-binds the chosen volumes to their claims and marks the claims to provision with the node (the plugin's PreBind).</summary>
    public static void PreBind(ResourceOperations ops, string ns, string node, IEnumerable<(string Claim, string? Volume)> choices)
    {
        var claimType = ops.Registry.Find("", "v1", "persistentvolumeclaims")!;
        var pvType = ops.Registry.Find("", "v1", "persistentvolumes")!;
        foreach (var (claimName, volume) in choices)
        {
            if (ops.TryGetStored(claimType, ns, claimName) is not { } stored) continue;
            var pvc = stored.ToNode();
            if (Meta.Str(pvc["status"], "phase") == "Bound" || Meta.Str(pvc["spec"], "volumeName") is { Length: > 0 }) continue;
            if (volume is null)
            {
                ops.Mutate(claimType, ns, claimName, o =>
                {
                    var annotations = Defaulting.Obj(Meta.Metadata(o), "annotations");
                    if (annotations.ContainsKey(SelectedNode)) return false;
                    annotations[SelectedNode] = node;
                    return true;
                }, fieldManager: "kube-scheduler");
                continue;
            }
            ops.Mutate(pvType, null, volume, o =>
            {
                if (Meta.Str(o["spec"]?["claimRef"], "uid") is { } owner) return false;
                var claimRef = new JsonObject
                {
                    ["kind"] = "PersistentVolumeClaim",
                    ["namespace"] = ns,
                    ["name"] = claimName,
                    ["uid"] = Json.Uid(pvc),
                    ["apiVersion"] = "v1",
                };
                if (Meta.ResourceVersion(pvc) is { } rv) claimRef["resourceVersion"] = rv;
                Defaulting.Obj(o, "spec")["claimRef"] = claimRef;
                Defaulting.Obj(Meta.Metadata(o), "annotations")["pv.kubernetes.io/bound-by-controller"] = "yes";
                return true;
            }, fieldManager: "kube-scheduler");
        }
    }
}
