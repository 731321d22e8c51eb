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
    JSON object (see INLINE); "q": the Go field has no omitempty, so Go's JSON writes it even when
    zero or nil ("replicas": 0, "rules": null).

The JSON names, inline fields and omitempty come from the Go struct tags in the binary's reflection
data (see go_structs); where those are ambiguous, "q" falls back to the OpenAPI schema's required list.

"arrays" lists the messages that stand for a named Go slice type (type Verbs []string): a
single repeated field "items" on the wire, a plain JSON array in JSON.

The JSON names and inline fields are also checked against the OpenAPI definitions in
src/Vigil.Cluster/Schemas/Data/builtin-schemas.json where a definition exists.

Usage:
    /usr/bin/python3 tools/protogen/extract.py [--kubectl PATH] [--out PATH] [--check OTHER_KUBECTL ...]

--check compares every extracted field (number, name, type, label) against the descriptors of
another kubectl binary and lists the differences; fields added since are not differences. Against
kubectl 1.27 the only ones are alpha fields dropped since (PodResourceClaim.source,
PersistentVolumeClaimStatus.resizeStatus, NetworkPolicy.status) and PersistentVolumeClaimSpec.resources
becoming VolumeResourceRequirements (same field numbers): no field was ever renumbered.
"""

import argparse
import array
import json
import os
import re
import struct
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
# Messages whose raw bytes Go keeps out of JSON (json:"-"); the decoder gives them their JSON forms.
DASH_JSON = {
    "k8s.io.apimachinery.pkg.runtime.RawExtension",
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1",
    "k8s.io.apimachinery.pkg.runtime.Unknown",
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
    """FileDescriptorProto: name (1), package (2), message_type (4)."""
    info = {"name": None, "package": None, "messages": {}}
    message_types = []
    for number, _, value in read_fields(buf):
        if number == 1:
            info["name"] = value.decode()
        elif number == 2:
            info["package"] = value.decode()
        elif number == 4:
            message_types.append(value)
    for value in message_types:
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


# ---- Go struct tags ----
#
# The descriptors give field numbers and proto names, but not Go's JSON behaviour: whether a field has
# omitempty (Go writes zero values and nil slices of the others), or whether an embedded struct is inline.
# The Go types' reflection data in the binary has it: each struct type's fields are an array of
# {name *nameBlob, type *rtype, offset uintptr}, and a name blob is a flags byte, a varint length, the
# field name, a varint length and the struct tag (`json:"..." protobuf:"..."`).

def load_segments(data):
    """(file offset, virtual address, size) of each PT_LOAD segment of a 64-bit little-endian ELF."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit("not a 64-bit little-endian ELF binary")
    phoff = struct.unpack_from("<Q", data, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segments = []
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1:
            segments.append((p_offset, p_vaddr, p_filesz))
    return segments


def parse_struct_tag(tag):
    """reflect.StructTag's key:"value" pairs."""
    pairs = {}
    for m in re.finditer(r'([^\s:"]+):"((?:[^"\\]|\\.)*)"', tag):
        pairs.setdefault(m.group(1), m.group(2))
    return pairs


def name_blobs(data, segments):
    """Virtual address of each name blob with a json tag -> (Go field name, tag)."""
    def address(offset):
        for o, v, size in segments:
            if o <= offset < o + size:
                return v + offset - o
        return None

    blobs = {}
    for m in re.finditer(rb'json:"', data):
        found = False
        for start in range(m.start(), max(m.start() - 300, 1), -1):
            for width in (1, 2):  # the tag's varint length, one or two bytes
                if width == 1:
                    length = data[start - 1]
                    if length >= 0x80:
                        continue
                else:
                    b0, b1 = data[start - 2], data[start - 1]
                    if b0 < 0x80 or b1 >= 0x80:
                        continue
                    length = (b0 & 0x7F) | (b1 << 7)
                end = start + length
                if end < m.end() or data[end - 1] != 0x22:
                    continue
                before = start - width
                for name_start in range(before - 1, max(before - 100, 2), -1):
                    if data[name_start - 1] == before - name_start and re.fullmatch(rb"[A-Za-z_][A-Za-z0-9_]*", data[name_start:before]):
                        va = address(name_start - 2)  # the flags byte
                        if va is not None:
                            blobs[va] = (data[name_start:before].decode(), data[start:end].decode("latin-1"))
                            found = True
                        break
                if found:
                    break
            if found:
                break
    return blobs


def go_structs(data):
    """The tagged fields of each Go struct type: lists of (Go name, parsed tag)."""
    blobs = name_blobs(data, load_segments(data))
    words = array.array("Q")
    words.frombytes(data[:len(data) // 8 * 8])
    if sys.byteorder != "little":
        words.byteswap()
    hits = {i for i, w in enumerate(words) if w in blobs}
    structs = []
    for i in sorted(hits):
        if i - 3 in hits:  # not the first field of its array
            continue
        fields = []
        while i in hits:  # structField records are three words long
            name, tag = blobs[words[i]]
            fields.append((name, parse_struct_tag(tag)))
            i += 3
        structs.append(fields)
    return structs


def proto_key(tag):
    """(number, proto name) from a protobuf struct tag."""
    m = re.match(r"[a-z0-9]+,(\d+),(?:opt|rep|req),name=([A-Za-z0-9_]+)", tag.get("protobuf", ""))
    return (int(m.group(1)), m.group(2)) if m else None


def json_tags(messages, structs):
    """(message, proto field name) -> (json name, omitempty) where the Go structs agree on it."""
    by_fields = {}
    for fields in structs:
        keys = frozenset(k for k in (proto_key(t) for _, t in fields) if k)
        if keys:
            by_fields.setdefault(keys, []).append(fields)
    known = {}
    for full, message in messages.items():
        if message["map_entry"]:
            continue
        candidates = by_fields.get(frozenset((f["number"], f["name"]) for f in message["fields"]), [])
        for f in message["fields"]:
            value_struct = f["type"] == TYPE_MESSAGE and not f["nullable"] and f["label"] != LABEL_REPEATED
            seen = set()
            for fields in candidates:
                for _, tag in fields:
                    if proto_key(tag) == (f["number"], f["name"]) and "json" in tag:
                        parts = tag["json"].split(",")
                        # Go writes value structs whatever their omitempty says.
                        seen.add((parts[0], "omitempty" in parts[1:] and not value_struct))
            if len(seen) == 1:
                known[(full, f["name"])] = seen.pop()
    return known


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


def build_table(files, definitions=None, tags=None, quiet=False):
    wanted = [p for p in list(PACKAGES) + SUPPORT_PACKAGES if p in files]
    missing = [p for p in list(PACKAGES) + SUPPORT_PACKAGES if p not in files and p not in OPTIONAL_PACKAGES]
    if missing:
        raise SystemExit("packages not embedded in this kubectl: " + ", ".join(missing))
    messages = {}
    for p in wanted:
        messages.update(files[p]["messages"])
    problems = []
    table = {}
    stats = {"tagged": 0, "untagged": 0}
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
            value_struct = f["type"] == TYPE_MESSAGE and not f["nullable"] and not repeated
            tag = tags.get((full, f["name"])) if tags is not None else None
            if tag is not None:
                stats["tagged"] += 1
                json_name, omitempty = tag
                if json_name == "-":
                    if full not in DASH_JSON:
                        problems.append("%s.%s is json:\"-\" in Go, which the decoder does not expect" % (full, name))
                elif json_name == "":
                    if not inline:
                        problems.append("%s.%s is inline in Go: add it to INLINE" % (full, name))
                elif inline or json_name != name:
                    problems.append("%s.%s is json:\"%s\" in Go" % (full, name, json_name))
                required_by_go = json_name not in ("", "-") and not omitempty and not value_struct
            else:
                stats["untagged"] += 1
                # No unambiguous Go tag: a field the OpenAPI schema requires has no omitempty.
                required_by_go = (name in required and not repeated and not f["nullable"]
                                  and f["type"] != TYPE_MESSAGE)
            if required_by_go:
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
    if tags is not None and not quiet:
        print("Go struct tags known for %(tagged)d fields; %(untagged)d fall back to the OpenAPI schemas" % stats)
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
    tags = json_tags({name: m for info in files.values() for name, m in info["messages"].items()},
                     go_structs(open(args.kubectl, "rb").read()))
    table, group_versions, problems = build_table(files, definitions, tags)
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
