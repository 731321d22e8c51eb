#!/usr/bin/env python3
"""Writes Vigil's CustomResourceDefinitions (vigil.io/v1alpha1) into this directory.

The schemas share pieces (conditions, label selectors, durations, secret references), so they are written once here
rather than four times by hand. Run: /usr/bin/python3 deploy/crds/generate.py (needs PyYAML, python3-yaml on Debian).
"""
import os
import yaml

conditions = {"type": "array",
  "description": "Valid: the spec passed validation (when False, the last valid version stays active and the message says why). Ready: it is in effect.",
  "items": {"type": "object", "required": ["type", "status"], "properties": {
    "type": {"type": "string"}, "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
    "reason": {"type": "string"}, "message": {"type": "string"},
    "lastTransitionTime": {"type": "string", "format": "date-time"}, "observedGeneration": {"type": "integer", "format": "int64"}}},
  "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]}
labelSelector = {"type": "object", "description": "A label selector (matchLabels and matchExpressions), as in Deployments.",
  "properties": {"matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
    "matchExpressions": {"type": "array", "items": {"type": "object", "required": ["key", "operator"], "properties": {
      "key": {"type": "string"}, "operator": {"type": "string", "enum": ["In", "NotIn", "Exists", "DoesNotExist"]},
      "values": {"type": "array", "items": {"type": "string"}}}}}},
  "x-kubernetes-map-type": "atomic"}
severity = {"type": "string", "enum": ["critical", "warning", "info"]}
duration = {"type": "string", "pattern": r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$", "description": "A duration such as 30s, 5m, 1h30m."}
secretKeyRef = {"type": "object", "required": ["name", "key"], "description": "A key of a Secret in the resource's namespace.",
  "properties": {"name": {"type": "string"}, "key": {"type": "string"}}}
observedGeneration = {"type": "integer", "format": "int64"}


def crd(plural, singular, kind, short, spec, status, columns, description):
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
      "metadata": {"name": f"{plural}.vigil.io", "labels": {"app.kubernetes.io/part-of": "vigil"}},
      "spec": {"group": "vigil.io", "scope": "Namespaced",
        "names": {"plural": plural, "singular": singular, "kind": kind, "listKind": kind + "List", "shortNames": [short], "categories": ["vigil"]},
        "versions": [{"name": "v1alpha1", "served": True, "storage": True, "subresources": {"status": {}},
          "additionalPrinterColumns": columns + [
            {"name": "Valid", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Valid\")].status"},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}],
          "schema": {"openAPIV3Schema": {"type": "object", "description": description, "required": ["spec"], "properties": {
            "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
            "spec": spec, "status": status}}}}]}}


detector = crd("detectors", "detector", "Detector", "vdet",
  {"type": "object", "required": ["resource", "condition"], "properties": {
    "description": {"type": "string", "maxLength": 1024, "description": "One line; becomes the signal's message."},
    "resource": {"type": "string", "enum": ["pods", "nodes", "persistentvolumeclaims", "jobs", "cronjobs", "deployments", "statefulsets",
                                            "daemonsets", "replicasets", "namespaces", "horizontalpodautoscalers", "events"],
      "description": "The watched resource. The condition sees the object as `object` and by its kind (pod, node, pvc, job, cronjob, "
                     "deployment, statefulset, daemonset, replicaset, namespace, hpa, event)."},
    "condition": {"type": "string", "minLength": 1, "maxLength": 8192,
      "description": "CEL returning bool; also bound: params (map of strings), now (timestamp). Refused when it does not compile or may cost too much."},
    "params": {"type": "object", "additionalProperties": {"type": "string"}},
    "severity": {**severity, "default": "warning"},
    "cooldown": {**duration, "default": "30m", "description": "After firing on a resource, stay quiet about it this long."},
    "namespaceSelector": {**labelSelector,
      "description": "Only in Vigil's own namespace: which namespaces to watch. Elsewhere a Detector watches its own namespace."}}},
  {"type": "object", "properties": {
    "observedGeneration": observedGeneration,
    "matchedNamespaces": {"type": "array", "items": {"type": "string"}},
    "lastFired": {"type": "string", "format": "date-time"},
    "firedTotal": {"type": "integer", "format": "int64"},
    "evaluationErrors": {"type": "integer", "format": "int64"},
    "lastError": {"type": "string"},
    "conditions": conditions}},
  [{"name": "Resource", "type": "string", "jsonPath": ".spec.resource"}, {"name": "Severity", "type": "string", "jsonPath": ".spec.severity"},
   {"name": "Fired", "type": "integer", "jsonPath": ".status.firedTotal"}, {"name": "Last-Fired", "type": "date", "jsonPath": ".status.lastFired"}],
  "A fault condition written in CEL over a watched resource kind.")

step = {"type": "object", "required": ["type"], "properties": {
  "name": {"type": "string", "description": "Title of this step's section in the evidence."},
  "type": {"type": "string", "enum": ["resource", "logs"]},
  "apiVersion": {"type": "string", "description": "resource: the API version, e.g. autoscaling/v2."},
  "kind": {"type": "string", "description": "resource: the kind, e.g. HorizontalPodAutoscaler."},
  "namespace": {"type": "string", "description": "Templated; default {resource.namespace}."},
  "resourceName": {"type": "string", "description": "Templated, e.g. {resource.name}; omit with listAll."},
  "listAll": {"type": "boolean", "description": "resource: list every object of the kind in the namespace."},
  "labelSelector": {"type": "string", "description": "resource with listAll: a label selector."},
  "jsonPath": {"type": "string", "description": "resource: a JSONPath selecting what to keep, e.g. {.status}."},
  "container": {"type": "string", "description": "logs: the container (default: every container)."},
  "tailLines": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100},
  "previous": {"type": "boolean", "description": "logs: the previous instance's logs."}}}
gatherer = crd("gatherers", "gatherer", "Gatherer", "vgat",
  {"type": "object", "required": ["collect"], "properties": {
    "description": {"type": "string"},
    "triggerOn": {"type": "object", "description": "Incidents it runs for: any listed kind or detector (empty: all).", "properties": {
      "resourceKinds": {"type": "array", "items": {"type": "string"}}, "detectors": {"type": "array", "items": {"type": "string"}}}},
    "timeout": {**duration, "default": "10s"},
    "collect": {"type": "array", "minItems": 1, "maxItems": 20, "items": step}}},
  {"type": "object", "properties": {"observedGeneration": observedGeneration,
    "lastRun": {"type": "string", "format": "date-time"}, "runsTotal": {"type": "integer", "format": "int64"},
    "failuresTotal": {"type": "integer", "format": "int64"}, "lastError": {"type": "string"}, "conditions": conditions}},
  [{"name": "Runs", "type": "integer", "jsonPath": ".status.runsTotal"}, {"name": "Failures", "type": "integer", "jsonPath": ".status.failuresTotal"}],
  "Extra evidence to collect when matching incidents occur.")

fromSecret = {"type": "object", "required": ["secretKeyRef"], "properties": {"secretKeyRef": secretKeyRef}}
header = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "value": {"type": "string"}, "valueFrom": fromSecret}}
sink = crd("sinks", "sink", "Sink", "vsink",
  {"type": "object", "required": ["type"], "properties": {
    "type": {"type": "string", "enum": ["webhook", "slack", "pagerduty"]},
    "severityFilter": {"type": "array", "items": severity, "description": "Severities delivered (empty: all)."},
    "webhook": {"type": "object", "properties": {
      "url": {"type": "string"}, "urlFrom": fromSecret,
      "method": {"type": "string", "enum": ["POST", "PUT", "PATCH"], "default": "POST"},
      "headers": {"type": "array", "items": header},
      "bodyTemplate": {"type": "string", "maxLength": 65536, "description": "Handlebars over the Diagnosis; default: the Diagnosis as JSON."},
      "allowedHosts": {"type": "array", "items": {"type": "string"}, "description": "Host globs the URL must match."},
      "allowInsecureHttp": {"type": "boolean", "description": "Allow http:// (e.g. a receiver inside the cluster)."}}},
    "slack": {"type": "object", "properties": {"webhookUrlFrom": fromSecret, "channel": {"type": "string"}}},
    "pagerduty": {"type": "object", "properties": {"routingKeyFrom": fromSecret}}}},
  {"type": "object", "properties": {"observedGeneration": observedGeneration,
    "deliveriesTotal": {"type": "integer", "format": "int64"}, "failuresTotal": {"type": "integer", "format": "int64"},
    "lastDelivery": {"type": "string", "format": "date-time"}, "lastResult": {"type": "string"}, "conditions": conditions}},
  [{"name": "Type", "type": "string", "jsonPath": ".spec.type"}, {"name": "Delivered", "type": "integer", "jsonPath": ".status.deliveriesTotal"},
   {"name": "Last-Result", "type": "string", "jsonPath": ".status.lastResult"}],
  "A notification target for diagnoses, with a severity filter.")

policy = crd("policies", "policy", "Policy", "vpol",
  {"type": "object", "required": ["action"], "properties": {
    "action": {"type": "string", "enum": ["Exclude", "Suppress"],
      "description": "Exclude: never signal. Suppress: silence during the schedule, or until the Policy is deleted when it has none."},
    "detectors": {"type": "array", "items": {"type": "string"}, "description": "Detectors it applies to (empty: all)."},
    "namespaceSelector": labelSelector,
    "match": {"type": "object", "properties": {"resourceSelector": labelSelector,
      "ownerNames": {"type": "array", "items": {"type": "string"}, "description": "Globs over the owning workload's name."}}},
    "schedule": {"type": "object", "description": "Suppress only: a one-off window (start, end) or a daily window (daily: 02:00-03:00, UTC).", "properties": {
      "start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time"},
      "daily": {"type": "string", "pattern": r"^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$"}}}}},
  {"type": "object", "properties": {"observedGeneration": observedGeneration,
    "matchedSignalsTotal": {"type": "integer", "format": "int64"}, "lastMatched": {"type": "string", "format": "date-time"},
    "active": {"type": "boolean"}, "conditions": conditions}},
  [{"name": "Action", "type": "string", "jsonPath": ".spec.action"}, {"name": "Active", "type": "boolean", "jsonPath": ".status.active"},
   {"name": "Matched", "type": "integer", "jsonPath": ".status.matchedSignalsTotal"}],
  "Exclude or suppress signals by detector, namespace, resource labels, owner names and schedule.")

here = os.path.dirname(os.path.abspath(__file__))
for name, doc in [("detectors", detector), ("gatherers", gatherer), ("sinks", sink), ("policies", policy)]:
    with open(os.path.join(here, f"vigil.io_{name}.yaml"), "w") as f:
        f.write("# Generated by deploy/crds/generate.py; edit that, then run it.\n")
        yaml.safe_dump(doc, f, sort_keys=False, width=200)
