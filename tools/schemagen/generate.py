#!/usr/bin/python3
"""Generates src/Vigil.Cluster/Schemas/Data/builtin-schemas.json.

The output is an OpenAPI v2 style ``{"definitions": {...}}`` map holding the schemas of the built-in kinds
Vigil serves (parsed from src/Vigil.Cluster/Registry/BuiltInResources.cs) and every type they reference, named
like the real server names them (io.k8s.api.core.v1.Pod, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta...).

Sources, in order of authority:

1. kubernetes-types (npm, TypeScript declarations generated from the Kubernetes 1.30 OpenAPI document): the
   reference graph, the Go package of every type, the property set, required/read-only flags, and the
   descriptions of types and of every property (including object-valued ones).
   Install it with ``npm install --prefix /tmp/k8stypes kubernetes-types@1.30.0`` and point KUBERNETES_TYPES at
   ``/tmp/k8stypes/node_modules/kubernetes-types`` (the default).
2. Debian's python3-kubernetes 22.6 models (``openapi_types``, ``attribute_map``, property docstrings): integer
   versus floating point numbers (TypeScript has only ``number``) and descriptions the TypeScript lacks.
3. The tables below: patch strategies, merge keys and list types from the Go ``types.go`` tags (neither source
   carries them), a few fields added after 1.30, and the handful of types neither source describes.

Run: /usr/bin/python3 tools/schemagen/generate.py  (from the repository root). CI does not run it.
"""

import json
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "src", "Vigil.Cluster", "Schemas", "Data", "builtin-schemas.json")
BUILTINS_CS = os.path.join(ROOT, "src", "Vigil.Cluster", "Registry", "BuiltInResources.cs")
TS_ROOT = os.environ.get("KUBERNETES_TYPES", "/tmp/k8stypes/node_modules/kubernetes-types")

META = "io.k8s.apimachinery.pkg.apis.meta.v1"
CORE = "io.k8s.api.core.v1"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension"
APIEXT = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1"


def module_prefix(module):
    """TypeScript module path (core/v1) -> OpenAPI definition prefix."""
    if module == "meta/v1":
        return META
    if module == "api/resource":
        return "io.k8s.apimachinery.pkg.api.resource"
    if module == "runtime":
        return "io.k8s.apimachinery.pkg.runtime"
    if module == "apiextensions/v1":
        return APIEXT
    group, version = module.split("/")
    return "io.k8s.api.%s.%s" % (group, version)


GROUP_MODULE = {
    "": "core", "apps": "apps", "batch": "batch", "autoscaling": "autoscaling", "policy": "policy",
    "networking.k8s.io": "networking", "storage.k8s.io": "storage", "coordination.k8s.io": "coordination",
    "rbac.authorization.k8s.io": "rbac", "apiextensions.k8s.io": "apiextensions", "events.k8s.io": "events",
}

# ---------------------------------------------------------------------------------------------------------------
# TypeScript declarations


def clean_comment(text):
    lines = []
    for line in text.split("\n"):
        line = line.strip()
        if line.startswith("/**"):
            line = line[3:]
        if line.endswith("*/"):
            line = line[:-2]
        line = line.strip()
        if line.startswith("* ") or line == "*":
            line = line[2:] if line.startswith("* ") else ""
        lines.append(line.rstrip())
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def parse_ts_module(module):
    path = os.path.join(TS_ROOT, module + ".d.ts")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    imports = {}
    for m in re.finditer(r'^import \{([^}]*)\} from "([^"]+)";', text, re.M):
        target = os.path.normpath(os.path.join(os.path.dirname(module), m.group(2))).replace(os.sep, "/")
        for name in m.group(1).split(","):
            imports[name.strip()] = target
    types = {}
    aliases = {}
    pos = 0
    lines = text.split("\n")
    i = 0
    comment = None
    while i < len(lines):
        line = lines[i]
        if line.startswith("/**"):
            buf = [line]
            while not lines[i].rstrip().endswith("*/"):
                i += 1
                buf.append(lines[i])
            comment = clean_comment("\n".join(buf))
            i += 1
            continue
        m = re.match(r"export type (\w+) = (.*);", line)
        if m:
            aliases[m.group(1)] = {"ts": m.group(2), "description": comment}
            comment = None
            i += 1
            continue
        m = re.match(r"export interface (\w+) \{(\})?", line)
        if m:
            name = m.group(1)
            props = {}
            if not m.group(2):
                i += 1
                pcomment = None
                while lines[i] != "}":
                    pl = lines[i]
                    stripped = pl.strip()
                    if stripped.startswith("/**"):
                        buf = [pl]
                        while not lines[i].rstrip().endswith("*/"):
                            i += 1
                            buf.append(lines[i])
                        pcomment = clean_comment("\n".join(buf))
                        i += 1
                        continue
                    pm = re.match(r'\s*(readonly\s+)?("[^"]+"|[\w$]+)(\?)?:\s*(.*)$', pl)
                    if not pm:
                        raise ValueError("cannot parse %s line %r" % (module, pl))
                    tstype = pm.group(4)
                    if tstype == "{":
                        j = i + 1
                        inner = []
                        while lines[j].strip() != "};":
                            inner.append(lines[j].strip())
                            j += 1
                        tstype = "{" + " ".join(inner) + "}"
                        i = j
                    tstype = tstype.rstrip(";").strip()
                    pname = pm.group(2).strip('"')
                    props[pname] = {
                        "ts": tstype,
                        "optional": bool(pm.group(3)),
                        "description": pcomment,
                    }
                    pcomment = None
                    i += 1
            types[name] = {"description": comment, "props": props}
            comment = None
            i += 1
            continue
        comment = None if line.strip() else comment
        i += 1
    return {"imports": imports, "types": types, "aliases": aliases}


TS_MODULES = {}


def ts_module(module):
    if module not in TS_MODULES:
        TS_MODULES[module] = parse_ts_module(module)
    return TS_MODULES[module]


def resolve_ts_name(module, name):
    """The (module, name) a TypeScript identifier used in ``module`` refers to."""
    mod = ts_module(module)
    if name in mod["types"] or name in mod["aliases"]:
        return module, name
    if name in mod["imports"]:
        return resolve_ts_name(mod["imports"][name], name)
    raise KeyError("%s: unknown type %s" % (module, name))


# ---------------------------------------------------------------------------------------------------------------
# Python models


def python_models():
    sys.path.insert(0, "/usr/lib/python3/dist-packages")
    import kubernetes.client.models as models  # noqa: E402
    result = {}
    for cname in dir(models):
        cls = getattr(models, cname)
        if not hasattr(cls, "openapi_types"):
            continue
        m = re.match(r"^([A-Z][a-z]+)?(V\d+(?:(?:alpha|beta)\d+)?)([A-Z]\w*)$", cname)
        if not m:
            continue
        version = m.group(2).lower()
        if version == "v2beta2":
            version = "v2"  # autoscaling/v2 is v2beta2 promoted; 22.6 predates it
        name = m.group(3)
        props = {}
        for attr, ptype in cls.openapi_types.items():
            doc = getattr(cls, attr).__doc__ or ""
            parts = [p.strip() for p in doc.split("\n\n")]
            desc = ""
            if len(parts) >= 3 and not parts[1].startswith(":return"):
                desc = parts[1].replace("  # noqa: E501", "").strip()
                desc = "\n".join(l.strip() for l in desc.split("\n"))
            props[cls.attribute_map[attr]] = {"type": ptype, "description": desc}
        result.setdefault((version, name), []).append({"prefix": (m.group(1) or "").lower(), "props": props})
    return result


PY = None


def python_props(defname):
    """The python model properties of a definition, matched by version and type name (and group prefix)."""
    parts = defname.split(".")
    name, version = parts[-1], parts[-2]
    group = parts[-3]
    cands = PY.get((version, name), [])
    if not cands:
        return {}
    for c in cands:
        if c["prefix"] and c["prefix"] == group:
            return c["props"]
    plain = [c for c in cands if not c["prefix"]]
    return (plain or cands)[0]["props"]


# ---------------------------------------------------------------------------------------------------------------
# Tables the sources do not carry


def merge(key, extra=None):
    d = {"x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": key}
    d.update(extra or {})
    return d


def list_map(*keys):
    return {"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": list(keys)}


ATOMIC = {"x-kubernetes-list-type": "atomic"}
SET = {"x-kubernetes-list-type": "set"}
CONDITIONS = dict(merge("type"), **list_map("type"))

# (definition, property) -> OpenAPI extensions, after the Go types.go tags (+patchStrategy, +patchMergeKey,
# +listType, +listMapKey) of Kubernetes 1.33.
PATCH = {
    # meta
    (META, "ObjectMeta", "finalizers"): {"x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "set"},
    (META, "ObjectMeta", "ownerReferences"): dict(merge("uid"), **list_map("uid")),
    (META, "ObjectMeta", "managedFields"): ATOMIC,
    (META, "LabelSelector", "matchExpressions"): ATOMIC,
    (META, "LabelSelectorRequirement", "values"): ATOMIC,
    (META, "Status", "details"): {},
    (META, "StatusDetails", "causes"): ATOMIC,
    # core: pods
    (CORE, "PodSpec", "volumes"): {"x-kubernetes-patch-strategy": "merge,retainKeys", "x-kubernetes-patch-merge-key": "name",
                                   **list_map("name")},
    (CORE, "PodSpec", "initContainers"): dict(merge("name"), **list_map("name")),
    (CORE, "PodSpec", "containers"): dict(merge("name"), **list_map("name")),
    (CORE, "PodSpec", "ephemeralContainers"): dict(merge("name"), **list_map("name")),
    (CORE, "PodSpec", "imagePullSecrets"): dict(merge("name"), **list_map("name")),
    (CORE, "PodSpec", "hostAliases"): dict(merge("ip"), **list_map("ip")),
    (CORE, "PodSpec", "tolerations"): ATOMIC,
    (CORE, "PodSpec", "topologySpreadConstraints"): dict(merge("topologyKey"), **list_map("topologyKey", "whenUnsatisfiable")),
    (CORE, "PodSpec", "readinessGates"): ATOMIC,
    (CORE, "PodSpec", "schedulingGates"): dict(merge("name"), **list_map("name")),
    (CORE, "PodSpec", "resourceClaims"): {"x-kubernetes-patch-strategy": "merge,retainKeys", "x-kubernetes-patch-merge-key": "name",
                                          **list_map("name")},
    (CORE, "PodSpec", "nodeSelector"): {"x-kubernetes-map-type": "atomic"},
    (CORE, "PodSecurityContext", "supplementalGroups"): ATOMIC,
    (CORE, "PodSecurityContext", "sysctls"): ATOMIC,
    (CORE, "PodDNSConfig", "nameservers"): ATOMIC,
    (CORE, "PodDNSConfig", "searches"): ATOMIC,
    (CORE, "PodDNSConfig", "options"): ATOMIC,
    (CORE, "HostAlias", "hostnames"): ATOMIC,
    (CORE, "TopologySpreadConstraint", "matchLabelKeys"): ATOMIC,
    (CORE, "Container", "ports"): dict(merge("containerPort"), **list_map("containerPort", "protocol")),
    (CORE, "Container", "env"): dict(merge("name"), **list_map("name")),
    (CORE, "Container", "envFrom"): ATOMIC,
    (CORE, "Container", "volumeMounts"): dict(merge("mountPath"), **list_map("mountPath")),
    (CORE, "Container", "volumeDevices"): dict(merge("devicePath"), **list_map("devicePath")),
    (CORE, "Container", "resizePolicy"): ATOMIC,
    (CORE, "Container", "command"): ATOMIC,
    (CORE, "Container", "args"): ATOMIC,
    (CORE, "EphemeralContainer", "ports"): dict(merge("containerPort"), **list_map("containerPort", "protocol")),
    (CORE, "EphemeralContainer", "env"): dict(merge("name"), **list_map("name")),
    (CORE, "EphemeralContainer", "envFrom"): ATOMIC,
    (CORE, "EphemeralContainer", "volumeMounts"): dict(merge("mountPath"), **list_map("mountPath")),
    (CORE, "EphemeralContainer", "volumeDevices"): dict(merge("devicePath"), **list_map("devicePath")),
    (CORE, "EphemeralContainer", "resizePolicy"): ATOMIC,
    (CORE, "EphemeralContainer", "command"): ATOMIC,
    (CORE, "EphemeralContainer", "args"): ATOMIC,
    (CORE, "ResourceRequirements", "claims"): list_map("name"),
    (CORE, "Capabilities", "add"): ATOMIC,
    (CORE, "Capabilities", "drop"): ATOMIC,
    (CORE, "ExecAction", "command"): ATOMIC,
    (CORE, "HTTPGetAction", "httpHeaders"): ATOMIC,
    (CORE, "Affinity", "nodeAffinity"): {},
    (CORE, "NodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution"): ATOMIC,
    (CORE, "NodeSelector", "nodeSelectorTerms"): ATOMIC,
    (CORE, "NodeSelectorTerm", "matchExpressions"): ATOMIC,
    (CORE, "NodeSelectorTerm", "matchFields"): ATOMIC,
    (CORE, "NodeSelectorRequirement", "values"): ATOMIC,
    (CORE, "PodAffinity", "requiredDuringSchedulingIgnoredDuringExecution"): ATOMIC,
    (CORE, "PodAffinity", "preferredDuringSchedulingIgnoredDuringExecution"): ATOMIC,
    (CORE, "PodAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution"): ATOMIC,
    (CORE, "PodAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution"): ATOMIC,
    (CORE, "PodAffinityTerm", "namespaces"): ATOMIC,
    (CORE, "PodAffinityTerm", "matchLabelKeys"): ATOMIC,
    (CORE, "PodAffinityTerm", "mismatchLabelKeys"): ATOMIC,
    (CORE, "ConfigMapVolumeSource", "items"): ATOMIC,
    (CORE, "SecretVolumeSource", "items"): ATOMIC,
    (CORE, "ConfigMapProjection", "items"): ATOMIC,
    (CORE, "SecretProjection", "items"): ATOMIC,
    (CORE, "DownwardAPIVolumeSource", "items"): ATOMIC,
    (CORE, "DownwardAPIProjection", "items"): ATOMIC,
    (CORE, "ProjectedVolumeSource", "sources"): ATOMIC,
    (CORE, "PodStatus", "conditions"): CONDITIONS,
    (CORE, "PodStatus", "podIPs"): dict(merge("ip"), **list_map("ip")),
    (CORE, "PodStatus", "hostIPs"): dict(merge("ip"), **ATOMIC),
    (CORE, "PodStatus", "containerStatuses"): ATOMIC,
    (CORE, "PodStatus", "initContainerStatuses"): ATOMIC,
    (CORE, "PodStatus", "ephemeralContainerStatuses"): ATOMIC,
    (CORE, "PodStatus", "resourceClaimStatuses"): {"x-kubernetes-patch-strategy": "merge,retainKeys", "x-kubernetes-patch-merge-key": "name",
                                                   **list_map("name")},
    (CORE, "ContainerStatus", "volumeMounts"): dict(merge("mountPath"), **list_map("mountPath")),
    (CORE, "PodTemplateSpec", "spec"): {},
    # core: nodes
    (CORE, "NodeSpec", "taints"): ATOMIC,
    (CORE, "NodeSpec", "podCIDRs"): {"x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "set"},
    (CORE, "NodeStatus", "addresses"): dict(merge("type"), **list_map("type")),
    (CORE, "NodeStatus", "conditions"): CONDITIONS,
    (CORE, "NodeStatus", "images"): ATOMIC,
    (CORE, "NodeStatus", "volumesInUse"): ATOMIC,
    (CORE, "NodeStatus", "volumesAttached"): ATOMIC,
    (CORE, "NodeStatus", "runtimeHandlers"): ATOMIC,
    (CORE, "ContainerImage", "names"): ATOMIC,
    # core: services and endpoints
    (CORE, "ServiceSpec", "ports"): dict(merge("port"), **list_map("port", "protocol")),
    (CORE, "ServiceSpec", "externalIPs"): ATOMIC,
    (CORE, "ServiceSpec", "clusterIPs"): ATOMIC,
    (CORE, "ServiceSpec", "loadBalancerSourceRanges"): ATOMIC,
    (CORE, "ServiceSpec", "ipFamilies"): ATOMIC,
    (CORE, "ServiceSpec", "selector"): {"x-kubernetes-map-type": "atomic"},
    (CORE, "ServiceStatus", "conditions"): CONDITIONS,
    (CORE, "LoadBalancerStatus", "ingress"): ATOMIC,
    (CORE, "LoadBalancerIngress", "ports"): ATOMIC,
    (CORE, "Endpoints", "subsets"): ATOMIC,
    (CORE, "EndpointSubset", "addresses"): ATOMIC,
    (CORE, "EndpointSubset", "notReadyAddresses"): ATOMIC,
    (CORE, "EndpointSubset", "ports"): ATOMIC,
    (CORE, "ServiceAccount", "secrets"): dict(merge("name"), **list_map("name")),
    (CORE, "ServiceAccount", "imagePullSecrets"): ATOMIC,
    # core: namespaces, storage, quota
    (CORE, "NamespaceSpec", "finalizers"): ATOMIC,
    (CORE, "NamespaceStatus", "conditions"): CONDITIONS,
    (CORE, "PersistentVolumeSpec", "accessModes"): ATOMIC,
    (CORE, "PersistentVolumeSpec", "mountOptions"): ATOMIC,
    (CORE, "PersistentVolumeClaimSpec", "accessModes"): ATOMIC,
    (CORE, "PersistentVolumeClaimStatus", "accessModes"): ATOMIC,
    (CORE, "PersistentVolumeClaimStatus", "conditions"): CONDITIONS,
    (CORE, "ResourceQuotaSpec", "scopes"): ATOMIC,
    (CORE, "ScopeSelector", "matchExpressions"): ATOMIC,
    (CORE, "ScopedResourceSelectorRequirement", "values"): ATOMIC,
    (CORE, "LimitRangeSpec", "limits"): ATOMIC,
    (CORE, "ReplicationControllerStatus", "conditions"): CONDITIONS,
    (CORE, "TopologySelectorTerm", "matchLabelExpressions"): ATOMIC,
    (CORE, "TopologySelectorLabelRequirement", "values"): ATOMIC,
    # apps
    ("io.k8s.api.apps.v1", "DeploymentSpec", "strategy"): {"x-kubernetes-patch-strategy": "retainKeys"},
    ("io.k8s.api.apps.v1", "DeploymentStatus", "conditions"): CONDITIONS,
    ("io.k8s.api.apps.v1", "ReplicaSetStatus", "conditions"): CONDITIONS,
    ("io.k8s.api.apps.v1", "StatefulSetStatus", "conditions"): CONDITIONS,
    ("io.k8s.api.apps.v1", "DaemonSetStatus", "conditions"): CONDITIONS,
    ("io.k8s.api.apps.v1", "StatefulSetSpec", "volumeClaimTemplates"): ATOMIC,
    # batch
    ("io.k8s.api.batch.v1", "JobStatus", "conditions"): dict(merge("type"), **ATOMIC),
    ("io.k8s.api.batch.v1", "CronJobStatus", "active"): ATOMIC,
    ("io.k8s.api.batch.v1", "PodFailurePolicy", "rules"): ATOMIC,
    ("io.k8s.api.batch.v1", "PodFailurePolicyRule", "onPodConditions"): ATOMIC,
    ("io.k8s.api.batch.v1", "PodFailurePolicyOnExitCodesRequirement", "values"): SET,
    ("io.k8s.api.batch.v1", "SuccessPolicy", "rules"): ATOMIC,
    ("io.k8s.api.batch.v1", "UncountedTerminatedPods", "succeeded"): SET,
    ("io.k8s.api.batch.v1", "UncountedTerminatedPods", "failed"): SET,
    # autoscaling
    ("io.k8s.api.autoscaling.v2", "HorizontalPodAutoscalerSpec", "metrics"): ATOMIC,
    ("io.k8s.api.autoscaling.v2", "HorizontalPodAutoscalerStatus", "conditions"): CONDITIONS,
    ("io.k8s.api.autoscaling.v2", "HorizontalPodAutoscalerStatus", "currentMetrics"): ATOMIC,
    ("io.k8s.api.autoscaling.v2", "HPAScalingRules", "policies"): ATOMIC,
    # policy
    ("io.k8s.api.policy.v1", "PodDisruptionBudgetStatus", "conditions"): CONDITIONS,
    # networking
    ("io.k8s.api.networking.v1", "NetworkPolicySpec", "ingress"): ATOMIC,
    ("io.k8s.api.networking.v1", "NetworkPolicySpec", "egress"): ATOMIC,
    ("io.k8s.api.networking.v1", "NetworkPolicySpec", "policyTypes"): ATOMIC,
    ("io.k8s.api.networking.v1", "NetworkPolicyIngressRule", "from"): ATOMIC,
    ("io.k8s.api.networking.v1", "NetworkPolicyIngressRule", "ports"): ATOMIC,
    ("io.k8s.api.networking.v1", "NetworkPolicyEgressRule", "to"): ATOMIC,
    ("io.k8s.api.networking.v1", "NetworkPolicyEgressRule", "ports"): ATOMIC,
    ("io.k8s.api.networking.v1", "IPBlock", "except"): ATOMIC,
    ("io.k8s.api.networking.v1", "IngressSpec", "rules"): ATOMIC,
    ("io.k8s.api.networking.v1", "IngressSpec", "tls"): ATOMIC,
    ("io.k8s.api.networking.v1", "IngressTLS", "hosts"): ATOMIC,
    ("io.k8s.api.networking.v1", "HTTPIngressRuleValue", "paths"): ATOMIC,
    ("io.k8s.api.networking.v1", "IngressLoadBalancerStatus", "ingress"): ATOMIC,
    ("io.k8s.api.networking.v1", "IngressLoadBalancerIngress", "ports"): ATOMIC,
    # storage
    ("io.k8s.api.storage.v1", "StorageClass", "mountOptions"): ATOMIC,
    ("io.k8s.api.storage.v1", "StorageClass", "allowedTopologies"): ATOMIC,
    # rbac
    ("io.k8s.api.rbac.v1", "Role", "rules"): ATOMIC,
    ("io.k8s.api.rbac.v1", "ClusterRole", "rules"): ATOMIC,
    ("io.k8s.api.rbac.v1", "RoleBinding", "subjects"): ATOMIC,
    ("io.k8s.api.rbac.v1", "ClusterRoleBinding", "subjects"): ATOMIC,
    ("io.k8s.api.rbac.v1", "AggregationRule", "clusterRoleSelectors"): ATOMIC,
    ("io.k8s.api.rbac.v1", "PolicyRule", "verbs"): ATOMIC,
    ("io.k8s.api.rbac.v1", "PolicyRule", "apiGroups"): ATOMIC,
    ("io.k8s.api.rbac.v1", "PolicyRule", "resources"): ATOMIC,
    ("io.k8s.api.rbac.v1", "PolicyRule", "resourceNames"): ATOMIC,
    ("io.k8s.api.rbac.v1", "PolicyRule", "nonResourceURLs"): ATOMIC,
    # apiextensions
    (APIEXT, "CustomResourceDefinitionSpec", "versions"): ATOMIC,
    (APIEXT, "CustomResourceDefinitionStatus", "conditions"): list_map("type"),
    (APIEXT, "CustomResourceDefinitionStatus", "storedVersions"): ATOMIC,
    (APIEXT, "CustomResourceDefinitionVersion", "additionalPrinterColumns"): ATOMIC,
    (APIEXT, "CustomResourceDefinitionVersion", "selectableFields"): ATOMIC,
    (APIEXT, "CustomResourceDefinitionNames", "shortNames"): ATOMIC,
    (APIEXT, "CustomResourceDefinitionNames", "categories"): ATOMIC,
    (APIEXT, "CustomResourceConversion", "webhook"): {},
    (APIEXT, "WebhookConversion", "conversionReviewVersions"): ATOMIC,
    (APIEXT, "JSONSchemaProps", "x-kubernetes-validations"): dict(merge("rule"), **list_map("rule")),
}

# Fields added after Kubernetes 1.30 (kubernetes-types' version) that manifests for a 1.33 server may carry.
LATER_FIELDS = {
    (CORE, "Volume", "image"): {"ts": "ImageVolumeSource", "description": "image represents an OCI object (a container image or artifact) pulled and mounted on the kubelet's host machine."},
    (CORE, "Lifecycle", "stopSignal"): {"ts": "string", "description": "StopSignal defines which signal will be sent to a container when it is being stopped. If not specified, the default is defined by the container runtime in use."},
    (CORE, "PodSecurityContext", "supplementalGroupsPolicy"): {"ts": "string", "description": "Defines how supplemental groups of the first container processes are calculated. Valid values are \"Merge\" and \"Strict\". If not specified, \"Merge\" is used."},
    (CORE, "PodSecurityContext", "seLinuxChangePolicy"): {"ts": "string", "description": "seLinuxChangePolicy defines how the container's SELinux label is applied to all volumes used by the Pod. Valid values are \"MountOption\" and \"Recursive\"."},
    (CORE, "PodSpec", "resources"): {"ts": "ResourceRequirements", "description": "Resources is the total amount of CPU and Memory resources required by all containers in the pod."},
    (CORE, "ResourceClaim", "request"): {"ts": "string", "description": "Request is the name chosen for a request in the referenced claim. If empty, everything from the claim is made available, otherwise only the result of this request."},
    (CORE, "ContainerStatus", "stopSignal"): {"ts": "string", "description": "StopSignal reports the effective stop signal for this container"},
    (CORE, "NodeStatus", "features"): {"ts": "NodeFeatures", "description": "Features describes the set of features implemented by the CRI implementation."},
    (CORE, "NodeSystemInfo", "swap"): {"ts": "NodeSwapStatus", "description": "Swap Info reported by the node."},
    ("io.k8s.api.apps.v1", "DeploymentStatus", "terminatingReplicas"): {"ts": "number", "description": "Total number of terminating pods targeted by this deployment. Terminating pods have a non-null .metadata.deletionTimestamp and have not yet reached the Failed or Succeeded .status.phase."},
    ("io.k8s.api.apps.v1", "ReplicaSetStatus", "terminatingReplicas"): {"ts": "number", "description": "The number of terminating pods for this replica set. Terminating pods have a non-null .metadata.deletionTimestamp and have not yet reached the Failed or Succeeded .status.phase."},
    ("io.k8s.api.coordination.v1", "LeaseSpec", "strategy"): {"ts": "string", "description": "Strategy indicates the strategy for picking the leader for coordinated leader election."},
    ("io.k8s.api.coordination.v1", "LeaseSpec", "preferredHolder"): {"ts": "string", "description": "PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up."},
    # kubernetes-types leaves out every property whose name starts with "x-"; the python model has the older ones.
    (APIEXT, "JSONSchemaProps", "x-kubernetes-validations"): {"ts": "Array<ValidationRule>", "description": "x-kubernetes-validations describes a list of validation rules written in the CEL expression language."},
    ("io.k8s.api.autoscaling.v2", "HPAScalingRules", "tolerance"): {"ts": "Quantity", "description": "tolerance is the tolerance on the ratio between the current and desired metric value under which no updates are made to the desired number of replicas (e.g. 0.01 for 1%)."},
}

# Types those later fields use: name -> (description, {property: (ts type, description, required)}).
LATER_TYPES = {
    (CORE, "ImageVolumeSource"): ("ImageVolumeSource represents a image volume resource.", {
        "reference": ("string", "Required: Image or artifact reference to be used.", False),
        "pullPolicy": ("string", "Policy for pulling OCI objects. Possible values are: Always, Never, IfNotPresent.", False),
    }),
    (CORE, "NodeFeatures"): ("NodeFeatures describes the set of features implemented by the CRI implementation.", {
        "supplementalGroupsPolicy": ("boolean", "SupplementalGroupsPolicy is set to true if the runtime supports SupplementalGroupsPolicy and ContainerUser.", False),
    }),
    (CORE, "NodeSwapStatus"): ("NodeSwapStatus represents swap memory information.", {
        "capacity": ("number", "Total amount of swap memory in bytes.", False),
    }),
}

# Maps whose values are base64 ([]byte in Go).
BYTE_MAPS = {(CORE, "Secret", "data"), (CORE, "ConfigMap", "binaryData")}

PY_TO_TS = {"bool": "boolean", "str": "string", "list[str]": "Array<string>", "int": "number"}

INT_OR_STRING_DEF = {
    "description": "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.",
    "type": "string",
    "format": "int-or-string",
}

# Names of the "List" kinds whose GVK is announced, and extra kinds the paths refer to.
EXTRA_ROOTS = [
    ("core/v1", "Binding", ("", "v1")),
    ("autoscaling/v1", "Scale", ("autoscaling", "v1")),
    ("policy/v1", "Eviction", ("policy", "v1")),
    ("meta/v1", "DeleteOptions", ("", "v1")),
    ("meta/v1", "Status", ("", "v1")),
    ("meta/v1", "WatchEvent", ("", "v1")),
    ("meta/v1", "Patch", None),
    ("meta/v1", "APIResourceList", ("", "v1")),
]

# ---------------------------------------------------------------------------------------------------------------


def served_kinds():
    with open(BUILTINS_CS, encoding="utf-8") as f:
        text = f.read()
    kinds = []
    for m in re.finditer(r'Core\("(\w+)"', text):
        kinds.append(("", "v1", m.group(1)))
    for m in re.finditer(r'Grouped\("([\w.]+)", "(\w+)", "(\w+)"', text):
        kinds.append((m.group(1), m.group(2), m.group(3)))
    return kinds


class Generator:
    def __init__(self):
        self.defs = {}
        self.pending = []

    def defname(self, module, name):
        if module == "util/intstr":
            return INT_OR_STRING
        return module_prefix(module) + "." + name

    def ref(self, module, name):
        if (module_prefix(module), name) in LATER_TYPES:
            return {"$ref": "#/definitions/" + module_prefix(module) + "." + name}
        module, name = resolve_ts_name(module, name)
        full = self.defname(module, name)
        if full not in self.defs and (module, name) not in self.pending:
            self.pending.append((module, name))
        return {"$ref": "#/definitions/" + full}

    def schema_of(self, module, ts, pytype=None):
        ts = ts.strip()
        if ts == "string" or re.match(r'^"[^"]*"$', ts):
            return {"type": "string"}
        if ts == "number":
            if pytype == "float":
                return {"type": "number", "format": "double"}
            return {"type": "integer"}
        if ts == "boolean":
            return {"type": "boolean"}
        if ts == "number | string":
            if INT_OR_STRING not in self.defs:
                self.defs[INT_OR_STRING] = INT_OR_STRING_DEF
            return {"$ref": "#/definitions/" + INT_OR_STRING}
        m = re.match(r"^Array<(.*)>$", ts)
        if m:
            inner = pytype[5:-1] if pytype and pytype.startswith("list[") else None
            return {"type": "array", "items": self.schema_of(module, m.group(1), inner)}
        m = re.match(r"^(\w+)\[\]$", ts)
        if m:
            return {"type": "array", "items": self.schema_of(module, m.group(1))}
        m = re.match(r"^\{\s*\[name: string\]: (.*);\s*\}$", ts)
        if m:
            inner = pytype[10:-1] if pytype and pytype.startswith("dict(str, ") else None
            return {"type": "object", "additionalProperties": self.schema_of(module, m.group(1), inner)}
        if re.match(r"^\w+$", ts):
            return self.ref(module, ts)
        raise ValueError("%s: cannot convert type %r" % (module, ts))

    def build(self, module, name):
        full = self.defname(module, name)
        mod = ts_module(module)
        if name in mod["aliases"]:
            alias = mod["aliases"][name]
            d = {"description": alias["description"] or ""}
            if name in ("Time", "MicroTime"):
                d.update({"type": "string", "format": "date-time"})
            elif name == "Quantity":
                d.update({"type": "string"})
            else:
                # JSONSchemaPropsOrArray / OrBool / OrStringArray: free-form, as in the real document.
                pass
            self.defs[full] = d
            return
        t = mod["types"][name]
        pyprops = python_props(full)
        d = {}
        desc = t["description"] or ""
        if desc:
            d["description"] = desc
        props = {}
        required = []
        entries = list(t["props"].items())
        prefix = module_prefix(module)
        for (p, n, prop), extra in LATER_FIELDS.items():
            if p == prefix and n == name and prop not in t["props"]:
                entries.append((prop, {"ts": extra["ts"], "optional": True, "description": extra["description"]}))
        for pname, py in pyprops.items():
            if pname.startswith("x-kubernetes-") and pname not in t["props"]:
                entries.append((pname, {"ts": PY_TO_TS[py["type"]], "optional": True, "description": None}))
        for pname, p in sorted(entries):
            py = pyprops.get(pname, {})
            s = self.schema_of(module, p["ts"], py.get("type"))
            pdesc = p["description"] or py.get("description") or ""
            if pdesc:
                s = dict(s)
                s["description"] = pdesc
            if (prefix, name, pname) in BYTE_MAPS:
                s["additionalProperties"] = {"type": "string", "format": "byte"}
            ext = PATCH.get((prefix, name, pname))
            if ext:
                s.update(ext)
            props[pname] = order(s)
            if not p["optional"]:
                required.append(pname)
        if name in ("RawExtension", "FieldsV1"):
            d["type"] = "object"
        elif name == "JSON":
            pass
        else:
            d["type"] = "object"
        if props:
            d["properties"] = props
        if required:
            d["required"] = required
        self.defs[full] = d

    def build_later_types(self):
        for (prefix, name), (desc, props) in LATER_TYPES.items():
            full = prefix + "." + name
            d = {"description": desc, "type": "object", "properties": {}}
            req = []
            for pname, (ts, pdesc, required) in sorted(props.items()):
                s = self.schema_of("core/v1", ts)
                s["description"] = pdesc
                d["properties"][pname] = order(s)
                if required:
                    req.append(pname)
            if req:
                d["required"] = req
            self.defs[full] = d

    def drain(self):
        while self.pending:
            module, name = self.pending.pop()
            full = self.defname(module, name)
            if full in self.defs:
                continue
            self.build(module, name)


def order(s):
    keys = ["description", "type", "format", "$ref", "items", "additionalProperties"]
    out = {k: s[k] for k in keys if k in s}
    for k in sorted(s):
        if k not in out:
            out[k] = s[k]
    return out


def main():
    global PY
    if not os.path.isdir(TS_ROOT):
        sys.exit("kubernetes-types not found at %s (npm install --prefix /tmp/k8stypes kubernetes-types@1.30.0)" % TS_ROOT)
    PY = python_models()
    g = Generator()
    gvks = {}
    for group, version, kind in served_kinds():
        module = GROUP_MODULE[group] + "/" + version
        for name in (kind, kind + "List"):
            g.ref(module, name)
            gvks[g.defname(module, name)] = [{"group": group, "kind": name, "version": version}]
    for module, name, gv in EXTRA_ROOTS:
        g.ref(module, name)
        if gv:
            gvks.setdefault(g.defname(module, name), []).append({"group": gv[0], "kind": name, "version": gv[1]})
    # Types of the later fields are built before the walk so their references resolve.
    for (prefix, name) in LATER_TYPES:
        g.defs[prefix + "." + name] = {}
    g.drain()
    g.build_later_types()
    g.drain()
    for full, gvk in gvks.items():
        g.defs[full]["x-kubernetes-group-version-kind"] = gvk
    # Every PATCH entry must land on a real property; an unknown one is a typo in the table.
    for (prefix, name, prop) in PATCH:
        d = g.defs.get(prefix + "." + name)
        if d is not None and prop not in d.get("properties", {}):
            print("warning: %s.%s has no property %s" % (prefix, name, prop), file=sys.stderr)
    for (prefix, name, prop) in PATCH:
        if prefix + "." + name not in g.defs:
            print("note: %s.%s is not reachable" % (prefix, name), file=sys.stderr)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write('{"definitions":{\n')
        names = sorted(g.defs)
        for i, name in enumerate(names):
            f.write(json.dumps(name) + ":" + json.dumps(g.defs[name], separators=(",", ":"), ensure_ascii=False))
            f.write(",\n" if i < len(names) - 1 else "\n")
        f.write("}}\n")
    print("%d definitions, %d bytes -> %s" % (len(g.defs), os.path.getsize(OUT), os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    main()
