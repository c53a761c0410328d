# Shared by the security suites (pii-check.sh, tls-grade.sh); source it after setting `root` and `suite`.
# Sets `bin` (LIENTHONG_BIN, or a fresh `swift build`), `work` (a temporary folder removed at exit) and `server_pid`
# (set it when starting `lienthong serve`; the exit trap stops that process).
if [ -n "${LIENTHONG_BIN:-}" ]; then
  bin="$LIENTHONG_BIN"
else
  (cd "$root" && swift build --product lienthong >/dev/null)
  bin="$(cd "$root" && swift build --show-bin-path)/lienthong"
fi
[ -x "$bin" ] || { echo "$suite: no lienthong binary at $bin" >&2; exit 2; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
