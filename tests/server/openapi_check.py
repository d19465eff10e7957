#!/usr/bin/env python3
"""Validates with a JSON Schema validator (Debian's python3-jsonschema,
draft 2020-12, the dialect of OpenAPI 3.1):

    openapi_check.py SPEC.json [SAMPLES.json]

- every schema in the document is a valid schema;
- every example in the document (request bodies, responses, and schemas'
  own `examples`) validates against its schema;
- with SAMPLES (written by tests/server/openapi_test.cpp): every answer the
  real server gave has a status the operation documents, and its body
  validates against that status's schema. A sample is
  {"method","path","status","body"} (path: the documented template), or
  {"schema": "#/components/...", "body"} for a WebSocket frame.

Prints one line per failure and a closing "N passed, N failed" line;
exits 1 if anything failed."""
import json
import sys

import jsonschema

Validator = jsonschema.Draft202012Validator
failures = []
passed = 0


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        node = spec_pointer(spec, node["$ref"])
    return node


def spec_pointer(spec, ref):
    node = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def validate(spec, schema, instance, what):
    global passed
    resolver = jsonschema.RefResolver(base_uri="", referrer=spec)
    errors = sorted(Validator(schema, resolver=resolver).iter_errors(instance),
                    key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        failures.append(f"{what}: {e.message} at "
                        f"/{'/'.join(map(str, e.absolute_path))}")
    else:
        passed += 1


def media_examples(media):
    if "example" in media:
        yield "example", media["example"]
    for name, ex in media.get("examples", {}).items():
        yield name, ex["value"]


def check_document(spec):
    global passed
    for name, schema in spec["components"]["schemas"].items():
        try:
            Validator.check_schema(schema)
            passed += 1
        except jsonschema.SchemaError as e:
            failures.append(f"schema {name}: {e.message}")
        for i, ex in enumerate(schema.get("examples", [])):
            validate(spec, schema, ex, f"schema {name} example {i}")
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            where = f"{method.upper()} {path}"
            for param in item.get("parameters", []) + op.get("parameters", []):
                Validator.check_schema(resolve(spec, param).get("schema", {}))
            body = resolve(spec, op.get("requestBody", {}))
            for media in body.get("content", {}).values():
                for name, ex in media_examples(media):
                    validate(spec, media["schema"], ex,
                             f"{where} request {name}")
            for status, response in op["responses"].items():
                response = resolve(spec, response)
                for kind, media in response.get("content", {}).items():
                    if "schema" in media:
                        Validator.check_schema(media["schema"])
                    for name, ex in media_examples(media):
                        validate(spec, media["schema"], ex,
                                 f"{where} {status} {name}")


def check_sample(spec, sample):
    if "schema" in sample:
        validate(spec, {"$ref": sample["schema"]}, sample["body"],
                 f"frame {sample['body'].get('type')}")
        return
    method, path, status = sample["method"], sample["path"], sample["status"]
    where = f"{method} {path} answered {status}"
    op = spec["paths"].get(path, {}).get(method.lower())
    if op is None:
        failures.append(f"{where}: not documented")
        return
    response = op["responses"].get(str(status))
    if response is None:
        failures.append(f"{where}: status not documented "
                        f"(body {sample['body'][:200]})")
        return
    media = resolve(spec, response).get("content", {}).get("application/json")
    if media is None:  # 204, 101, or a dashboard file
        if status != 204 or sample["body"] == "":
            global passed
            passed += 1
        else:
            failures.append(f"{where}: a 204 with a body")
        return
    try:
        body = json.loads(sample["body"])
    except ValueError:
        failures.append(f"{where}: the body is not JSON: {sample['body'][:200]}")
        return
    validate(spec, media["schema"], body, where)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    check_document(spec)
    if len(sys.argv) > 2:
        with open(sys.argv[2], encoding="utf-8") as f:
            for sample in json.load(f):
                check_sample(spec, sample)
    for line in failures:
        print("FAILED", line)
    print(f"{passed} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
