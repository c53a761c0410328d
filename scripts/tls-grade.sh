#!/usr/bin/env bash
# TLS grading (security suite): a real TLS scanner (sslyze, from PyPI) against the gateway's partner listener,
# presenting a member's client certificate; fails on any high or critical finding (scripts/tls-grade.py says
# which findings are which, and which are expected for the private example PKI and excluded).
#
#   scripts/tls-grade.sh                 # builds with `swift build`, or uses $LIENTHONG_BIN
#
# Steps: installs sslyze when absent; `lienthong demo --once` in a temporary folder (example PKI, configuration);
# `lienthong serve` on that configuration (fresh loopback ports); sslyze with every scan command and the member
# certificate gov.labour.dongnai; handshakes without a client certificate and with another CA's (refused);
# the report (JSON: findings, verdict and sslyze's full report) written to $TLS_REPORT (default
# ./tls-report.json) and kept.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
report="${TLS_REPORT:-$PWD/tls-report.json}"
member="${TLS_MEMBER:-gov.labour.dongnai}"

# sslyze pinned (its JSON report and findings change between versions), as schemathesis is in install-deps.sh.
python3 -c 'import importlib.metadata as m, sys; sys.exit(m.version("sslyze") != "6.3.1")' 2>/dev/null \
  || python3 -m pip install --quiet "sslyze==6.3.1"
python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install --quiet cryptography

suite=tls-grade
# shellcheck source=lib/lienthong-run.sh
source "$root/scripts/lib/lienthong-run.sh"
demo="$work/demo"

echo "== tls-grade: lienthong demo --once (example PKI and configuration)"
if ! run_bounded 600 "lienthong demo --once" "$bin" demo --once --dir "$demo" >"$work/demo.stdout" 2>"$work/demo.stderr"; then
  echo "tls-grade: the demo failed" >&2; tail -n 40 "$work/demo.stdout" "$work/demo.stderr" >&2; exit 2
fi
grep -h "^demo: shutdown" "$work/demo.stderr" >&2 || true   # a shutdown past its deadline, and what it waited for

read -r partner admin < <(python3 "$root/scripts/lib/demo-config.py" "$demo/lienthong.toml" \
  'partner:listen="127.0.0.1:{free}"' 'admin:listen="127.0.0.1:{free}"')
echo "== tls-grade: lienthong serve (partner 127.0.0.1:$partner)"
"$bin" serve --config "$demo/lienthong.toml" >"$work/serve.stdout" 2>"$work/serve.stderr" &
server_pid=$!
wait_ready "http://127.0.0.1:$admin/readyz" "$server_pid" "lienthong serve" || { tail -n 40 "$work/serve.stderr" >&2; exit 2; }

echo "== tls-grade: sslyze with the client certificate of $member"
certs="$demo/certs"
foreign=()
[ -f "$demo/data/stranger.pem" ] && foreign=(--foreign-cert "$demo/data/stranger.pem" --foreign-key "$demo/data/stranger-key.pem")
status=0
run_bounded 900 "tls-grade.py (sslyze)" python3 "$root/scripts/tls-grade.py" --host 127.0.0.1 --port "$partner" \
  --cert "$certs/$member.pem" --key "$certs/$member-key.pem" --ca "$certs/ca.pem" "${foreign[@]}" --out "$report" || status=$?
exit "$status"
