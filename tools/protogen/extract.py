#!/usr/bin/python3
"""Extract the Kubernetes protobuf field tables Vigil needs from a kubectl binary.

kubectl embeds, gzip-compressed, the FileDescriptorProto of every built-in API package
(gogo-generated `generated.proto` files). This script finds them, parses the descriptors by
hand (no protobuf package needed) and writes a compact JSON table:

    {
      "source": "...",
      "groupVersions": { "apps/v1": "k8s.io.api.apps.v1", ... },
      "messages": {
        "k8s.io.api.core.v1.Pod": [[1, "metadata", "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta"], ...],
        ...
      }
    }

Each field is [number, name, type] or [number, name, type, flags]:
  - name is the field's JSON name. go-to-protobuf names proto fields after their JSON tags, with
    the exceptions listed in JSON_NAMES below;
  - type is a scalar ("string", "int32", "int64", "uint32", "uint64", "bool", "bytes", "double",
    "float", "fixed32", "fixed64", "sfixed32", "sfixed64", "sint32", "sint64", "enum"), a message
    full name (always contains a dot), or "map<K,V>" where K and V are such types;
  - flags: "r" repeated (maps are implicitly repeated), "p" pointer: gogoproto.nullable is not
    false, so the Go field is a pointer and a value present on the wire is meaningful even when zero;
    "i" inline: an embedded Go struct tagged `json:",inline"`, whose fields belong to the parent
    JSON object (see INLINE); "q" required: a non-pointer scalar without omitempty (the OpenAPI
    schema lists it as required), so Go's JSON shows its zero value instead of omitting it.

"arrays" lists the messages that stand for a named Go slice type (type Verbs []string): a
single repeated field "items" on the wire, a plain JSON array in JSON.

The JSON names, inline fields and required fields are checked against the OpenAPI definitions in
src/Vigil.Cluster/Schemas/Data/builtin-schemas.json where a definition exists.

Usage:
    /usr/bin/python3 tools/protogen/extract.py [--kubectl PATH] [--out PATH] [--check OTHER_KUBECTL ...]

--check compares every extracted field (number, name, type, label) against the descriptors of
another kubectl binary and reports differences (added fields are fine, changed ones are not).
"""

import argparse
import json
import os
import re
import sys
import zlib

GZIP_HEADER = bytes.fromhex("1f8b08000000000002ff")  # what Go's compress/gzip writes

# proto package -> Kubernetes group/version, for the packages Vigil serves.
PACKAGES = {
    "k8s.io.api.core.v1": "v1",
    "k8s.io.api.apps.v1": "apps/v1",
    "k8s.io.api.batch.v1": "batch/v1",
    "k8s.io.api.autoscaling.v1": "autoscaling/v1",
    "k8s.io.api.autoscaling.v2": "autoscaling/v2",
    "k8s.io.api.policy.v1": "policy/v1",
    "k8s.io.api.networking.v1": "networking.k8s.io/v1",
    "k8s.io.api.storage.v1": "storage.k8s.io/v1",
    "k8s.io.api.coordination.v1": "coordination.k8s.io/v1",
    "k8s.io.api.rbac.v1": "rbac.authorization.k8s.io/v1",
    "k8s.io.api.events.v1": "events.k8s.io/v1",
    "k8s.io.api.authentication.v1": "authentication.k8s.io/v1",
    "k8s.io.api.authorization.v1": "authorization.k8s.io/v1",
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1": "apiextensions.k8s.io/v1",
    "k8s.io.apimachinery.pkg.apis.meta.v1": "meta.k8s.io/v1",
}
# Support packages: no group/version of their own, but their messages are referenced.
SUPPORT_PACKAGES = [
    "k8s.io.apimachinery.pkg.runtime",
    "k8s.io.apimachinery.pkg.runtime.schema",
    "k8s.io.apimachinery.pkg.api.resource",
    "k8s.io.apimachinery.pkg.util.intstr",
]
OPTIONAL_PACKAGES = {"k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1"}

# Embedded Go structs tagged `json:",inline"`: go-to-protobuf gives them a proto field of their
# own, but in JSON their fields sit in the parent object.
INLINE = {
    ("k8s.io.api.core.v1.ConfigMapEnvSource", "localObjectReference"),
    ("k8s.io.api.core.v1.ConfigMapKeySelector", "localObjectReference"),
    ("k8s.io.api.core.v1.ConfigMapProjection", "localObjectReference"),
    ("k8s.io.api.core.v1.ConfigMapVolumeSource", "localObjectReference"),
    ("k8s.io.api.core.v1.SecretEnvSource", "localObjectReference"),
    ("k8s.io.api.core.v1.SecretKeySelector", "localObjectReference"),
    ("k8s.io.api.core.v1.SecretProjection", "localObjectReference"),
    ("k8s.io.api.core.v1.EphemeralContainer", "ephemeralContainerCommon"),
    ("k8s.io.api.core.v1.PersistentVolumeSpec", "persistentVolumeSource"),
    ("k8s.io.api.core.v1.Probe", "handler"),
    ("k8s.io.api.core.v1.Volume", "volumeSource"),
    ("k8s.io.api.networking.v1.IngressRule", "ingressRuleValue"),
    ("k8s.io.apimachinery.pkg.runtime.Unknown", "typeMeta"),
}
# Proto field names that are not the JSON name: go-to-protobuf fell back to the lowerCamel Go name.
JSON_NAMES = {
    ("k8s.io.api.networking.v1.IngressClassParametersReference", "aPIGroup"): "apiGroup",
    ("k8s.io.api.authentication.v1.BoundObjectReference", "uID"): "uid",
}
# Odd-looking names that really are the JSON names (or are special-cased by the decoder).
ODD_BUT_RIGHT = {
    ("k8s.io.api.core.v1.DaemonEndpoint", "Port"),  # json:"Port"
    ("k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1", "Raw"),  # decoded as embedded JSON
}
# Named slice types (type ExtraValue []string): a message with one repeated field, "items".
ARRAYS = {
    "k8s.io.api.authentication.v1.ExtraValue",
    "k8s.io.api.authorization.v1.ExtraValue",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Verbs",
}

SCALARS = {
    1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32",
    8: "bool", 9: "string", 12: "bytes", 13: "uint32", 14: "enum", 15: "sfixed32",
    16: "sfixed64", 17: "sint32", 18: "sint64",
}
TYPE_MESSAGE = 11
TYPE_GROUP = 10
LABEL_REPEATED = 3
GOGO_NULLABLE = 65001  # extension numbers of gogoproto.nullable and gogoproto.customname on FieldOptions
GOGO_CUSTOMNAME = 65004


# ---- a minimal protobuf reader ----

def read_varint(buf, pos):
    result = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def read_fields(buf):
    """Yield (field number, wire type, value) for each field of a message."""
    pos = 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = read_varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = read_varint(buf, pos)
            if pos + length > len(buf):
                raise ValueError("truncated length-delimited field")
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield number, wire, value


# ---- descriptors ----

def parse_field(buf):
    field = {"name": None, "number": None, "label": 1, "type": None, "type_name": None, "nullable": True,
             "go_name": None}
    for number, _, value in read_fields(buf):
        if number == 1:
            field["name"] = value.decode()
        elif number == 3:
            field["number"] = value
        elif number == 4:
            field["label"] = value
        elif number == 5:
            field["type"] = value
        elif number == 6:
            field["type_name"] = value.decode().lstrip(".")
        elif number == 8:  # FieldOptions
            for opt, wire, v in read_fields(value):
                if opt == GOGO_NULLABLE and wire == 0:
                    field["nullable"] = v != 0
                elif opt == GOGO_CUSTOMNAME and wire == 2:
                    field["go_name"] = v.decode()
    return field


def parse_message(buf, prefix, out):
    name = None
    fields = []
    nested = []
    map_entry = False
    for number, _, value in read_fields(buf):
        if number == 1:
            name = value.decode()
        elif number == 2:
            fields.append(parse_field(value))
        elif number == 3:
            nested.append(value)
        elif number == 7:  # MessageOptions
            for opt, wire, v in read_fields(value):
                if opt == 7 and wire == 0:
                    map_entry = v != 0
    full = prefix + "." + name
    out[full] = {"fields": fields, "map_entry": map_entry}
    for n in nested:
        parse_message(n, full, out)


def parse_file(buf):
    info = {"name": None, "package": None, "messages": {}}
    for number, _, value in read_fields(buf):
        if number == 1:
            info["name"] = value.decode()
        elif number == 2:
            info["package"] = value.decode()
        elif number == 4:
            pass
    for number, _, value in read_fields(buf):
        if number == 4:
            parse_message(value, info["package"], info["messages"])
    return info


def embedded_descriptors(path):
    """Every gzip member in the binary that inflates to something shaped like a FileDescriptorProto."""
    data = open(path, "rb").read()
    files = {}
    pos = 0
    while True:
        pos = data.find(GZIP_HEADER, pos)
        if pos < 0:
            break
        start = pos + 10
        pos += 1
        try:
            inflater = zlib.decompressobj(-15)
            out = inflater.decompress(data[start:start + (8 << 20)])
        except zlib.error:
            continue
        if not out.startswith(b"\x0a"):
            continue
        try:
            info = parse_file(out)
        except (ValueError, UnicodeDecodeError):
            continue
        if info["name"] and info["name"].endswith(".proto") and info["package"]:
            files[info["package"]] = info
    return files


# ---- the table ----

def type_of(field, messages):
    t = field["type"]
    if t == TYPE_MESSAGE:
        target = messages.get(field["type_name"])
        if target is not None and target["map_entry"]:
            kv = {f["number"]: f for f in target["fields"]}
            return "map<%s,%s>" % (type_of(kv[1], messages), type_of(kv[2], messages))
        return field["type_name"]
    if t == TYPE_GROUP:
        raise ValueError("groups are not supported: " + field["name"])
    return SCALARS[t]


def schema_of(definitions, full):
    """The OpenAPI definition of a proto message, if the schema file has one."""
    if definitions is None or not full.startswith("k8s.io."):
        return None
    return definitions.get("io.k8s." + full[len("k8s.io."):])


def build_table(files, definitions=None, quiet=False):
    wanted = [p for p in list(PACKAGES) + SUPPORT_PACKAGES if p in files]
    missing = [p for p in list(PACKAGES) + SUPPORT_PACKAGES if p not in files and p not in OPTIONAL_PACKAGES]
    if missing:
        raise SystemExit("packages not embedded in this kubectl: " + ", ".join(missing))
    messages = {}
    for p in wanted:
        messages.update(files[p]["messages"])
    problems = []
    table = {}
    for full in sorted(messages):
        message = messages[full]
        if message["map_entry"]:
            continue
        schema = schema_of(definitions, full)
        props = schema.get("properties", {}) if schema else None
        required = set(schema.get("required", [])) if schema else set()
        entries = []
        for f in sorted(message["fields"], key=lambda f: f["number"]):
            t = type_of(f, messages)
            if f["type"] == TYPE_MESSAGE and not t.startswith("map<") and t not in messages:
                raise SystemExit("%s.%s refers to %s, which is in no extracted package" % (full, f["name"], t))
            name = JSON_NAMES.get((full, f["name"]), f["name"])
            if (re.match(r"^[a-z][A-Z]|^[A-Z]", name) and (full, f["name"]) not in ODD_BUT_RIGHT):
                problems.append("%s.%s does not look like a JSON name: add it to JSON_NAMES or ODD_BUT_RIGHT" % (full, name))
            inline = (full, f["name"]) in INLINE
            repeated = f["label"] == LABEL_REPEATED
            flags = ""
            if repeated and not t.startswith("map<"):
                flags += "r"
            if not repeated and f["nullable"]:
                flags += "p"
            if inline:
                flags += "i"
            if (name in required and not repeated and not f["nullable"]
                    and f["type"] != TYPE_MESSAGE):
                flags += "q"
            entry = [f["number"], name, t]
            if flags:
                entry.append(flags)
            entries.append(entry)
            # Checks against the OpenAPI definitions.
            embedded = f["type"] == TYPE_MESSAGE and f["go_name"] == t.rsplit(".", 1)[-1]
            if props is not None:
                if inline:
                    inner = schema_of(definitions, t)
                    names = [g["name"] for g in messages[t]["fields"]]
                    if name in props or (inner and not all(n in props for n in inner.get("properties", {}))):
                        problems.append("%s.%s is listed as inline, but the schema disagrees" % (full, name))
                elif name not in props and not quiet:
                    kind = "an embedded struct" if embedded else "a field"
                    print("  note: %s.%s (%s) is not in the OpenAPI definition" % (full, name, kind))
                    if embedded:
                        problems.append("%s.%s looks inline: add it to INLINE" % (full, name))
        if full in ARRAYS and [e[1:] for e in entries] != [["items", entries[0][2], "r"]]:
            problems.append("%s is listed in ARRAYS but is not a single repeated items field" % full)
        table[full] = entries
    for full, name in INLINE:
        if full in messages and name not in [f["name"] for f in messages[full]["fields"]]:
            problems.append("INLINE names %s.%s, which does not exist" % (full, name))
    group_versions = {gv: p for p, gv in PACKAGES.items() if p in files}
    return table, group_versions, problems


def repeated_of(entry):
    return len(entry) > 3 and "r" in entry[3]


def check(table, other_path):
    """Field numbers, names, types and cardinality must agree; fields may only be added or dropped."""
    other_table, _, _ = build_table(embedded_descriptors(other_path), quiet=True)
    problems = 0
    compared = 0
    for full, fields in other_table.items():
        mine = {f[0]: f for f in table.get(full, [])}
        if full not in table:
            print("  %s: only in %s" % (full, os.path.basename(other_path)))
            problems += 1
            continue
        for f in fields:
            compared += 1
            m = mine.get(f[0])
            if m is None:
                print("  %s field %d (%s): gone in the newer binary" % (full, f[0], f[1]))
                problems += 1
            elif m[1] != f[1] or m[2] != f[2] or repeated_of(m) != repeated_of(f):
                print("  %s field %d: %s here, %s there" % (full, f[0], m, f))
                problems += 1
    print("checked %d fields of %d messages against %s: %d differences"
          % (compared, len(other_table), other_path, problems))
    return problems


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubectl", default="/usr/lib/google-cloud-sdk/bin/kubectl.1.33")
    parser.add_argument("--out", default=os.path.join(repo, "src/Vigil.Cluster/Serialization/Data/protobuf-types.json"))
    parser.add_argument("--schemas", default=os.path.join(repo, "src/Vigil.Cluster/Schemas/Data/builtin-schemas.json"),
                        help="OpenAPI definitions to check JSON names against")
    parser.add_argument("--check", action="append", default=[], help="another kubectl to compare field numbers with")
    args = parser.parse_args()

    files = embedded_descriptors(args.kubectl)
    print("%d descriptors embedded in %s" % (len(files), args.kubectl))
    definitions = None
    if args.schemas and os.path.exists(args.schemas):
        with open(args.schemas) as f:
            definitions = json.load(f)["definitions"]
    table, group_versions, problems = build_table(files, definitions)
    for p in problems:
        print("  PROBLEM: " + p)
    if problems:
        return 1

    doc = {
        "source": "FileDescriptorProtos embedded in %s, extracted by tools/protogen/extract.py" % os.path.basename(args.kubectl),
        "groupVersions": dict(sorted(group_versions.items())),
        "arrays": sorted(a for a in ARRAYS if a in table),
        "messages": table,
    }
    # One message per line: small, and diffs stay readable.
    lines = ["{",
             '"source":' + json.dumps(doc["source"]) + ",",
             '"groupVersions":' + json.dumps(doc["groupVersions"], separators=(",", ":")) + ",",
             '"arrays":' + json.dumps(doc["arrays"], separators=(",", ":")) + ",",
             '"messages":{']
    names = list(table)
    for i, name in enumerate(names):
        lines.append(json.dumps(name) + ":" + json.dumps(table[name], separators=(",", ":"))
                     + ("," if i < len(names) - 1 else ""))
    lines.append("}}")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %d messages to %s (%d bytes)" % (len(table), args.out, os.path.getsize(args.out)))

    failed = 0
    for other in args.check:
        failed += check(table, other)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
