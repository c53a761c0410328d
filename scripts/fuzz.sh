#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each for a short time (issue 7 item 4).
#
#   scripts/fuzz.sh                      # every target, 20 s each
#   FUZZ_SECONDS=60 scripts/fuzz.sh      # longer runs
#   scripts/fuzz.sh soap name            # some targets only
#   scripts/fuzz.sh --ci                 # CI: every target, 15 s each (also FUZZ_CI=1)
#
# Environment:
#   FUZZ_SECONDS   seconds per target (default 20; 15 with --ci), passed as -max_total_time
#   FUZZ_WORK      working folder (default: a new temporary folder); reuse it to keep the grown corpora
#   FUZZ_CONFIG    debug (default) or release
#   FUZZ_SCRATCH   SwiftPM scratch path of the fuzz build (default Fuzz/.build-fuzz; never the root's .build)
#   FUZZ_ARGS      extra libFuzzer flags for every target
#   FUZZ_CI        1: the same as --ci
#
# The build is one `swift build` with `-sanitize=fuzzer`, which instruments every module it compiles, dependencies
# included; the targets need only LienthongCore, LienthongTabular, LienthongSOAP and ZIPFoundation, no NIO (Fuzz/README.md
# has the measured times).
#
# Each target starts from its seeds in Fuzz/Corpus/<target>/ (copied, so the committed seeds never change); the
# XLSX target also writes seed workbooks made by XLSXWriter at start-up. Crashes, timeouts and out-of-memory
# inputs are written to $FUZZ_WORK/artifacts/; the script prints them (path, hex) and exits 1 if there is any, or if a
# target exits with an error. It prints per target the executions, exec/s and coverage (cov: edges reached, ft:
# features, corpus size), then one summary line starting with "fuzz:".
# Replay one with: SWIFT_BACKTRACE=enable=no Fuzz/.build-fuzz/debug/Fuzz<Target> <file>
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzz="$root/Fuzz"
ci="${FUZZ_CI:-0}"
args=()
for arg in "$@"; do
    case "$arg" in
        --ci) ci=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) args+=("$arg") ;;
    esac
done
if [[ "$ci" == 1 ]]; then seconds="${FUZZ_SECONDS:-15}"; else seconds="${FUZZ_SECONDS:-20}"; fi
config="${FUZZ_CONFIG:-debug}"
scratch="${FUZZ_SCRATCH:-$fuzz/.build-fuzz}"
[[ "$scratch" == /* ]] || scratch="$PWD/$scratch"
work="${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/lienthong-fuzz.XXXXXX")}"
read -r -a extra <<<"${FUZZ_ARGS:-}"

# target name (corpus folder) → executable
declare -A executables=(
    [envelope]=FuzzEnvelope [jcs]=FuzzJCS [personal-id]=FuzzPersonalID [name]=FuzzName
    [csv]=FuzzCSV [xlsx]=FuzzXLSX [soap]=FuzzSOAP
)
all=(envelope jcs personal-id name csv xlsx soap)
if [[ ${#args[@]} -gt 0 ]]; then targets=("${args[@]}")
else targets=("${all[@]}"); fi
for target in "${targets[@]}"; do
    [[ -n "${executables[$target]:-}" ]] || { echo "unknown target '$target' (known: ${all[*]})" >&2; exit 2; }
done

# Build. The fuzz package pins the same dependency versions as the root package.
if [[ ! -f "$fuzz/Package.resolved" && -f "$root/Package.resolved" ]]; then
    cp "$root/Package.resolved" "$fuzz/Package.resolved"
fi
build_start=$SECONDS
(cd "$fuzz" && swift build -c "$config" --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library 2>&1 | { grep -Ev "unhandled; explicitly declare|^    /|Compiling plugin|Planning build|Write swift-version|^(Fetching|Fetched|Computing version|Computed|Creating working copy|Working copy) " || true; } ) || {
    echo "fuzz build failed" >&2; exit 2; }
bin="$scratch/$config"
build_seconds=$((SECONDS - build_start))
echo "build: $build_seconds s ($config, scratch $scratch)"

# libFuzzer handles the crash signals itself (and writes the input); Swift's backtracer would take them first.
export SWIFT_BACKTRACE=enable=no
artifacts="$work/artifacts"
mkdir -p "$artifacts" "$work/logs"
failed=()
summary=()
total_runs=0
run_start=$SECONDS
for target in "${targets[@]}"; do
    exe="$bin/${executables[$target]}"
    [[ -x "$exe" ]] || { echo "missing $exe" >&2; exit 2; }
    corpus="$work/corpus/$target"
    mkdir -p "$corpus"
    if [[ -d "$fuzz/Corpus/$target" ]]; then cp -n "$fuzz/Corpus/$target/"* "$corpus/" 2>/dev/null || true; fi
    flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1
           -artifact_prefix="$artifacts/$target-")
    case "$target" in
        xlsx) export LIENTHONG_FUZZ_XLSX_SEEDS="$corpus"; flags+=(-max_len=16384) ;;
        csv|soap|envelope) flags+=(-max_len=8192) ;;
        *) unset LIENTHONG_FUZZ_XLSX_SEEDS ;;
    esac
    log="$work/logs/$target.log"
    echo "== $target: ${seconds}s (log $log)"
    status=0
    # A guard on the whole process (start-up included); libFuzzer's own -timeout catches one slow input.
    timeout -k 10 $((seconds * 2 + 60)) "$exe" "${flags[@]}" ${extra[@]+"${extra[@]}"} "$corpus" >"$log" 2>&1 || status=$?
    unset LIENTHONG_FUZZ_XLSX_SEEDS
    runs=$(grep -Eo '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
    rate=$(grep -Eo '^stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)\/([^ ]+) .*/cov \1, ft \2, corpus \3 (\4)/p' <<<"$last")
    total_runs=$((total_runs + ${runs:-0}))
    line="$target: exit $status, ${runs:-?} runs, ${rate:-?} exec/s, ${cov:-no coverage line}"
    summary+=("$line")
    echo "   $line"
    if [[ $status -ne 0 ]]; then
        failed+=("$target")
        grep -E 'Fatal error|invariant violated|ERROR: libFuzzer|SUMMARY' "$log" | head -5 | sed 's/^/   /'
    fi
done

echo
echo "== summary (work folder $work)"
printf '%s\n' "${summary[@]}"
found=$(find "$artifacts" -type f | sort)
count=$(grep -c . <<<"$found" || true)
verdict=PASS
if [[ -n "$found" || ${#failed[@]} -gt 0 ]]; then verdict=FAIL; fi
echo "fuzz: $verdict, ${#targets[@]} targets × ${seconds} s, $total_runs executions, $count crash/timeout/oom artifacts," \
     "${#failed[@]} failed targets; build ${build_seconds} s ($config), run $((SECONDS - run_start)) s"
if [[ "$verdict" == FAIL ]]; then
    echo
    echo "FAILED targets: ${failed[*]:-none}"
    while IFS= read -r file; do
        [[ -n "$file" ]] || continue
        echo "artifact: $file"
        echo "  hex: $(head -c 512 "$file" | od -An -tx1 -v | tr -d ' \n')"
    done <<<"$found"
    exit 1
fi
echo "no crashes"
