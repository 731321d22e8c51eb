using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// What ResourceQuotas count (the quota evaluators): pods and their compute requests and limits, object counts
/// (<c>pods</c>, <c>services</c>, <c>configmaps</c>, <c>secrets</c>, <c>persistentvolumeclaims</c>,
/// <c>replicationcontrollers</c>, <c>resourcequotas</c>, <c>count/&lt;resource&gt;[.&lt;group&gt;]</c>), service node ports
/// and load balancers, and claimed storage (also per storage class).
/// </summary>
public static class QuotaUsage
{
    /// <summary>The compute resources a pod must declare when a quota constrains them.</summary>
    public static readonly HashSet<string> ComputeResources =
        ["cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"];

    private static readonly Dictionary<string, string> CoreCounts = new(StringComparer.Ordinal)
    {
        ["pods"] = "pods",
        ["services"] = "services",
        ["configmaps"] = "configmaps",
        ["secrets"] = "secrets",
        ["persistentvolumeclaims"] = "persistentvolumeclaims",
        ["replicationcontrollers"] = "replicationcontrollers",
        ["resourcequotas"] = "resourcequotas",
    };

    /// <summary>The usage one object adds, for the resources a quota names.</summary>
    public static Dictionary<string, Quantity> Of(ResourceType type, JsonObject obj, IEnumerable<string> resources, DateTimeOffset now)
    {
        var usage = new Dictionary<string, Quantity>(StringComparer.Ordinal);
        var counted = type.Plural != "pods" || PodCounts(obj, now);
        foreach (var resource in resources)
        {
            var q = Single(type, obj, resource, counted);
            if (q is { } value) usage[resource] = value;
        }
        return usage;
    }

    /// <summary>The resources of <paramref name="hard"/> that objects of <paramref name="type"/> are counted in.</summary>
    public static bool Covers(ResourceType type, string resource) => Single(type, null, resource, true) is not null;

    private static Quantity? Single(ResourceType type, JsonObject? obj, string resource, bool counted)
    {
        var countName = type.Group.Length == 0 ? $"count/{type.Plural}" : $"count/{type.Plural}.{type.Group}";
        if (resource == countName || (type.Group.Length == 0 && CoreCounts.TryGetValue(resource, out var plural) && plural == type.Plural))
            return counted ? new Quantity(1) : Quantity.Zero;
        if (type.Group.Length != 0) return null;
        switch (type.Plural)
        {
            case "pods":
                string? kind = resource switch
                {
                    "cpu" or "requests.cpu" => "requests/cpu",
                    "memory" or "requests.memory" => "requests/memory",
                    "ephemeral-storage" or "requests.ephemeral-storage" => "requests/ephemeral-storage",
                    "limits.cpu" => "limits/cpu",
                    "limits.memory" => "limits/memory",
                    "limits.ephemeral-storage" => "limits/ephemeral-storage",
                    _ => null,
                };
                if (kind is null) return null;
                if (obj is null) return Quantity.Zero;
                if (!counted) return Quantity.Zero;
                var parts = kind.Split('/');
                return PodResource(obj, parts[0], parts[1]);
            case "services":
                if (resource == "services.loadbalancers")
                    return obj is null ? Quantity.Zero : new Quantity(Meta.Str(obj["spec"], "type") == "LoadBalancer" ? 1 : 0);
                if (resource == "services.nodeports")
                {
                    if (obj is null) return Quantity.Zero;
                    var t = Meta.Str(obj["spec"], "type");
                    return new Quantity(t is "NodePort" or "LoadBalancer" ? (obj["spec"]?["ports"] as JsonArray ?? []).Count : 0);
                }
                return null;
            case "persistentvolumeclaims":
                var suffix = ".storageclass.storage.k8s.io/";
                var className = obj is null ? null : Meta.Str(obj["spec"], "storageClassName") ?? "";
                if (resource.Contains(suffix, StringComparison.Ordinal))
                {
                    var cls = resource[..resource.IndexOf(suffix, StringComparison.Ordinal)];
                    var what = resource[(resource.IndexOf(suffix, StringComparison.Ordinal) + suffix.Length)..];
                    if (what is not ("requests.storage" or "persistentvolumeclaims")) return null;
                    if (obj is null) return Quantity.Zero;
                    if (className != cls) return Quantity.Zero;
                    return what == "persistentvolumeclaims" ? new Quantity(1) : Quantity.From(obj["spec"]?["resources"]?["requests"]?["storage"]);
                }
                if (resource == "requests.storage")
                    return obj is null ? Quantity.Zero : Quantity.From(obj["spec"]?["resources"]?["requests"]?["storage"]);
                return null;
            default:
                return null;
        }
    }

    /// <summary>A pod counts against quota until it finishes or outlives its grace period while deleting.</summary>
    public static bool PodCounts(JsonObject pod, DateTimeOffset now)
    {
        if (PodState.IsTerminal(pod)) return false;
        if (Json.Time(pod["metadata"], "deletionTimestamp") is { } deleting && pod["metadata"]?["deletionGracePeriodSeconds"] is not null
            && deleting.AddSeconds(Json.Long(pod["metadata"]?["deletionGracePeriodSeconds"])) < now)
            return false;
        return true;
    }

    /// <summary>The pod's effective request or limit: containers summed, init containers' maximum, plus overhead.</summary>
    public static Quantity PodResource(JsonObject pod, string field, string name)
    {
        Quantity Of(JsonObject c)
        {
            var resources = c["resources"];
            var value = resources?[field]?[name];
            // A limit without a request is also the request (apiserver defaulting).
            if (value is null && field == "requests") value = resources?["limits"]?[name];
            return Quantity.From(value);
        }
        var sum = Quantity.Zero;
        foreach (var c in (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>()) sum += Of(c);
        foreach (var c in (pod["spec"]?["initContainers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var init = Of(c);
            if (init > sum) sum = init;
        }
        sum += Quantity.From(pod["spec"]?["overhead"]?[name]);
        return sum;
    }

    /// <summary>
    /// The compute resources the quota constrains that a container does not declare, as
    /// <c>must specify requests.cpu for: app; requests.memory for: app</c>; null when every container declares them.
    /// </summary>
    public static string? MissingConstraints(JsonObject pod, IEnumerable<string> hard)
    {
        var required = hard.Where(ComputeResources.Contains).ToHashSet(StringComparer.Ordinal);
        if (required.Count == 0) return null;
        var missing = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var list in new[] { "containers", "initContainers" })
            foreach (var c in (pod["spec"]?[list] as JsonArray ?? []).OfType<JsonObject>())
            {
                var requests = c["resources"]?["requests"] as JsonObject;
                var limits = c["resources"]?["limits"] as JsonObject;
                var declared = new HashSet<string>(StringComparer.Ordinal);
                foreach (var r in new[] { "cpu", "memory" })
                {
                    if (requests?[r] is not null || limits?[r] is not null) declared.UnionWith([r, $"requests.{r}"]);
                    if (limits?[r] is not null) declared.Add($"limits.{r}");
                }
                foreach (var r in required.Where(r => !declared.Contains(r)))
                {
                    if (!missing.TryGetValue(r, out var names)) missing[r] = names = new SortedSet<string>(StringComparer.Ordinal);
                    names.Add(Meta.Str(c, "name") ?? "");
                }
            }
        return missing.Count == 0 ? null : "must specify " + string.Join("; ", missing.Select(m => $"{m.Key} for: {string.Join(',', m.Value)}"));
    }

    /// <summary>A quantity the way the apiserver prints it: binary suffixes for memory-like values, milli for fractions.</summary>
    public static string Format(Quantity q, bool binary)
    {
        var v = q.Value;
        if (v == 0) return "0";
        if (v != decimal.Truncate(v))
        {
            var milli = v * 1000m;
            return milli == decimal.Truncate(milli) ? $"{(long)milli}m" : v.ToString(CultureInfo.InvariantCulture);
        }
        var n = (long)v;
        if (binary)
        {
            foreach (var (suffix, size) in new[] { ("Ei", 1L << 60), ("Pi", 1L << 50), ("Ti", 1L << 40), ("Gi", 1L << 30), ("Mi", 1L << 20), ("Ki", 1L << 10) })
                if (n % size == 0) return (n / size).ToString(CultureInfo.InvariantCulture) + suffix;
            return n.ToString(CultureInfo.InvariantCulture);
        }
        foreach (var (suffix, size) in new[] { ("E", 1_000_000_000_000_000_000L), ("P", 1_000_000_000_000_000L), ("T", 1_000_000_000_000L), ("G", 1_000_000_000L), ("M", 1_000_000L), ("k", 1_000L) })
            if (n % size == 0) return (n / size).ToString(CultureInfo.InvariantCulture) + suffix;
        return n.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Whether values of a resource print with binary suffixes (memory, storage), judged by how the quota wrote its limit.</summary>
    public static bool IsBinary(string resource, JsonNode? hardValue) =>
        hardValue?.ToString() is { } s && (s.EndsWith('i') || ((resource.Contains("memory", StringComparison.Ordinal) || resource.Contains("storage", StringComparison.Ordinal)) && !s.Any(char.IsAsciiLetter)));
}

/// <summary>
/// The ResourceQuota controller: <c>status.hard</c> mirrors <c>spec.hard</c> and <c>status.used</c> is recounted from the
/// namespace's objects whenever they change (and every five minutes).
/// </summary>
public sealed class ResourceQuotaController : Controller
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(5);
    private readonly ResourceType[] _counted;

    public ResourceQuotaController(ControllerHub hub) : base(hub, "resourcequota-controller")
    {
        _counted = [hub.Pods, hub.Services, hub.Pvcs, hub.ReplicationControllers, hub.Quotas, hub.Deployments, hub.ReplicaSets,
            hub.StatefulSets, hub.DaemonSets, hub.Jobs, hub.CronJobs, hub.Hpas, hub.Pdbs, hub.ServiceAccounts,
            hub.Ops.Registry.Find("", "v1", "configmaps")!, hub.Ops.Registry.Find("", "v1", "secrets")!];
        foreach (var type in _counted)
            hub.Subscribe(type, c =>
            {
                if (NeedsRecount(type, c) && (type == hub.Quotas || Ops.Store.List(hub.Quotas.StorageKey, c.Namespace, null, limit: 1).Items.Count > 0))
                    Enqueue(new ObjectKey(c.Namespace, ""));
            });
    }

    /// <summary>
    /// Creations are charged by admission; the controller recounts when a quota is added or changed and when usage
    /// goes down (replenishment): an object deleted, a pod finished, a service or claim changed. Recounting on every
    /// change would race with admission's charges.
    /// </summary>
    private bool NeedsRecount(ResourceType type, Change c)
    {
        if (type == Hub.Quotas) return c.Kind == WatchEventType.Added || (c.Kind == WatchEventType.Modified && !JsonNode.DeepEquals(c.Node["spec"], c.PreviousNode?["spec"]));
        if (c.Kind == WatchEventType.Deleted) return true;
        if (c.Kind != WatchEventType.Modified || c.PreviousNode is not { } previous) return false;
        if (type == Hub.Pods) return QuotaUsage.PodCounts(previous, Now) && !QuotaUsage.PodCounts(c.Node, Now);
        if (type == Hub.Services || type == Hub.Pvcs) return !JsonNode.DeepEquals(c.Node["spec"], previous["spec"]);
        return false;
    }

    public override void Resync()
    {
        foreach (var ns in Ops.Store.List(Hub.Quotas.StorageKey, null, null).Items.Select(q => q.Namespace ?? "").Distinct())
            Enqueue(new ObjectKey(ns, ""));
    }

    protected override TimeSpan? Sync(ObjectKey key)
    {
        var quotas = Hub.List(Hub.Quotas, key.Namespace).ToList();
        if (quotas.Count == 0) return null;
        foreach (var quota in quotas)
        {
            var used = Used(key.Namespace, quota);
            UpdateStatus(Hub.Quotas, key.Namespace, Json.Name(quota), o =>
            {
                var before = o["status"]?.DeepClone();
                var st = Json.Status(o);
                st["hard"] = o["spec"]?["hard"]?.DeepClone() ?? new JsonObject();
                st["used"] = used;
                return !JsonNode.DeepEquals(before, o["status"]);
            });
        }
        return Period;
    }

    /// <summary><c>status.used</c> for a quota, counted now.</summary>
    public JsonObject Used(string ns, JsonObject quota) => Count(Hub, ns, quota, _counted, Now);

    internal static JsonObject Count(ControllerHub hub, string ns, JsonObject quota, IEnumerable<ResourceType> known, DateTimeOffset now)
    {
        var hard = quota["spec"]?["hard"] as JsonObject ?? new JsonObject();
        var totals = hard.ToDictionary(kv => kv.Key, _ => Quantity.Zero, StringComparer.Ordinal);
        var types = known.ToList();
        foreach (var (resource, _) in hard)
            if (resource.StartsWith("count/", StringComparison.Ordinal) && CountedType(hub, resource) is { } t && !types.Contains(t)) types.Add(t);
        foreach (var type in types)
        {
            var resources = hard.Select(kv => kv.Key).Where(r => QuotaUsage.Covers(type, r)).ToList();
            if (resources.Count == 0) continue;
            foreach (var stored in hub.Ops.Store.List(type.StorageKey, ns, null).Items)
                foreach (var (resource, q) in QuotaUsage.Of(type, stored.ToNode(), resources, now))
                    totals[resource] += q;
        }
        var used = new JsonObject();
        foreach (var (resource, total) in totals.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            used[resource] = QuotaUsage.Format(total, QuotaUsage.IsBinary(resource, hard[resource]));
        return used;
    }

    private static ResourceType? CountedType(ControllerHub hub, string resource)
    {
        var name = resource["count/".Length..];
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var (plural, group) = dot < 0 ? (name, "") : (name[..dot], name[(dot + 1)..]);
        return hub.Ops.Registry.All.FirstOrDefault(r => r.Plural == plural && r.Group == group && r.View is null);
    }
}

/// <summary>
/// ResourceQuota admission: a create that would take a namespace's usage past a quota's limit is refused with the
/// apiserver's 403 (<c>exceeded quota: q, requested: ..., used: ..., limited: ...</c>); a pod that does not declare a
/// compute resource a quota constrains is refused (<c>failed quota: q: must specify requests.cpu for: app</c>); an
/// admitted create is charged to the quota's <c>status.used</c> at once, so quick successive creates see it.
/// </summary>
public sealed class ResourceQuotaAdmission(ControllerHub hub) : IAdmissionPlugin
{
    public void Admit(AdmissionRequest request)
    {
        if (request.Operation != AdmissionOperation.Create || request.Object is not { } obj || request.Subresource is not null) return;
        var type = request.Type;
        if (!type.Namespaced || type.View is not null) return;
        var ns = Json.Namespace(obj);
        if (ns.Length == 0) return;
        var quotas = hub.Ops.Store.List(hub.Quotas.StorageKey, ns, null).Items;
        if (quotas.Count == 0) return;
        var now = hub.Now;
        var resource = type.QualifiedPlural;
        var name = Json.Name(obj);
        if (name.Length == 0) name = Meta.Str(obj["metadata"], "generateName") ?? "Unknown";

        foreach (var stored in quotas)
        {
            var quota = stored.ToNode();
            var hard = quota["spec"]?["hard"] as JsonObject;
            if (hard is null || hard.Count == 0) continue;
            var covered = hard.Select(kv => kv.Key).Where(r => QuotaUsage.Covers(type, r)).ToList();
            if (covered.Count == 0) continue;
            if (type.StorageKey == hub.Pods.StorageKey && QuotaUsage.MissingConstraints(obj, covered) is { } missing)
                throw Forbidden(resource, name, $"failed quota: {stored.Name}: {missing}");
            var requested = QuotaUsage.Of(type, obj, covered, now).Where(kv => kv.Value.Value != 0).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            if (requested.Count == 0) continue;
            if (request.DryRun)
            {
                Check(quota, requested, resource, name, now);
                continue;
            }
            hub.Ops.Mutate(hub.Quotas, ns, stored.Name, q =>
            {
                var used = Check(q, requested, resource, name, now);
                var st = Json.Status(q);
                st["hard"] = q["spec"]?["hard"]?.DeepClone();
                var usedObj = new JsonObject();
                foreach (var (r, value) in used.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    usedObj[r] = QuotaUsage.Format(requested.TryGetValue(r, out var add) ? value + add : value, QuotaUsage.IsBinary(r, q["spec"]?["hard"]?[r]));
                st["used"] = usedObj;
                return true;
            }, "status", "resourcequota-admission");
        }
    }

    /// <summary>Throws the exceeded-quota error when the request does not fit; returns the quota's current usage.</summary>
    private Dictionary<string, Quantity> Check(JsonObject quota, Dictionary<string, Quantity> requested, string resource, string name, DateTimeOffset now)
    {
        var hard = quota["spec"]?["hard"] as JsonObject ?? new JsonObject();
        JsonObject usedObj;
        if (quota["status"]?["used"] is JsonObject known && quota["status"]?["hard"] is not null && hard.All(kv => known.ContainsKey(kv.Key))) usedObj = known;
        else usedObj = ResourceQuotaController.Count(hub, Json.Namespace(quota), quota, [hub.Pods, hub.Services, hub.Pvcs, hub.ReplicationControllers, hub.Quotas,
            hub.Ops.Registry.Find("", "v1", "configmaps")!, hub.Ops.Registry.Find("", "v1", "secrets")!], now);
        var used = hard.ToDictionary(kv => kv.Key, kv => Quantity.From(usedObj[kv.Key]), StringComparer.Ordinal);
        var exceeded = requested.Keys.Where(r => hard[r] is { } limit && used[r] + requested[r] > Quantity.From(limit)).OrderBy(r => r, StringComparer.Ordinal).ToList();
        if (exceeded.Count > 0)
        {
            string Print(Func<string, string> value) => string.Join(",", exceeded.Select(r => $"{r}={value(r)}"));
            var binary = exceeded.ToDictionary(r => r, r => QuotaUsage.IsBinary(r, hard[r]));
            throw Forbidden(resource, name,
                $"exceeded quota: {Json.Name(quota)}, requested: {Print(r => QuotaUsage.Format(requested[r], binary[r]))}, used: {Print(r => QuotaUsage.Format(used[r], binary[r]))}, limited: {Print(r => hard[r]!.ToString())}");
        }
        return used;
    }

    private static ApiException Forbidden(string resource, string name, string message) =>
        new(403, "Forbidden", $"{resource} \"{name}\" is forbidden: {message}", name, resource);
}
