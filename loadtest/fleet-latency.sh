#!/usr/bin/env bash
# PUT → notification latency in a fleet: two release nodes on one memcached with their router
# listeners, 1,000 devices on node A, updates at 1,000/s for 10 s sent to A's endpoint (local
# delivery) and through B's (handed to A), then the same on a node alone. Two rounds each.
# Prints one line per run. Loopback only; everything it starts, it stops.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.build/release"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/simplepush-fleet.XXXXXX")"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
while read -r name; do unset "$name"; done < <(compgen -e | grep '^SIMPLEPUSH_' || true)
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

memcached -l 127.0.0.1 -p 28411 -U 0 -m 256 -u "$(id -un)" >/dev/null 2>&1 &
PIDS+=("$!")
for _ in $(seq 50); do port_open 28411 && break; sleep 0.1; done
KEY="$("$BIN/simplepush" genkey)"

# start NAME WS_PORT ENDPOINT_PORT [ROUTER_PORT]
start() {
    mkdir -p "$WORK/$1"
    (cd "$WORK/$1" && exec env SIMPLEPUSH_DEFAULT_TOKEN_KEYS="$KEY" SIMPLEPUSH_STORAGE_MEMCACHE_SERVER=127.0.0.1:28411 \
        ${4:+SIMPLEPUSH_ROUTER_ADDR=127.0.0.1:$4} "$BIN/simplepush" serve --ws-addr "127.0.0.1:$2" \
        --endpoint-addr "127.0.0.1:$3" --storage memcache --log-level warning) >"$WORK/$1.log" 2>&1 &
    PIDS+=("$!")
    for _ in $(seq 100); do port_open "$3" && return; sleep 0.1; done
    echo "node $1 did not start"; cat "$WORK/$1.log"; exit 1
}

# run LABEL WS_PORT [loadtest options…]
run() {
    local label=$1 port=$2
    shift 2
    "$BIN/loadtest" notify --url "ws://127.0.0.1:$port/" --clients 1000 --rate 1000 --duration 10 --http-connections 64 \
        --quiet --json "$WORK/run.json" "$@" >/dev/null || true
    printf '%-36s %s\n' "$label" "$(for f in counters.putsSent counters.putsDelivered counters.putsStored latency.p50 latency.p99 counters.errors; do
        printf '%s=%s ' "${f#*.}" "$("$BIN/loadtest" inspect "$WORK/run.json" "$f")"; done)"
}

start a 29080 29081 29082
start b 29180 29181 29182
for round in 1 2; do
    run "fleet: PUT to the device's node" 29080
    run "fleet: PUT through the other node" 29080 --update-url http://127.0.0.1:29181
done
start alone 29280 29281
for round in 1 2; do
    run "a node alone (no router)" 29280
done
