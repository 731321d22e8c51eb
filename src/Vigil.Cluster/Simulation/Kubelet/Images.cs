using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vigil.Cluster.Simulation.Kubelet;

/// <summary>Image references as the container runtime sees them: registry host, normalized name, digest, size.</summary>
internal static class Images
{
    /// <summary>The registry host of a reference (<c>docker.io</c> when the first component is not a host).</summary>
    public static string Host(string image)
    {
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return "docker.io";
        var first = image[..slash];
        return first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" ? first : "docker.io";
    }

    /// <summary>True for hosts under the reserved <c>.invalid</c> domain: they never resolve, so pulls fail.</summary>
    public static bool Unresolvable(string image)
    {
        var host = Host(image);
        var colon = host.LastIndexOf(':');
        if (colon > 0) host = host[..colon];
        return host == "invalid" || host.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The fully qualified reference containerd reports (<c>docker.io/library/nginx:latest</c>).</summary>
    public static string Normalize(string image)
    {
        var name = image;
        if (Host(image) == "docker.io" && !image.StartsWith("docker.io/", StringComparison.Ordinal))
            name = (image.Contains('/', StringComparison.Ordinal) ? "docker.io/" : "docker.io/library/") + image;
        var lastSegment = name[(name.LastIndexOf('/') + 1)..];
        if (!lastSegment.Contains(':', StringComparison.Ordinal) && !name.Contains('@', StringComparison.Ordinal)) name += ":latest";
        return name;
    }

    /// <summary>The repository without tag or digest.</summary>
    public static string Repository(string image)
    {
        var normalized = Normalize(image);
        var at = normalized.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0) return normalized[..at];
        var lastSlash = normalized.LastIndexOf('/');
        var colon = normalized.LastIndexOf(':');
        return colon > lastSlash ? normalized[..colon] : normalized;
    }

    /// <summary>The image's digest reference (<c>docker.io/library/nginx@sha256:...</c>), stable per reference.</summary>
    public static string Id(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0) return Repository(image) + image[at..];
        return Repository(image) + "@sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Normalize(image))));
    }

    /// <summary>A plausible, stable size in bytes (10 to 250 MB).</summary>
    public static long Size(string image)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(image));
        return 10_000_000 + (BitConverter.ToUInt32(hash, 0) % 240_000_000);
    }

    /// <summary>What containerd says when the registry's host does not resolve.</summary>
    public static string PullError(string image)
    {
        var host = Host(image);
        var repository = Repository(image);
        var path = repository.StartsWith(host + "/", StringComparison.Ordinal) ? repository[(host.Length + 1)..] : repository;
        var normalized = Normalize(image);
        var reference = normalized.Contains('@', StringComparison.Ordinal) ? normalized[(normalized.IndexOf('@', StringComparison.Ordinal) + 1)..]
            : normalized[(normalized.LastIndexOf(':') + 1)..];
        var hostname = host.Contains(':', StringComparison.Ordinal) ? host[..host.LastIndexOf(':')] : host;
        return string.Create(CultureInfo.InvariantCulture,
            $"failed to pull and unpack image \"{normalized}\": failed to resolve reference \"{normalized}\": failed to do request: Head \"https://{host}/v2/{path}/manifests/{reference}\": dial tcp: lookup {hostname} on 10.96.0.10:53: no such host");
    }

    /// <summary>A container ID as containerd writes it: 64 hex digits, stable per pod, container and attempt.</summary>
    public static string ContainerId(string podUid, string container, int attempt) =>
        "containerd://" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{podUid}/{container}/{attempt}"))));

    /// <summary>A duration the way Go prints it ("1.234s", "850ms").</summary>
    public static string GoDuration(TimeSpan d)
    {
        if (d < TimeSpan.FromSeconds(1))
            return (d.TotalMilliseconds).ToString("0.###", CultureInfo.InvariantCulture) + "ms";
        if (d < TimeSpan.FromMinutes(1))
            return d.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
        var minutes = (int)d.TotalMinutes;
        var seconds = d.TotalSeconds - minutes * 60;
        return string.Create(CultureInfo.InvariantCulture, $"{minutes}m{seconds.ToString("0.###", CultureInfo.InvariantCulture)}s");
    }
}
