using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// Template hashes as the controllers compute them: FNV-32a over the template (plus the collision count), written with
/// apimachinery's <c>rand.SafeEncodeString</c> alphabet, so names look like <c>web-5d4f8b9c7</c>. The bytes hashed are
/// the template's canonical JSON rather than Go's struct dump, so the values differ from a real cluster's, but they
/// are stable and change exactly when the template does.
/// </summary>
public static class TemplateHash
{
    /// <summary>The label a Deployment's ReplicaSets and pods carry.</summary>
    public const string PodTemplateHashLabel = "pod-template-hash";

    /// <summary>The label StatefulSet and DaemonSet pods (and ControllerRevisions) carry.</summary>
    public const string ControllerRevisionHashLabel = "controller-revision-hash";

    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>The hash of a pod template, ignoring its pod-template-hash label (<c>controller.ComputeHash</c>).</summary>
    public static string PodTemplate(JsonObject template, long? collisionCount)
    {
        var bytes = Encoding.UTF8.GetBytes(Json.Canonical(WithoutHash(template)));
        var hash = Fnv32a(bytes, 2166136261u);
        if (collisionCount is { } c)
        {
            Span<byte> extra = stackalloc byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(extra, (uint)c);
            hash = Fnv32a(extra, hash);
        }
        return SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The hash of a ControllerRevision's data (<c>history.HashControllerRevision</c>).</summary>
    public static string Revision(JsonNode data, long? collisionCount)
    {
        var hash = Fnv32a(Encoding.UTF8.GetBytes(Json.Canonical(Json.Normalize(data))), 2166136261u);
        if (collisionCount is { } c)
        {
            Span<byte> extra = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(extra, (int)c);
            hash = Fnv32a(extra, hash);
        }
        return SafeEncode(((long)hash).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>True when two pod templates are the same but for the pod-template-hash label (<c>EqualIgnoreHash</c>).</summary>
    public static bool EqualIgnoringHash(JsonNode? a, JsonNode? b) =>
        Json.Canonical(WithoutHash(a)) == Json.Canonical(WithoutHash(b));

    /// <summary>The normalized template without its pod-template-hash label.</summary>
    public static JsonNode? WithoutHash(JsonNode? template)
    {
        if (template is not JsonObject t) return null;
        var copy = (JsonObject)t.DeepClone();
        if (copy["metadata"] is JsonObject meta)
        {
            meta.Remove("creationTimestamp");
            if (meta["labels"] is JsonObject labels) labels.Remove(PodTemplateHashLabel);
        }
        return Json.Normalize(copy);
    }

    public static string SafeEncode(string s)
    {
        var chars = new char[s.Length];
        for (var i = 0; i < s.Length; i++) chars[i] = Alphabet[s[i] % Alphabet.Length];
        return new string(chars);
    }

    private static uint Fnv32a(ReadOnlySpan<byte> data, uint hash)
    {
        foreach (var b in data)
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return hash;
    }
}
