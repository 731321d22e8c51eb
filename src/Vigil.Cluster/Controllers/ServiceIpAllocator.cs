using System.Net;
using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Registry;

namespace Vigil.Cluster.Controllers;

/// <summary>
/// Gives each new Service a cluster IP from 10.96.0.0/12 (the kubeadm default), as the apiserver's allocator does;
/// headless services (<c>clusterIP: None</c>) and ExternalName services get none. A requested IP already taken is refused.
/// </summary>
public sealed class ServiceIpAllocator : IAdmissionPlugin
{
    private const uint Base = (10u << 24) | (96u << 16);
    private const uint Size = 1u << 20;
    private readonly Lock _gate = new();
    private readonly HashSet<uint> _used = [];
    private uint _next = 1;

    public void Admit(AdmissionRequest request)
    {
        if (request.Type.Group != "" || request.Type.Plural != "services" || request.Object is not { } svc) return;
        var spec = Defaulting.Obj(svc, "spec");
        if (request.Operation == AdmissionOperation.Update)
        {
            // The cluster IP is immutable once set.
            if (request.OldObject?["spec"]?["clusterIP"] is { } oldIp) spec["clusterIP"] = oldIp.DeepClone();
            if (request.OldObject?["spec"]?["clusterIPs"] is { } oldIps) spec["clusterIPs"] = oldIps.DeepClone();
            return;
        }
        if (request.Operation != AdmissionOperation.Create || Meta.Str(spec, "type") == "ExternalName") return;
        var requested = Meta.Str(spec, "clusterIP");
        if (requested == "None")
        {
            spec["clusterIPs"] = new JsonArray("None");
            return;
        }
        string ip;
        lock (_gate)
        {
            if (!string.IsNullOrEmpty(requested))
            {
                if (!IPAddress.TryParse(requested, out var parsed) || !TryOffset(parsed, out var offset))
                    throw ApiException.Invalid("Service", Meta.Name(svc) ?? "", [new("FieldValueInvalid", $"Invalid value: \"{requested}\": provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12", "spec.clusterIPs")]);
                if (!request.DryRun && !_used.Add(offset))
                    throw ApiException.Invalid("Service", Meta.Name(svc) ?? "", [new("FieldValueInvalid", $"Invalid value: []string{{\"{requested}\"}}: failed to allocate IP {requested}: provided IP is already allocated", "spec.clusterIPs")]);
                ip = requested;
            }
            else
            {
                var offset = NextFree();
                if (!request.DryRun) _used.Add(offset);
                ip = Format(Base + offset);
            }
        }
        spec["clusterIP"] = ip;
        spec["clusterIPs"] = new JsonArray(ip);
        spec.TryAdd("ipFamilies", new JsonArray("IPv4"));
        spec.TryAdd("ipFamilyPolicy", "SingleStack");
        spec.TryAdd("internalTrafficPolicy", "Cluster");
    }

    private uint NextFree()
    {
        for (uint i = 0; i < Size - 2; i++)
        {
            var candidate = (_next + i) % (Size - 2) + 1;
            if (candidate == 10 || _used.Contains(candidate)) continue; // .10 is kept for cluster DNS
            _next = candidate + 1;
            return candidate;
        }
        throw new ApiException(500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full");
    }

    private static bool TryOffset(IPAddress ip, out uint offset)
    {
        var b = ip.GetAddressBytes();
        offset = 0;
        if (b.Length != 4) return false;
        var value = ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
        if (value <= Base || value >= Base + Size - 1) return false;
        offset = value - Base;
        return true;
    }

    private static string Format(uint value) => $"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}";
}
