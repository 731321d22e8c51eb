using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Simulation.Nodes;

/// <summary>
/// The apiserver's DefaultTolerationSeconds admission plugin: a new pod that does not tolerate the not-ready and
/// unreachable NoExecute taints gets tolerations for them of 300 seconds, so that pods leave a failed node five minutes
/// (of cluster time) after it fails.
/// </summary>
internal sealed class DefaultTolerationSeconds : IAdmissionPlugin
{
    public const long Seconds = 300;

    public void Admit(AdmissionRequest request)
    {
        if (request.Operation != AdmissionOperation.Create || request.Subresource is not null || request.Type.IsCustom
            || request.Type is not { Group: "", Plural: "pods" } || request.Object?["spec"] is not JsonObject spec)
            return;
        var tolerations = spec["tolerations"] as JsonArray;
        bool Tolerates(string key) => tolerations?.OfType<JsonObject>().Any(t =>
            (Meta.Str(t, "key") is null or "" || Meta.Str(t, "key") == key) && (Meta.Str(t, "effect") is null or "" || Meta.Str(t, "effect") == "NoExecute")) ?? false;
        var notReady = Tolerates("node.kubernetes.io/not-ready");
        var unreachable = Tolerates("node.kubernetes.io/unreachable");
        if (notReady && unreachable) return;
        if (tolerations is null)
        {
            tolerations = [];
            spec["tolerations"] = tolerations;
        }
        if (!notReady) tolerations.Add(Toleration("node.kubernetes.io/not-ready"));
        if (!unreachable) tolerations.Add(Toleration("node.kubernetes.io/unreachable"));
    }

    private static JsonObject Toleration(string key) => new()
    {
        ["key"] = key,
        ["operator"] = "Exists",
        ["effect"] = "NoExecute",
        ["tolerationSeconds"] = Seconds,
    };
}
