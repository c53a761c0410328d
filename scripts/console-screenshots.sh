#!/usr/bin/env bash
# Takes screenshots of the operator console (SPEC §8) with headless Chromium, for the README.
#
#   scripts/console-screenshots.sh [BASE_URL] [OUT_DIR]
#   scripts/console-screenshots.sh http://127.0.0.1:9090 docs/screenshots
#   scripts/console-screenshots.sh --from-dir /tmp/pages docs/screenshots   # pages saved as <name>.html
#   scripts/console-screenshots.sh --install ...                            # apt-get install chromium first
#
# BASE_URL defaults to http://127.0.0.1:9090 (the admin listener on loopback, where no operator token is needed);
# OUT_DIR defaults to docs/screenshots. Every page is captured in Vietnamese, the labour page in English too:
#   console-overview.png console-queue.png console-members.png console-audit.png console-registry.png
#   console-labor.png console-login.png console-labor-en.png
# With --from-dir DIR the pages are read from DIR/<name>.html (overview.html, …, labor-en.html) instead of a
# running gateway; the test suite uses this (ConsoleScreenshotScriptTests) when Chromium is installed.
#
# Uses the Debian package `chromium` (or chromium-browser / chromium-headless-shell). Chromium runs with a
# throw-away profile and background networking off; the console pages load nothing from outside the machine.
#
# Exit status: 0 all screenshots written; 77 Chromium not installed; 1 a screenshot is missing or empty;
# 2 bad arguments.
set -euo pipefail

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }

install=0
from_dir=""
positional=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --install) install=1 ;;
        --from-dir) [[ $# -ge 2 ]] || { echo "--from-dir needs a folder" >&2; exit 2; }; from_dir="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
        *) positional+=("$1") ;;
    esac
    shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -n "$from_dir" ]]; then
    base=""
    out="${positional[0]:-$root/docs/screenshots}"
    [[ -d "$from_dir" ]] || { echo "no such folder: $from_dir" >&2; exit 2; }
    from_dir="$(cd "$from_dir" && pwd)"
else
    base="${positional[0]:-http://127.0.0.1:9090}"
    base="${base%/}"
    out="${positional[1]:-$root/docs/screenshots}"
fi

if [[ $install -eq 1 ]]; then
    if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends chromium
fi

chromium=""
for candidate in chromium chromium-browser chromium-headless-shell; do
    if command -v "$candidate" >/dev/null 2>&1; then chromium="$(command -v "$candidate")"; break; fi
done
if [[ -z "$chromium" ]]; then
    echo "chromium not installed; install with: apt-get install chromium"
    exit 77
fi

mkdir -p "$out"
profile="$(mktemp -d "${TMPDIR:-/tmp}/lienthong-chromium.XXXXXX")"
trap 'rm -rf "$profile"' EXIT

# name → console path (Vietnamese is the default language).
names=(overview queue members audit registry labor login labor-en)
declare -A paths=(
    [overview]="/console" [queue]="/console/queue" [members]="/console/members" [audit]="/console/audit"
    [registry]="/console/registry" [labor]="/console/labor" [login]="/console/login" [labor-en]="/console/labor?lang=en"
)

failed=0
for name in "${names[@]}"; do
    if [[ -n "$from_dir" ]]; then
        url="file://$from_dir/$name.html"
    else
        url="$base${paths[$name]}"
    fi
    file="$out/console-$name.png"
    rm -f "$file"
    echo "→ $url"
    # Against a gateway, check the page answers 200 first (a screenshot of an error page is no screenshot).
    if [[ -z "$from_dir" ]] && command -v curl >/dev/null 2>&1; then
        if ! status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$url")" || [[ "$status" != 200 ]]; then
            echo "  $url answered ${status:-nothing}, not 200" >&2
            failed=1
            continue
        fi
    fi
    # Chromium's own chatter goes to a log; a failure shows up as a missing or empty PNG below.
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --disable-extensions --disable-background-networking --disable-sync --disable-component-update \
        --disable-default-apps --no-default-browser-check --user-data-dir="$profile" \
        --screenshot="$file" --window-size=1280,1600 "$url" >>"$profile/chromium.log" 2>&1 || true
    if [[ -s "$file" ]]; then
        echo "  $file ($(wc -c <"$file") bytes)"
    else
        echo "  missing or empty: $file" >&2
        failed=1
    fi
done

if [[ $failed -ne 0 ]]; then
    echo "some screenshots are missing; Chromium's log:" >&2
    tail -n 20 "$profile/chromium.log" >&2 || true
    exit 1
fi
echo "screenshots written to $out"
