#!/usr/bin/env python3
"""Turns docs/openapi.yaml into the JSON the server serves at
/api/v1/openapi.json. http/CMakeLists.txt runs it at build time:

    openapi_to_json.py IN.yaml OUT.json VERSION

It writes VERSION (the server's) into info.version, and fails the build,
naming the place, on what would make the served document wrong: YAML that
is not plain JSON data (an unquoted time or date read as a number or a
date), a duplicate key (YAML keeps the last one silently), an operation
without responses or with an operationId used twice, a path parameter that
no `parameters` entry declares, or a local $ref that points nowhere."""
import json
import re
import sys

import yaml


class StrictLoader(yaml.SafeLoader):
    """safe_load, refusing a mapping that repeats a key."""


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise SystemExit(f"openapi: duplicate key {key!r} at line "
                             f"{key_node.start_mark.line + 1}")
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def plain(value, where):
    """Checks that the YAML value is JSON data: str keys, JSON scalars."""
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise SystemExit(f"openapi: key {k!r} at {where} is not a "
                                 "string: quote it")
            plain(v, f"{where}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            plain(v, f"{where}/{i}")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise SystemExit(f"openapi: {where} is a {type(value).__name__} "
                         f"({value!r}), not JSON: quote it")


def refs(value, where):
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "$ref" and isinstance(v, str):
                yield where, v
            else:
                yield from refs(v, f"{where}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from refs(v, f"{where}/{i}")


def pointer(doc, ref):
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def check(doc):
    if not str(doc.get("openapi", "")).startswith("3.1."):
        raise SystemExit("openapi: the document must say openapi: 3.1.x")
    for where, ref in refs(doc, ""):
        if ref.startswith("#/") and pointer(doc, ref) is None:
            raise SystemExit(f"openapi: $ref {ref} at {where} points nowhere")
    ids = set()
    for path, item in doc.get("paths", {}).items():
        declared = set()
        for p in item.get("parameters", []):
            p = pointer(doc, p["$ref"]) if "$ref" in p else p
            if p.get("in") == "path":
                declared.add(p["name"])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            here = declared | {p.get("name") for p in op.get("parameters", [])
                               if p.get("in") == "path"}
            for name in re.findall(r"{([^}]+)}", path):
                if name not in here:
                    raise SystemExit(f"openapi: {method} {path} does not "
                                     f"declare its path parameter {name}")
            if not op.get("responses"):
                raise SystemExit(f"openapi: {method} {path} has no responses")
            op_id = op.get("operationId")
            if not op_id or op_id in ids:
                raise SystemExit(f"openapi: {method} {path}: operationId "
                                 f"{op_id!r} missing or used twice")
            ids.add(op_id)


def main():
    source, target, version = sys.argv[1:4]
    with open(source, encoding="utf-8") as f:
        doc = yaml.load(f, Loader=StrictLoader)
    plain(doc, "")
    check(doc)
    doc["info"]["version"] = version
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    json.loads(text)  # what the server serves parses as JSON
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
