using System.Text.Json.Nodes;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// The apiserver's mutating steps the workload controllers rely on: a Job's generated selector and pod labels
/// (<c>batch.kubernetes.io/controller-uid</c>, <c>batch.kubernetes.io/job-name</c> and their legacy forms), the
/// DefaultStorageClass admission plugin, and the storage object in-use protection finalizers
/// (<c>kubernetes.io/pvc-protection</c>, <c>kubernetes.io/pv-protection</c>).
/// </summary>
public sealed class WorkloadAdmission(ControllerHub hub) : IAdmissionPlugin
{
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";
    public const string JobNameLabel = "batch.kubernetes.io/job-name";
    public const string LegacyControllerUidLabel = "controller-uid";
    public const string LegacyJobNameLabel = "job-name";
    public const string PvcProtection = "kubernetes.io/pvc-protection";
    public const string PvProtection = "kubernetes.io/pv-protection";
    public const string DefaultClassAnnotation = "storageclass.kubernetes.io/is-default-class";

    public void Admit(AdmissionRequest request)
    {
        if (request.Object is not { } obj || request.Subresource is not null) return;
        var type = request.Type;
        if (type.StorageKey == hub.Jobs.StorageKey) Job(request, obj);
        else if (type.StorageKey == hub.Pvcs.StorageKey && request.Operation == AdmissionOperation.Create) Claim(obj);
        else if (type.StorageKey == hub.Pvs.StorageKey && request.Operation == AdmissionOperation.Create) AddFinalizer(obj, PvProtection);
    }

    private static void Job(AdmissionRequest request, JsonObject job)
    {
        var spec = Defaulting.Obj(job, "spec");
        if (request.Operation == AdmissionOperation.Update)
        {
            // The generated selector is immutable: a replaced spec without one keeps the old.
            if (spec["selector"] is null && request.OldObject?["spec"]?["selector"] is { } old)
            {
                spec["selector"] = old.DeepClone();
                var labels = Defaulting.Obj(Defaulting.Obj(Defaulting.Obj(spec, "template"), "metadata"), "labels");
                foreach (var (k, v) in Meta.StringMap(request.OldObject["spec"]?["template"]?["metadata"]?["labels"]))
                    if (k is ControllerUidLabel or JobNameLabel or LegacyControllerUidLabel or LegacyJobNameLabel) labels.TryAdd(k, v);
            }
            return;
        }
        if (request.Operation != AdmissionOperation.Create || Json.Bool(spec["manualSelector"])) return;
        var uid = Json.Uid(job);
        var name = Json.Name(job);
        var templateLabels = Defaulting.Obj(Defaulting.Obj(Defaulting.Obj(spec, "template"), "metadata"), "labels");
        templateLabels.TryAdd(LegacyJobNameLabel, name);
        templateLabels.TryAdd(JobNameLabel, name);
        templateLabels.TryAdd(LegacyControllerUidLabel, uid);
        templateLabels.TryAdd(ControllerUidLabel, uid);
        var matchLabels = Defaulting.Obj(Defaulting.Obj(spec, "selector"), "matchLabels");
        matchLabels.TryAdd(ControllerUidLabel, uid);
        // Defaulting gave a Job without labels its template's; the apiserver's read-back defaulting shows the generated ones too.
        Defaulting.CopyTemplateLabels(job);
    }

    private void Claim(JsonObject pvc)
    {
        AddFinalizer(pvc, PvcProtection);
        var spec = Defaulting.Obj(pvc, "spec");
        if (spec.ContainsKey("storageClassName") && spec["storageClassName"] is not null) return;
        if (Meta.Str(pvc["metadata"]?["annotations"], "volume.beta.kubernetes.io/storage-class") is not null) return;
        if (DefaultClassName() is { } name) spec["storageClassName"] = name;
    }

    /// <summary>The default StorageClass (the newest when several claim to be).</summary>
    public string? DefaultClassName() =>
        hub.List(hub.StorageClasses, null)
            .Where(sc => Json.Annotation(sc, DefaultClassAnnotation) == "true" || Json.Annotation(sc, "storageclass.beta.kubernetes.io/is-default-class") == "true")
            .OrderByDescending(Json.Created).ThenBy(Json.Name, StringComparer.Ordinal)
            .Select(Json.Name).FirstOrDefault();

    private static void AddFinalizer(JsonObject obj, string finalizer)
    {
        var finalizers = Meta.Finalizers(obj);
        if (finalizers.Contains(finalizer)) return;
        finalizers.Add(finalizer);
        Meta.SetFinalizers(obj, finalizers);
    }
}
