#!/usr/bin/env bash
# Contract fuzzing (security suite): schemathesis (from PyPI) generates requests from Contracts/openapi.yaml and
# sends them to a running gateway over mutual TLS with a member's client certificate; every answer must conform
# to the contract and none may be a server error.
#
#   scripts/contract-fuzz.sh             # builds with `swift build`, or uses $LIENTHONG_BIN
#
# Steps: installs schemathesis when absent (the version pinned in scripts/install-deps.sh); `lienthong demo --once`
# in a temporary folder (example PKI, configuration, synthetic citizens); the population, VSS and NAPAS simulators
# on fresh loopback ports (so services reach a real upstream instead of answering 502); `lienthong serve` on the
# demo's configuration rewritten to those ports; one account-opening request sent with curl (so the message and
# account-opening reads have something to answer 200 with); then schemathesis with the client certificate of
# gov.labour.dongnai (the member with the most rights: population services, VSS, NAPAS, /v1/asxh, /v1/labor, the
# pull inbox), gov.ioc.dongnai's for the IOC feed (the only member allowed to read it), and per service an
# `X-Purpose` granted to the member (SPEC §3), so the generated bodies get past the grant check. `X-User-Id` is
# generated from the contract like any parameter (CONTRACT_FUZZ_FIXED_USER=1 fixes it). scripts/contract-fuzz.py
# writes schemathesis's configuration (schemathesis.toml, kept with the report).
#
# Checks run on every answer: not_a_server_error (no 5xx; an upstream's 502/504 would count too, hence the
# simulators), status_code_conformance, content_type_conformance, response_headers_conformance,
# response_schema_conformance, plus negative_data_rejection (a request that breaks the schema must not be
# answered 2xx) and missing_required_header (leaving out X-User-Id or X-Purpose must be 4xx).
# Checks excluded, and why:
# - positive_data_acceptance: a request that fits the schema may still be refused, correctly, by rules the
#   schema cannot express and the contract states in prose: purposes granted per service, BINs in the gateway's
#   bank directory, `by` dimension names and aliases, uploads without a header row, unknown batch, job or
#   message ids (404). It reports those 4xx answers as failures; schemathesis 4.32.5's coverage phase also
#   counts `X-Request-Id: 0` as schema-valid although the UUID pattern excludes it.
# - unsupported_method / allow_header_conformance: the contract says (info.description) an unknown method on a
#   known path answers 404 not-found without an Allow header, by design (no method enumeration); both checks
#   expect 405 with Allow.
# - ignored_auth: authentication is the TLS handshake (securitySchemes: mutualTLS); schemathesis cannot drop the
#   client certificate per request, so the check has nothing to test (scripts/tls-grade.sh probes handshakes
#   without a certificate and with another CA's).
# - use_after_free, ensure_resource_availability, object_level_authorization: stateful checks that follow
#   OpenAPI links, which the contract does not declare; the stateful phase is off for the same reason.
#
# Limits (about 2 minutes on 2 cores: the demo ~20 s, schemathesis ~1.5 min): phases examples, coverage, fuzzing;
# CONTRACT_FUZZ_MAX_EXAMPLES (default 25) cases per operation in the fuzzing phase; a fixed seed
# (CONTRACT_FUZZ_SEED, default 20261130) so a run can be repeated; one worker (the gateway shares the cores).
# Other knobs: CONTRACT_FUZZ_SCHEMA (another contract file), CONTRACT_FUZZ_OPERATIONS (an operationId regex),
# CONTRACT_FUZZ_CHECKS (a comma-separated check list, e.g. `all` to look at the excluded ones).
#
# Output: schemathesis's JUnit report (junit.xml, with a curl reproduction per failure) and its NDJSON event
# stream (events.ndjson, every request and answer) in $CONTRACT_FUZZ_OUT (default: a new temporary folder,
# printed and kept), with the demo's, the gateway's and the simulators' logs. The last line is the summary:
# `contract-fuzz: N operations, N examples, N failures, N errors`. Exit 0 only when schemathesis passed and the
# report shows at least one operation and no failure or error; 1 otherwise; 2 when the set-up fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
member="${CONTRACT_FUZZ_MEMBER:-gov.labour.dongnai}"
max_examples="${CONTRACT_FUZZ_MAX_EXAMPLES:-25}"
seed="${CONTRACT_FUZZ_SEED:-20261130}"
schema="${CONTRACT_FUZZ_SCHEMA:-$root/Contracts/openapi.yaml}"
include=()
[ -n "${CONTRACT_FUZZ_OPERATIONS:-}" ] && include=(--include-operation-id-regex "$CONTRACT_FUZZ_OPERATIONS")
schemathesis_version="4.32.5"   # keep in step with scripts/install-deps.sh

python3 -c 'import importlib.metadata as m, sys; sys.exit(m.version("schemathesis") != sys.argv[1])' "$schemathesis_version" 2>/dev/null \
  || python3 -m pip install --quiet "schemathesis==$schemathesis_version"

suite=contract-fuzz
# shellcheck source=lib/lienthong-run.sh
source "$root/scripts/lib/lienthong-run.sh"
out="${CONTRACT_FUZZ_OUT:-$(mktemp -d -t contract-fuzz.XXXXXX)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
echo "== contract-fuzz: output in $out"
demo="$work/demo"

# The exit trap of lienthong-run.sh stops the gateway; the simulators are stopped here first.
sim_pids=()
stop_simulators() {
  local pid
  for pid in "${sim_pids[@]}"; do
    stop_process "$pid" "simulator"
  done
  cleanup
}
trap stop_simulators EXIT

echo "== contract-fuzz: lienthong demo --once (example PKI, configuration, synthetic citizens)"
if ! run_bounded 600 "lienthong demo --once" "$bin" demo --once --dir "$demo" >"$out/demo.stdout" 2>"$out/demo.stderr"; then
  echo "contract-fuzz: the demo failed" >&2; tail -n 40 "$out/demo.stdout" "$out/demo.stderr" >&2; exit 2
fi

# Fresh loopback ports for the listeners and the upstreams; the push recipient's URL points at a port nobody
# listens on (its messages wait in the queue, which is not what is tested here).
read -r partner admin population vss napas < <(python3 "$root/scripts/contract-fuzz.py" ports "$demo/lienthong.toml")
certs="$demo/certs"
citizens="$demo/data/citizens.jsonl"

echo "== contract-fuzz: simulators (population :$population, vss :$vss, napas :$napas)"
"$bin" sim population --certs "$certs" --data "$citizens" --listen "127.0.0.1:$population" >"$out/sim-population.log" 2>&1 &
sim_pids+=($!)
"$bin" sim vss --certs "$certs" --data "$citizens" --listen "127.0.0.1:$vss" >"$out/sim-vss.log" 2>&1 &
sim_pids+=($!)
"$bin" sim napas --certs "$certs" --data "$citizens" --listen "127.0.0.1:$napas" >"$out/sim-napas.log" 2>&1 &
sim_pids+=($!)

echo "== contract-fuzz: lienthong serve (partner 127.0.0.1:$partner, admin 127.0.0.1:$admin)"
"$bin" serve --config "$demo/lienthong.toml" >"$out/serve.stdout" 2>"$out/serve.stderr" &
server_pid=$!
wait_ready "http://127.0.0.1:$admin/readyz" "$server_pid" "lienthong serve" || { tail -n 40 "$out/serve.stderr" >&2; exit 2; }
for port in "$population" "$vss" "$napas"; do
  for _ in $(seq 1 60); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null && break
    sleep 0.5
  done
done

# One message (an account-opening request to the pull bank) so the message and account-opening reads answer 200.
message_id=$(python3 -c 'import uuid; print(uuid.uuid4())')
request_ref="R-FUZZ-0001"
python3 "$root/scripts/contract-fuzz.py" envelope "$work/envelope.json" "$message_id" "$request_ref"
sent=$(curl -s --max-time 30 -o "$out/seed-message.json" -w '%{http_code}' --cert "$certs/$member.pem" --key "$certs/$member-key.pem" \
  --cacert "$certs/ca.pem" -H 'X-User-Id: fuzz-officer-01' -H 'Content-Type: application/json' \
  --data-binary @"$work/envelope.json" "https://127.0.0.1:$partner/v1/messages") || sent=000
case "$sent" in 200|202) ;; *) echo "contract-fuzz: the seed message was refused ($sent)" >&2; cat "$out/seed-message.json" >&2; exit 2 ;; esac

python3 "$root/scripts/contract-fuzz.py" config "$out/schemathesis.toml" "$certs" "$member" "$message_id" "$request_ref"

echo "== contract-fuzz: schemathesis $(python3 -c 'import importlib.metadata as m; print(m.version("schemathesis"))') with the certificate of $member (seed $seed, $max_examples examples per operation)"
status=0
run_bounded "${CONTRACT_FUZZ_SECONDS:-1500}" schemathesis schemathesis --config-file "$out/schemathesis.toml" --no-color run "$schema" "${include[@]}" \
  --url "https://127.0.0.1:$partner" \
  --checks "${CONTRACT_FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,missing_required_header}" \
  --phases examples,coverage,fuzzing --max-examples "$max_examples" --seed "$seed" \
  --workers 1 --request-timeout 10 --suppress-health-check all \
  --report junit,ndjson --report-dir "$out" --report-junit-path "$out/junit.xml" --report-ndjson-path "$out/events.ndjson" \
  >"$out/schemathesis.log" 2>&1 || status=$?
tail -n 60 "$out/schemathesis.log"
echo "== contract-fuzz: report in $out (junit.xml, events.ndjson, schemathesis.log)"
summary_status=0
python3 "$root/scripts/contract-fuzz.py" summary "$out/events.ndjson" "$out/junit.xml" || summary_status=$?
if [ "$status" -ne 0 ] || [ "$summary_status" -ne 0 ]; then exit 1; fi
exit 0
