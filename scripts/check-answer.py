#!/usr/bin/env python3
"""Checks live answers of the gateway against its partner API contract (Contracts/openapi.yaml).

Reads JSON Lines on standard input, one answer per line:

    { "method": "POST", "path": "/v1/services/napas.verify-account", "status": 200,
      "contentType": "application/json", "body": <JSON value or null> }

For each answer it finds the operation (the literal path first, then templated paths such as
`/v1/messages/{id}`; a query string is ignored), the response declared for the status (exact, then `4XX`-style
ranges, then `default`), checks that the content type (parameters such as `charset` ignored) is declared for
that response, and validates the body against the declared schema with JSON Schema 2020-12, resolving `$ref`s
inside the document (formats checked where the `jsonschema` installation can).

Prints one line per answer, `ok METHOD PATH STATUS` or `FAIL METHOD PATH STATUS: reason`, and exits 1 when any
answer failed, 2 when the contract cannot be loaded or the input is unusable.

Usage: python3 scripts/check-answer.py [--spec Contracts/openapi.yaml] < answers.jsonl
Needs: jsonschema (4.18 or later, with `referencing`) and PyYAML.
"""

import argparse
import json
import re
import sys
from pathlib import Path

try:
    import yaml
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as error:  # pragma: no cover - environment problem
    print(f"check-answer: missing Python module ({error.name}); pip install jsonschema pyyaml", file=sys.stderr)
    sys.exit(2)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT / "Contracts" / "openapi.yaml"
DOCUMENT_URI = "urn:lienthong:contract:openapi"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
MAX_ERRORS = 3


def pointer_escape(token):
    return token.replace("~", "~0").replace("/", "~1")


def pointer_unescape(token):
    return token.replace("~1", "/").replace("~0", "~")


class Contract:
    """The OpenAPI document with a JSON Schema registry over it."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as handle:
            self.document = yaml.safe_load(handle)
        if not isinstance(self.document, dict) or "paths" not in self.document:
            raise ValueError(f"{path} is not an OpenAPI document with paths")
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(DOCUMENT_URI, resource)
        self.validators = {}
        literal, templated = [], []
        for template in self.document["paths"]:
            if "{" in template:
                pattern = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template)) + "$"
                templated.append((template.count("{"), template, re.compile(pattern)))
            else:
                literal.append(template)
        self.literal = set(literal)
        self.templated = sorted(templated)

    def lookup(self, pointer):
        node = self.document
        for token in pointer.lstrip("/").split("/") if pointer else []:
            token = pointer_unescape(token)
            node = node[int(token)] if isinstance(node, list) else node[token]
        return node

    def resolve(self, node, pointer):
        """Follows in-document `$ref`s of OpenAPI objects (responses); returns the node and its pointer."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#") or ref in seen:
                raise ValueError(f"cannot follow $ref {ref}")
            seen.add(ref)
            pointer = ref[1:]
            node = self.lookup(pointer)
        return node, pointer

    def operation(self, method, path):
        """The (template, operation, pointer) for a request, or raises ValueError with the reason."""
        method = method.lower()
        candidates = []
        if path in self.literal:
            candidates.append(path)
        candidates += [template for _, template, pattern in self.templated if pattern.match(path)]
        if not candidates:
            raise ValueError("no path of the contract matches")
        for template in candidates:
            item = self.document["paths"][template]
            if method in item:
                return template, item[method], f"/paths/{pointer_escape(template)}/{method}"
        raise ValueError(f"{method.upper()} is not declared on {candidates[0]}")

    def validator(self, pointer):
        if pointer not in self.validators:
            schema = {"$ref": f"{DOCUMENT_URI}#{pointer}"}
            self.validators[pointer] = Draft202012Validator(
                schema, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
        return self.validators[pointer]


def response_for(contract, operation, pointer, status):
    responses = operation.get("responses", {})
    text = str(status)
    for key in (text, text[0] + "XX", "default"):
        if key in responses:
            return contract.resolve(responses[key], f"{pointer}/responses/{pointer_escape(key)}")
    declared = ", ".join(sorted(responses)) or "none"
    raise ValueError(f"status {status} is not declared (declared: {declared})")


def media_type(value):
    return (value or "").split(";", 1)[0].strip().lower()


def content_for(response, pointer, content_type):
    content = response.get("content") or {}
    wanted = media_type(content_type)
    if not content:
        return None, None
    for key in content:
        if media_type(key) == wanted:
            return content[key], f"{pointer}/content/{pointer_escape(key)}"
    for key in content:
        major, _, minor = media_type(key).partition("/")
        if (minor == "*" and wanted.startswith(major + "/")) or key == "*/*":
            return content[key], f"{pointer}/content/{pointer_escape(key)}"
    raise ValueError(f"content type {content_type or '(none)'} is not declared (declared: {', '.join(content)})")


def describe(error):
    where = error.json_path
    message = error.message
    if error.validator == "not":   # the default message repeats the whole instance
        message = f"must not match {json.dumps(error.validator_value, sort_keys=True)}"
    if len(message) > 300:
        message = message[:297] + "..."
    return f"{where}: {message}"


def check(contract, answer):
    """Returns None when the answer conforms, else the reason."""
    method, path, status = answer["method"], answer["path"].split("?", 1)[0], int(answer["status"])
    _, operation, pointer = contract.operation(method, path)
    response, response_pointer = response_for(contract, operation, pointer, status)
    has_body = answer.get("body") is not None
    media, media_pointer = content_for(response, response_pointer, answer.get("contentType"))
    if media is None:
        if has_body:
            return "a body was sent but the response declares no content"
        return None
    if "schema" not in media:
        return None
    if not has_body:
        return "the response declares content but the answer has no JSON body"
    validator = contract.validator(media_pointer + "/schema")
    errors = sorted(validator.iter_errors(answer["body"]), key=lambda e: (list(e.absolute_path), e.message))
    if errors:
        shown = "; ".join(describe(e) for e in errors[:MAX_ERRORS])
        more = f" (+{len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        return shown + more
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", default=str(DEFAULT_SPEC), help="the OpenAPI document (default: Contracts/openapi.yaml)")
    arguments = parser.parse_args()
    try:
        contract = Contract(arguments.spec)
    except (OSError, ValueError, yaml.YAMLError) as error:
        print(f"check-answer: cannot load the contract: {error}", file=sys.stderr)
        return 2

    checked = failed = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        checked += 1
        try:
            answer = json.loads(line)
            label = f"{answer['method'].upper()} {answer['path']} {answer['status']}"
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            failed += 1
            print(f"FAIL line {number}: not an answer object ({error})")
            continue
        try:
            reason = check(contract, answer)
        except (ValueError, KeyError, TypeError) as error:
            reason = str(error)
        if reason is None:
            print(f"ok {label}")
        else:
            failed += 1
            print(f"FAIL {label}: {reason}")
    print(f"check-answer: {checked} answers, {checked - failed} ok, {failed} failed", file=sys.stderr)
    if checked == 0:
        print("check-answer: no answer on standard input", file=sys.stderr)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
