using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Selectors;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// The Endpoints controller: for each Service with a selector, an Endpoints object of the same name listing the
/// matching pods that have an IP: ready pods under <c>addresses</c>, others under <c>notReadyAddresses</c> (all under
/// addresses with <c>publishNotReadyAddresses</c>), with target ports resolved by name from the pods' container ports,
/// grouped into subsets by port set.
/// </summary>
public sealed class EndpointsController : Controller
{
    private readonly SelectorIndex _selectors = new();

    public EndpointsController(ControllerHub hub) : base(hub, "endpoint-controller", workers: 2)
    {
        hub.Subscribe(hub.Services, c =>
        {
            var selector = Meta.StringMap(c.Node["spec"]?["selector"]);
            _selectors.Set(c.Key, c.Kind == WatchEventType.Deleted || selector.Count == 0 ? null : LabelSelector.FromSet(selector));
            Enqueue(c.Key);
        });
        hub.Subscribe(hub.Endpoints, c =>
        {
            if (c.Kind == WatchEventType.Deleted && _selectors.Contains(c.Key)) Enqueue(c.Key);
        });
        hub.Subscribe(hub.Pods, c =>
        {
            foreach (var key in _selectors.Matching(c.Namespace, c.Object.Labels, c.Previous?.Labels)) Enqueue(key);
        });
    }

    public override void Resync()
    {
        foreach (var svc in Hub.List(Hub.Services, null))
        {
            var selector = Meta.StringMap(svc["spec"]?["selector"]);
            if (selector.Count > 0) _selectors.Set(new ObjectKey(Json.Namespace(svc), Json.Name(svc)), LabelSelector.FromSet(selector));
        }
        EnqueueAll(Hub.Services);
    }

    protected override TimeSpan? Sync(ObjectKey key)
    {
        var svc = Hub.Get(Hub.Services, key.Namespace, key.Name);
        var existing = Hub.Get(Hub.Endpoints, key.Namespace, key.Name);
        if (svc is null)
        {
            if (existing is not null) Delete(Hub.Endpoints, key.Namespace, key.Name);
            return null;
        }
        var selectorMap = Meta.StringMap(svc["spec"]?["selector"]);
        if (selectorMap.Count == 0) return null;
        var selector = LabelSelector.FromSet(selectorMap);
        var publishNotReady = Json.Bool(svc["spec"]?["publishNotReadyAddresses"]);
        var servicePorts = (svc["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var headless = Meta.Str(svc["spec"], "clusterIP") == "None";

        // (port set) → (ready addresses, not ready addresses)
        var subsets = new SortedDictionary<string, (JsonArray Ports, List<JsonObject> Ready, List<JsonObject> NotReady)>(StringComparer.Ordinal);
        foreach (var stored in Ops.Store.List(Hub.Pods.StorageKey, key.Namespace, s => selector.Matches(s.Labels)).Items)
        {
            var pod = stored.ToNode();
            if (!ShouldBeInEndpoints(pod, publishNotReady)) continue;
            var address = Address(pod, svc);
            var ready = publishNotReady || PodState.IsReady(pod);
            var ports = new JsonArray();
            foreach (var sp in servicePorts)
            {
                if (FindPort(pod, sp) is not { } port) continue;
                var ep = new JsonObject();
                if (Meta.Str(sp, "name") is { Length: > 0 } name) ep["name"] = name;
                ep["port"] = port;
                ep["protocol"] = Meta.Str(sp, "protocol") ?? "TCP";
                if (Meta.Str(sp, "appProtocol") is { } app) ep["appProtocol"] = app;
                ports.Add(ep);
            }
            if (servicePorts.Count > 0 && ports.Count == 0) continue;
            if (servicePorts.Count == 0 && !headless) continue;
            var sortedPorts = new JsonArray([.. ports.OfType<JsonObject>().OrderBy(p => Meta.Str(p, "name") ?? "", StringComparer.Ordinal)
                .ThenBy(p => Json.Long(p["port"])).Select(p => p.DeepClone())]);
            var portKey = Json.Canonical(sortedPorts);
            if (!subsets.TryGetValue(portKey, out var subset)) subsets[portKey] = subset = (sortedPorts, [], []);
            (ready ? subset.Ready : subset.NotReady).Add(address);
        }

        var subsetArray = new JsonArray();
        foreach (var (_, (ports, ready, notReady)) in subsets)
        {
            var subset = new JsonObject();
            if (ready.Count > 0) subset["addresses"] = new JsonArray([.. ready.OrderBy(a => Ip(a), Comparer<(int, int, int, int)>.Default).Select(a => (JsonNode)a)]);
            if (notReady.Count > 0) subset["notReadyAddresses"] = new JsonArray([.. notReady.OrderBy(a => Ip(a), Comparer<(int, int, int, int)>.Default).Select(a => (JsonNode)a)]);
            if (ports.Count > 0) subset["ports"] = ports;
            subsetArray.Add(subset);
        }
        var labels = (JsonObject)(svc["metadata"]?["labels"]?.DeepClone() ?? new JsonObject());
        if (headless) labels["service.kubernetes.io/headless"] = "";
        if (existing is null)
        {
            var endpoints = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Endpoints",
                ["metadata"] = new JsonObject { ["name"] = key.Name, ["namespace"] = key.Namespace, ["labels"] = labels },
            };
            if (subsetArray.Count > 0) endpoints["subsets"] = subsetArray;
            try
            {
                Create(Hub.Endpoints, key.Namespace, endpoints);
            }
            catch (ApiException e) when (e.Reason == "AlreadyExists")
            {
                return TimeSpan.Zero;
            }
            return null;
        }
        Update(Hub.Endpoints, key.Namespace, key.Name, o =>
        {
            var before = Json.Canonical(o["subsets"]) + Json.Canonical(o["metadata"]?["labels"]);
            if (subsetArray.Count > 0) o["subsets"] = subsetArray.DeepClone();
            else o.Remove("subsets");
            if (labels.Count > 0) Meta.Metadata(o)["labels"] = labels.DeepClone();
            else Meta.Metadata(o).Remove("labels");
            return before != Json.Canonical(o["subsets"]) + Json.Canonical(o["metadata"]?["labels"]);
        });
        return null;
    }

    private static bool ShouldBeInEndpoints(JsonObject pod, bool includeTerminating)
    {
        if (string.IsNullOrEmpty(Meta.Str(pod["status"], "podIP"))) return false;
        if (!includeTerminating && Meta.IsDeleting(pod)) return false;
        return Meta.Str(pod["spec"], "restartPolicy") switch
        {
            "Never" => !PodState.IsTerminal(pod),
            "OnFailure" => PodState.Phase(pod) != "Succeeded",
            _ => true,
        };
    }

    private static JsonObject Address(JsonObject pod, JsonObject svc)
    {
        var address = new JsonObject { ["ip"] = Meta.Str(pod["status"], "podIP") };
        if (Meta.Str(pod["spec"], "hostname") is { Length: > 0 } hostname && Meta.Str(pod["spec"], "subdomain") == Json.Name(svc))
            address["hostname"] = hostname;
        if (PodState.NodeName(pod) is { } node) address["nodeName"] = node;
        address["targetRef"] = new JsonObject
        {
            ["kind"] = "Pod",
            ["namespace"] = Json.Namespace(pod),
            ["name"] = Json.Name(pod),
            ["uid"] = Json.Uid(pod),
        };
        return address;
    }

    /// <summary>The pod's port for a service port: the number, or the container port of that name and protocol.</summary>
    private static long? FindPort(JsonObject pod, JsonObject servicePort)
    {
        var target = servicePort["targetPort"] ?? servicePort["port"];
        if (target is JsonValue v && v.TryGetValue<long>(out var number)) return number;
        var name = target?.GetValue<string>();
        if (name is null) return null;
        if (long.TryParse(name, out var parsed)) return parsed;
        var protocol = Meta.Str(servicePort, "protocol") ?? "TCP";
        foreach (var c in (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>())
            foreach (var p in (c["ports"] as JsonArray ?? []).OfType<JsonObject>())
                if (Meta.Str(p, "name") == name && (Meta.Str(p, "protocol") ?? "TCP") == protocol) return Json.Long(p["containerPort"]);
        return null;
    }

    private static (int, int, int, int) Ip(JsonObject address)
    {
        var parts = (Meta.Str(address, "ip") ?? "").Split('.');
        int P(int i) => parts.Length > i && int.TryParse(parts[i], out var n) ? n : 0;
        return (P(0), P(1), P(2), P(3));
    }
}
