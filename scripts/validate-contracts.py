#!/usr/bin/env python3
"""Checks the contract files under Contracts/ and their examples.

What is checked, in this order:

1. OpenAPI documents: `Contracts/openapi.yaml` and every `Contracts/upstream/*.openapi.yaml` are linted with
   openapi-spec-validator (relative `$ref`s resolved from the file's folder); every schema under
   `components.schemas` must also be a valid JSON Schema 2020-12 schema.
2. JSON Schemas: every `Contracts/upstream/*.schema.json` must be a valid Draft 2020-12 schema
   (`Draft202012Validator.check_schema`).
3. Examples, by file-name convention:
   - `Contracts/upstream/examples/<name>.json` is validated against `Contracts/upstream/<schema>.schema.json`,
     where `<schema>` is the longest schema name that is `<name>` itself or a prefix of it followed by `-`
     (`napas-verification-request.json` and `napas-verification-request-2.json` both name
     `napas-verification-request.schema.json`). An example whose name resolves to no schema is an error.
     Short prefixes used by the simulators' own tests are aliases (see `EXAMPLE_ALIASES`): `bank-request` →
     `bank-account-opening-request`, `bank-result` → `bank-account-opening-result`, `napas-request` →
     `napas-verification-request`, `napas-report` → `napas-verification-report`.
   - `Contracts/examples/<Component>.json` or `Contracts/examples/<Component>-<anything>.json` is validated
     against `components.schemas.<Component>` of `Contracts/openapi.yaml` (component names have no `-`), e.g.
     `MessageEnvelope-participant-sync.json` against `MessageEnvelope`. An unknown component is an error.
   Schemas may `$ref` each other by relative file name or by `$id`; formats are checked where `jsonschema` can.

Prints one line per file (`ok <file>` or `FAIL <file>: <reason>`) and a summary; exits 1 when anything failed,
2 when a needed Python module is missing.

Usage: python3 scripts/validate-contracts.py [--root <repository root>]
Needs: jsonschema (4.18 or later, with `referencing`), openapi-spec-validator, PyYAML.
"""

import argparse
import json
import sys
from pathlib import Path

try:
    import yaml
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
    from openapi_spec_validator import validate as validate_openapi
    from openapi_spec_validator.readers import read_from_filename
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource
    from referencing.jsonschema import DRAFT202012
except ImportError as error:  # pragma: no cover - environment problem
    print(f"validate-contracts: missing Python module ({error.name}); "
          "pip install jsonschema openapi-spec-validator pyyaml", file=sys.stderr)
    sys.exit(2)

MAX_ERRORS = 3


class Report:
    """Collects one line per checked file."""

    def __init__(self, root):
        self.root = root
        self.passed = 0
        self.failed = 0

    def name(self, path):
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def ok(self, path, note=""):
        self.passed += 1
        print(f"ok {self.name(path)}{note}")

    def fail(self, path, reason):
        self.failed += 1
        print(f"FAIL {self.name(path)}: {reason}")


def short(error):
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def describe(error):
    message = error.message
    if error.validator == "not":   # the default message repeats the whole instance
        message = f"must not match {json.dumps(error.validator_value, sort_keys=True)}"
    message = message if len(message) <= 300 else message[:297] + "..."
    return f"{error.json_path}: {message}"


def load_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def file_registry(schema_files):
    """A registry holding every schema file under its file URI and its `$id`, retrieving other files lazily."""

    def retrieve(uri):
        if uri.startswith("file://"):
            path = Path(uri[len("file://"):])
            if path.is_file():
                contents = load_json(path) if path.suffix == ".json" else yaml.safe_load(path.read_text(encoding="utf-8"))
                return Resource.from_contents(contents, default_specification=DRAFT202012)
        raise NoSuchResource(ref=uri)

    registry = Registry(retrieve=retrieve)
    for path, contents in schema_files.items():
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        registry = registry.with_resource(path.resolve().as_uri(), resource)
        if isinstance(contents, dict) and isinstance(contents.get("$id"), str):
            registry = registry.with_resource(contents["$id"], resource)
    return registry


def validate_instance(instance, schema_ref, registry):
    validator = Draft202012Validator(
        {"$ref": schema_ref}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(instance), key=lambda e: (list(e.absolute_path), e.message))
    if not errors:
        return None
    more = f" (+{len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
    return "; ".join(describe(e) for e in errors[:MAX_ERRORS]) + more


def check_openapi(path, report):
    """Lints one OpenAPI document; returns it (or None when it cannot be read)."""
    try:
        document, base_uri = read_from_filename(str(path))
    except Exception as error:  # noqa: BLE001 - any reading problem is a finding
        report.fail(path, f"cannot read: {short(error)}")
        return None
    try:
        validate_openapi(document, base_uri=base_uri)
    except Exception as error:  # noqa: BLE001 - the validator raises several exception types
        report.fail(path, f"OpenAPI: {short(error)}")
        return document
    schemas = (document.get("components") or {}).get("schemas") or {}
    for name, schema in schemas.items():
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            report.fail(path, f"components.schemas.{name} is not a 2020-12 schema: {error.message}")
            return document
    version = document.get("openapi", "?")
    report.ok(path, f" (OpenAPI {version}, {len(document.get('paths') or {})} paths, {len(schemas)} schemas)")
    return document


EXAMPLE_ALIASES = {
    "bank-request": "bank-account-opening-request",
    "bank-result": "bank-account-opening-result",
    "napas-request": "napas-verification-request",
    "napas-report": "napas-verification-report",
}


def schema_for_example(stem, schema_names):
    """The longest schema name equal to `stem` or a prefix of it followed by `-` (after the aliases)."""
    for alias, name in EXAMPLE_ALIASES.items():
        if stem == alias or stem.startswith(alias + "-"):
            stem = name + stem[len(alias):]
            break
    matches = [name for name in schema_names if stem == name or stem.startswith(name + "-")]
    return max(matches, key=len) if matches else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent), help="the repository root")
    arguments = parser.parse_args()
    root = Path(arguments.root).resolve()
    contracts = root / "Contracts"
    upstream = contracts / "upstream"
    report = Report(root)

    # 1. OpenAPI documents.
    gateway_path = contracts / "openapi.yaml"
    gateway = None
    if gateway_path.is_file():
        gateway = check_openapi(gateway_path, report)
    else:
        report.fail(gateway_path, "missing")
    for path in sorted(upstream.glob("*.openapi.yaml")):
        check_openapi(path, report)

    # 2. JSON Schema files.
    schema_files = {}
    for path in sorted(upstream.glob("*.schema.json")):
        try:
            contents = load_json(path)
        except (OSError, ValueError) as error:
            report.fail(path, f"not JSON: {short(error)}")
            continue
        try:
            Draft202012Validator.check_schema(contents)
        except SchemaError as error:
            report.fail(path, f"not a 2020-12 schema: {error.json_path}: {error.message}")
            continue
        schema_files[path] = contents
        report.ok(path)
    registry = file_registry(schema_files)
    schema_names = {path.name[: -len(".schema.json")]: path for path in schema_files}

    # 3a. Upstream examples.
    unresolved = 0
    for path in sorted((upstream / "examples").glob("*.json")):
        name = schema_for_example(path.stem, schema_names)
        if name is None:
            report.fail(path, "no schema named by its prefix (no Contracts/upstream/<prefix>.schema.json matches)")
            unresolved += 1
            continue
        try:
            instance = load_json(path)
        except (OSError, ValueError) as error:
            report.fail(path, f"not JSON: {short(error)}")
            continue
        reason = validate_instance(instance, schema_names[name].resolve().as_uri(), registry)
        if reason:
            report.fail(path, f"against {name}.schema.json: {reason}")
        else:
            report.ok(path, f" (against {name}.schema.json)")

    if unresolved:
        print(f"  ({unresolved} example(s) without a schema; schemas are: {', '.join(sorted(schema_names)) or 'none'})")

    # 3b. Gateway examples.
    examples = sorted((contracts / "examples").glob("*.json"))
    if examples and gateway is None:
        for path in examples:
            report.fail(path, "Contracts/openapi.yaml could not be read")
    elif examples:
        document_uri = gateway_path.resolve().as_uri()
        gateway_registry = registry.with_resource(
            document_uri, Resource.from_contents(gateway, default_specification=DRAFT202012))
        components = (gateway.get("components") or {}).get("schemas") or {}
        for path in examples:
            component = path.stem.split("-", 1)[0]
            if component not in components:
                report.fail(path, f"names no component schema of Contracts/openapi.yaml ('{component}' is not in components.schemas)")
                continue
            try:
                instance = load_json(path)
            except (OSError, ValueError) as error:
                report.fail(path, f"not JSON: {short(error)}")
                continue
            reason = validate_instance(instance, f"{document_uri}#/components/schemas/{component}", gateway_registry)
            if reason:
                report.fail(path, f"against components.schemas.{component}: {reason}")
            else:
                report.ok(path, f" (against components.schemas.{component})")

    total = report.passed + report.failed
    print(f"validate-contracts: {total} files checked, {report.passed} ok, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
