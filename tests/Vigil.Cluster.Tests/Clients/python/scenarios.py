"""Scenarios run with the official Kubernetes Python client (Debian's python3-kubernetes) against a simulated cluster.

Usage: /usr/bin/python3 scenarios.py <scenario>   (KUBECONFIG points at the cluster)
Each scenario asserts what a user of the client relies on and exits non-zero with a message when it does not hold.
"""
import sys
import uuid

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException


def new_namespace(core):
    name = "py-" + uuid.uuid4().hex[:10]
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    return name


def crud():
    core = client.CoreV1Api()
    ns = new_namespace(core)
    cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cfg", labels={"app": "web"}), data={"a": "1"})
    created = core.create_namespaced_config_map(ns, cm)
    assert created.metadata.uid, "uid is set"
    assert created.metadata.resource_version, "resourceVersion is set"
    got = core.read_namespaced_config_map("cfg", ns)
    assert got.data == {"a": "1"}, got.data
    got.data["a"] = "2"
    replaced = core.replace_namespaced_config_map("cfg", ns, got)
    assert replaced.data["a"] == "2"
    stale = created
    stale.data = {"a": "3"}
    try:
        core.replace_namespaced_config_map("cfg", ns, stale)
        raise AssertionError("a stale update must be refused")
    except ApiException as e:
        assert e.status == 409, e.status
    listed = core.list_namespaced_config_map(ns, label_selector="app=web")
    assert [i.metadata.name for i in listed.items] == ["cfg"], listed.items
    assert core.list_namespaced_config_map(ns, label_selector="app=other").items == []
    core.delete_namespaced_config_map("cfg", ns)
    try:
        core.read_namespaced_config_map("cfg", ns)
        raise AssertionError("a deleted object must be gone")
    except ApiException as e:
        assert e.status == 404, e.status
    # Typed reads of objects with status work (the client enforces required fields when deserializing).
    apps = client.AppsV1Api()
    dep = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1DeploymentSpec(
            replicas=2,
            selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "web"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx:1.25")]))))
    created = apps.create_namespaced_deployment(ns, dep)
    assert created.spec.strategy.type == "RollingUpdate", "defaults are filled in"
    assert apps.read_namespaced_deployment_scale("web", ns).spec.replicas == 2
    print("crud ok")


def paging():
    core = client.CoreV1Api()
    ns = new_namespace(core)
    for i in range(23):
        core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm-%02d" % i)))
    names, token, versions = [], None, set()
    while True:
        page = core.list_namespaced_config_map(ns, limit=5, _continue=token)
        names += [i.metadata.name for i in page.items]
        versions.add(page.metadata.resource_version)
        token = page.metadata._continue
        if not token:
            break
    assert names == ["cm-%02d" % i for i in range(23)], names
    assert len(versions) == 1, versions
    print("paging ok")


def watch_resume():
    core = client.CoreV1Api()
    ns = new_namespace(core)
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="first")))
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="second")))
    core.patch_namespaced_config_map("second", ns, {"data": {"k": "v"}})
    seen = []
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=5):
        seen.append((event["type"], event["object"].metadata.name))
        if len(seen) == 2:
            w.stop()
    assert seen == [("ADDED", "second"), ("MODIFIED", "second")], seen
    print("watch_resume ok")


def watch_expired():
    """With a short history, a watch from an old version gets 410; the client raises it and a relist recovers."""
    core = client.CoreV1Api()
    ns = new_namespace(core)
    old = core.list_namespaced_config_map(ns).metadata.resource_version
    for i in range(12):
        core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c%d" % i)))
    w = watch.Watch()
    try:
        for _ in w.stream(core.list_namespaced_config_map, ns, resource_version=old, timeout_seconds=5):
            pass
        raise AssertionError("a too-old resourceVersion must end in 410")
    except ApiException as e:
        assert e.status == 410, e.status
    # Recover as a reflector does: relist, then watch from the new list's version.
    fresh = core.list_namespaced_config_map(ns)
    assert len(fresh.items) == 12
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="after")))
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, ns, resource_version=fresh.metadata.resource_version, timeout_seconds=5):
        assert (event["type"], event["object"].metadata.name) == ("ADDED", "after"), event["type"]
        w.stop()
    print("watch_expired ok")


def strategic_merge():
    core = client.CoreV1Api()
    ns = new_namespace(core)
    pod = client.V1Pod(metadata=client.V1ObjectMeta(name="p", labels={"a": "1"}), spec=client.V1PodSpec(containers=[
        client.V1Container(name="app", image="nginx:1.25", env=[client.V1EnvVar(name="A", value="1")]),
        client.V1Container(name="side", image="busybox:1.36"),
    ]))
    core.create_namespaced_pod(ns, pod)
    # A dict body is sent as a strategic merge patch: containers merge by name.
    patched = core.patch_namespaced_pod("p", ns, {"metadata": {"labels": {"b": "2"}},
                                                   "spec": {"containers": [{"name": "app", "image": "nginx:1.26"}]}})
    images = {c.name: c.image for c in patched.spec.containers}
    assert images == {"app": "nginx:1.26", "side": "busybox:1.36"}, images
    assert patched.metadata.labels == {"a": "1", "b": "2"}, patched.metadata.labels
    assert patched.spec.containers[0].env[0].name == "A", "fields not in the patch are kept"
    print("strategic_merge ok")


def custom_objects():
    ext = client.ApiextensionsV1Api()
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gizmos.py.vigil.io"},
        "spec": {"group": "py.vigil.io", "scope": "Namespaced",
                 "names": {"plural": "gizmos", "singular": "gizmo", "kind": "Gizmo"},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                                   "spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
                                   "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}}}},
                               "subresources": {"status": {}}}]}}
    ext.create_custom_resource_definition(crd)
    got = ext.read_custom_resource_definition("gizmos.py.vigil.io")
    assert any(c.type == "Established" and c.status == "True" for c in got.status.conditions)
    core = client.CoreV1Api()
    ns = new_namespace(core)
    co = client.CustomObjectsApi()
    body = {"apiVersion": "py.vigil.io/v1", "kind": "Gizmo", "metadata": {"name": "g1"}, "spec": {"size": 1}}
    co.create_namespaced_custom_object("py.vigil.io", "v1", ns, "gizmos", body)
    co.patch_namespaced_custom_object("py.vigil.io", "v1", ns, "gizmos", "g1", {"spec": {"size": 2}})
    co.patch_namespaced_custom_object_status("py.vigil.io", "v1", ns, "gizmos", "g1", {"status": {"ready": True}})
    g = co.get_namespaced_custom_object("py.vigil.io", "v1", ns, "gizmos", "g1")
    assert g["spec"]["size"] == 2 and g["status"]["ready"] is True, g
    items = co.list_namespaced_custom_object("py.vigil.io", "v1", ns, "gizmos")["items"]
    assert [i["metadata"]["name"] for i in items] == ["g1"]
    co.delete_namespaced_custom_object("py.vigil.io", "v1", ns, "gizmos", "g1")
    assert co.list_namespaced_custom_object("py.vigil.io", "v1", ns, "gizmos")["items"] == []
    print("custom_objects ok")


if __name__ == "__main__":
    config.load_kube_config()
    globals()[sys.argv[1]]()
