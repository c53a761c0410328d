#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests (issue 8): a fresh cluster in a temporary folder, run by a non-root
# user, listening on 127.0.0.1 only, on a free port; never the machine's own PostgreSQL service.
#
#   eval "$(scripts/pg-test-server.sh start)"   # prints: export LIENTHONG_TEST_POSTGRES=postgres://…; export PG_TEST_DIR=…
#   scripts/pg-test-server.sh stop "$PG_TEST_DIR"
#
# `start` needs PostgreSQL's server programs (Debian package `postgresql`, installed by scripts/install-deps.sh):
# initdb and pg_ctl are looked for on PATH and in /usr/lib/postgresql/<version>/bin. Run as root, the cluster
# belongs to the `postgres` user when it exists (else `nobody`); run as another user, it belongs to that user.
# Authentication is `trust` on loopback: the server is reachable from this machine only and lives for one test run.
set -euo pipefail

find_tool() {
  local name="$1"
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/$name" ]; then echo "$candidate/$name"; return; fi
  done
  echo "pg-test-server: $name not found (install the Debian package postgresql: scripts/install-deps.sh)" >&2
  exit 2
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$owner" -- "$@"; else "$@"; fi
}

command="${1:-}"
case "$command" in
  start)
    initdb="$(find_tool initdb)"
    pg_ctl="$(find_tool pg_ctl)"
    owner="$(id -un)"
    if [ "$(id -u)" -eq 0 ]; then
      if id postgres >/dev/null 2>&1; then owner=postgres; else owner=nobody; fi
    fi
    dir="$(mktemp -d "${TMPDIR:-/tmp}/lienthong-pg.XXXXXX")"
    chmod 0755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown "$owner" "$dir"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    as_owner "$initdb" -D "$dir/data" -U lienthong -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2; exit 2; }
    # READ COMMITTED is PostgreSQL's default; it is pinned here too because the stores' claims assume it.
    as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c default_transaction_isolation='read committed' -c fsync=on -c max_connections=200" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 2; }
    echo "export LIENTHONG_TEST_POSTGRES=postgres://lienthong@127.0.0.1:$port/postgres"
    echo "export PG_TEST_DIR=$dir"
    ;;
  stop)
    dir="${2:?usage: pg-test-server.sh stop DIR}"
    pg_ctl="$(find_tool pg_ctl)"
    owner="$(stat -c %U "$dir/data")"
    as_owner "$pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
