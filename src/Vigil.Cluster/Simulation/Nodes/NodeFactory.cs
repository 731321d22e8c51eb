using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Simulation.Nodes;

/// <summary>
/// The Node objects a kubelet registers: labels, addresses, capacity, node info. Nodes given in manifests keep what they
/// say and get the rest from here.
/// </summary>
internal static class NodeFactory
{
    public const string Region = "vigil-1";
    public static readonly string[] Zones = ["vigil-1a", "vigil-1b", "vigil-1c"];
    public const string DefaultCpu = "4";
    public const string DefaultMemory = "16Gi";
    public const string DefaultPods = "110";
    public const string DefaultEphemeralStorage = "100Gi";
    public const string ContainerRuntime = "containerd://2.0.4";
    public const string KernelVersion = "6.8.0-vigil";
    public const string OsImage = "Debian GNU/Linux 12 (bookworm)";

    public static string NameOf(int index) => "node-" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>A node as <c>--nodes N</c> creates it (status included: the kubelet registers with it).</summary>
    public static JsonObject Create(string name, int ordinal)
    {
        var node = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = new JsonObject(),
                ["annotations"] = new JsonObject
                {
                    ["node.alpha.kubernetes.io/ttl"] = "0",
                    ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true",
                },
            },
            ["spec"] = new JsonObject(),
        };
        EnsureMetadataAndSpec(node, ordinal);
        return node;
    }

    /// <summary>Adds the labels the kubelet sets and the pod range the IPAM controller assigns; true when anything changed.</summary>
    public static bool EnsureMetadataAndSpec(JsonObject node, int ordinal)
    {
        var name = Vigil.Cluster.Api.Meta.Name(node) ?? "";
        var meta = Vigil.Cluster.Api.Meta.Metadata(node);
        if (meta["labels"] is not JsonObject labels)
        {
            labels = new JsonObject();
            meta["labels"] = labels;
        }
        var changed = false;
        void Label(string key, string value)
        {
            if (labels.ContainsKey(key)) return;
            labels[key] = value;
            changed = true;
        }
        var cpu = Api.Quantity.From(node["status"]?["capacity"]?["cpu"]);
        var cpus = cpu.Value > 0 ? cpu.ToCpuString() : DefaultCpu;
        Label("beta.kubernetes.io/arch", "amd64");
        Label("beta.kubernetes.io/os", "linux");
        Label("kubernetes.io/arch", "amd64");
        Label("kubernetes.io/hostname", name);
        Label("kubernetes.io/os", "linux");
        Label("node.kubernetes.io/instance-type", "standard-" + cpus);
        Label("topology.kubernetes.io/region", Region);
        Label("topology.kubernetes.io/zone", Zones[ordinal % Zones.Length]);
        if (node["spec"] is not JsonObject spec)
        {
            spec = new JsonObject();
            node["spec"] = spec;
        }
        if (spec["podCIDR"] is null)
        {
            var cidr = NodeAddresses.PodCidr(ordinal);
            spec["podCIDR"] = cidr;
            spec["podCIDRs"] = new JsonArray(cidr);
            changed = true;
        }
        if (spec["providerID"] is null)
        {
            spec["providerID"] = "vigil://" + name;
            changed = true;
        }
        return changed;
    }

    /// <summary>Fills the status a kubelet reports about its machine (capacity, addresses, node info); true when anything changed.</summary>
    public static bool EnsureStatus(JsonObject node, int ordinal, string kubeletVersion)
    {
        var name = Vigil.Cluster.Api.Meta.Name(node) ?? "";
        var status = Api.Defaulting.Obj(node, "status");
        var changed = false;
        if (status["capacity"] is not JsonObject capacity)
        {
            capacity = new JsonObject();
            status["capacity"] = capacity;
        }
        foreach (var (key, value) in new[] { ("cpu", DefaultCpu), ("ephemeral-storage", DefaultEphemeralStorage), ("hugepages-1Gi", "0"), ("hugepages-2Mi", "0"), ("memory", DefaultMemory), ("pods", DefaultPods) })
            if (!capacity.ContainsKey(key))
            {
                capacity[key] = value;
                changed = true;
            }
        if (status["allocatable"] is not JsonObject)
        {
            status["allocatable"] = capacity.DeepClone();
            changed = true;
        }
        if (status["addresses"] is not JsonArray)
        {
            status["addresses"] = new JsonArray(
                new JsonObject { ["address"] = NodeAddresses.InternalIp(ordinal), ["type"] = "InternalIP" },
                new JsonObject { ["address"] = name, ["type"] = "Hostname" });
            changed = true;
        }
        if (status["daemonEndpoints"] is not JsonObject)
        {
            status["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } };
            changed = true;
        }
        var info = status["nodeInfo"] as JsonObject;
        if (info is null)
        {
            info = new JsonObject
            {
                ["architecture"] = "amd64",
                ["bootID"] = Uuid(name + "/boot"),
                ["containerRuntimeVersion"] = ContainerRuntime,
                ["kernelVersion"] = KernelVersion,
                ["kubeProxyVersion"] = "",
                ["kubeletVersion"] = kubeletVersion,
                ["machineID"] = Uuid(name + "/machine").Replace("-", "", StringComparison.Ordinal),
                ["operatingSystem"] = "linux",
                ["osImage"] = OsImage,
                ["systemUUID"] = Uuid(name + "/system"),
            };
            status["nodeInfo"] = info;
            changed = true;
        }
        return changed;
    }

    /// <summary>A stable UUID-shaped identifier derived from a name.</summary>
    public static string Uuid(string seed)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }
}
