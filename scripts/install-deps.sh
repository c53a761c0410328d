#!/usr/bin/env bash
# Installs the system packages the build and tests need (Debian). Idempotent; run as root (or with sudo).
set -euo pipefail
need=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev)   # XLSX (ZIPFoundation inflates with zlib)
# PostgreSQL's server programs for the PostgreSQL store tests (scripts/pg-test-server.sh starts a throw-away cluster;
# the machine's own PostgreSQL service is never used).
command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
if ((${#need[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
# The audit export re-verification test uses Python's `cryptography` (independent of our Swift code).
python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install --quiet cryptography
# Contract checks (scripts/validate-contracts.py, scripts/check-answer.py): JSON Schema 2020-12 and OpenAPI 3.1 validators.
python3 -c 'import jsonschema, openapi_spec_validator, yaml' 2>/dev/null \
  || python3 -m pip install --quiet jsonschema openapi-spec-validator pyyaml
# Reports' XLSX files are opened with a reader other than ours in the tests (openpyxl).
python3 -c 'import openpyxl' 2>/dev/null || python3 -m pip install --quiet openpyxl
# Contract fuzzing (scripts/contract-fuzz.sh): schemathesis, pinned (its checks and CLI options change between versions).
python3 -c 'import importlib.metadata as m, sys; sys.exit(m.version("schemathesis") != "4.32.5")' 2>/dev/null \
  || python3 -m pip install --quiet "schemathesis==4.32.5"
# TLS grading (scripts/tls-grade.sh): sslyze, pinned.
python3 -c 'import importlib.metadata as m, sys; sys.exit(m.version("sslyze") != "6.3.1")' 2>/dev/null \
  || python3 -m pip install --quiet "sslyze==6.3.1"
