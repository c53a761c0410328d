#!/usr/bin/env bash
# Personal-data check (security suite): after a full `lienthong demo --once`, no personal id number or full name
# of the synthetic population may appear in any log line, audit record, metric or error body.
#
#   scripts/pii-check.sh                 # builds with `swift build`, or uses $LIENTHONG_BIN
#
# Steps: the demo (stdout and stderr kept); `lienthong serve` on the demo's configuration (log level debug, fresh
# loopback ports) whose stderr is kept; /metrics before and after; refused requests carrying real synthetic ids
# and names with member certificates (problem bodies kept; an answer that is not an error is not scanned, as a
# successful answer may carry personal data by design); the audit log exported after the server stops; then
# scripts/pii-scan.py over all of it. Exit 0 only with zero hits.
#
# Environment: LIENTHONG_BIN (a built `lienthong`), PII_ARTIFACTS (a folder to keep every scanned file and the
# scan summary, pii-summary.json, in; default: a temporary folder, removed at exit).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

suite=pii-check
# shellcheck source=lib/lienthong-run.sh
source "$root/scripts/lib/lienthong-run.sh"
out="${PII_ARTIFACTS:-$work/artifacts}"
mkdir -p "$out/problems"
demo="$work/demo"

echo "== pii-check: lienthong demo --once"
if ! run_bounded 600 "lienthong demo --once" "$bin" demo --once --log-level debug --dir "$demo" >"$out/demo.stdout" 2>"$out/demo.stderr"; then
  echo "pii-check: the demo failed" >&2; tail -n 40 "$out/demo.stdout" "$out/demo.stderr" >&2; exit 2
fi
grep -h "^demo: shutdown" "$out/demo.stderr" >&2 || true   # a shutdown past its deadline, and what it waited for
tail -n 4 "$out/demo.stdout" | head -n 1

# The demo's simulators are gone; serve the same configuration on fresh ports, logging at debug level.
read -r partner admin < <(python3 "$root/scripts/lib/demo-config.py" "$demo/lienthong.toml" \
  'partner:listen="127.0.0.1:{free}"' 'admin:listen="127.0.0.1:{free}"' 'gateway:log_level="debug"')
echo "== pii-check: lienthong serve (partner 127.0.0.1:$partner, admin 127.0.0.1:$admin)"
"$bin" serve --config "$demo/lienthong.toml" >"$out/serve.stdout" 2>"$out/serve.stderr" &
server_pid=$!
wait_ready "http://127.0.0.1:$admin/readyz" "$server_pid" "lienthong serve" || { tail -n 40 "$out/serve.stderr" >&2; exit 2; }
curl -sf --max-time 30 "http://127.0.0.1:$admin/metrics" >"$out/metrics-before.txt"

# Request bodies built from the synthetic data: real ids and names, so an echo would be found.
python3 - "$demo/data/citizens.jsonl" "$work/bodies" <<'EOF'
import json, os, sys, unicodedata, uuid
citizens = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
adult = next(c for c in citizens if c.get("personalId"))
other = next(c for c in citizens if c.get("personalId") and c is not adult)
child = next((c for c in citizens if c.get("assignedPersonalId")), other)
os.makedirs(sys.argv[2], exist_ok=True)
def write(name, value):
    with open(os.path.join(sys.argv[2], name), "w", encoding="utf-8") as f:
        f.write(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
pid, name, dob = adult["personalId"], adult["fullName"], adult["dateOfBirth"]
write("verify-valid", {"personalId": pid, "fullName": name, "dateOfBirth": dob})
write("verify-malformed-id", {"personalId": pid + "7", "fullName": name, "dateOfBirth": dob})
write("verify-malformed-id-letters", {"personalId": pid[:6] + "O" + pid[7:], "fullName": name, "dateOfBirth": dob})
write("verify-bad-date", {"personalId": pid, "fullName": unicodedata.normalize("NFD", name), "dateOfBirth": dob.replace("-", "/")})
write("verify-id-as-number", {"personalId": int(pid), "fullName": name, "dateOfBirth": dob})
write("verify-broken-json", '{"personalId": "%s", "fullName": "%s", "dateOfBirth": ' % (pid, name))
write("verify-unknown-field", {"personalId": pid, "fullName": name, "dateOfBirth": dob, "cmnd": pid[3:]})
write("lookup-participant", {"personalId": pid})
write("request-personal-id", {"fullName": child["fullName"], "dateOfBirth": child["dateOfBirth"], "sex": child["sex"],
                              "parentName": child["fatherName"], "birthRegistrationPlace": child["birthRegistrationPlace"]})
write("verify-account", {"bin": "970436", "accountNumber": "0071000123456", "accountType": "bank",
                         "holderName": name, "personalId": pid})
write("opening-query-malformed", {"personalId": pid + "1"})
write("opening-query", {"personalId": pid})
def envelope(kind, to, payload):
    return {"id": str(uuid.uuid4()), "type": kind, "to": to, "payload": payload}
write("message-bad-person", envelope("asxh.account-opening-request", "bank.970436", {
    "requestRef": "PII-1", "bank": {"bin": "970436"},
    "person": {"fullName": name, "personalId": pid[:-1], "dateOfBirth": "31/12/1990", "sex": adult["sex"]},
    "account": {"type": "bank", "currency": "VND"}, "category": "nguoi-cao-tuoi"}))
write("message-not-granted", envelope("asxh.account-opening-request", "bank.970418", {
    "requestRef": "PII-2", "bank": {"bin": "970418"},
    "person": {"fullName": name, "personalId": pid, "dateOfBirth": dob, "sex": adult["sex"]},
    "account": {"type": "bank", "currency": "VND"}, "category": "nguoi-cao-tuoi"}))
# One valid record (so the sync is accepted with 202 and a refusal report) and records refused for a truncated
# id, a birth year that contradicts the id, and a malformed social-insurance number, each with a real name.
record = {"personalId": other["personalId"], "socialInsuranceNumber": "75" + other["personalId"][-8:],
          "fullName": other["fullName"], "dateOfBirth": other["dateOfBirth"], "sex": other["sex"],
          "participation": "participating", "scheme": "compulsory", "since": "2012-09-01"}
third = next(c for c in citizens if c.get("personalId") and c is not adult and c is not other)
wrong_year = dict(record, personalId=third["personalId"], fullName=third["fullName"], dateOfBirth="1900-01-01",
                  socialInsuranceNumber="75" + third["personalId"][-8:])
truncated = dict(record, personalId=adult["personalId"][:-1], fullName=adult["fullName"], socialInsuranceNumber="75" + adult["personalId"][-8:])
bad_number = dict(record, socialInsuranceNumber=record["personalId"])  # a 12-digit id where 10 digits belong
write("participant-sync-refusals", envelope("vss.participant-sync", "gov.labour.dongnai",
                                            {"asOf": "2025-07-01", "records": [record, truncated, wrong_year, bad_number]}))
EOF

certs="$demo/certs"
base="https://127.0.0.1:$partner"
probe_count=0
kept=0
# probe NAME MEMBER PATH BODYFILE [curl args...]: POSTs the body; keeps the answer when it is a refusal.
probe() {
  local name="$1" member="$2" path="$3" body="$4"; shift 4
  local status
  status=$(curl -s --max-time 30 -o "$work/answer" -D "$work/headers" -w '%{http_code}' \
    --cert "$certs/$member.pem" --key "$certs/$member-key.pem" --cacert "$certs/ca.pem" \
    -H 'Content-Type: application/json' -H 'X-User-Id: pii-check' "$@" \
    --data-binary "@$work/bodies/$body" "$base$path" || true)
  probe_count=$((probe_count + 1))
  if [ "${status:-000}" -ge 400 ] || [ "$name" = "participant-sync-refusals" ]; then
    { cat "$work/headers"; cat "$work/answer"; echo; } >"$out/problems/$name.txt"
    kept=$((kept + 1))
    printf '  %-34s %s  kept\n' "$name" "$status"
  else
    mkdir -p "$out/not-scanned"
    { cat "$work/headers"; cat "$work/answer"; echo; } >"$out/not-scanned/$name.txt"
    printf '  %-34s %s  not an error: kept in not-scanned/, not scanned\n' "$name" "$status"
  fi
}
echo "== pii-check: refused requests (answers kept for the scan)"
P=(-H 'X-Purpose: asxh.verify-beneficiary')
probe verify-malformed-id          gov.labour.dongnai /v1/services/population.verify-citizen verify-malformed-id "${P[@]}"
probe verify-malformed-id-letters  gov.labour.dongnai /v1/services/population.verify-citizen verify-malformed-id-letters "${P[@]}"
probe verify-bad-date              gov.labour.dongnai /v1/services/population.verify-citizen verify-bad-date "${P[@]}"
probe verify-id-as-number          gov.labour.dongnai /v1/services/population.verify-citizen verify-id-as-number "${P[@]}"
probe verify-broken-json           gov.labour.dongnai /v1/services/population.verify-citizen verify-broken-json "${P[@]}"
probe verify-unknown-field         gov.labour.dongnai /v1/services/population.verify-citizen verify-unknown-field "${P[@]}"
probe verify-no-purpose            gov.labour.dongnai /v1/services/population.verify-citizen verify-valid
probe verify-purpose-not-granted   gov.labour.dongnai /v1/services/population.verify-citizen verify-valid -H 'X-Purpose: labor.analysis'
probe verify-upstream-down         gov.labour.dongnai /v1/services/population.verify-citizen verify-valid "${P[@]}"
probe lookup-bank-not-granted      bank.970436        /v1/services/population.lookup-citizen verify-valid "${P[@]}"
probe unknown-service              gov.labour.dongnai /v1/services/population.no-such-service verify-valid "${P[@]}"
probe request-id-upstream-down     gov.labour.dongnai /v1/services/population.request-personal-id request-personal-id "${P[@]}"
probe participant-upstream-down    gov.labour.dongnai /v1/services/vss.lookup-participant lookup-participant "${P[@]}"
probe verify-account-upstream-down gov.labour.dongnai /v1/services/napas.verify-account verify-account -H 'X-Purpose: asxh.verify-account'
probe opening-query-malformed      gov.labour.dongnai /v1/account-openings/query opening-query-malformed "${P[@]}"
probe opening-query-by-bank        bank.970436        /v1/account-openings/query opening-query "${P[@]}"
probe message-bad-person           gov.labour.dongnai /v1/messages message-bad-person
probe message-wrong-sender         bank.970436        /v1/messages message-not-granted
probe participant-sync-refusals    gov.vss.dongnai    /v1/messages participant-sync-refusals

curl -sf --max-time 30 "http://127.0.0.1:$admin/metrics" >"$out/metrics-after.txt"
stop_process "$server_pid" "lienthong serve"; server_pid=""

echo "== pii-check: audit export"
"$bin" audit export --config "$demo/lienthong.toml" --out "$out/audit.jsonl" >"$out/audit-export.stdout" 2>"$out/audit-export.stderr"

echo "== pii-check: scan ($probe_count requests, $kept answers kept)"
files=("$out"/demo.stdout "$out"/demo.stderr "$out"/serve.stdout "$out"/serve.stderr "$out"/metrics-before.txt
       "$out"/metrics-after.txt "$out"/audit.jsonl "$out"/audit-export.stdout "$out"/audit-export.stderr "$out"/problems/*.txt)
python3 "$root/scripts/pii-scan.py" --citizens "$demo/data/citizens.jsonl" --summary-json "$out/pii-summary.json" "${files[@]}"
