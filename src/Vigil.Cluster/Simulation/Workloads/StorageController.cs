using System.Text.Json.Nodes;
using Vigil.Cluster.Api;
using Vigil.Cluster.Selectors;
using Vigil.Cluster.Storage;

namespace Vigil.Cluster.Simulation.Workloads;

/// <summary>
/// PersistentVolumeClaims and PersistentVolumes (the persistentvolume controller, a simulated external provisioner
/// and the in-use protection controllers): a claim binds to the smallest Available volume of its class that fits its
/// size, access modes and selector; otherwise its StorageClass's provisioner makes one (<c>pvc-&lt;uid&gt;</c>), except
/// the provisioner <c>sim.vigil.io/fail</c>, which reports ProvisioningFailed. An unknown class leaves the claim
/// Pending with the real <c>storageclass.storage.k8s.io "x" not found</c> event; WaitForFirstConsumer waits for a
/// scheduled pod that uses the claim. Released volumes are deleted or kept by their reclaim policy.
/// </summary>
public sealed class StorageController : Controller
{
    public const string FailingProvisioner = "sim.vigil.io/fail";
    public const string DefaultProvisioner = "sim.vigil.io/hostpath";
    public const string SelectedNodeAnnotation = "volume.kubernetes.io/selected-node";
    private const string PvPrefix = "pv/";
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(15);

    private readonly WorkloadAdmission _admission;

    public StorageController(ControllerHub hub, WorkloadAdmission admission) : base(hub, "persistentvolume-controller")
    {
        _admission = admission;
        hub.Subscribe(hub.Pvcs, c =>
        {
            Enqueue(c.Key);
            if (Meta.Str(c.Node["spec"], "volumeName") is { Length: > 0 } volume) Enqueue(new ObjectKey("", PvPrefix + volume));
        });
        hub.Subscribe(hub.Pvs, c =>
        {
            Enqueue(new ObjectKey("", PvPrefix + c.Name));
            if (c.Node["spec"]?["claimRef"] is JsonObject claim) Enqueue(new ObjectKey(Meta.Str(claim, "namespace") ?? "", Meta.Str(claim, "name") ?? ""));
        });
        hub.Subscribe(hub.StorageClasses, _ => EnqueueAll(hub.Pvcs));
        hub.Subscribe(hub.Pods, c =>
        {
            foreach (var claim in ClaimNames(c.Node)) Enqueue(new ObjectKey(c.Namespace, claim));
        });
    }

    public override void Resync()
    {
        EnqueueAll(Hub.Pvcs);
        foreach (var pv in Ops.Store.List(Hub.Pvs.StorageKey, null, null).Items) Enqueue(new ObjectKey("", PvPrefix + pv.Name));
    }

    /// <summary>Creates the default StorageClass <c>standard</c> when the cluster has none of that name.</summary>
    public void EnsureDefaultClass()
    {
        if (Ops.TryGetStored(Hub.StorageClasses, null, "standard") is not null) return;
        var sc = new JsonObject
        {
            ["apiVersion"] = "storage.k8s.io/v1",
            ["kind"] = "StorageClass",
            ["metadata"] = new JsonObject
            {
                ["name"] = "standard",
                ["annotations"] = new JsonObject { [WorkloadAdmission.DefaultClassAnnotation] = "true" },
            },
            ["provisioner"] = DefaultProvisioner,
            ["reclaimPolicy"] = "Delete",
            ["volumeBindingMode"] = "Immediate",
        };
        try
        {
            Create(Hub.StorageClasses, null, sc);
        }
        catch (ApiException e) when (e.Reason == "AlreadyExists")
        {
        }
    }

    private static IEnumerable<string> ClaimNames(JsonObject pod) =>
        (pod["spec"]?["volumes"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(v => Meta.Str(v["persistentVolumeClaim"], "claimName")).OfType<string>();

    protected override TimeSpan? Sync(ObjectKey key) =>
        key.Name.StartsWith(PvPrefix, StringComparison.Ordinal) ? SyncVolume(key.Name[PvPrefix.Length..]) : SyncClaim(key);

    // ---- claims ----

    private TimeSpan? SyncClaim(ObjectKey key)
    {
        var pvc = Hub.Get(Hub.Pvcs, key.Namespace, key.Name);
        if (pvc is null) return null;
        if (Meta.IsDeleting(pvc))
        {
            if (Meta.Finalizers(pvc).Contains(WorkloadAdmission.PvcProtection) && !InUse(pvc))
                RemoveFinalizer(Hub.Pvcs, key.Namespace, key.Name, WorkloadAdmission.PvcProtection);
            return null;
        }
        var phase = Meta.Str(pvc["status"], "phase");
        var volumeName = Meta.Str(pvc["spec"], "volumeName");
        if (phase == "Bound")
        {
            var bound = string.IsNullOrEmpty(volumeName) ? null : Hub.Get(Hub.Pvs, null, volumeName);
            if (bound is null || Meta.Str(bound["spec"]?["claimRef"], "uid") is { } uid && uid != Json.Uid(pvc))
            {
                SetClaimPhase(pvc, "Lost");
                Recorder.Warning(pvc, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
            }
            return null;
        }
        if (phase == "Lost") return null;
        if (!string.IsNullOrEmpty(volumeName))
        {
            var pv = Hub.Get(Hub.Pvs, null, volumeName);
            if (pv is null)
            {
                Recorder.Normal(pvc, "FailedBinding", $"volume \"{volumeName}\" not found");
                return Retry;
            }
            var claimUid = Meta.Str(pv["spec"]?["claimRef"], "uid");
            if (claimUid is not null && claimUid != Json.Uid(pvc) || !Fits(pv, pvc))
            {
                Recorder.Warning(pvc, "FailedBinding", $"volume \"{volumeName}\" already bound to a different claim.");
                return Retry;
            }
            Bind(pvc, pv, byController: false);
            return null;
        }

        var className = ClassOf(pvc);
        var sc = className.Length == 0 ? null : Hub.Get(Hub.StorageClasses, null, className);
        var annotations = Json.Annotations(pvc);
        // A claim that waits for its first consumer is bound to the volume the scheduler chose for it (pre-bound with a
        // claimRef) or provisioned on the node the scheduler selected; until then other volumes are left alone.
        var delayed = Meta.Str(sc, "volumeBindingMode") == "WaitForFirstConsumer" && !annotations.ContainsKey(SelectedNodeAnnotation);
        var match = Hub.List(Hub.Pvs, null)
            .Where(pv => Meta.Str(pv["status"], "phase") is "Available" or "Pending" or null && !Meta.IsDeleting(pv))
            .Where(pv => Meta.Str(pv["spec"]?["claimRef"], "uid") is not { } u ? !delayed : u == Json.Uid(pvc))
            .Where(pv => (Meta.Str(pv["spec"], "storageClassName") ?? "") == className && Fits(pv, pvc))
            .OrderBy(pv => Meta.Str(pv["spec"]?["claimRef"], "uid") is null ? 1 : 0)
            .ThenBy(pv => Quantity.From(pv["spec"]?["capacity"]?["storage"]).Value)
            .FirstOrDefault();
        if (match is not null)
        {
            Bind(pvc, match, byController: true);
            return null;
        }
        if (className.Length == 0)
        {
            Recorder.Normal(pvc, "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
            return null;
        }
        if (sc is null)
        {
            Recorder.Warning(pvc, "ProvisioningFailed", $"storageclass.storage.k8s.io \"{className}\" not found");
            return Retry;
        }
        if (delayed)
        {
            var users = Hub.List(Hub.Pods, key.Namespace).Where(p => !PodState.IsTerminal(p) && ClaimNames(p).Contains(key.Name)).ToList();
            var consumer = users.FirstOrDefault(p => PodState.NodeName(p) is not null);
            if (consumer is null)
            {
                // As the persistentvolume controller reports it: the pods that will consume the claim, or none yet.
                var waiting = users.Select(Json.Name).Order(StringComparer.Ordinal).ToList();
                if (waiting.Count == 0) Recorder.Normal(pvc, "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
                else Recorder.Normal(pvc, "WaitForPodScheduled", $"waiting for {(waiting.Count == 1 ? "pod" : "pods")} {string.Join(",", waiting)} to be scheduled");
                return Retry;
            }
            // A pod placed without the scheduler (spec.nodeName): record its node, as the scheduler's volume binder would.
            Update(Hub.Pvcs, key.Namespace, key.Name, o =>
            {
                Json.Obj(Meta.Metadata(o), "annotations")[SelectedNodeAnnotation] = PodState.NodeName(consumer);
                return true;
            });
            return null;
        }
        return Provision(pvc, sc);
    }

    private string ClassOf(JsonObject pvc) =>
        Json.Annotation(pvc, "volume.beta.kubernetes.io/storage-class") ?? Meta.Str(pvc["spec"], "storageClassName") ?? "";

    internal static bool Fits(JsonObject pv, JsonObject pvc)
    {
        var capacity = Quantity.From(pv["spec"]?["capacity"]?["storage"]);
        var request = Quantity.From(pvc["spec"]?["resources"]?["requests"]?["storage"]);
        if (capacity < request) return false;
        var modes = (pv["spec"]?["accessModes"] as JsonArray ?? []).Select(m => m?.ToString()).ToHashSet();
        if ((pvc["spec"]?["accessModes"] as JsonArray ?? []).Any(m => !modes.Contains(m?.ToString()))) return false;
        if ((Meta.Str(pv["spec"], "volumeMode") ?? "Filesystem") != (Meta.Str(pvc["spec"], "volumeMode") ?? "Filesystem")) return false;
        if (pvc["spec"]?["selector"] is JsonObject selector)
        {
            try
            {
                if (!LabelSelector.FromObject(selector).MatchesObject(pv)) return false;
            }
            catch (ApiException)
            {
                return false;
            }
        }
        return true;
    }

    private TimeSpan? Provision(JsonObject pvc, JsonObject sc)
    {
        var provisioner = Meta.Str(sc, "provisioner") ?? "";
        var ns = Json.Namespace(pvc);
        var name = Json.Name(pvc);
        if (Json.Annotation(pvc, "volume.kubernetes.io/storage-provisioner") != provisioner)
        {
            Update(Hub.Pvcs, ns, name, o =>
            {
                var annotations = Json.Obj(Meta.Metadata(o), "annotations");
                annotations["volume.beta.kubernetes.io/storage-provisioner"] = provisioner;
                annotations["volume.kubernetes.io/storage-provisioner"] = provisioner;
                return true;
            });
            Recorder.Normal(pvc, "ExternalProvisioning",
                $"Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");
        }
        if (provisioner == "kubernetes.io/no-provisioner") return null;
        var external = Hub.Context.Recorder($"{provisioner}_vigil-simulated-provisioner");
        external.Normal(pvc, "Provisioning", $"External provisioner is provisioning volume for claim \"{ns}/{name}\"");
        if (provisioner == FailingProvisioner)
        {
            external.Warning(pvc, "ProvisioningFailed",
                $"failed to provision volume with StorageClass \"{Json.Name(sc)}\": rpc error: code = ResourceExhausted desc = simulated provisioning failure");
            return TimeSpan.FromSeconds(30);
        }
        var pvName = "pvc-" + Json.Uid(pvc);
        var spec = new JsonObject
        {
            ["accessModes"] = pvc["spec"]?["accessModes"]?.DeepClone() ?? new JsonArray("ReadWriteOnce"),
            ["capacity"] = new JsonObject { ["storage"] = pvc["spec"]?["resources"]?["requests"]?["storage"]?.DeepClone() ?? "1Gi" },
            ["claimRef"] = ClaimRef(pvc),
            ["hostPath"] = new JsonObject { ["path"] = $"/var/lib/vigil/volumes/{pvName}", ["type"] = "DirectoryOrCreate" },
            ["persistentVolumeReclaimPolicy"] = Meta.Str(sc, "reclaimPolicy") ?? "Delete",
            ["storageClassName"] = Json.Name(sc),
            ["volumeMode"] = Meta.Str(pvc["spec"], "volumeMode") ?? "Filesystem",
        };
        if (sc["mountOptions"] is JsonArray options) spec["mountOptions"] = options.DeepClone();
        if (Json.Annotation(pvc, SelectedNodeAnnotation) is { } node)
            spec["nodeAffinity"] = new JsonObject
            {
                ["required"] = new JsonObject
                {
                    ["nodeSelectorTerms"] = new JsonArray(new JsonObject
                    {
                        ["matchExpressions"] = new JsonArray(new JsonObject { ["key"] = "kubernetes.io/hostname", ["operator"] = "In", ["values"] = new JsonArray(node) }),
                    }),
                },
            };
        var pv = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolume",
            ["metadata"] = new JsonObject
            {
                ["name"] = pvName,
                ["annotations"] = new JsonObject { ["pv.kubernetes.io/provisioned-by"] = provisioner },
            },
            ["spec"] = spec,
        };
        JsonObject created;
        try
        {
            created = Ops.Create(Hub.Pvs, null, pv, new WriteOptions { FieldManager = "vigil-simulated-provisioner" });
            external.Normal(pvc, "ProvisioningSucceeded", $"Successfully provisioned volume {pvName}");
        }
        catch (ApiException e) when (e.Reason == "AlreadyExists" && Hub.Get(Hub.Pvs, null, pvName) is not null)
        {
            created = Hub.Get(Hub.Pvs, null, pvName)!;
        }
        Bind(pvc, created, byController: false);
        return null;
    }

    private static JsonObject ClaimRef(JsonObject pvc)
    {
        var r = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolumeClaim",
            ["name"] = Json.Name(pvc),
            ["namespace"] = Json.Namespace(pvc),
            ["uid"] = Json.Uid(pvc),
        };
        if (Meta.ResourceVersion(pvc) is { } rv) r["resourceVersion"] = rv;
        return r;
    }

    private void Bind(JsonObject pvc, JsonObject pv, bool byController)
    {
        var pvName = Json.Name(pv);
        var ns = Json.Namespace(pvc);
        var name = Json.Name(pvc);
        Update(Hub.Pvs, null, pvName, o =>
        {
            if (Meta.Str(o["spec"]?["claimRef"], "uid") == Json.Uid(pvc)) return false;
            Json.Obj(o, "spec")["claimRef"] = ClaimRef(pvc);
            if (byController) Json.Obj(Meta.Metadata(o), "annotations")["pv.kubernetes.io/bound-by-controller"] = "yes";
            return true;
        });
        UpdateStatus(Hub.Pvs, null, pvName, o =>
        {
            if (Meta.Str(o["status"], "phase") == "Bound") return false;
            Json.Status(o)["phase"] = "Bound";
            return true;
        });
        var bound = Update(Hub.Pvcs, ns, name, o =>
        {
            var annotations = Json.Obj(Meta.Metadata(o), "annotations");
            var changed = false;
            if (Meta.Str(o["spec"], "volumeName") != pvName)
            {
                Json.Obj(o, "spec")["volumeName"] = pvName;
                annotations["pv.kubernetes.io/bound-by-controller"] = "yes";
                changed = true;
            }
            if (Meta.Str(annotations, "pv.kubernetes.io/bind-completed") != "yes")
            {
                annotations["pv.kubernetes.io/bind-completed"] = "yes";
                changed = true;
            }
            return changed;
        });
        if (bound is null) return;
        UpdateStatus(Hub.Pvcs, ns, name, o =>
        {
            var st = Json.Status(o);
            st["phase"] = "Bound";
            st["accessModes"] = pv["spec"]?["accessModes"]?.DeepClone();
            st["capacity"] = pv["spec"]?["capacity"]?.DeepClone();
            return true;
        });
    }

    private void SetClaimPhase(JsonObject pvc, string phase) =>
        UpdateStatus(Hub.Pvcs, Json.Namespace(pvc), Json.Name(pvc), o =>
        {
            if (Meta.Str(o["status"], "phase") == phase) return false;
            Json.Status(o)["phase"] = phase;
            return true;
        });

    /// <summary>A scheduled, unfinished pod uses the claim (the pvc-protection controller's test).</summary>
    private bool InUse(JsonObject pvc) =>
        Hub.List(Hub.Pods, Json.Namespace(pvc))
            .Any(p => PodState.NodeName(p) is not null && !PodState.IsTerminal(p) && ClaimNames(p).Contains(Json.Name(pvc)));

    // ---- volumes ----

    private TimeSpan? SyncVolume(string name)
    {
        var pv = Hub.Get(Hub.Pvs, null, name);
        if (pv is null) return null;
        var phase = Meta.Str(pv["status"], "phase");
        if (Meta.IsDeleting(pv))
        {
            if (phase != "Bound" && Meta.Finalizers(pv).Contains(WorkloadAdmission.PvProtection))
                RemoveFinalizer(Hub.Pvs, null, name, WorkloadAdmission.PvProtection);
            return null;
        }
        if (pv["spec"]?["claimRef"] is not JsonObject claimRef)
        {
            SetVolumePhase(name, "Available");
            return null;
        }
        var claim = Hub.Get(Hub.Pvcs, Meta.Str(claimRef, "namespace"), Meta.Str(claimRef, "name") ?? "");
        var uid = Meta.Str(claimRef, "uid");
        if (claim is not null && (uid is null || uid == Json.Uid(claim)))
        {
            if (phase != "Bound" && Meta.Str(claim["spec"], "volumeName") == name) SetVolumePhase(name, "Bound");
            return null;
        }
        if (uid is null) return null;
        if (phase is "Released" or "Failed") return null;
        // The claim is gone: reclaim the volume.
        var policy = Meta.Str(pv["spec"], "persistentVolumeReclaimPolicy") ?? "Retain";
        if (policy == "Delete")
        {
            SetVolumePhase(name, "Released");
            Delete(Hub.Pvs, null, name);
        }
        else if (policy == "Recycle")
        {
            Update(Hub.Pvs, null, name, o =>
            {
                Json.Obj(o, "spec").Remove("claimRef");
                return true;
            });
            SetVolumePhase(name, "Available");
        }
        else
        {
            SetVolumePhase(name, "Released");
        }
        return null;
    }

    private void SetVolumePhase(string name, string phase) =>
        UpdateStatus(Hub.Pvs, null, name, o =>
        {
            if (Meta.Str(o["status"], "phase") == phase) return false;
            Json.Status(o)["phase"] = phase;
            return true;
        });

    private void RemoveFinalizer(Registry.ResourceType type, string? ns, string name, string finalizer) =>
        Update(type, ns, name, o =>
        {
            var list = Meta.Finalizers(o);
            if (!list.Remove(finalizer)) return false;
            Meta.SetFinalizers(o, list);
            return true;
        });

    /// <summary>The admission plugin's view of the default class (for claims created before any class existed).</summary>
    public string? DefaultClass => _admission.DefaultClassName();
}
