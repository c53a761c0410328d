#!/bin/sh
# Lienthong container entrypoint (POSIX sh). Also runs outside Docker: set LIENTHONG_BIN to a built `lienthong`.
#
#   entrypoint.sh gateway [serve options]   prepare the example setup if asked and absent, migrate PostgreSQL if
#                                           LIENTHONG_STORAGE_URL is set, then exec `lienthong serve --config ...`
#   entrypoint.sh setup                     only prepare the example setup (PKI, synthetic data, lienthong.toml)
#   entrypoint.sh sim KIND [options]        exec a partner simulator (population|vss|napas|bank|recipient) with the
#                                           certificates and synthetic data of the shared folder
#   entrypoint.sh demo [demo options]       exec `lienthong demo` (embedded defaults), optionally forwarding its
#                                           loopback listeners so that the host can reach them
#   entrypoint.sh migrate [options]         `lienthong migrate`, with LIENTHONG_STORAGE_URL (and its password file)
#                                           as the database URL unless one is given
#   entrypoint.sh COMMAND [...]             any other lienthong subcommand, as is (e.g. `audit verify`, `queue list`)
#
# Environment (defaults in brackets):
#   LIENTHONG_BIN [lienthong]                 the executable
#   LIENTHONG_HOME [/var/lib/lienthong]       the data volume
#   LIENTHONG_CONFIG [$LIENTHONG_HOME/demo/lienthong.toml]
#                                             the configuration; the example setup is written into its folder
#   LIENTHONG_DEMO_SETUP [0]                  1: write the example setup when the configuration is absent
#   LIENTHONG_DEMO_SERVER_NAMES               extra DNS names for the example server certificate (comma separated,
#                                             e.g. the compose service names of the gateways and simulators)
#   LIENTHONG_DEMO_POSTGRES_NAMES             when set, also issue certs/postgres.pem and postgres-key.pem (TLS of
#                                             the PostgreSQL server) for these DNS names, from the example CA
#   LIENTHONG_DEMO_PUSH_BANK_URL              the push bank's endpoint written into the example configuration
#   LIENTHONG_CONSOLE_TOKEN_FILE              written as admin.console_token_file into the example configuration
#                                             (required by the gateway when the admin listener is not loopback)
#   LIENTHONG_STORAGE_URL                     postgres://user@host:port/db: the gateway keeps its audit log, queue
#                                             and ledger there; `gateway` runs `lienthong migrate` first
#   LIENTHONG_STORAGE_PASSWORD_FILE           the PostgreSQL password (written as storage.password_file into the
#                                             example configuration; added to the URL given to `migrate` only)
#   LIENTHONG_TRUST_CA_FILE                   (when started as root) added to the system trust store before the
#                                             privileges are dropped, so PostgreSQL's certificate verifies
#   LIENTHONG_SIM_LISTEN [0.0.0.0:<port>]     listen address of `sim` (ports 9443 population, 9446 vss,
#                                             9445 napas, 9447 bank, 9444 recipient)
#   LIENTHONG_DEMO_FORWARD                    `demo` only: "HOSTPORT:LOOPBACKPORT ..." pairs forwarded with socat
#                                             from 0.0.0.0:HOSTPORT to 127.0.0.1:LOOPBACKPORT
#   LIENTHONG_WAIT_SECONDS [120]              how long `sim` waits for the shared folder to be prepared
# The gateway's own overrides (LIENTHONG_PARTNER_LISTEN, LIENTHONG_ADMIN_LISTEN, LIENTHONG_DATA_DIR,
# LIENTHONG_LOG_LEVEL, LIENTHONG_UPSTREAM_<NAME>_URL, LIENTHONG_STORAGE_URL) reach `lienthong serve` unchanged.
set -eu

BIN=${LIENTHONG_BIN:-lienthong}
HOME_DIR=${LIENTHONG_HOME:-/var/lib/lienthong}
CONFIG=${LIENTHONG_CONFIG:-$HOME_DIR/demo/lienthong.toml}
SETUP_DIR=$(dirname "$CONFIG")

say() { printf 'entrypoint: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# Started as root inside the image (compose `user: "0:0"`): trust the example CA if asked, then run as `lienthong`.
if [ "$(id -u)" = 0 ] && id lienthong >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1; then
    if [ -n "${LIENTHONG_TRUST_CA_FILE:-}" ]; then
        waited=0
        while [ ! -s "$LIENTHONG_TRUST_CA_FILE" ]; do
            [ "$waited" -lt "${LIENTHONG_WAIT_SECONDS:-120}" ] || die "no CA certificate at $LIENTHONG_TRUST_CA_FILE"
            sleep 1; waited=$((waited + 1))
        done
        cp "$LIENTHONG_TRUST_CA_FILE" /usr/local/share/ca-certificates/lienthong-example-ca.crt
        update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed"
        say "trusting $LIENTHONG_TRUST_CA_FILE for outbound TLS (PostgreSQL)"
    fi
    uid=$(id -u lienthong); gid=$(id -g lienthong)
    export HOME="$HOME_DIR"
    exec setpriv --reuid="$uid" --regid="$gid" --init-groups --inh-caps=-all -- "$0" "$@"
fi

# Waits until every file given exists and is not empty (another container may be preparing the shared folder).
wait_for_files() {
    limit=${LIENTHONG_WAIT_SECONDS:-120}; waited=0
    for file in "$@"; do
        while [ ! -s "$file" ]; do
            [ "$waited" -lt "$limit" ] || die "gave up after ${limit}s waiting for $file (run the setup first)"
            sleep 1; waited=$((waited + 1))
        done
    done
}

# Issues `<stem>.pem` / `<stem>-key.pem` in the certificate folder from the example CA, for localhost, 127.0.0.1,
# ::1 and the comma-separated DNS names given. Reuses an existing key of that stem.
issue_server_certificate() {
    certs=$1; stem=$2; names=$3
    command -v openssl >/dev/null 2>&1 || die "openssl is needed to issue $stem.pem for $names"
    work=$(mktemp -d)
    san="DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1"
    old_ifs=$IFS; IFS=,
    for name in $names; do
        name=$(printf '%s' "$name" | tr -d ' ')
        [ -n "$name" ] && san="$san,DNS:$name"
    done
    IFS=$old_ifs
    if [ ! -s "$certs/$stem-key.pem" ]; then
        (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$certs/$stem-key.pem" 2>/dev/null) \
            || die "cannot create $stem-key.pem"
    fi
    cat >"$work/ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $san
EOF
    openssl req -new -key "$certs/$stem-key.pem" -subj "/CN=localhost" -out "$work/csr" 2>/dev/null \
        && openssl x509 -req -in "$work/csr" -CA "$certs/ca.pem" -CAkey "$certs/ca-key.pem" \
            -set_serial "0x$(openssl rand -hex 16)" -days 825 -sha256 -extfile "$work/ext" -out "$work/cert" 2>/dev/null \
        || { rm -rf "$work"; die "cannot issue $stem.pem from the example CA"; }
    chmod 0644 "$work/cert"
    mv "$work/cert" "$certs/$stem.pem"
    rm -rf "$work"
    say "issued $stem.pem for $san"
}

# Inserts `line` right after the `[section]` header of the configuration, unless the key is there already.
config_set() {
    file=$1; section=$2; key=$3; line=$4
    awk -v section="[$section]" -v key="$key" -v line="$line" '
        { print }
        $0 == section { inside = 1; print line; next }
    ' "$file" >"$file.tmp"
    # Drop an earlier value of the key inside the section (the new line comes first).
    awk -v section="[$section]" -v key="$key" '
        /^\[/ { inside = ($0 == section); seen = 0 }
        inside && $1 == key && $2 == "=" { if (seen) next; seen = 1 }
        { print }
    ' "$file.tmp" >"$file"
    rm -f "$file.tmp"
}

# The example setup: `lienthong demo --once` in a scratch folder (example PKI, synthetic citizens, a configuration
# and the scenario's data), adjusted for containers, then moved into place in one rename.
setup() {
    [ -f "$CONFIG" ] && { say "configuration present: $CONFIG"; return 0; }
    [ "$(basename "$CONFIG")" = lienthong.toml ] || die "the example setup writes lienthong.toml; LIENTHONG_CONFIG is $CONFIG"
    [ ! -e "$SETUP_DIR" ] || [ -z "$(ls -A "$SETUP_DIR")" ] || die "$SETUP_DIR exists without lienthong.toml; remove it or give a configuration"
    mkdir -p "$(dirname "$SETUP_DIR")"
    scratch="$SETUP_DIR.partial"
    rm -rf "$scratch"
    say "preparing the example setup in $SETUP_DIR (lienthong demo --once)"
    # The demo's own gateway must not take the deployment's listeners, storage or upstreams.
    status=0
    (
        unset LIENTHONG_PARTNER_LISTEN LIENTHONG_ADMIN_LISTEN LIENTHONG_DATA_DIR LIENTHONG_STORAGE_URL
        for name in $(env | sed -n 's/^\(LIENTHONG_UPSTREAM_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$name"; done
        exec "$BIN" demo --once --dir "$scratch"
    ) >&2 || status=$?
    [ -f "$scratch/lienthong.toml" ] || die "the demo wrote no configuration (exit $status)"
    [ "$status" = 0 ] || say "warning: the demo scenario exited $status; its setup is used anyway"
    sed "s|$scratch|$SETUP_DIR|g" "$scratch/lienthong.toml" >"$scratch/lienthong.toml.new"
    mv "$scratch/lienthong.toml.new" "$scratch/lienthong.toml"
    if [ -n "${LIENTHONG_DEMO_SERVER_NAMES:-}" ]; then
        issue_server_certificate "$scratch/certs" server "$LIENTHONG_DEMO_SERVER_NAMES"
    fi
    if [ -n "${LIENTHONG_DEMO_POSTGRES_NAMES:-}" ]; then
        issue_server_certificate "$scratch/certs" postgres "$LIENTHONG_DEMO_POSTGRES_NAMES"
    fi
    if [ -n "${LIENTHONG_DEMO_PUSH_BANK_URL:-}" ]; then
        sed "s|^url = \"https://127\.0\.0\.1:[0-9]*/asxh/messages\"|url = \"$LIENTHONG_DEMO_PUSH_BANK_URL\"|" \
            "$scratch/lienthong.toml" >"$scratch/lienthong.toml.new"
        mv "$scratch/lienthong.toml.new" "$scratch/lienthong.toml"
    fi
    if [ -n "${LIENTHONG_CONSOLE_TOKEN_FILE:-}" ]; then
        config_set "$scratch/lienthong.toml" admin console_token_file "console_token_file = \"$LIENTHONG_CONSOLE_TOKEN_FILE\""
    fi
    if [ -n "${LIENTHONG_STORAGE_PASSWORD_FILE:-}" ]; then
        config_set "$scratch/lienthong.toml" storage password_file "password_file = \"$LIENTHONG_STORAGE_PASSWORD_FILE\""
    fi
    if [ -e "$SETUP_DIR" ]; then rmdir "$SETUP_DIR"; fi
    mv "$scratch" "$SETUP_DIR"
    say "example setup ready: $CONFIG"
}

# LIENTHONG_STORAGE_URL with the password of LIENTHONG_STORAGE_PASSWORD_FILE (for `migrate`, which takes a URL only).
storage_url_with_password() {
    url=$LIENTHONG_STORAGE_URL
    if [ -n "${LIENTHONG_STORAGE_PASSWORD_FILE:-}" ]; then
        wait_for_files "$LIENTHONG_STORAGE_PASSWORD_FILE"
        password=$(tr -d ' \r\n\t' <"$LIENTHONG_STORAGE_PASSWORD_FILE")
        case $password in
            *[!A-Za-z0-9._~-]*) die "the PostgreSQL password must be URL-safe ([A-Za-z0-9._~-], e.g. openssl rand -hex 24)" ;;
        esac
        case $url in
            *://*:*@*) ;;   # a password in the URL already
            *) url=$(printf '%s' "$url" | sed "s|^\([a-z]*://[^:@/]*\)@|\1:$password@|") ;;
        esac
    fi
    printf '%s' "$url"
}

mode=${1:-gateway}
[ "$#" -gt 0 ] && shift

case $mode in
    setup)
        setup
        ;;
    gateway)
        if [ ! -f "$CONFIG" ]; then
            [ "${LIENTHONG_DEMO_SETUP:-0}" = 1 ] \
                || die "no configuration at $CONFIG: mount one, or set LIENTHONG_DEMO_SETUP=1 for the example setup"
            setup
        fi
        if [ -n "${LIENTHONG_DATA_DIR:-}" ]; then mkdir -p "$LIENTHONG_DATA_DIR"; fi
        if [ -n "${LIENTHONG_STORAGE_URL:-}" ]; then
            say "applying the PostgreSQL migrations (lienthong migrate)"
            LIENTHONG_DATABASE_URL=$(storage_url_with_password) "$BIN" migrate >&2 || die "lienthong migrate failed"
        fi
        exec "$BIN" serve --config "$CONFIG" "$@"
        ;;
    sim)
        [ "$#" -gt 0 ] || die "sim needs a kind: population|vss|napas|bank|recipient"
        kind=$1; shift
        certs="$SETUP_DIR/certs"; data="$SETUP_DIR/data/citizens.jsonl"
        case $kind in
            population) port=9443; needs_data=1 ;;
            vss) port=9446; needs_data=1 ;;
            napas) port=9445; needs_data=1 ;;
            bank) port=9447; needs_data=0 ;;
            recipient) port=9444; needs_data=0 ;;
            *) exec "$BIN" sim "$kind" "$@" ;;   # seed, list, workers: generators, as they are
        esac
        wait_for_files "$certs/ca.pem" "$certs/server.pem" "$certs/server-key.pem"
        listen=${LIENTHONG_SIM_LISTEN:-0.0.0.0:$port}
        if [ "$needs_data" = 1 ]; then
            wait_for_files "$data"
            exec "$BIN" sim "$kind" --certs "$certs" --data "$data" --listen "$listen" "$@"
        fi
        exec "$BIN" sim "$kind" --certs "$certs" --listen "$listen" "$@"
        ;;
    demo)
        if [ -n "${LIENTHONG_DEMO_FORWARD:-}" ]; then
            command -v socat >/dev/null 2>&1 || die "LIENTHONG_DEMO_FORWARD needs socat"
            for pair in $LIENTHONG_DEMO_FORWARD; do
                outer=${pair%%:*}; inner=${pair#*:}
                socat "TCP-LISTEN:$outer,fork,reuseaddr,bind=0.0.0.0" "TCP:127.0.0.1:$inner" &
                say "forwarding 0.0.0.0:$outer to 127.0.0.1:$inner"
            done
        fi
        exec "$BIN" demo --dir "$SETUP_DIR" "$@"
        ;;
    migrate)
        # `lienthong migrate` reads LIENTHONG_DATABASE_URL when no --database-url is given.
        if [ -z "${LIENTHONG_DATABASE_URL:-}" ] && [ -n "${LIENTHONG_STORAGE_URL:-}" ]; then
            LIENTHONG_DATABASE_URL=$(storage_url_with_password)
            export LIENTHONG_DATABASE_URL
        fi
        exec "$BIN" migrate "$@"
        ;;
    *)
        exec "$BIN" "$mode" "$@"
        ;;
esac
