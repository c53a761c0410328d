# Shared by the suites that run the gateway (pii-check.sh, tls-grade.sh, contract-fuzz.sh, soak.sh); source it
# after setting `root` and `suite`.
# Sets `bin` (LIENTHONG_BIN, or a fresh `swift build`), `work` (a temporary folder removed at exit) and `server_pid`
# (set it when starting `lienthong serve`; the exit trap stops that process).
# Every wait here is bounded, so a suite that meets a stuck process fails with a message instead of hanging CI:
#   stop_process PID NAME   SIGTERM, up to $STOP_GRACE_SECONDS (20) for it to exit, then SIGKILL (and says so)
#   wait_ready URL PID NAME polls URL (each poll at most 5 s) for up to $READY_SECONDS (60) while PID runs
#   wait_port PORT PID NAME until PID accepts TCP connections on 127.0.0.1:PORT, for up to $READY_SECONDS (60)
#   run_bounded SECONDS NAME COMMAND...  runs COMMAND with a deadline (SIGTERM, then SIGKILL 10 s later)
if [ -n "${LIENTHONG_BIN:-}" ]; then
  bin="$LIENTHONG_BIN"
else
  (cd "$root" && swift build --product lienthong >/dev/null)
  bin="$(cd "$root" && swift build --show-bin-path)/lienthong"
fi
[ -x "$bin" ] || { echo "$suite: no lienthong binary at $bin" >&2; exit 2; }

stop_process() {
  local pid="$1" name="${2:-process}" grace="${STOP_GRACE_SECONDS:-20}" waited=0
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((grace * 10)) ]; do sleep 0.1; waited=$((waited + 1)); done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$suite: $name (pid $pid) did not exit within ${grace} s of SIGTERM; killed" >&2
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

wait_ready() {
  local url="$1" pid="$2" name="${3:-process}" limit="${READY_SECONDS:-60}" start=$SECONDS
  while [ $((SECONDS - start)) -lt "$limit" ]; do
    curl -sf --max-time 5 "$url" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { echo "$suite: $name exited before it was ready" >&2; return 1; }
    sleep 0.5
  done
  echo "$suite: $name was not ready at $url within ${limit} s" >&2
  return 1
}

wait_port() {
  local port="$1" pid="$2" name="${3:-process}" limit="${READY_SECONDS:-60}" start=$SECONDS
  while [ $((SECONDS - start)) -lt "$limit" ]; do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { echo "$suite: $name exited before it listened" >&2; return 1; }
    sleep 0.25
  done
  echo "$suite: $name did not listen on 127.0.0.1:$port within ${limit} s" >&2
  return 1
}

run_bounded() {
  local limit="$1" name="$2" status=0
  shift 2
  timeout --kill-after=10 "$limit" "$@" || status=$?
  [ "$status" -eq 124 ] || [ "$status" -eq 137 ] && echo "$suite: $name did not finish within ${limit} s" >&2
  return "$status"
}

work=$(mktemp -d)
server_pid=""
cleanup() {
  stop_process "$server_pid" "lienthong serve"
  rm -rf "$work"
}
trap cleanup EXIT
